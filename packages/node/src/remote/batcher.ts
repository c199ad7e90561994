/**
 * Sends 'decide' items to POST /v1/batch in batches: a batch leaves when it holds `batchSize`
 * items (or `maxBatchBytes`), or when its first item has waited `lingerMs`; at most
 * `maxInFlight` batches are on the wire at once. Each item's promise settles with the service's
 * answer or with why there is none; it never settles with a guess.
 *
 * Retries: a request with no HTTP answer (network, timeout), a 5xx or a 503 (after its
 * Retry-After) is sent again, with backoff, up to `retry.retries` times; then the service is
 * taken as lost: every item waiting or to come fails at once (`onLost` tells the scan to stop),
 * rather than each batch of a large library spending its own retries on a dead service. An item
 * answered PARTIAL (a shard missing) is sent again like a 503, alone with the other partial
 * items of its batch; still partial after the retries, it fails `partial`. A 4xx is not retried:
 * its items fail `rejected` — except 413 (body or item count over the service's limit), which
 * splits the batch in halves, so that only an item too large by itself is refused.
 *
 * Bodies are gzipped (Content-Encoding: gzip, which the service accepts): a third fewer bytes
 * on the dev corpus, what takes a whole file under 2 % of a 128 kbit/s mp3 (docs/scan.md). A
 * service that answers 415 to a gzipped body gets plain ones from then on.
 */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { Packr } from 'msgpackr'
import type { EditionQuality } from 'peakmatch'
import type { DecisionFailure } from '../decide.js'
import { request } from './http.js'
import { backoffMs, sleep, type RetryPolicy } from './retry.js'

/** A decide item's options (service-contract, POST /v1/batch). */
export interface DecideItemOptions { durationSeconds: number; quality?: EditionQuality; minConfidence?: number; top?: number }

export type ItemAnswer = { ok: true; result: unknown } | { ok: false; reason: DecisionFailure; message: string }

export interface BatcherOptions {
  /** The service's POST /v1/batch. */
  url: URL
  batchSize: number
  lingerMs: number
  maxInFlight: number
  maxBatchBytes: number
  timeoutMs: number
  retry: RetryPolicy
  /** Gzip the bodies (until the service refuses one with 415). */
  gzip: boolean
  /** Called once, before any item fails for it, when the service is taken as lost. */
  onLost?: (lost: LostService) => void
  random?: () => number
}

/** Why the service was given up on: `unreachable` (no HTTP answer), or `server-error` (5xx, 503 every time). */
export interface LostService { reason: Extract<DecisionFailure, 'unreachable' | 'server-error'>; message: string }

/**
 * What was sent, for the bench and the tests: request bodies as sent (gzipped when they were;
 * HTTP framing not counted) and before gzip, items sent (again on a retry), requests retried.
 */
export interface BatcherStats { requests: number; bodyBytes: number; plainBytes: number; items: number; retries: number }

export const BATCH_CONTENT_TYPE = 'application/vnd.peakmatch.batch+msgpack'

// Plain msgpack maps (no record extension): any msgpack reader can take the body.
const packr = new Packr({ useRecords: false, moreTypes: false })
// On libuv's thread pool: the main thread keeps feeding the decoders meanwhile.
const gzipAsync = promisify(gzip)

interface Pending {
  fingerprint: Uint8Array
  options: DecideItemOptions
  since: number
  settled: boolean
  resolve: (a: ItemAnswer) => void
  reject: (e: unknown) => void
}

export class DecideBatcher {
  readonly stats: BatcherStats = { requests: 0, bodyBytes: 0, plainBytes: 0, items: 0, retries: 0 }
  readonly #o: BatcherOptions
  #gzip: boolean
  #queue: Pending[] = []
  #queuedBytes = 0
  #inFlight = 0
  /** Items submitted and not settled: what admit() bounds. */
  #held = 0
  #timer: NodeJS.Timeout | undefined
  #lost: LostService | undefined
  readonly #stop = new AbortController()
  #waiters: (() => void)[] = []

  constructor(options: BatcherOptions) {
    this.#o = options
    this.#gzip = options.gzip
  }

  get lost(): LostService | undefined { return this.#lost }

  /**
   * Items held (queued or in flight) past which admit() makes the reader wait: the batches on
   * the wire plus one being filled, so that the service is never idle for want of items.
   */
  get capacity(): number { return this.#o.batchSize * (this.#o.maxInFlight + 1) }

  submit(fingerprint: Uint8Array, options: DecideItemOptions): Promise<ItemAnswer> {
    if (this.#lost) return Promise.resolve(lostAnswer(this.#lost))
    return new Promise((resolve, reject) => {
      this.#queue.push({ fingerprint, options, since: performance.now(), settled: false, resolve, reject })
      this.#queuedBytes += fingerprint.length
      this.#held++
      this.#pump()
    })
  }

  admit(): Promise<void> | undefined {
    if (this.#held < this.capacity || this.#lost) return undefined
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** Stops: requests under way are aborted and every unsettled item fails `unreachable`. */
  close(): void {
    this.#lose({ reason: 'unreachable', message: 'the client was closed' }, false)
  }

  #pump(): void {
    const { batchSize, lingerMs, maxInFlight, maxBatchBytes } = this.#o
    while (this.#queue.length > 0 && this.#inFlight < maxInFlight && !this.#lost) {
      const waited = performance.now() - this.#queue[0]!.since
      if (this.#queue.length < batchSize && this.#queuedBytes < maxBatchBytes && waited < lingerMs) {
        this.#timer ??= setTimeout(() => { this.#timer = undefined; this.#pump() }, lingerMs - waited)
        return
      }
      let n = 0, bytes = 0
      while (n < this.#queue.length && n < batchSize && (n === 0 || bytes + this.#queue[n]!.fingerprint.length <= maxBatchBytes)) bytes += this.#queue[n++]!.fingerprint.length
      const batch = this.#queue.splice(0, n)
      this.#queuedBytes -= bytes
      this.#inFlight++
      this.#send(batch, 0)
        .catch((e: unknown) => { for (const p of batch) if (!p.settled) { p.settled = true; this.#release(); p.reject(e) } })
        .finally(() => { this.#inFlight--; this.#pump() })
    }
  }

  async #send(batch: Pending[], firstAttempt: number): Promise<void> {
    const { url, timeoutMs, retry } = this.#o
    let items = batch
    for (let attempt = firstAttempt; ; attempt++) {
      if (this.#lost) return this.#failLost(items)
      const plain = packr.pack({ v: 1, items: items.map((p) => ({ op: 'decide', fingerprint: p.fingerprint, options: p.options })) })
      const gzipped = this.#gzip
      const body = gzipped ? await gzipAsync(plain) : plain
      this.stats.requests++
      this.stats.bodyBytes += body.length
      this.stats.plainBytes += plain.length
      this.stats.items += items.length
      if (attempt > 0) this.stats.retries++
      const out = await request(url, { method: 'POST', body, contentType: BATCH_CONTENT_TYPE, ...(gzipped ? { contentEncoding: 'gzip' } : {}), timeoutMs, signal: this.#stop.signal })
      if (this.#lost) return this.#failLost(items)
      if (out.kind === 'refused' && out.status === 415 && gzipped) {
        // A service that takes no gzip: the same request, plain, and every later one (not a retry).
        this.#gzip = false
        attempt--
        continue
      }
      if (out.kind === 'refused') {
        if (out.status === 413 && items.length > 1) {
          const half = Math.ceil(items.length / 2)
          await this.#send(items.slice(0, half), attempt)
          await this.#send(items.slice(half), attempt)
          return
        }
        for (const p of items) this.#settle(p, { ok: false, reason: 'rejected', message: `the service refused it: HTTP ${out.status} ${out.error.code}: ${out.error.message}` })
        return
      }
      if (out.kind === 'retry') {
        if (attempt >= retry.retries) {
          this.#lose({ reason: out.unreachable ? 'unreachable' : 'server-error', message: `${out.why} (${attempt + 1} attempts)` }, true)
          return this.#failLost(items)
        }
        await sleep(Math.min(retry.capMs, Math.max(backoffMs(attempt, retry, this.#o.random), out.retryAfterMs ?? 0)), this.#stop.signal)
        continue
      }
      const again = this.#answer(items, out.body)
      if (again.length === 0) return
      if (attempt >= retry.retries) {
        for (const p of again) this.#settle(p, { ok: false, reason: 'partial', message: `part of the service's catalog (a shard) did not answer, ${attempt + 1} attempts: not decided on part of the catalog` })
        return
      }
      await sleep(backoffMs(attempt, retry, this.#o.random), this.#stop.signal)
      items = again
    }
  }

  /** Settles the items a 200 answered; returns those answered PARTIAL, to send again. */
  #answer(items: Pending[], body: unknown): Pending[] {
    const answers = (body as { items?: unknown } | null)?.items
    if (!Array.isArray(answers) || answers.length !== items.length) {
      const got = Array.isArray(answers) ? `${answers.length} answers` : 'no items array'
      for (const p of items) this.#settle(p, { ok: false, reason: 'server-error', message: `the service's answer to a batch of ${items.length} had ${got}` })
      return []
    }
    // A decide item's answer is never partial (the service fails it PARTIAL instead); should a
    // reply still be marked partial, none of its answers is trusted.
    const missing = (body as { partial?: { missingShards?: unknown } }).partial?.missingShards
    const partial = Array.isArray(missing) && missing.length > 0
    const again: Pending[] = []
    for (let i = 0; i < items.length; i++) {
      const a = answers[i] as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } } | null
      const p = items[i]!
      if (a?.ok === false && a.error?.code === 'PARTIAL') again.push(p)
      else if (a?.ok === true && partial) again.push(p)
      else if (a?.ok === true) this.#settle(p, { ok: true, result: a.result })
      else if (a?.ok === false) this.#settle(p, { ok: false, reason: 'rejected', message: `the service refused it: ${String(a.error?.code)}: ${String(a.error?.message)}` })
      else this.#settle(p, { ok: false, reason: 'server-error', message: `the service's answer ${i} is not { ok, result | error }` })
    }
    return again
  }

  #settle(p: Pending, a: ItemAnswer): void {
    if (p.settled) return
    p.settled = true
    this.#release()
    p.resolve(a)
  }

  #release(): void {
    this.#held--
    if (this.#held < this.capacity && this.#waiters.length > 0) {
      const waiters = this.#waiters
      this.#waiters = []
      for (const w of waiters) w()
    }
  }

  #failLost(items: Pending[]): void {
    for (const p of items) this.#settle(p, lostAnswer(this.#lost!))
  }

  /** Gives the service up: `onLost` first (the scan stops taking files), then every waiting item fails. */
  #lose(lost: LostService, notify: boolean): void {
    if (this.#lost) return
    this.#lost = lost
    if (notify) this.#o.onLost?.(lost)
    clearTimeout(this.#timer)
    this.#stop.abort()
    const queued = this.#queue
    this.#queue = []
    this.#queuedBytes = 0
    this.#failLost(queued)
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }
}

function lostAnswer(lost: LostService): ItemAnswer {
  return { ok: false, reason: lost.reason, message: `not sent or not answered: the service was given up (${lost.message})` }
}
