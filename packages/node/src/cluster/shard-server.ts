/**
 * One replica of one shard (`peakmatch serve --nats URL --shard K/N`): an in-memory Catalog
 * that answers the gateway's requests on its shard's subjects in queue group shard-K (NATS gives
 * each request to one replica), and applies the shard's update log, as every replica does.
 *
 * Where its catalog comes from:
 * - `--catalog FILE`: the file, unless the object store's snapshot descends from a file at least
 *   as new (a restarted replica: the snapshot has the updates since), then the snapshot. A file
 *   newer than the snapshot (a rebuilt shard) replaces it in the store.
 * - no file: the snapshot (how a new replica joins: it needs nothing but the NATS URL).
 * Then it replays the log from the snapshot's position and only then subscribes, so it never
 * answers from a catalog behind the log it has seen.
 */
import { statSync } from 'node:fs'
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream'
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node'
import type { Catalog, ShardAlignRequest, ShardPassRequest } from 'peakmatch'
import { CliError, errorMessage } from '../errors.js'
import { loadCatalog } from '../scan.js'
import { shardAlign, shardOf, shardPasses } from 'peakmatch/sharded'
import { ClusterNames, SHARD_OPS, type ShardOp } from './names.js'
import { ClusterStore, type CatalogMeta, type TrackEntry } from './store.js'
import { applyUpdate } from './updates.js'
import { decode, errorReply, FingerprintDecoder, okReply } from './wire.js'

export interface ShardServerOptions {
  nc: NatsConnection
  names: ClusterNames
  shard: number
  shards: number
  /** The shard's catalog file (catalog split's shard-K-of-N.pmx); without it, the snapshot. */
  catalogPath?: string
  /** JetStream replicas of the buckets and the update stream, when this replica creates them. @default 1 */
  replicas?: number
  /** Quiet time after updates before the snapshot is rewritten (one rewrite for a burst). @default 5000 */
  snapshotDelayMs?: number
  log: (line: string) => void
}

/** What `stats` answers: the catalog's, and where this replica stands. */
export interface ShardStatus {
  shard: number
  shards: number
  stats: ReturnType<Catalog['stats']>
  settings: ReturnType<Catalog['settings']>
  /** The last update applied (the shard's stream sequence). */
  seq: number
  /** This replica's process, to tell replicas apart. */
  pid: number
}

export class ShardServer {
  #subs: Subscription[] = []
  #consumer: ConsumerMessages | undefined
  #seq: number
  /** The seq of the snapshot the store holds (as far as this replica knows). */
  #snapshotSeq: number
  #snapshotTimer: NodeJS.Timeout | undefined
  #snapshotting: Promise<void> | undefined
  /** Updates that came while a snapshot was being written (toChunks: the catalog must not change meanwhile). */
  #held: { seq: number; data: Uint8Array }[] = []
  #stopped = false
  readonly #prints = new FingerprintDecoder()

  private constructor(readonly options: ShardServerOptions, readonly store: ClusterStore, readonly catalog: Catalog, readonly source: string, seq: number) {
    this.#seq = seq
    this.#snapshotSeq = seq
  }

  get seq(): number { return this.#seq }

  static async start(options: ShardServerOptions): Promise<ShardServer> {
    const { nc, names, shard, shards, catalogPath } = options
    const store = await ClusterStore.open(nc, names, { replicas: options.replicas ?? 1 })
    const lastSeq = await store.ensureUpdateStream(shard, shards)
    const snapshot = await store.snapshotInfo(shard, shards)
    let catalog: Catalog, seq: number, source: string
    if (catalogPath !== undefined) {
      let generation: number
      try { generation = Math.floor(statSync(catalogPath).mtimeMs) } catch (e) { throw new CliError(3, `cannot read catalog ${catalogPath}: ${errorMessage(e)}`) }
      if (!snapshot || snapshot.generation < generation) {
        catalog = loadCatalog(catalogPath)
        checkShardContents(catalog, shard, shards, catalogPath)
        // A newer file replaces the snapshot; updates logged before it are the old catalog's.
        seq = lastSeq
        const meta = await store.ensureMeta({ shards, settings: catalog.settings(), writtenAt: Date.now() })
        checkMeta(meta, shards, names)
        await store.putSnapshot(shard, shards, catalog, { generation, seq, tracks: catalog.size })
        await store.putTracks(catalog.ids().map((id): [string, TrackEntry] => [id, { shard, recordingId: catalog.track(id)!.recordingId }]))
        source = `${catalogPath} (published as the snapshot)`
      } else {
        ;({ catalog, seq, source } = await fromSnapshot(store, shard, shards))
        source += ` (at least as new as ${catalogPath})`
      }
    } else {
      if (!snapshot) throw new CliError(3, `the object store ${names.snapshotBucket} has no snapshot of shard ${shard}/${shards}: start one replica with --catalog shard-${shard}-of-${shards}.pmx, or run peakmatch catalog split --publish`)
      ;({ catalog, seq, source } = await fromSnapshot(store, shard, shards))
    }
    const meta = await store.meta()
    if (!meta) throw new CliError(3, `the registry ${names.registryBucket} has no meta entry: run peakmatch catalog split --publish, or start a replica with --catalog`)
    checkMeta(meta, shards, names)
    const server = new ShardServer(options, store, catalog, source, seq)
    await server.#follow(lastSeq)
    server.#subscribe()
    return server
  }

  /** Replays the update log from the catalog's position, and keeps applying it; resolves once caught up with `until`. */
  async #follow(until: number): Promise<void> {
    const { names, shard, shards, log } = this.options
    const consumer = await this.store.js.consumers.get(names.updateStream(shard, shards), { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.#seq + 1 })
    let caughtUp: () => void
    const done = new Promise<void>((resolve) => { caughtUp = resolve })
    if (this.#seq >= until) caughtUp!()
    this.#consumer = await consumer.consume({
      callback: (m) => {
        if (m.seq <= this.#seq) return
        if (this.#snapshotting) this.#held.push({ seq: m.seq, data: m.data })
        else this.#apply(m.seq, m.data)
        if (m.seq >= until) caughtUp()
      },
    })
    await done
    if (until > 0) log(`shard ${shard}/${shards}: update log replayed to ${this.#seq}`)
  }

  #apply(seq: number, data: Uint8Array): void {
    try {
      const what = applyUpdate(this.catalog, data)
      this.options.log(`shard ${this.options.shard}/${this.options.shards}: update ${seq}: ${what}`)
    } catch (e) {
      // A bad update (a fingerprint of another front end) is skipped by every replica alike.
      this.options.log(`shard ${this.options.shard}/${this.options.shards}: update ${seq} not applied: ${errorMessage(e)}`)
    }
    this.#seq = seq
    this.#scheduleSnapshot()
  }

  #subscribe(): void {
    const { nc, names, shard, shards } = this.options
    for (const op of SHARD_OPS) {
      this.#subs.push(nc.subscribe(names.shardSubject(shard, shards, op), { queue: names.queueGroup(shard), callback: (err, msg) => { if (!err) this.#answer(op, msg) } }))
    }
  }

  #answer(op: ShardOp, msg: Msg): void {
    if (!msg.reply) return
    let reply: Uint8Array
    try {
      reply = okReply(this.#run(op, msg.data))
    } catch (e) {
      reply = errorReply(e)
    }
    msg.respond(reply)
  }

  #run(op: ShardOp, data: Uint8Array): unknown {
    const c = this.catalog
    switch (op) {
      case 'pass': { const r = decode<{ fp: Uint8Array; requests: ShardPassRequest[] }>(data); return shardPasses(c, this.#prints.decode(r.fp), r.requests) }
      case 'align': { const r = decode<{ fp: Uint8Array; requests: ShardAlignRequest[] }>(data); return shardAlign(c, this.#prints.decode(r.fp), r.requests) }
      case 'track': return c.track(decode<{ trackId: string }>(data).trackId) ?? null
      case 'editions': return c.editions(decode<{ recordingId: string }>(data).recordingId)
      case 'stats': return this.status()
    }
  }

  status(): ShardStatus {
    return { shard: this.options.shard, shards: this.options.shards, stats: this.catalog.stats(), settings: this.catalog.settings(), seq: this.#seq, pid: process.pid }
  }

  #scheduleSnapshot(): void {
    if (this.#snapshotTimer || this.#stopped) return
    // Jitter: the replicas of a shard apply the same updates at the same moment; one of them
    // usually writes the snapshot and the others find it already there.
    const delay = (this.options.snapshotDelayMs ?? 5000) * (1 + Math.random())
    this.#snapshotTimer = setTimeout(() => { this.#snapshotTimer = undefined; void this.snapshot() }, delay)
  }

  /** Writes the catalog as the shard's snapshot if the store's is behind this replica. */
  async snapshot(): Promise<void> {
    if (this.#snapshotting) return this.#snapshotting
    if (this.#seq <= this.#snapshotSeq) return
    const { shard, shards, log } = this.options
    const run = async () => {
      const stored = await this.store.snapshotInfo(shard, shards)
      if (stored && stored.seq >= this.#seq) { this.#snapshotSeq = stored.seq; return }
      const seq = this.#seq
      await this.store.putSnapshot(shard, shards, this.catalog, { generation: stored?.generation ?? 0, seq, tracks: this.catalog.size })
      this.#snapshotSeq = seq
      log(`shard ${shard}/${shards}: snapshot written at update ${seq} (${this.catalog.size} tracks)`)
    }
    this.#snapshotting = run().catch((e) => log(`shard ${shard}/${shards}: snapshot not written (will retry after the next update): ${errorMessage(e)}`)).finally(() => {
      this.#snapshotting = undefined
      const held = this.#held
      this.#held = []
      for (const h of held) if (h.seq > this.#seq) this.#apply(h.seq, h.data)
    })
    return this.#snapshotting
  }

  /**
   * Stops answering: the subscriptions drain (requests already received are answered; NATS gives
   * new ones to the other replicas), the log consumer stops, and a snapshot behind this replica
   * is written. The caller drains the connection afterwards.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    clearTimeout(this.#snapshotTimer)
    await Promise.all(this.#subs.map((s) => s.drain().catch(() => {})))
    this.#consumer?.stop()
    await this.snapshot()
  }
}

async function fromSnapshot(store: ClusterStore, shard: number, shards: number): Promise<{ catalog: Catalog; seq: number; source: string }> {
  const loaded = await store.loadSnapshot(shard, shards)
  if (!loaded) throw new CliError(3, `the snapshot of shard ${shard}/${shards} disappeared from ${store.names.snapshotBucket} while loading`)
  return { catalog: loaded.catalog, seq: loaded.meta.seq, source: `snapshot ${store.names.snapshotBucket}/shard-${shard}-of-${shards} at update ${loaded.meta.seq}` }
}

/** A shard file holding tracks of another shard (a file of another split, or the whole catalog) would answer twice. */
function checkShardContents(catalog: Catalog, shard: number, shards: number, path: string): void {
  for (const id of catalog.ids()) {
    const k = shardOf(catalog.track(id)!.recordingId, shards)
    if (k !== shard) throw new CliError(2, `${path} is not shard ${shard}/${shards}: track ${JSON.stringify(id)} belongs to shard ${k} (make the shards with peakmatch catalog split --shards ${shards})`)
  }
}

function checkMeta(meta: CatalogMeta, shards: number, names: ClusterNames): void {
  if (meta.shards !== shards) throw new CliError(2, `catalog ${names.catalog} is split into ${meta.shards} shards in the registry ${names.registryBucket}, not ${shards} (re-split with catalog split --publish, or use another --name)`)
}
