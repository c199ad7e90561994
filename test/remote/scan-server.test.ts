/**
 * `peakmatch scan --server`: the same report as a local scan of the same catalog, batching,
 * retries, and a file never reported "unmatched" (= upload it) unless the service decided so.
 * The service is test-service.ts, a real HTTP server in this process.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FingerprintCache } from '../../packages/node/src/cache.js'
import { loadCatalog, scanLibrary } from '../../packages/node/src/scan.js'
import { RemoteCatalog } from '../../packages/node/src/remote/remote-catalog.js'
import { Catalog, fingerprint, fingerprintFromBytes } from '../../src/index.js'
import { cli, makeWorld, WORKER_SCRIPT } from '../node/support.js'
import { synthMusic, withNoise } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { startTestService, type TestService } from './test-service.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const cache = join(world.dir, 'cache')
let service: TestService
let local: any
const byPath = (files: any[]) => new Map(files.map((f) => [f.path, f]))
/** What a decision is: everything but whether the fingerprint came from the cache. */
const decision = ({ cached: _, ...rest }: any) => rest
const readable = () => local.files.filter((f: any) => f.status !== 'unreadable' && f.status !== 'skipped')

beforeAll(async () => {
  const built = await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0', '--json')
  expect(built.code, built.err).toBe(0)
  // The local scan fills the cache: the scans against the service then decode nothing.
  const r = await cli('scan', world.library, '--catalog', pmx, '--cache', cache, '--json')
  expect(r.code, r.err).toBe(1)
  local = r.json()
  service = await startTestService(loadCatalog(pmx))
})
afterEach(() => { service.fault = undefined; service.hold = undefined; service.catalogAnswer = undefined; service.gzip = true; service.requests.length = 0 })
afterAll(() => service?.close())

// --jobs 0: every file comes from the cache, no decoding thread is worth starting.
const scan = (...extra: string[]) => cli('scan', world.library, '--server', service.url, '--cache', cache, '--jobs', '0', '--json', ...extra)

describe('peakmatch scan --server', () => {
  it('gives the local scan\'s report: files, statuses, tracks, confidences', async () => {
    const r = await scan('--report', join(world.dir, 'remote.csv'))
    expect(r.code, r.err).toBe(1)   // the library's unreadable files, as locally
    const remote = r.json()
    expect(remote.server).toBe(service.url)
    expect(remote.files.map((f: any) => f.path)).toEqual(local.files.map((f: any) => f.path))
    const want = byPath(local.files)
    for (const f of remote.files) expect(decision(f)).toEqual(decision(want.get(f.path)))
    const { elapsedSeconds: _a, cache: _b, fingerprinted: _c, fromCache: _d, ...summary } = remote.summary
    expect(local.summary).toMatchObject(summary)
    expect(summary).toMatchObject({ matched: 5, unmatched: 2, unreadable: 3, failed: 0 })
    // Unreadable files are answered here: only the 7 readable ones were sent, gzipped.
    expect(service.requests.flatMap((q) => q.items)).toHaveLength(7)
    expect(service.requests.every((q) => q.encoding === 'gzip')).toBe(true)
  })

  it('gives the local answers for a file over 60 s too, of which it sends ranks < indexFanout + 1 only', async () => {
    // A catalog of one 70 s track; the library holds a noisy copy of it and an unknown 65 s file.
    const catalog = new Catalog()
    const track = synthMusic(304, 70, 22050, 1)
    catalog.add('long', fingerprint(track))
    const dir = mkdtempSync(join(tmpdir(), 'peakmatch-long-'))
    writeFileSync(join(dir, 'copy.wav'), encodeWav(withNoise(track, 10, 5)))
    writeFileSync(join(dir, 'other.wav'), encodeWav(synthMusic(305, 65, 22050, 1)))
    const longService = await startTestService(catalog)
    try {
      const here = await scanLibrary([dir], catalog, { jobs: 0, workerScript: WORKER_SCRIPT })
      const there = await scanLibrary([dir], await RemoteCatalog.connect(longService.url), { jobs: 0, workerScript: WORKER_SCRIPT })
      expect(here.files.map((f) => f.status)).toEqual(['matched', 'unmatched'])
      expect(there.files).toEqual(here.files)
      const sent = longService.requests.flatMap((q) => q.items).map((it) => fingerprintFromBytes(it.fingerprint))
      expect(sent.map((fp) => fp.frontEnd.fanout)).toEqual([catalog.settings().indexFanout + 1, catalog.settings().indexFanout + 1])
    } finally {
      await longService.close()
    }
  })

  it('sends several files per request, never more than --batch', async () => {
    const remote = await RemoteCatalog.connect(service.url, { batchSize: 3, lingerMs: 500 })
    const r = await scanLibrary([world.library], remote, { jobs: 0, workerScript: WORKER_SCRIPT, cache: await FingerprintCache.open(cache) })
    expect(r.summary).toMatchObject({ matched: 5, unmatched: 2, failed: 0 })
    const sizes = service.requests.map((q) => q.items.length)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(7)
    expect(Math.max(...sizes)).toBe(3)
    expect(sizes.length).toBeLessThan(7)
    expect(remote.stats.requests).toBe(sizes.length)
  })

  it('stops reading files while the service holds its answers: fingerprints do not pile up', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    service.hold = () => held
    // One item on the wire and one waiting: the reader may run at most its two lanes ahead.
    const remote = await RemoteCatalog.connect(service.url, { batchSize: 1, maxInFlight: 1, lingerMs: 0 })
    let started = 0
    const scanning = scanLibrary([world.library], remote, { jobs: 0, workerScript: WORKER_SCRIPT, cache: await FingerprintCache.open(cache), onProgress: (p) => { if (p.stage === 'started') started++ } })
    while (service.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 300))   // what a reader left free would read meanwhile: all 10 files from the cache
    expect(started).toBeLessThanOrEqual(5)
    release()
    expect((await scanning).summary).toMatchObject({ matched: 5, unmatched: 2, failed: 0 })
  })

  it('retries a 503 after its Retry-After, then reports the answers (plain bodies to a service that takes no gzip)', async () => {
    service.fault = (_items, n) => (n === 1 ? { status: 503, code: 'OVERLOADED', retryAfter: '1' } : undefined)
    service.gzip = false   // the first request of each batch is answered 415; every later one is plain
    const r = await scan('--batch', '64', '--retries', '2')
    expect(r.code, r.err).toBe(1)
    const want = byPath(local.files)
    for (const f of r.json().files) expect(decision(f)).toEqual(decision(want.get(f.path)))
    expect(service.requests.every((q) => q.encoding === 'identity')).toBe(true)
    // The refused batch came again (other batches may have gone meanwhile), after Retry-After: 1 (a lower bound only).
    const [first, ...later] = service.requests
    const again = later.find((q) => q.items.length === first!.items.length && Buffer.compare(q.items[0]!.fingerprint, first!.items[0]!.fingerprint) === 0)
    expect(again).toBeDefined()
    expect(again!.at - first!.at).toBeGreaterThanOrEqual(900)
  })

  it('sends PARTIAL items again, and fails them, never unmatched, when they stay partial', async () => {
    const partial = (items: unknown[]) => ({ itemErrors: items.map(() => ({ code: 'PARTIAL', message: 'shard 1 did not answer' })) })
    service.fault = (items, n) => (n === 1 ? partial(items) : undefined)
    const once = await scanLibrary([world.library], await RemoteCatalog.connect(service.url, { retries: 1, retryBaseMs: 10 }), { jobs: 0, workerScript: WORKER_SCRIPT })
    expect(once.summary).toMatchObject({ matched: 5, unmatched: 2, failed: 0 })

    service.fault = (items) => partial(items)
    const report = join(world.dir, 'partial.json')
    const r = await cli('scan', world.library, '--server', service.url, '--cache', cache, '--jobs', '0', '--retries', '1', '--report', report)
    expect(r.code).toBe(1)
    const json = JSON.parse(readFileSync(report, 'utf8'))
    const files = json.files.filter((f: any) => f.status !== 'unreadable')
    expect(files).toHaveLength(7)
    for (const f of files) expect(f).toMatchObject({ status: 'failed', reason: 'partial' })
    expect(json.summary).toMatchObject({ matched: 0, unmatched: 0, unmatchedBytes: 0, failed: 7 })
    expect(r.out).toMatch(/failed\s+7\s+read, but the server did not decide them/)
    expect(r.out).toMatch(/failed {6}album\/song-a\.mp3: partial — /)
  })

  it('reports a file the service refuses (4xx) as failed, and decides the others', async () => {
    // Files whose codec no other file has: the service tells them by their items' quality.
    const victim = readable().find((f: any) => readable().filter((g: any) => g.quality.codec === f.quality.codec).length === 1)
    const other = readable().find((f: any) => f !== victim && readable().filter((g: any) => g.quality.codec === f.quality.codec).length === 1)
    const is = (f: any) => (it: any) => it.options.quality?.codec === f.quality.codec
    // The victim is too large for this service, alone or not, and more than 2 items are too many
    // (413s split a batch); the other's item is refused inside a 200 (an item error: its alone too).
    service.fault = (items) => (items.some(is(victim)) ? { status: 413, code: 'BODY_TOO_LARGE' } : items.length > 2 ? { status: 413, code: 'TOO_MANY_ITEMS' }
      : { itemErrors: items.map((it) => (is(other)(it) ? { code: 'INVALID_FINGERPRINT', message: 'bad bytes' } : undefined)) })
    const r = await scan()
    expect(r.code, r.err).toBe(1)
    const got = byPath(r.json().files)
    expect(got.get(victim.path)).toMatchObject({ status: 'failed', reason: 'rejected', error: expect.stringMatching(/HTTP 413 BODY_TOO_LARGE/) })
    expect(got.get(other.path)).toMatchObject({ status: 'failed', reason: 'rejected', error: expect.stringMatching(/INVALID_FINGERPRINT: bad bytes/) })
    for (const f of readable()) if (f !== victim && f !== other) expect(decision(got.get(f.path))).toEqual(decision(f))
    expect(r.json().summary.failed).toBe(2)
  })

  it('exits 6 before any decoding when the service cannot be reached', async () => {
    const down = await startTestService(loadCatalog(pmx))
    const url = down.url
    await down.close()
    const fresh = join(world.dir, 'never-made')
    const r = await cli('scan', world.library, '--server', url, '--cache', fresh)
    expect(r.code).toBe(6)
    expect(r.err).toMatch(/cannot reach the service at http:\/\/127\.0\.0\.1:\d+: connection refused.*nothing was scanned/)
    expect(r.out).toBe('')                  // no file line: nothing was read
    expect(existsSync(fresh)).toBe(false)   // not even the cache was opened
    // A catalog of a front end this peakmatch cannot make (another version; other peak options are
    // fingerprinted with, scan-server-front-end.test.ts): said once, before any decoding (exit 3).
    service.catalogAnswer = (body) => ({ ...body, settings: { ...body.settings, frontEnd: { ...body.settings.frontEnd, version: 2 } } })
    const r3 = await cli('scan', world.library, '--server', service.url, '--cache', fresh)
    expect(r3.code).toBe(3)
    expect(r3.err).toMatch(/fingerprinted with a front end this peakmatch cannot make \(front end of version 2: this peakmatch makes version 1 only/)
    expect(existsSync(fresh)).toBe(false)
    expect((await cli('scan', world.library, '--server', 'localhost:8080')).code).toBe(2)
    expect((await cli('scan', world.library, '--server', url, '--catalog', pmx)).code).toBe(2)
    expect((await cli('scan', world.library, '--catalog', pmx, '--batch', '8')).code).toBe(2)
  })

  it('stops with exit 6 and a partial report when the service goes away mid-scan', async () => {
    service.fault = () => ({ destroy: true })
    const report = join(world.dir, 'lost.json')
    const r = await cli('scan', world.library, '--server', service.url, '--cache', cache, '--jobs', '0', '--retries', '1', '--report', report)
    expect(r.code).toBe(6)
    expect(r.err).toMatch(/stopped answering: the connection was closed by the other side \(2 attempts\)\. The scan stopped/)
    expect(r.out).not.toMatch(/^unmatched {3}\S/m)   // no file line says "to upload"
    expect(r.out).toMatch(/unmatched\s+0\s+to upload/)
    expect(existsSync(report) || existsSync(join(world.dir, 'lost.partial.json'))).toBe(true)
  })
})
