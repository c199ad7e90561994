/**
 * TEMPORARY: the core's sharding API as service-contract.md declares it, until the lead's
 * src/match piece is merged (then these come from 'peakmatch' and this file is deleted).
 */
import { crc32, type Catalog, type CatalogStats, type Fingerprint, type Identification, type IdentifyOptions, type Match, type MatchOptions, type TrackInfo } from 'peakmatch'

export type ShardPassRequest = Record<string, unknown>
export type ShardPassReply = Record<string, unknown>
export type ShardAlignRequest = Record<string, unknown>
export type ShardAlignReply = Record<string, unknown>

export interface ShardLink {
  pass(fp: Fingerprint, request: ShardPassRequest): Promise<ShardPassReply>
  align(fp: Fingerprint, requests: ShardAlignRequest[]): Promise<ShardAlignReply[]>
  track(trackId: string): Promise<TrackInfo | undefined>
  editions(recordingId: string): Promise<TrackInfo[]>
  stats(): Promise<CatalogStats>
}

export class ShardedCatalog {
  constructor(readonly shards: ShardLink[]) {}
  async match(_fp: Fingerprint, _options?: MatchOptions): Promise<{ matches: Match[]; missingShards: number[] }> { throw new Error('ShardedCatalog: not merged yet') }
  async identify(_fp: Fingerprint, _options?: IdentifyOptions): Promise<{ identification: Identification; missingShards: number[] }> { throw new Error('ShardedCatalog: not merged yet') }
  async track(id: string): Promise<TrackInfo | undefined> { return this.shards[0]!.track(id) }
  async editions(recordingId: string): Promise<TrackInfo[]> { return this.shards[0]!.editions(recordingId) }
  async stats(): Promise<CatalogStats> { return this.shards[0]!.stats() }
}

export function shardOf(recordingId: string, n: number): number {
  return crc32(new TextEncoder().encode(recordingId)) % n
}

export function shardPass(catalog: Catalog, fp: Fingerprint, request: ShardPassRequest): ShardPassReply {
  return (catalog as unknown as { shardPass(fp: Fingerprint, r: ShardPassRequest): ShardPassReply }).shardPass(fp, request)
}

export function shardAlign(catalog: Catalog, fp: Fingerprint, requests: ShardAlignRequest[]): ShardAlignReply[] {
  return (catalog as unknown as { shardAlign(fp: Fingerprint, r: ShardAlignRequest[]): ShardAlignReply[] }).shardAlign(fp, requests)
}
