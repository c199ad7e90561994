/**
 * `catalog split`: a catalog file into N shard files by recording (shardOf(recordingId, N), so
 * every edition of a recording is in one shard), each keeping its tracks' metadata, editions and
 * quality and the catalog's settings (indexFanout, tripletIndex), and optionally their upload to
 * the cluster's object store with the registry (track → shard) and the shard count.
 *
 * The catalog holds an inverted index, not its tracks' fingerprints, so a shard is made by
 * loading the catalog and removing the other shards' tracks (the saved file is compacted, as a
 * reload would). One load per shard keeps memory at one catalog, whatever N.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { Catalog } from 'peakmatch'
import { CliError, errorMessage } from '../errors.js'
import { loadCatalog, saveCatalog } from '../scan.js'
import { shardOf } from 'peakmatch/sharded'
import { shardFileName } from './names.js'
import type { ClusterStore, TrackEntry } from './store.js'

export interface ShardFile { shard: number; path: string; tracks: number; recordings: number; bytes: number }

export interface SplitResult {
  shards: ShardFile[]
  tracks: number
  settings: ReturnType<Catalog['settings']>
  /** Track → shard, for the registry. */
  registry: Map<string, TrackEntry>
}

/**
 * Writes DIR/shard-K-of-N.pmx for K in [0, N). Each is written to a temporary folder in DIR
 * first and all are renamed into place at the end, so an interrupted split leaves the previous
 * set of shards as it was (never a mix of two splits).
 */
export function splitCatalog(path: string, shards: number, dir: string, onShard: (f: ShardFile) => void = () => {}): SplitResult {
  let work: string
  try {
    mkdirSync(dir, { recursive: true })
    work = mkdtempSync(join(dir, '.split-'))
  } catch (e) {
    throw new CliError(4, `cannot write shard files in ${dir}: ${errorMessage(e)}`)
  }
  try {
    const files: ShardFile[] = []
    const registry = new Map<string, TrackEntry>()
    let settings: SplitResult['settings'] | undefined
    let tracks = 0
    for (let k = 0; k < shards; k++) {
      const catalog = loadCatalog(path)
      settings ??= catalog.settings()
      if (k === 0) tracks = catalog.size
      const recordings = new Set<string>()
      for (const id of catalog.ids()) {
        const recordingId = catalog.track(id)!.recordingId
        const owner = shardOf(recordingId, shards)
        if (k === 0) registry.set(id, { shard: owner, recordingId })
        if (owner !== k) catalog.remove(id)
        else recordings.add(recordingId)
      }
      const file = join(work, shardFileName(k, shards))
      const bytes = saveCatalog(catalog, file)
      const f = { shard: k, path: join(dir, shardFileName(k, shards)), tracks: catalog.size, recordings: recordings.size, bytes }
      files.push(f)
      onShard(f)
    }
    try {
      for (const f of files) renameSync(join(work, shardFileName(f.shard, shards)), f.path)
    } catch (e) {
      throw new CliError(4, `cannot move the shard files into ${dir}: ${errorMessage(e)}`)
    }
    return { shards: files, tracks, settings: settings!, registry }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/**
 * Uploads a split: each shard file as its snapshot (streamed from disk), the registry's entries
 * and, last, the shard count (a gateway reads N from it: written after the shards it names).
 */
export async function publishSplit(store: ClusterStore, split: SplitResult, onShard: (f: ShardFile) => void = () => {}): Promise<void> {
  const n = split.shards.length
  for (const f of split.shards) {
    const seq = await store.ensureUpdateStream(f.shard, n)
    await store.putSnapshotFile(f.shard, n, f.path, { generation: Math.floor(statSync(f.path).mtimeMs), seq, tracks: f.tracks })
    onShard(f)
  }
  await store.putTracks(split.registry)
  await store.putMeta({ shards: n, settings: split.settings, writtenAt: Date.now() })
}
