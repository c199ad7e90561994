/**
 * A few hundred hostile bodies (fuzz-bodies.ts) through inject(): each is answered 200 (a
 * mutation that is still a valid fingerprint) or a 4xx with a typed error, never a 5xx, and the
 * service still answers a good request after them. bench/service-fuzz.ts sends 10 000+ to a process.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { LocalBackend } from '../../packages/node/src/service/backend.js'
import { buildService, type Service } from '../../packages/node/src/service/http.js'
import { fuzzRequests } from './fuzz-bodies.js'
import { bytesOf, post, world } from './support.js'

const w = world()
let s: Service
beforeAll(async () => { s = await buildService(new LocalBackend(w.catalog()), { maxItems: 256 }) })
afterAll(async () => { await s.close() })

it('400 hostile bodies: only 200 or a typed 4xx, and the service answers after them', async () => {
  const next = fuzzRequests([bytesOf(w.snippet), bytesOf(w.whole)], 42)
  const statuses = new Map<number, number>()
  for (let i = 0; i < 400; i++) {
    const q = next()
    const r = await s.app.inject({ method: 'POST', url: q.url, payload: q.body, headers: { 'content-type': q.type, ...(q.encoding ? { 'content-encoding': q.encoding } : {}) } })
    statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1)
    if (r.statusCode !== 200) {
      expect(r.statusCode, `${q.url} ${q.body.subarray(0, 64).toString('hex')}: ${r.body}`).toBeGreaterThanOrEqual(400)
      expect(r.statusCode, `${q.url} ${q.body.subarray(0, 64).toString('hex')}: ${r.body}`).toBeLessThan(500)
      expect(r.json().error.code).toMatch(/^[A-Z_]+$/)
    }
  }
  expect(statuses.get(400)).toBeGreaterThan(100)
  const good = await post(s, '/v1/match', bytesOf(w.snippet))
  expect(good.json.matches[0].trackId).toBe('track-502')
})
