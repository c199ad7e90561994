/**
 * The HTTP API v1 through fastify's inject(): the service answers what the catalog answers in
 * process, and every bad request gets its typed 4xx error.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decide, type Reading } from '../../packages/node/src/decide.js'
import { loadCatalog, saveCatalog } from '../../packages/node/src/scan.js'
import { LocalBackend } from '../../packages/node/src/service/backend.js'
import { buildService, type Service } from '../../packages/node/src/service/http.js'
import { matchOptionsOf } from '../../packages/node/src/service/requests.js'
import { QUERY_GRIDS, fingerprint } from '../../src/index.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'
import { BATCH_TYPE, batchOf, bytesOf, post, world } from './support.js'

const w = world()
const local = w.catalog()
let s: Service

/** JSON as the client sees it: undefined fields gone. */
const wire = (x: unknown) => JSON.parse(JSON.stringify(x))

beforeAll(async () => {
  s = await buildService(new LocalBackend(w.catalog()), { maxBodyBytes: 256 * 1024, maxItems: 8, maxFingerprintSeconds: 600 })
})
afterAll(async () => { await s.close() })

describe('answers', () => {
  it('/v1/match gives Catalog.match\'s matches, with its options', async () => {
    const r = await post(s, '/v1/match?limit=3&minConfidence=0&factorSearch=false', bytesOf(w.snippet))
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ schemaVersion: 1, matches: wire(local.match(w.snippet, { limit: 3, minConfidence: 0, factorSearch: false })) })
    expect(r.json.matches[0]).toMatchObject({ trackId: 'track-502', metadata: { title: 'Five-oh-two' } })
    expect(r.json.matches[0].offsetSeconds).toBeCloseTo(6, 0)
    const none = await post(s, '/v1/match', bytesOf(w.unknown))
    expect(none.json).toEqual({ schemaVersion: 1, matches: wire(local.match(w.unknown)) })
    // 'screened' passes the schema and reaches the catalog as itself (matchOptionsOf mapped every word but 'auto' to a boolean).
    const screened = await post(s, '/v1/match?factorSearch=screened', bytesOf(w.snippet))
    expect(screened.status).toBe(200)
    expect(screened.json).toEqual({ schemaVersion: 1, matches: wire(local.match(w.snippet, { factorSearch: 'screened' })) })
    expect(matchOptionsOf({ factorSearch: 'screened' })).toEqual({ factorSearch: 'screened' })
  })

  it('/v1/match takes a query on two frame grids (bytes version 2), and its off-grid hashes find what one grid does not', async () => {
    // 3 s of track-502 at -3 dB SNR: one grid misses it, two find it (measured when written).
    const clip = withNoise(excerpt(synthMusic(502, 20, 22050, 1), 7.85, 3), -3, 45)
    const one = fingerprint(clip), two = fingerprint(clip, { grids: QUERY_GRIDS })
    expect(bytesOf(two).readUInt16LE(4)).toBe(2)
    expect(local.match(one)).toEqual([])
    const r = await post(s, '/v1/match', bytesOf(two))
    expect(r.status).toBe(200)
    expect(r.json).toEqual({ schemaVersion: 1, matches: wire(local.match(two)) })
    expect(r.json.matches[0]).toMatchObject({ trackId: 'track-502' })
    expect(r.json.matches[0].offsetSeconds).toBeCloseTo(7.85, 1)
    // The same bytes without the off-grid section (version 1) are the one-grid answer: nothing.
    expect((await post(s, '/v1/match', bytesOf(one))).json.matches).toEqual([])
  })

  it('/v1/identify gives Catalog.identify\'s identification, with the user\'s quality', async () => {
    const r = await post(s, '/v1/identify?codec=mp3&bitrateKbps=96&alternatives=2', bytesOf(w.whole))
    expect(r.status).toBe(200)
    const expected = local.identify(w.whole, { quality: { codec: 'mp3', bitrateKbps: 96 }, alternatives: 2 })
    expect(r.json).toEqual({ schemaVersion: 1, identification: wire(expected) })
    expect(r.json.identification).toMatchObject({ status: 'matched', recordingId: 'rec-1', upgrade: true })
  })

  it('gzip bodies are taken; other encodings are 415', async () => {
    const r = await post(s, '/v1/match', gzipSync(bytesOf(w.snippet)), undefined, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' })
    expect(r.json.matches[0].trackId).toBe('track-502')
    const br = await post(s, '/v1/match', bytesOf(w.snippet), undefined, { 'content-type': 'application/octet-stream', 'content-encoding': 'br' })
    expect([br.status, br.json.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
  })

  it('/v1/batch runs each item as its own route would, and decide as the local scan does', async () => {
    const reading = (fp: typeof w.whole, durationSeconds: number): Reading => ({
      file: { path: '', open: '', root: '', size: 0, mtimeMs: 0 }, fp, cached: false,
      info: { quality: { codec: 'opus', bitrateKbps: 64 }, tags: {}, durationSeconds, sampleRate: 0, channels: 0, format: '' },
    })
    const body = batchOf({
      v: 1,
      items: [
        { op: 'identify', fingerprint: bytesOf(w.whole), options: { alternatives: 1 } },
        { op: 'match', fingerprint: bytesOf(w.snippet), options: { limit: 2, factorSearch: 'screened' } },
        { op: 'decide', fingerprint: bytesOf(w.whole), options: { durationSeconds: 20, quality: { codec: 'opus', bitrateKbps: 64 }, top: 2 } },
        { op: 'decide', fingerprint: bytesOf(w.snippet), options: { durationSeconds: 10, quality: { codec: 'opus', bitrateKbps: 64 } } },
        { op: 'match', fingerprint: bytesOf(w.snippet).subarray(0, 60) },
        { op: 'frobnicate', fingerprint: bytesOf(w.snippet) },
        { op: 'decide', fingerprint: bytesOf(w.snippet), options: {} },
      ],
    })
    const r = await post(s, '/v1/batch', body, BATCH_TYPE)
    expect(r.status).toBe(200)
    expect(r.json.schemaVersion).toBe(1)
    expect(r.json.partial).toBeUndefined()
    const [identify, match, decideWhole, decideSnippet, truncated, badOp, noDuration] = r.json.items
    expect(identify).toEqual({ ok: true, result: wire(local.identify(w.whole, { alternatives: 1 })) })
    expect(match).toEqual({ ok: true, result: wire(local.match(w.snippet, { limit: 2, factorSearch: 'screened' })) })
    expect(decideWhole).toEqual({ ok: true, result: wire(await decide(local, reading(w.whole, 20), { top: 2 })) })
    expect(decideWhole.result).toMatchObject({ status: 'matched', recordingId: 'rec-1', catalogTags: { title: 'Five-oh-one', artist: 'Synth' } })
    expect(decideSnippet).toEqual({ ok: true, result: wire(await decide(local, reading(w.snippet, 10))) })
    expect(decideSnippet.result).toMatchObject({ status: 'snippet', trackId: 'track-502' })
    expect(truncated).toMatchObject({ ok: false, error: { code: 'INVALID_FINGERPRINT', message: expect.stringMatching(/^item 4: /) } })
    expect(badOp).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/op must be/) } })
    expect(noDuration).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/durationSeconds/) } })
  })

  it('/v1/catalog, /healthz, /readyz, /metrics and /openapi.json', async () => {
    const cat = await s.app.inject({ method: 'GET', url: '/v1/catalog' })
    expect(cat.json()).toMatchObject({ schemaVersion: 1, stats: wire(local.stats()), settings: wire(local.settings()), shards: 1, formats: { fingerprint: 2 }, limits: { maxItems: 8, maxBodyBytes: 256 * 1024 } })
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' })
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200)
    const metrics = await s.app.inject({ method: 'GET', url: '/metrics' })
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/)
    expect(metrics.body).toMatch(/^peakmatch_http_requests_total\{method="POST",route="\/v1\/match",status="200"\} [1-9]/m)
    expect(metrics.body).toMatch(/^peakmatch_http_request_duration_seconds_bucket\{le="\+Inf",route="\/v1\/identify"\} [1-9]/m)
    expect(metrics.body).toMatch(/^peakmatch_catalog_tracks 3$/m)
    expect(metrics.body).toMatch(/^peakmatch_batch_items_total\{op="decide",outcome="ok"\} 2$/m)
    const spec = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    expect(spec.openapi).toMatch(/^3\./)
    expect(Object.keys(spec.paths).sort()).toEqual(['/healthz', '/metrics', '/readyz', '/v1/batch', '/v1/catalog', '/v1/identify', '/v1/match'])
    expect(spec.paths['/v1/match'].post.requestBody.content).toHaveProperty(['application/octet-stream'])
    expect(spec.paths['/v1/match'].post.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['factorSearch', 'limit', 'minConfidence'])
  })
})

describe('errors: always { error: { code, message } }, 4xx for what the client sent', () => {
  const bad = async (r: Promise<{ status: number; json: any }>, status: number, code: string) => {
    const { status: got, json } = await r
    expect(json.error?.code, JSON.stringify(json)).toBe(code)
    expect(got).toBe(status)
    expect(typeof json.error.message).toBe('string')
  }
  const good = bytesOf(w.snippet)

  it('fingerprint bytes: malformed, truncated, damaged, wrong version, other options, too long', async () => {
    await bad(post(s, '/v1/match', Buffer.from('not a fingerprint at all, just text')), 400, 'INVALID_FINGERPRINT')
    await bad(post(s, '/v1/match', good.subarray(0, 30)), 400, 'INVALID_FINGERPRINT')
    await bad(post(s, '/v1/identify', good.subarray(0, good.length - 5)), 400, 'INVALID_FINGERPRINT')
    const flipped = Buffer.from(good); flipped[100]! ^= 0x10
    await bad(post(s, '/v1/match', flipped), 400, 'INVALID_FINGERPRINT')
    const v3 = Buffer.from(good); v3.writeUInt16LE(3, 4)
    await bad(post(s, '/v1/match', v3), 400, 'UNSUPPORTED_VERSION')
    await bad(post(s, '/v1/match', bytesOf(w.foreign)), 400, 'INCOMPATIBLE_FINGERPRINT')
    await bad(post(s, '/v1/match', bytesOf({ ...w.snippet, durationSeconds: 3600 })), 413, 'FINGERPRINT_TOO_LONG')
    await bad(post(s, '/v1/match', Buffer.alloc(0)), 400, 'INVALID_FINGERPRINT')
  })

  it('bodies: bad msgpack, bad shapes, too many items, too large, wrong or no content type', async () => {
    await bad(post(s, '/v1/batch', Buffer.from([0xc1, 0xff, 0x00]), BATCH_TYPE), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/batch', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]), BATCH_TYPE), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/batch', batchOf([1, 2, 3]), BATCH_TYPE), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/batch', batchOf({ v: 2, items: [] }), BATCH_TYPE), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/batch', batchOf({ v: 1, items: 'many' }), BATCH_TYPE), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/batch', batchOf({ v: 1, items: Array.from({ length: 9 }, () => ({ op: 'match', fingerprint: good })) }), BATCH_TYPE), 413, 'TOO_MANY_ITEMS')
    await bad(post(s, '/v1/match', Buffer.alloc(300 * 1024)), 413, 'BODY_TOO_LARGE')
    await bad(post(s, '/v1/match', gzipSync(Buffer.alloc(300 * 1024)), undefined, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }), 413, 'BODY_TOO_LARGE')
    await bad(post(s, '/v1/match', '{"fingerprint": 1}', 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE')
    await bad(post(s, '/v1/match', good, BATCH_TYPE), 415, 'UNSUPPORTED_MEDIA_TYPE')
    await bad(post(s, '/v1/batch', good), 415, 'UNSUPPORTED_MEDIA_TYPE')
    await bad(post(s, '/v1/match', undefined, ''), 415, 'UNSUPPORTED_MEDIA_TYPE')
    // A body whose map replaced its prototype is refused, not trusted.
    await bad(post(s, '/v1/batch', batchOf(JSON.parse('{"__proto__": {"v": 1, "items": []}}')), BATCH_TYPE), 400, 'INVALID_REQUEST')
  })

  it('query strings: unknown fields, wrong types, out of range', async () => {
    await bad(post(s, '/v1/match?limt=3', good), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/match?limit=abc', good), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/match?limit=100000', good), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/match?factorSearch=maybe', good), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/identify?minConfidence=2', bytesOf(w.whole)), 400, 'INVALID_REQUEST')
    await bad(post(s, '/v1/identify?lossless=perhaps', bytesOf(w.whole)), 400, 'INVALID_REQUEST')
  })

  it('routes: unknown route or method 404, a URL that does not decode 400, admin without a token configured 404', async () => {
    const get = (url: string, method: 'GET' | 'DELETE' | 'PUT' | 'POST' = 'GET') => s.app.inject({ method, url }).then((r) => ({ status: r.statusCode, json: r.json() }))
    await bad(get('/v2/match'), 404, 'NOT_FOUND')
    await bad(get('/v1/match'), 404, 'NOT_FOUND')
    await bad(get('/%zz'), 400, 'INVALID_REQUEST')
    await bad(get('/v1/admin/reload', 'POST'), 404, 'NOT_FOUND')
    await bad(get('/v1/admin/tracks/track-501', 'DELETE'), 404, 'NOT_FOUND')
  })
})

describe('catalog updates while serving', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-service-'))
  const file = join(dir, 'catalog.pmx')
  let admin: Service
  const auth = { authorization: 'Bearer s3cret' }

  beforeAll(async () => {
    saveCatalog(w.catalog(), file)
    admin = await buildService(new LocalBackend(loadCatalog(file), async () => loadCatalog(file)), { adminToken: 's3cret' })
  })
  afterAll(async () => { await admin.close(); rmSync(dir, { recursive: true, force: true }) })

  const req = (method: 'PUT' | 'DELETE' | 'POST', url: string, headers: Record<string, string> = auth, payload?: Buffer) =>
    admin.app.inject({ method, url, headers: { ...headers, ...(payload ? { 'content-type': 'application/octet-stream' } : {}) }, ...(payload ? { payload } : {}) })
  const top = async () => (await post(admin, '/v1/match', bytesOf(w.unknown))).json.matches[0]?.trackId

  it('a wrong or missing token is 401, before the body is read', async () => {
    for (const headers of <Record<string, string>[]>[{}, { authorization: 'Bearer nope' }, { authorization: 'Basic czNjcmV0' }, { authorization: 'Bearer s3cret2' }]) {
      const r = await req('PUT', '/v1/admin/tracks/x', headers, Buffer.alloc(20 * 2 ** 20))
      expect([r.statusCode, r.json().error.code]).toEqual([401, 'UNAUTHORIZED'])
      expect(r.headers['www-authenticate']).toBe('Bearer')
    }
  })

  it('PUT adds a track (ids with slashes, metadata header), a second PUT is 409, DELETE removes it', async () => {
    expect(await top()).toBeUndefined()
    const put = await req('PUT', '/v1/admin/tracks/new%2Fpiece.flac?recordingId=rec-new', { ...auth, 'x-peakmatch-metadata': '{"title":"New"}' }, bytesOf(w.unknown))
    expect([put.statusCode, put.json()]).toEqual([201, { schemaVersion: 1, trackId: 'new/piece.flac', tracks: 4 }])
    const m = (await post(admin, '/v1/match', bytesOf(w.unknown))).json.matches[0]
    expect(m).toMatchObject({ trackId: 'new/piece.flac', recordingId: 'rec-new', metadata: { title: 'New' } })
    const again = await req('PUT', '/v1/admin/tracks/new%2Fpiece.flac', auth, bytesOf(w.unknown))
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'DUPLICATE_TRACK'])
    const badMeta = await req('PUT', '/v1/admin/tracks/other', { ...auth, 'x-peakmatch-metadata': '{oops' }, bytesOf(w.unknown))
    expect([badMeta.statusCode, badMeta.json().error.code]).toEqual([400, 'INVALID_REQUEST'])
    const del = await req('DELETE', '/v1/admin/tracks/new%2Fpiece.flac')
    expect([del.statusCode, del.json().tracks]).toEqual([200, 3])
    expect(await top()).toBeUndefined()
    const gone = await req('DELETE', '/v1/admin/tracks/new%2Fpiece.flac')
    expect([gone.statusCode, gone.json().error.code]).toEqual([404, 'NOT_FOUND'])
  })

  it('docs/service.md documents the routes /openapi.json lists, no more, no fewer', async () => {
    const doc = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8')
    const documented = [...doc.matchAll(/^### (.+)$/gm)].flatMap((m) => [...m[1]!.matchAll(/`(GET|POST|PUT|DELETE) ([^`]+)`/g)].map((r) => `${r[1]} ${r[2]}`))
    const spec = (await admin.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
    const listed = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    expect(documented.filter((r) => r !== 'GET /openapi.json').sort()).toEqual(listed.sort())
  })

  it('reload swaps in the rebuilt file; a failed reload keeps serving the old catalog and says why', async () => {
    const rebuilt = w.catalog()
    rebuilt.add('unknown', w.unknown)
    saveCatalog(rebuilt, file)
    const ok = await req('POST', '/v1/admin/reload')
    expect([ok.statusCode, ok.json()]).toEqual([200, { schemaVersion: 1, tracks: 4 }])
    expect(await top()).toBe('unknown')
    writeFileSync(file, 'not a catalog')
    const failed = await req('POST', '/v1/admin/reload')
    expect(failed.statusCode).toBe(500)
    expect(failed.json().error).toMatchObject({ code: 'RELOAD_FAILED', message: expect.stringMatching(/still serving the previous catalog: .*not a usable catalog/) })
    expect(await top()).toBe('unknown')
    expect((await admin.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^peakmatch_catalog_reloads_total\{outcome="failed"\} 1$/m)
  })
})
