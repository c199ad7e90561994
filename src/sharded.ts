/**
 * `peakmatch/sharded`: a catalog split into shards and queried as one (issue 10). Apart from the
 * main entry so that browser bundles, which never hold or serve a sharded catalog, do not carry
 * it: the gateway's side (ShardedCatalog) and a Catalog's side as one shard (shardPasses, shardAlign).
 */
export { ShardedCatalog, mergeReplies } from './match/sharded-catalog.js'
export { shardOf } from './match/shard.js'
export { shardPasses, shardAlign } from './match/catalog-shard.js'

export type { ShardLink, ShardedOptions, Merged, MergedList } from './match/sharded-catalog.js'
export type { ShardPassRequest, ShardPassReply, ShardCandidate, ShardAlignRequest, ShardAlignReply } from './match/shard.js'
