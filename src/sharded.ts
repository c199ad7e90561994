/**
 * `peakmatch/sharded`: a catalog split into shards and queried as one (issue 10). Apart from the
 * main entry so that browser bundles, which never hold a sharded catalog, do not carry it. The
 * shard side is Catalog.shardPasses / Catalog.shardAlign in the main entry.
 */
export { ShardedCatalog, mergeReplies } from './match/sharded-catalog.js'
export { shardOf } from './match/shard.js'

export type { ShardLink, ShardedOptions, Merged, MergedList } from './match/sharded-catalog.js'
export type { ShardPassRequest, ShardPassReply, ShardCandidate, ShardAlignRequest, ShardAlignReply } from './match/shard.js'
