/**
 * The compute queue's bounds, made deterministic with a backend whose computation the test holds
 * open: a request still waiting at its deadline is answered DEADLINE_EXCEEDED without being
 * computed, the one past --max-queue is OVERLOADED with Retry-After, and a cluster's missing
 * shard makes a match partial and a decision fail (never "unmatched").
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { Fingerprint, Identification, Match } from '../../src/index.js'
import { PartialAnswerError, type Answered, type Backend, type BackendInfo } from '../../packages/node/src/service/backend.js'
import type { DecisionSource } from '../../packages/node/src/decide.js'
import { buildService, type Service } from '../../packages/node/src/service/http.js'
import { ComputeQueue } from '../../packages/node/src/service/queue.js'
import { BATCH_TYPE, batchOf, bytesOf, post, world } from './support.js'

/** A backend whose match() waits for the test to release it, and counts what it computed. */
class HeldBackend implements Backend {
  computed = 0
  #release: (() => void)[] = []
  #started: (() => void)[] = []
  missingShards: number[] = []

  /** Resolves when `n` computations have started. */
  started(n: number): Promise<void> {
    return new Promise((r) => { const check = () => (this.computed >= n ? r() : this.#started.push(check)); check() })
  }
  releaseAll(): void { for (const r of this.#release.splice(0)) r() }

  ready() { return true }
  async match(_fp: Fingerprint): Promise<Answered<Match[]>> {
    this.computed++
    for (const s of this.#started.splice(0)) s()
    await new Promise<void>((r) => this.#release.push(r))
    return { value: [], missingShards: this.missingShards }
  }
  async identify(): Promise<Answered<Identification>> {
    return { value: { status: 'unmatched', confidence: 0, coverage: 0, offsetSeconds: 0, alternatives: [], windows: { total: 0, withAudio: 0 } } as Identification, missingShards: this.missingShards }
  }
  decisionSource(): DecisionSource {
    const missing = this.missingShards
    const refuse = async (): Promise<never> => { throw new PartialAnswerError(missing) }
    return { identify: refuse, match: refuse, track: refuse, editions: refuse }
  }
  async info(): Promise<BackendInfo> { return { stats: { tracks: 0, hashes: 0, bytes: 0, seconds: 0 }, settings: { indexFanout: 2, tripletIndex: false, frontEnd: null }, shards: 4, missingShards: [] } }
  async close() {}
}

const w = world()
let s: Service | undefined
afterEach(async () => { await s?.close(); s = undefined })

describe('the compute queue', () => {
  it('a request still waiting at its deadline is answered DEADLINE_EXCEEDED and never computed', async () => {
    const backend = new HeldBackend()
    s = await buildService(backend, { deadlineMs: 50 })
    const first = post(s, '/v1/match', bytesOf(w.snippet))
    await backend.started(1)
    // The first is held until the second has its answer: the second can only have waited past its deadline.
    const second = await post(s, '/v1/match', bytesOf(w.snippet))
    expect(second.status).toBe(503)
    expect(second.json.error.code).toBe('DEADLINE_EXCEEDED')
    backend.releaseAll()
    expect((await first).status).toBe(200)
    expect(backend.computed).toBe(1)
  })

  it('past --max-queue waiting, OVERLOADED at once with Retry-After; the waiting ones are then served', async () => {
    const backend = new HeldBackend()
    s = await buildService(backend, { maxQueue: 2, deadlineMs: 600_000 })
    const running = post(s, '/v1/match', bytesOf(w.snippet))
    await backend.started(1)
    const waiting = [post(s, '/v1/match', bytesOf(w.snippet)), post(s, '/v1/match', bytesOf(w.snippet))]
    while (s.queue.waiting < 2) await new Promise((r) => setImmediate(r))
    const over = await post(s, '/v1/match', bytesOf(w.snippet))
    expect([over.status, over.json.error.code, over.headers['retry-after']]).toEqual([503, 'OVERLOADED', '1'])
    expect((await s.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^peakmatch_queue_waiting 2$/m)
    for (let n = 2; n <= 3; n++) { backend.releaseAll(); await backend.started(n) }
    backend.releaseAll()
    expect((await Promise.all([running, ...waiting])).map((r) => r.status)).toEqual([200, 200, 200])
    expect(backend.computed).toBe(3)
  })

  it('a request whose client hung up while it waited is not computed when its turn comes', async () => {
    const q = new ComputeQueue()
    let release!: () => void
    const first = q.run(() => new Promise<string>((r) => { release = () => r('first') }), Infinity)
    let ran = false
    const second = q.run(() => { ran = true }, Infinity, () => true)
    const third = q.run(() => 'third', Infinity)
    release()
    expect(await first).toBe('first')
    await expect(second).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' })
    expect(await third).toBe('third')
    expect(ran).toBe(false)
    await new Promise((r) => setImmediate(r))   // the turn is handed on after the event loop turns
    expect([q.busy, q.waiting]).toEqual([false, 0])
  })
})

describe('a backend with missing shards', () => {
  it('match and identify answers are marked partial; a decide item fails PARTIAL naming the shards', async () => {
    const backend = new HeldBackend()
    backend.missingShards = [2]
    s = await buildService(backend)
    const identify = await post(s, '/v1/identify', bytesOf(w.whole))
    expect(identify.json).toMatchObject({ schemaVersion: 1, identification: { status: 'unmatched' }, partial: { missingShards: [2] } })
    const body = batchOf({ v: 1, items: [
      { op: 'identify', fingerprint: bytesOf(w.whole) },
      { op: 'decide', fingerprint: bytesOf(w.whole), options: { durationSeconds: 20 } },
    ] })
    const r = await post(s, '/v1/batch', body, BATCH_TYPE)
    expect(r.status).toBe(200)
    expect(r.json.partial).toEqual({ missingShards: [2] })
    expect(r.json.items[0]).toMatchObject({ ok: true, result: { status: 'unmatched' } })
    expect(r.json.items[1]).toEqual({ ok: false, error: { code: 'PARTIAL', message: expect.stringMatching(/shards 2 did not answer/), missingShards: [2] } })
    // An operator sees the shard down in /metrics: the identify and the batch, each once.
    expect((await s.app.inject({ method: 'GET', url: '/metrics' })).body).toMatch(/^peakmatch_partial_answers_total\{shard="2"\} 2$/m)
  })
})

describe('shutdown (what SIGINT and SIGTERM call)', () => {
  it('close() waits for the request under way, which gets its answer', async () => {
    const backend = new HeldBackend()
    const svc = await buildService(backend)
    await svc.app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = svc.app.server.address() as { port: number }
    const running = fetch(`http://127.0.0.1:${port}/v1/match`, { method: 'POST', body: new Uint8Array(bytesOf(w.snippet)), headers: { 'content-type': 'application/octet-stream' } })
    await backend.started(1)
    let closed = false
    const closing = svc.close().then(() => { closed = true })
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r))
    expect(closed).toBe(false)
    backend.releaseAll()
    const r = await running
    expect(r.status).toBe(200)
    expect(await r.json()).toEqual({ schemaVersion: 1, matches: [] })
    await closing
    expect(closed).toBe(true)
  })
})
