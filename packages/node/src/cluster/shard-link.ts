/**
 * The gateway's side of one shard: ShardLink over NATS request/reply to the shard's queue group.
 *
 * A request lost with a replica (kill -9 while it computed; NATS already gave it to that one) is
 * asked once more within the same deadline: the first attempt gets half of it, the retry the
 * rest, and NATS gives the retry to a replica that is alive (a dead one's subscriptions are gone
 * as soon as its connection drops). "No responders" (no replica subscribed at that instant) is
 * retried after a short pause, for a replica that is restarting. What still fails rejects, and
 * ShardedCatalog counts the shard missing for that request.
 */
import type { NatsConnection } from '@nats-io/transport-node'
import { PeakmatchError, type CatalogStats, type ErrorCode, type Fingerprint, type ShardAlignReply, type ShardAlignRequest, type ShardPassReply, type ShardPassRequest, type TrackInfo } from 'peakmatch'
import type { ShardLink } from 'peakmatch/sharded'
import type { ClusterNames, ShardOp } from './names.js'
import type { ShardStatus } from './shard-server.js'
import { decode, encode, packFingerprint, type Reply } from './wire.js'

/** A shard did not answer within the deadline (every replica dead, overloaded or unreachable). */
export class ShardUnavailableError extends Error {
  readonly code = 'SHARD_UNAVAILABLE'
  constructor(readonly shard: number, message: string, options?: { cause?: unknown }) {
    super(`shard ${shard}: ${message}`, options)
    this.name = 'ShardUnavailableError'
  }
}

/** A shard answered with an error that is not about being unavailable (SHARD_ERROR: a bug on the shard). */
export class ShardReplyError extends Error {
  constructor(readonly shard: number, readonly code: string, message: string) {
    super(`shard ${shard}: ${message}`)
    this.name = 'ShardReplyError'
  }
}

const INPUT_CODES = new Set<string>(['INVALID_FINGERPRINT', 'INCOMPATIBLE_FINGERPRINT', 'UNSUPPORTED_VERSION', 'INVALID_OPTIONS'])

export interface LinkCounters { requests: number; retries: number; failures: number }

/** What a link reports: a request asked again (`retry`) or given up (`failure`), with the reason. */
export type LinkEvent = { kind: 'retry' | 'failure'; shard: number; op: ShardOp; reason: string }

export class NatsShardLink implements ShardLink {
  readonly counters: LinkCounters = { requests: 0, retries: 0, failures: 0 }
  /**
   * The shard had no replica subscribed, asked twice, and has not answered since: a request that
   * finds none again fails at once (the request itself is the probe: a replica back up answers
   * it), so a shard that is down costs its partial answers no pause each.
   */
  #down = false

  constructor(readonly nc: NatsConnection, readonly names: ClusterNames, readonly shard: number, readonly shards: number, readonly timeoutMs: number, readonly onEvent: (e: LinkEvent) => void = () => {}) {}

  passes(fp: Fingerprint, requests: ShardPassRequest[]): Promise<ShardPassReply[]> {
    return this.call('pass', { fp: packFingerprint(fp), requests })
  }

  align(fp: Fingerprint, requests: ShardAlignRequest[]): Promise<ShardAlignReply[]> {
    return this.call('align', { fp: packFingerprint(fp), requests })
  }

  async track(trackId: string): Promise<TrackInfo | undefined> {
    return (await this.call<TrackInfo | null>('track', { trackId })) ?? undefined
  }

  editions(recordingId: string): Promise<TrackInfo[]> {
    return this.call('editions', { recordingId })
  }

  async stats(): Promise<CatalogStats> {
    return (await this.status()).stats
  }

  status(): Promise<ShardStatus> {
    return this.call('stats', {})
  }

  async call<T>(op: ShardOp, body: unknown): Promise<T> {
    const subject = this.names.shardSubject(this.shard, this.shards, op)
    const data = encode(body)
    const deadline = performance.now() + this.timeoutMs
    this.counters.requests++
    let reply: Uint8Array
    try {
      reply = (await this.nc.request(subject, data, { timeout: Math.max(1, Math.floor(this.timeoutMs / 2)) })).data
    } catch (first) {
      const none = isNoResponders(first)
      if (none && !this.#down) await sleep(Math.min(100, (deadline - performance.now()) / 2))
      const left = Math.floor(deadline - performance.now())
      if (left < 5 || (none && this.#down)) {
        this.counters.failures++
        this.onEvent({ kind: 'failure', shard: this.shard, op, reason: describe(first) })
        throw new ShardUnavailableError(this.shard, `no answer within ${this.timeoutMs} ms (${describe(first)})`, { cause: first })
      }
      this.counters.retries++
      this.onEvent({ kind: 'retry', shard: this.shard, op, reason: describe(first) })
      try {
        reply = (await this.nc.request(subject, data, { timeout: left })).data
      } catch (second) {
        if (none && isNoResponders(second)) this.#down = true
        this.counters.failures++
        this.onEvent({ kind: 'failure', shard: this.shard, op, reason: `${describe(first)}, then ${describe(second)}` })
        throw new ShardUnavailableError(this.shard, `no answer within ${this.timeoutMs} ms, asked twice (${describe(first)}, then ${describe(second)})`, { cause: second })
      }
    }
    this.#down = false
    const r = decode<Reply<T>>(reply)
    if (r.ok) return r.value
    // The query itself is wrong (every shard would say so): the caller's 400, not a missing shard.
    if (INPUT_CODES.has(r.error.code)) throw new PeakmatchError(r.error.code as ErrorCode, r.error.message)
    throw new ShardReplyError(this.shard, r.error.code, r.error.message)
  }
}

function isNoResponders(e: unknown): boolean {
  const x = e as { isNoResponders?: () => boolean; message?: string }
  return typeof x?.isNoResponders === 'function' ? x.isNoResponders() : /no responders/i.test(String(x?.message))
}

function describe(e: unknown): string {
  return isNoResponders(e) ? 'no replica subscribed' : e instanceof Error ? e.message : String(e)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)))
