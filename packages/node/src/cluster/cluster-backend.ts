/**
 * The gateway's Backend (`peakmatch serve --nats URL --gateway`): the core's ShardedCatalog over
 * one NatsShardLink per shard, the shard count and settings from the registry. Every answer
 * names the shards that did not answer in time (`missingShards`); a scan's decision refuses such
 * an answer (PartialAnswerError), because a missing shard could turn a file the catalog has into
 * "unmatched", which the locker would upload.
 */
import type { NatsConnection } from '@nats-io/transport-node'
import { frontEndMismatch, PeakmatchError, type Fingerprint, type Identification, type IdentifyOptions, type Match, type MatchOptions, type TrackInfo } from 'peakmatch'
import type { DecisionSource } from '../decide.js'
import { PartialAnswerError, type Answered, type Backend, type BackendInfo } from '../service/backend.js'
import { ShardedCatalog, shardOf } from 'peakmatch/sharded'
import { ClusterNames } from './names.js'
import { connectNats } from './nats.js'
import { NatsShardLink, ShardReplyError, ShardUnavailableError, type LinkEvent } from './shard-link.js'
import { ClusterStore, type CatalogMeta } from './store.js'
import { addUpdate, removeUpdate } from './updates.js'

export interface ClusterBackendOptions {
  /** A connection to use (the caller closes it); or `servers` to connect (closed by close()). */
  nc?: NatsConnection
  /** Comma-separated NATS URLs. */
  servers?: string
  /** The catalog's name (`--name`). @default 'catalog' */
  name?: string
  /** How long a shard has to answer one request, retry included (`--shard-timeout-ms`). @default 2000 */
  shardTimeoutMs?: number
  /** How long to wait for the registry's meta entry (a split being published). @default 10000 */
  waitForMetaMs?: number
  log?: (line: string) => void
}

export class ClusterBackend implements Backend {
  readonly links: NatsShardLink[]
  readonly sharded: ShardedCatalog
  #answered: boolean[]
  /** Per shard: link events not yet logged, and the timer of the next line (one line a shard per 10 s at most). */
  #events = new Map<number, { retries: number; failures: number; reason: string; timer: NodeJS.Timeout | undefined }>()
  #probe: NodeJS.Timeout | undefined
  #closed = false

  private constructor(readonly nc: NatsConnection, readonly ownsConnection: boolean, readonly store: ClusterStore, readonly meta: CatalogMeta, readonly shardTimeoutMs: number, readonly log: (line: string) => void) {
    this.links = Array.from({ length: meta.shards }, (_, k) => new NatsShardLink(nc, store.names, k, meta.shards, shardTimeoutMs, (e) => this.#report(e)))
    this.sharded = new ShardedCatalog(this.links, { frontEnd: meta.settings.frontEnd })
    this.#answered = this.links.map(() => false)
  }

  get shards(): number { return this.meta.shards }

  static async connect(options: ClusterBackendOptions): Promise<ClusterBackend> {
    const log = options.log ?? (() => {})
    const nc = options.nc ?? await connectNats(options.servers ?? 'nats://127.0.0.1:4222', 'peakmatch-gateway')
    try {
      const names = new ClusterNames(options.name ?? 'catalog')
      const store = await openStore(nc, names, performance.now() + (options.waitForMetaMs ?? 10_000))
      const until = performance.now() + (options.waitForMetaMs ?? 10_000)
      let meta = await store.meta()
      while (!meta && performance.now() < until) { await new Promise((r) => setTimeout(r, 200)); meta = await store.meta() }
      if (!meta) throw new Error(`no catalog named ${JSON.stringify(names.catalog)} in the registry ${names.registryBucket}: run peakmatch catalog split --publish, or start its shards with --catalog`)
      const backend = new ClusterBackend(nc, !options.nc, store, meta, options.shardTimeoutMs ?? 2000, log)
      backend.#startProbe()
      return backend
    } catch (e) {
      if (!options.nc) await nc.close()
      throw e
    }
  }

  /**
   * Logs a shard's retries and failures: the first at once, then what came in each 10 s (a dead
   * shard under load would otherwise write a line per request). What an operator needs to see
   * that a replica died (requests asked again, every one still answered) or that a whole shard is
   * gone (requests given up: answers partial).
   */
  #report(e: LinkEvent): void {
    let s = this.#events.get(e.shard)
    if (!s) { s = { retries: 0, failures: 0, reason: '', timer: undefined }; this.#events.set(e.shard, s) }
    if (e.kind === 'retry') s.retries++; else s.failures++
    s.reason = `${e.op}: ${e.reason}`
    if (s.timer) return
    this.#flush(e.shard)
    s.timer = setTimeout(() => { s.timer = undefined; if (s.retries + s.failures > 0) this.#flush(e.shard) }, 10_000)
    s.timer.unref()
  }

  #flush(shard: number): void {
    const s = this.#events.get(shard)!
    this.log(`gateway: shard ${shard}: ${s.retries} request${s.retries === 1 ? '' : 's'} asked again, ${s.failures} given up (the shard is missing from those answers); last: ${s.reason}`)
    s.retries = 0
    s.failures = 0
  }

  /** Ready once every shard has answered at least once (a gateway started before its shards says so). */
  ready(): boolean { return this.#answered.every(Boolean) }

  /** Resolves when ready() (or rejects after `timeoutMs`). */
  async whenReady(timeoutMs = 30_000): Promise<void> {
    const until = performance.now() + timeoutMs
    while (!this.ready()) {
      if (performance.now() > until) throw new Error(`shards ${this.#answered.flatMap((a, k) => (a ? [] : [k])).join(', ')} have not answered in ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  #startProbe(): void {
    const probe = async () => {
      await Promise.all(this.links.map(async (l, k) => {
        if (this.#answered[k]) return
        try { await l.status(); this.#answered[k] = true } catch { /* not up yet */ }
      }))
      if (!this.ready() && !this.#closed) this.#probe = setTimeout(() => void probe(), 250)
      else if (this.ready()) this.log(`gateway: all ${this.shards} shards answered`)
    }
    void probe()
  }

  async identify(fp: Fingerprint, options: IdentifyOptions): Promise<Answered<Identification>> {
    const r = await this.sharded.identify(fp, options)
    return { value: r.identification, missingShards: this.#someAnswered(r.missingShards) }
  }

  async match(fp: Fingerprint, options: MatchOptions): Promise<Answered<Match[]>> {
    const r = await this.sharded.match(fp, options)
    return { value: r.matches, missingShards: this.#someAnswered(r.missingShards) }
  }

  /** An answer from no shard at all is no answer (the service's 503 PARTIAL), not an empty one marked partial. */
  #someAnswered(missing: number[]): number[] {
    if (missing.length === this.shards) throw new PartialAnswerError(missing)
    return missing
  }

  decisionSource(): DecisionSource {
    const whole = <T>(a: Answered<T>): T => { if (a.missingShards.length > 0) throw new PartialAnswerError(a.missingShards); return a.value }
    return {
      identify: async (fp, o) => whole(await this.identify(fp, o)),
      match: async (fp, o) => whole(await this.match(fp, o)),
      track: (id) => this.#track(id),
      editions: (r) => this.#editions(r),
    }
  }

  /**
   * A track for a decision: asked of every shard (a track id does not say its shard); not found
   * while some shard did not answer is a partial answer, not "no such track" (ShardedCatalog.track
   * would say undefined, and decide() would take a snippet for a whole match).
   */
  async #track(trackId: string): Promise<TrackInfo | undefined> {
    const all = await Promise.allSettled(this.links.map((l) => l.track(trackId)))
    const missing: number[] = []
    for (const [k, r] of all.entries()) {
      if (r.status === 'fulfilled') { if (r.value) return r.value } else missing.push(k)
    }
    if (missing.length > 0) throw new PartialAnswerError(missing)
    return undefined
  }

  /** Every edition of a recording, from the one shard that holds them all (shardOf). */
  async #editions(recordingId: string): Promise<TrackInfo[]> {
    const k = shardOf(recordingId, this.shards)
    try { return await this.links[k]!.editions(recordingId) } catch (e) {
      if (e instanceof ShardUnavailableError || e instanceof ShardReplyError) throw new PartialAnswerError([k])
      throw e
    }
  }

  async info(): Promise<BackendInfo> {
    const answers = await Promise.allSettled(this.links.map((l) => l.status()))
    const stats = { tracks: 0, hashes: 0, bytes: 0, seconds: 0 }
    const missingShards: number[] = []
    answers.forEach((a, k) => {
      if (a.status === 'rejected') { missingShards.push(k); return }
      this.#answered[k] = true
      for (const key of ['tracks', 'hashes', 'bytes', 'seconds'] as const) stats[key] += a.value.stats[key]
    })
    return { stats, settings: this.meta.settings, shards: this.shards, missingShards }
  }

  /**
   * Adds a track to the shard of its recording: the update is appended to that shard's log
   * (every replica applies it; a replica that restarts replays it from its snapshot) and the
   * registry records where the track is. Resolves once a replica has applied it (or after the
   * shard timeout: it is in the log, and will be).
   */
  async add(trackId: string, fp: Fingerprint, metadata: unknown, recordingId: string | undefined): Promise<void> {
    this.#checkQuery(fp)
    if (await this.store.track(trackId)) throw new PeakmatchError('DUPLICATE_TRACK', `track ${JSON.stringify(trackId)} is already in the catalog`)
    const recording = recordingId ?? trackId
    const k = shardOf(recording, this.shards)
    await this.store.ensureUpdateStream(k, this.shards)
    const seq = await this.store.publishUpdate(k, this.shards, addUpdate(trackId, recording, fp, metadata))
    await this.store.putTrack(trackId, { shard: k, recordingId: recording })
    await this.#applied(k, seq)
  }

  async remove(trackId: string): Promise<boolean> {
    const entry = await this.store.track(trackId)
    if (!entry) return false
    await this.store.ensureUpdateStream(entry.shard, this.shards)
    const seq = await this.store.publishUpdate(entry.shard, this.shards, removeUpdate(trackId))
    await this.store.deleteTrack(trackId)
    await this.#applied(entry.shard, seq)
    return true
  }

  async #applied(shard: number, seq: number): Promise<void> {
    const until = performance.now() + this.shardTimeoutMs
    while (performance.now() < until) {
      try { if ((await this.links[shard]!.status()).seq >= seq) return } catch { /* the shard is down: the log keeps the update */ }
      await new Promise((r) => setTimeout(r, 20))
    }
    this.log(`gateway: update ${seq} of shard ${shard} not yet applied by the replica asked (it is in the shard's log)`)
  }

  /** A track of another front end would be refused by every replica of its shard: refused here, as a local catalog would. */
  #checkQuery(fp: Fingerprint): void {
    const fe = this.meta.settings.frontEnd
    if (fe === null || fp === null || typeof fp !== 'object' || !fp.frontEnd) return
    const diff = frontEndMismatch(fp.frontEnd, fe, true)
    if (diff !== null) throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `query: fingerprint parameters differ from the catalog's (${diff})`)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#probe)
    for (const [k, e] of this.#events) { clearTimeout(e.timer); if (e.retries + e.failures > 0) this.#flush(k) }
    if (this.ownsConnection) await this.nc.drain().catch(() => this.nc.close())
  }
}

export type { TrackInfo }

/** The catalog's buckets, waited for until `until` (a gateway may start before the first shard made them). */
async function openStore(nc: NatsConnection, names: ClusterNames, until: number): Promise<ClusterStore> {
  for (;;) {
    try { return await ClusterStore.open(nc, names, { create: false }) } catch (e) {
      if (performance.now() > until) throw new Error(`no catalog named ${JSON.stringify(names.catalog)} on this NATS (${e instanceof Error ? e.message : String(e)}): run peakmatch catalog split --publish, or start its shards with --catalog`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}
