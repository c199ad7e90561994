/**
 * What the match service asks of a catalog (issue 10): a local Catalog in this process
 * (LocalBackend, `peakmatch serve --catalog`), or a catalog split into shards behind NATS
 * (ClusterBackend, `peakmatch serve --gateway`). The HTTP layer (service/http.ts) sees only this.
 *
 * Every answer says which shards did not answer in time (`missingShards`, always empty for a
 * local catalog): a partial answer is still an answer for /v1/match and /v1/identify, marked so;
 * but a scan's decision (decisionSource) refuses it, because a missing shard could turn a file
 * the catalog has into "unmatched", which the locker would upload.
 */
import type { Catalog, CatalogSettings, CatalogStats, Fingerprint, Identification, IdentifyOptions, Match, MatchOptions, TrackInfo } from 'peakmatch'
import type { DecisionSource } from '../decide.js'

export interface Answered<T> {
  value: T
  missingShards: number[]
}

export interface BackendInfo {
  stats: CatalogStats
  settings: CatalogSettings
  /** Shards the catalog is split into (1 for a local catalog), and those that answered this call. */
  shards: number
  missingShards: number[]
}

export interface Backend {
  /** The catalog is loaded (or, for a cluster, every shard has answered once). */
  ready(): boolean
  identify(fp: Fingerprint, options: IdentifyOptions): Promise<Answered<Identification>>
  match(fp: Fingerprint, options: MatchOptions): Promise<Answered<Match[]>>
  /** The four questions of a scan's decision (decide.ts); its calls reject with PartialAnswerError when a shard is missing. */
  decisionSource(): DecisionSource
  info(): Promise<BackendInfo>
  /** Catalog updates while serving (admin routes); a backend that cannot leaves them undefined. */
  add?(trackId: string, fp: Fingerprint, metadata: unknown, recordingId: string | undefined): Promise<void>
  remove?(trackId: string): Promise<boolean>
  /** Swaps in the catalog file again (a rebuilt one); requests under way finish on the old one. */
  reload?(): Promise<void>
  close(): Promise<void>
}

/** A decision asked while some shards did not answer: refused rather than decided on part of the catalog. */
export class PartialAnswerError extends Error {
  readonly code = 'PARTIAL'
  constructor(readonly missingShards: number[]) {
    super(`shards ${missingShards.join(', ')} did not answer in time; the decision was not made on part of the catalog`)
    this.name = 'PartialAnswerError'
  }
}

/** A Catalog in this process; `load` gives the catalog to swap in on reload(). */
export class LocalBackend implements Backend {
  #catalog: Catalog

  constructor(catalog: Catalog, readonly load?: () => Promise<Catalog>) {
    this.#catalog = catalog
  }

  get catalog(): Catalog { return this.#catalog }

  ready(): boolean { return true }

  async identify(fp: Fingerprint, options: IdentifyOptions): Promise<Answered<Identification>> {
    return { value: this.#catalog.identify(fp, options), missingShards: [] }
  }

  async match(fp: Fingerprint, options: MatchOptions): Promise<Answered<Match[]>> {
    return { value: this.#catalog.match(fp, options), missingShards: [] }
  }

  decisionSource(): DecisionSource {
    // The catalog of the moment the decision starts: a reload during it does not mix two catalogs.
    const c = this.#catalog
    return { identify: (fp, o) => c.identify(fp, o), match: (fp, o) => c.match(fp, o), track: (id) => c.track(id), editions: (r) => c.editions(r) }
  }

  async info(): Promise<BackendInfo> {
    return { stats: this.#catalog.stats(), settings: this.#catalog.settings(), shards: 1, missingShards: [] }
  }

  async add(trackId: string, fp: Fingerprint, metadata: unknown, recordingId: string | undefined): Promise<void> {
    this.#catalog.add(trackId, fp, metadata, recordingId !== undefined ? { recordingId } : undefined)
  }

  async remove(trackId: string): Promise<boolean> {
    return this.#catalog.remove(trackId)
  }

  async reload(): Promise<void> {
    if (!this.load) throw new Error('this service was not started from a catalog file')
    this.#catalog = await this.load()
  }

  async close(): Promise<void> {}
}

export type { TrackInfo }
