/**
 * `peakmatch scan --server` against a service whose catalog was fingerprinted with other peak
 * options than the defaults: the files are fingerprinted with the front end the service reports
 * (GET /v1/catalog settings), and only a front end this peakmatch cannot make is refused.
 */
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ServiceError } from '../../packages/node/src/remote/errors.js'
import { RemoteCatalog } from '../../packages/node/src/remote/remote-catalog.js'
import { saveCatalog } from '../../packages/node/src/scan.js'
import { DEFAULT_FRONT_END, fingerprintFromBytes } from '../../src/index.js'
import { EXPECTED, SPARSE, answers, cli, makeWorld, sparseCatalog } from '../node/support.js'
import { startTestService, type TestService } from './test-service.js'

const world = makeWorld()
const sparse = join(world.dir, 'sparse.pmx')
const plain = join(world.dir, 'plain.pmx')
const cache = join(world.dir, 'cache')
let service: TestService

beforeAll(async () => {
  saveCatalog(sparseCatalog(), sparse)
  const built = await cli('catalog', 'build', world.masters, '-o', plain, '--editions', world.editions, '--jobs', '0')
  expect(built.code, built.err).toBe(0)
  service = await startTestService(sparseCatalog())
})
afterEach(() => { service.catalogAnswer = undefined; service.requests.length = 0 })
afterAll(() => service?.close())

const withFrontEnd = (frontEnd: unknown) => (body: any) => ({ ...body, settings: { ...body.settings, frontEnd } })

describe('scan --server, a catalog of other peak options', () => {
  it('finds its tracks, fingerprinting with the front end the service reports; the local scan of that catalog agrees', async () => {
    // The cache holds the default front end's fingerprints of every file: none of them may be sent.
    expect((await cli('scan', world.library, '--catalog', plain, '--cache', cache, '--jobs', '0', '--json')).json().summary).toMatchObject({ fingerprinted: 7, matched: 5 })
    const r = await cli('scan', world.library, '--server', service.url, '--cache', cache, '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(1)   // the library's unreadable files
    const remote = r.json()
    expect(remote.frontEnd).toEqual(SPARSE)
    expect(remote.summary).toMatchObject({ fingerprinted: 7, fromCache: 0, matched: 5, unmatched: 2, failed: 0 })
    expect(answers(remote.files)).toEqual(EXPECTED)
    const sent = service.requests.flatMap((q) => q.items).map((it) => fingerprintFromBytes(it.fingerprint))
    expect(sent).toHaveLength(7)
    for (const fp of sent) expect(fp.frontEnd).toEqual(SPARSE)   // files under 60 s go whole: fanout 5 too
    // The same decisions as a local scan of the same catalog, now served from the cache's sparse entries.
    const local = (await cli('scan', world.library, '--catalog', sparse, '--cache', cache, '--jobs', '0', '--json')).json()
    expect(local.summary).toMatchObject({ fingerprinted: 0, fromCache: 7 })
    const decision = ({ cached: _, ...rest }: any) => rest
    expect(remote.files.map(decision)).toEqual(local.files.map(decision))
  })

  it('fingerprints with the defaults for a service whose catalog is empty (no stamp yet)', async () => {
    service.catalogAnswer = withFrontEnd(null)
    const remote = await RemoteCatalog.connect(service.url)
    expect(remote.frontEnd).toEqual(DEFAULT_FRONT_END)
    remote.close()
  })

  it('refuses, with a typed error and exit 3, a front end this peakmatch cannot make (another version, a malformed one)', async () => {
    service.catalogAnswer = withFrontEnd({ ...SPARSE, version: 2 })
    const e = await RemoteCatalog.connect(service.url).then(() => undefined, (x: unknown) => x)
    expect(e).toBeInstanceOf(ServiceError)
    expect((e as ServiceError).kind).toBe('incompatible')
    expect((e as ServiceError).message).toMatch(/front end this peakmatch cannot make \(front end of version 2: this peakmatch makes version 1 only/)
    const r = await cli('scan', world.library, '--server', service.url, '--no-cache', '--jobs', '0')
    expect(r.code).toBe(3)
    expect(r.err).toContain('version 2')
    expect(service.requests).toHaveLength(0)   // refused before anything was decoded or sent
    service.catalogAnswer = withFrontEnd({ ...SPARSE, neighborhoodBins: 0 })
    const bad = await RemoteCatalog.connect(service.url).then(() => undefined, (x: unknown) => x)
    expect((bad as ServiceError).kind).toBe('incompatible')
    expect((bad as ServiceError).message).toContain('frontEnd.neighborhoodBins')
  })
})
