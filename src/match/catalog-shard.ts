import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { internals, type Catalog } from './catalog.js'
import { shardAlign as alignOnIndex, shardPass, type ShardAlignReply, type ShardAlignRequest, type ShardPassReply, type ShardPassRequest } from './shard.js'

/**
 * A Catalog as one shard of a sharded catalog (shard.ts, sharded-catalog.ts): the two requests a
 * gateway sends it. Functions of the `peakmatch/sharded` entry rather than Catalog methods, so that
 * a browser bundle, which never serves a shard, does not carry them (they were 0.6 KB of its
 * min+gzip size: `npm run bench:size`).
 */

/** Most passes in one call: the grid's 22 factors and more than their refinements. */
const MAX_SHARD_PASSES = 32

/**
 * Passes of one query on `catalog`: each pass's raw candidates, not a decision (a gateway merges
 * them with other shards' and decides once). Several in one call (the factor grid asks 8 a round
 * trip); the fingerprint is checked once for all of them.
 */
export function shardPasses(catalog: Catalog, fp: Fingerprint, requests: ShardPassRequest[]): ShardPassReply[] {
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > MAX_SHARD_PASSES) {
    throw new PeakmatchError('INVALID_OPTIONS', `passes must be an array of 1 to ${MAX_SHARD_PASSES} requests`)
  }
  const c = internals(catalog)
  c.ready(fp, 'query')
  return requests.map((r) => shardPass(c.index, c.registry, c.scratch, fp, r))
}

/** How a file aligns, window by window, with some of `catalog`'s tracks (ShardedCatalog.identify). */
export function shardAlign(catalog: Catalog, fp: Fingerprint, requests: ShardAlignRequest[]): ShardAlignReply[] {
  const c = internals(catalog)
  c.ready(fp, 'file')
  return alignOnIndex(c.index, c.registry, c.scratch, fp, requests)
}
