/**
 * Where a sharded catalog lives on NATS: one name per catalog (`--name`, default "catalog"),
 * from which every subject, bucket and object is derived, so that two catalogs (or one catalog
 * split two ways while it is being re-split) never answer for each other.
 *
 *   peakmatch.<name>.shard.<K>-of-<N>.<op>   requests to shard K (queue group shard-<K>: one replica answers)
 *   peakmatch.<name>.update.<K>-of-<N>       adds/removes of shard K (a JetStream stream: every replica applies them)
 *   object store peakmatch-<name>-snapshots  shard-<K>-of-<N>: the shard's catalog bytes
 *   KV peakmatch-<name>-registry             meta (N, settings) and track.<id> → shard
 *
 * Shards are numbered from 0, as ShardedCatalog's links are.
 */
import { CliError } from '../errors.js'

export type ShardOp = 'pass' | 'align' | 'track' | 'editions' | 'stats'
export const SHARD_OPS: readonly ShardOp[] = ['pass', 'align', 'track', 'editions', 'stats']

const NAME = /^[A-Za-z0-9_-]{1,64}$/

/** A catalog name usable in subjects and bucket names; a usage error (exit 2) otherwise. */
export function checkCatalogName(name: string): string {
  if (!NAME.test(name)) throw new CliError(2, `--name must be 1 to 64 letters, digits, '-' or '_' (it names NATS subjects and buckets), got ${JSON.stringify(name)}`)
  return name
}

/** "K/N" (`--shard 2/4`: shard 2 of 4, numbered from 0). */
export function parseShardSpec(spec: string): { shard: number; shards: number } {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(spec)
  const shard = Number(m?.[1]), shards = Number(m?.[2])
  if (!m || shards < 1 || shard >= shards) throw new CliError(2, `--shard must be K/N with 0 ≤ K < N (shards are numbered from 0), got ${JSON.stringify(spec)}`)
  return { shard, shards }
}

export class ClusterNames {
  constructor(readonly catalog: string) {}

  shardSubject(shard: number, shards: number, op: ShardOp): string { return `peakmatch.${this.catalog}.shard.${shard}-of-${shards}.${op}` }
  queueGroup(shard: number): string { return `shard-${shard}` }
  updateSubject(shard: number, shards: number): string { return `peakmatch.${this.catalog}.update.${shard}-of-${shards}` }
  /** One stream per shard: nats-server 2.9 has no multi-filter consumers, and a replica should receive only its shard's updates. */
  updateStream(shard: number, shards: number): string { return `peakmatch-${this.catalog}-updates-${shard}-of-${shards}` }
  get snapshotBucket(): string { return `peakmatch-${this.catalog}-snapshots` }
  get registryBucket(): string { return `peakmatch-${this.catalog}-registry` }
}

export function snapshotName(shard: number, shards: number): string { return `shard-${shard}-of-${shards}` }

/** The shard file `catalog split` writes and `serve --shard` reads: shard-K-of-N.pmx. */
export function shardFileName(shard: number, shards: number): string { return `${snapshotName(shard, shards)}.pmx` }

/**
 * A track id as a KV key: keys allow only [-/_=.A-Za-z0-9] (and no leading/trailing dot), track ids
 * are any string (paths with spaces, accents), so the key is its UTF-8 in base64url.
 */
export function trackKey(trackId: string): string {
  return `track.${Buffer.from(trackId, 'utf8').toString('base64url')}`
}

export function trackIdOfKey(key: string): string {
  return Buffer.from(key.slice('track.'.length), 'base64url').toString('utf8')
}

export const META_KEY = 'meta'
