/**
 * What a sharded catalog keeps in JetStream: the shards' snapshots (an object store: catalogs can
 * be gigabytes, so they are streamed in and out, never held whole as one more buffer), the
 * registry (a KV bucket: the catalog's shard count and settings, and which shard holds each
 * track) and each shard's update log (a stream: the adds and removes since its snapshot).
 *
 * A snapshot's metadata says which update it includes (`seq`, the last applied sequence of the
 * shard's stream) and which catalog file it came from (`generation`, that file's mtime in ms):
 * a replica loads the snapshot and replays the stream from seq + 1, so it never misses an update
 * and never applies one twice.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import { Kvm, type KV } from '@nats-io/kv'
import { Objm, type ObjectInfo, type ObjectStore } from '@nats-io/obj'
import type { NatsConnection } from '@nats-io/transport-node'
import type { Catalog, CatalogSettings } from 'peakmatch'
import { loadCatalog } from '../scan.js'
import { ClusterNames, META_KEY, snapshotName, trackKey } from './names.js'

/** What the registry says of the catalog as a whole (KV key `meta`). */
export interface CatalogMeta {
  shards: number
  settings: CatalogSettings
  /** ms since the epoch when the split (or the first shard) wrote it. */
  writtenAt: number
}

/** Where a track is: its shard and recording (KV key track.<base64url id>). */
export interface TrackEntry { shard: number; recordingId: string }

export interface SnapshotMeta {
  /** The catalog file the snapshot descends from: its mtime in ms (a rebuilt file is newer). */
  generation: number
  /** The last update of the shard's stream included (0: none). */
  seq: number
  tracks: number
}

export interface StoreOptions {
  /** JetStream replicas of the buckets and streams (3 on a 3-node cluster: any one node may die). @default 1 */
  replicas?: number
  /** Create the buckets when absent (shards, split); a gateway only opens them, whatever their settings. @default true */
  create?: boolean
}

export class ClusterStore {
  private constructor(
    readonly names: ClusterNames,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly snapshots: ObjectStore,
    readonly registry: KV,
    readonly replicas: number,
  ) {}

  /** Opens (creating when absent) the catalog's buckets. */
  static async open(nc: NatsConnection, names: ClusterNames, options: StoreOptions = {}): Promise<ClusterStore> {
    const replicas = options.replicas ?? 1
    const jsm = await jetstreamManager(nc)
    const js = jetstream(nc)
    const create = options.create ?? true
    const objm = new Objm(js), kvm = new Kvm(js)
    const snapshots = create
      ? await objm.create(names.snapshotBucket, { storage: 'file' as never, replicas, description: `peakmatch catalog ${names.catalog}: shard snapshots` })
      : await objm.open(names.snapshotBucket)
    const registry = create
      ? await kvm.create(names.registryBucket, { history: 1, replicas, description: `peakmatch catalog ${names.catalog}: shard count and track → shard` })
      : await kvm.open(names.registryBucket)
    return new ClusterStore(names, js, jsm, snapshots, registry, replicas)
  }

  // ------------------------------------------------------------ registry

  async meta(): Promise<CatalogMeta | undefined> {
    const e = await this.registry.get(META_KEY)
    if (!e || e.operation !== 'PUT' || e.length === 0) return undefined
    return e.json<CatalogMeta>()
  }

  async putMeta(meta: CatalogMeta): Promise<void> { await this.registry.put(META_KEY, JSON.stringify(meta)) }

  /** Writes `meta` unless the registry has one already; returns the registry's (which may be another's). */
  async ensureMeta(meta: CatalogMeta): Promise<CatalogMeta> {
    try {
      await this.registry.create(META_KEY, JSON.stringify(meta))
      return meta
    } catch {
      const m = await this.meta()
      if (!m) throw new Error(`cannot write the registry's meta of catalog ${this.names.catalog}`)
      return m
    }
  }

  async track(trackId: string): Promise<TrackEntry | undefined> {
    const e = await this.registry.get(trackKey(trackId))
    if (!e || e.operation !== 'PUT' || e.length === 0) return undefined
    return e.json<TrackEntry>()
  }

  async putTrack(trackId: string, entry: TrackEntry): Promise<void> { await this.registry.put(trackKey(trackId), JSON.stringify(entry)) }

  async deleteTrack(trackId: string): Promise<void> { await this.registry.delete(trackKey(trackId)) }

  /** Writes many registry entries, a bounded number in flight (100 000 tracks take seconds, not minutes). */
  async putTracks(entries: Iterable<[string, TrackEntry]>, inFlight = 256): Promise<number> {
    const pending = new Set<Promise<void>>()
    let n = 0
    for (const [id, entry] of entries) {
      const p: Promise<void> = this.putTrack(id, entry).then(() => { pending.delete(p) })
      pending.add(p)
      n++
      if (pending.size >= inFlight) await Promise.race(pending)
    }
    await Promise.all(pending)
    return n
  }

  // ------------------------------------------------------------ snapshots

  async snapshotInfo(shard: number, shards: number): Promise<(SnapshotMeta & { size: number }) | undefined> {
    const info = await this.snapshots.info(snapshotName(shard, shards))
    if (!info || info.deleted) return undefined
    return { ...snapshotMetaOf(info), size: info.size }
  }

  /**
   * Uploads a catalog as shard K's snapshot, one section of Catalog.toChunks at a time (the
   * object store cuts them into its own chunks). The caller keeps the catalog unchanged until
   * this resolves (toChunks' rule).
   */
  async putSnapshot(shard: number, shards: number, catalog: Catalog, meta: SnapshotMeta): Promise<ObjectInfo> {
    const chunks = catalog.toChunks()[Symbol.iterator]()
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.next()
        if (next.done) controller.close()
        else controller.enqueue(next.value)
      },
    })
    return this.snapshots.put({ name: snapshotName(shard, shards), metadata: metadataOf(meta) }, stream)
  }

  /** Uploads a shard file as it is on disk (catalog split --publish), streamed. */
  async putSnapshotFile(shard: number, shards: number, path: string, meta: SnapshotMeta): Promise<ObjectInfo> {
    const stream = Readable.toWeb(createReadStream(path, { highWaterMark: 1 << 20 })) as unknown as ReadableStream<Uint8Array>
    return this.snapshots.put({ name: snapshotName(shard, shards), metadata: metadataOf(meta) }, stream)
  }

  /**
   * Shard K's snapshot as a catalog, with its metadata; undefined when the store has none. It is
   * streamed to a temporary file (the object store checks its digest) and loaded from there as a
   * catalog file is, so memory is the catalog plus one piece, never the snapshot twice.
   */
  async loadSnapshot(shard: number, shards: number): Promise<{ catalog: Catalog; meta: SnapshotMeta } | undefined> {
    const result = await this.snapshots.get(snapshotName(shard, shards))
    if (!result) return undefined
    const dir = mkdtempSync(join(tmpdir(), 'peakmatch-snapshot-'))
    try {
      const path = join(dir, snapshotName(shard, shards) + '.pmx')
      await pipeline(Readable.fromWeb(result.data as never), createWriteStream(path))
      const error = await result.error
      if (error) throw error
      if (statSync(path).size !== result.info.size) throw new Error(`snapshot ${snapshotName(shard, shards)} came in ${statSync(path).size} bytes, not ${result.info.size}`)
      return { catalog: loadCatalog(path), meta: snapshotMetaOf(result.info) }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  // ------------------------------------------------------------ update log

  /** Creates shard K's update stream when absent; returns its last sequence (0 when empty). */
  async ensureUpdateStream(shard: number, shards: number): Promise<number> {
    const name = this.names.updateStream(shard, shards)
    try {
      return (await this.jsm.streams.info(name)).state.last_seq
    } catch {
      try {
        const info = await this.jsm.streams.add({ name, subjects: [this.names.updateSubject(shard, shards)], storage: 'file' as never, num_replicas: this.replicas })
        return info.state.last_seq
      } catch (e) {
        // Another replica created it between our info and our add.
        return (await this.jsm.streams.info(name).catch(() => { throw e })).state.last_seq
      }
    }
  }

  /** Appends an update to shard K's log; resolves when JetStream has stored it (its sequence). */
  async publishUpdate(shard: number, shards: number, payload: Uint8Array): Promise<number> {
    const ack = await this.js.publish(this.names.updateSubject(shard, shards), payload)
    return ack.seq
  }
}

function metadataOf(meta: SnapshotMeta): Record<string, string> {
  return { generation: String(meta.generation), seq: String(meta.seq), tracks: String(meta.tracks) }
}

function snapshotMetaOf(info: ObjectInfo): SnapshotMeta {
  const m = info.metadata ?? {}
  return { generation: Number(m.generation ?? 0), seq: Number(m.seq ?? 0), tracks: Number(m.tracks ?? 0) }
}
