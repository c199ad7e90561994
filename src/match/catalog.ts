import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { DEFAULT_INDEX_FANOUT, FRAME_SECONDS, TRIPLET_INDEX_FANOUT } from '../options.js'
import { catalogChunks, catalogFromBytes, catalogFromChunks, catalogToBytes, type CatalogParts } from './codec.js'
import type { FrontEnd } from '../fingerprint/front-end.js'
import { checkEdition, checkFanout, checkFingerprint, checkIndexable, checkMatchOptions, checkTrackId } from './checks.js'
import { reportChange } from './factors.js'
import { HashIndex } from './hash-index.js'
import { identify, type IdentifyOptions, type Identification } from './identify.js'
import { QueryScratch, search, searchPass } from './query.js'
import { TrackRegistry } from './registry.js'
import type { CatalogOptions, CatalogSettings, CatalogStats, EditionOptions, Match, MatchOptions, TrackInfo } from './types.js'
import type { CandidateList } from './votes.js'

export interface CatalogInternals {
  readonly index: HashIndex
  readonly registry: TrackRegistry
  readonly scratch: QueryScratch
  /** Checks a query or file against the catalog's front end and makes pending adds searchable (catalog-shard.ts). */
  ready(fp: Fingerprint, what: 'query' | 'file'): void
  /** One search pass's decided candidates (scratch: valid until the next query). */
  searchPass(fp: Fingerprint, shift: boolean): CandidateList
}
/** A catalog's parts: for its shard side (catalog-shard.ts, entry peakmatch/sharded), bench/ and tests; not exported by the package entry. */
export let internals: (catalog: Catalog) => CatalogInternals

/**
 * A catalog of fingerprinted tracks: an inverted index from landmark hash to (track, time)
 * (hash-index.ts), the tracks' records (registry.ts), and queries as pure steps over them
 * (query.ts, identify.ts). This class only validates, keeps index and registry in step, and
 * turns internal candidates into public answers.
 */
export class Catalog {
  #index: HashIndex
  readonly #registry: TrackRegistry
  readonly #scratch = new QueryScratch()
  readonly #indexFanout: number
  /** The front end of the tracks (every one the same but for fanout); null until the first add. */
  #frontEnd: FrontEnd | null = null

  constructor(options: CatalogOptions = {}) {
    this.#indexFanout = checkFanout(options.indexFanout ?? (options.tripletIndex === true ? TRIPLET_INDEX_FANOUT : DEFAULT_INDEX_FANOUT))
    if (options.tripletIndex !== undefined && typeof options.tripletIndex !== 'boolean') throw new PeakmatchError('INVALID_OPTIONS', `tripletIndex must be a boolean, got ${String(options.tripletIndex)}`)
    this.#index = new HashIndex({ triplets: options.tripletIndex ?? false })
    this.#registry = new TrackRegistry()
  }

  get size(): number { return this.#registry.size }

  has(trackId: string): boolean { return this.#registry.slotOf(trackId) !== undefined }

  /** Ids of the tracks, in the order they were added. */
  ids(): string[] { return this.#registry.live().map((t) => t.id) }

  metadata(trackId: string): unknown { return this.track(trackId)?.metadata }

  /** What the catalog holds of a track; undefined when absent. */
  track(trackId: string): TrackInfo | undefined {
    const slot = this.#registry.slotOf(trackId)
    if (slot === undefined) return undefined
    const { id, recordingId, quality, durationSeconds, metadata } = this.#registry.at(slot)
    return { id, recordingId, quality, durationSeconds, metadata }
  }

  /** The tracks that are editions of a recording (empty when none is). */
  editions(recordingId: string): TrackInfo[] {
    return this.#registry.editions(recordingId).map(({ id, recordingId, quality, durationSeconds, metadata }) => ({ id, recordingId, quality, durationSeconds, metadata }))
  }

  /** Adds a track. With `edition.recordingId`, it is one edition of that recording. */
  add(trackId: string, fp: Fingerprint, metadata?: unknown, editionOptions?: EditionOptions): void {
    checkTrackId(trackId, 'track id')
    if (this.has(trackId)) throw new PeakmatchError('DUPLICATE_TRACK', `track ${JSON.stringify(trackId)} is already in the catalog`)
    const what = `track ${JSON.stringify(trackId)}`
    const frontEnd = checkFingerprint(fp, what, this.#frontEnd)
    checkIndexable(fp, frontEnd, this.#indexFanout, what)
    const { recordingId = trackId, quality } = checkEdition(editionOptions ?? {})
    const { postings } = this.#index.add(fp, this.#indexFanout)
    this.#frontEnd ??= frontEnd
    this.#registry.push({ id: trackId, recordingId, quality, durationSeconds: fp.durationSeconds, postings, metadata })
  }

  /** Removes a track; returns whether it was there. Its postings stop voting at once. */
  remove(trackId: string): boolean {
    const slot = this.#registry.slotOf(trackId)
    if (slot === undefined) return false
    this.#index.remove(slot)
    this.#registry.remove(slot)
    return true
  }

  /** How the catalog indexes, and the front end its tracks were fingerprinted with (null while it has none). */
  settings(): CatalogSettings {
    return { indexFanout: this.#indexFanout, tripletIndex: this.#index.triplets, frontEnd: this.#frontEnd }
  }

  stats(): CatalogStats {
    this.#prepare()
    return { tracks: this.size, hashes: this.#index.postingCount, bytes: this.#index.bytes(), seconds: this.#registry.liveSeconds }
  }

  /** Tracks holding the query, most confident first; empty when none passes `minConfidence`. */
  match(fp: Fingerprint, options: MatchOptions = {}): Match[] {
    const { limit, minConfidence, factorSearch } = checkMatchOptions(options)
    checkFingerprint(fp, 'query', this.#frontEnd)
    this.#prepare()
    const decided = search(this.#index, this.#registry, fp, true, this.#scratch, factorSearch)
    const factor = this.#scratch.factor
    const out: Match[] = []
    for (let i = 0; i < decided.count && out.length < limit; i++) {
      const d = decided.items[i]!
      if (d.confidence < minConfidence) break
      const t = this.#registry.at(d.track)
      const m: Match = { trackId: t.id, recordingId: t.recordingId, score: d.score, confidence: d.confidence, offsetSeconds: d.offset * FRAME_SECONDS }
      reportChange(m, factor, this.#scratch.tempo, i === 0, this.#scratch.speed)
      if (t.metadata !== undefined) m.metadata = t.metadata
      out.push(m)
    }
    return out
  }

  /**
   * Whole-file identification: the recording, its best edition, and whether the file is it
   * ("matched"), might be ("ambiguous") or is not ("unmatched"). See identify.ts.
   */
  identify(fp: Fingerprint, options?: IdentifyOptions): Identification {
    checkFingerprint(fp, 'file', this.#frontEnd)
    this.#prepare()
    return identify(this.#index, this.#registry, this.#scratch, fp, options)
  }

  /**
   * The catalog as versioned, checksummed bytes (docs/format.md): toChunks() in one array. A
   * catalog too large for one Uint8Array (4 GiB in Node 20) throws CATALOG_FULL: use toChunks().
   */
  toBytes(): Uint8Array {
    return catalogToBytes(this.#parts())
  }

  /**
   * The catalog as byte arrays to write one after another (a file, a stream): the same bytes
   * as toBytes(), in sections of at most `sectionBytes` (default 64 MiB), made one at a time,
   * so writing needs one section of memory besides the catalog, whatever its size. Metadata
   * that cannot be written throws here, before the first array. Do not change the catalog
   * while iterating.
   */
  toChunks(options: { sectionBytes?: number } = {}): Iterable<Uint8Array> {
    return catalogChunks(this.#parts(), options.sectionBytes)
  }

  /** A catalog from toBytes() output; damaged or foreign bytes throw CORRUPT_INDEX or UNSUPPORTED_VERSION. */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Catalog {
    return Catalog.#fromParts(catalogFromBytes(bytes))
  }

  /**
   * A catalog from toChunks() or toBytes() output in pieces of any size (e.g. a file read 16 MiB at
   * a time; a piece may be reused once the next is asked for). Memory while loading is the
   * catalog plus one section. With `totalBytes` (the file's size), a damaged manifest's claims
   * are checked against it before anything is allocated. Errors as fromBytes.
   */
  static fromChunks(chunks: Iterable<Uint8Array>, options: { totalBytes?: number } = {}): Catalog {
    return Catalog.#fromParts(catalogFromChunks(chunks, options.totalBytes))
  }

  /** The index compacted (removed slots dropped, as a reload would) and the catalog as plain parts. */
  #parts(): CatalogParts {
    if (this.#index.compact()) this.#registry.compact()
    return { indexFanout: this.#indexFanout, frontEnd: this.#frontEnd, tracks: this.#registry.live(), index: this.#index.parts() }
  }

  static #fromParts(parts: CatalogParts): Catalog {
    const c = new Catalog({ indexFanout: parts.indexFanout })
    c.#frontEnd = parts.frontEnd
    const postings = new Uint32Array(parts.tracks.length)
    parts.tracks.forEach((t, i) => { postings[i] = t.postings; c.#registry.push(t) })
    c.#index = HashIndex.fromParts(parts.index, postings)
    return c
  }

  static {
    internals = (c) => {
      const ready = (fp: Fingerprint, what: 'query' | 'file') => {
        checkFingerprint(fp, what, c.#frontEnd)
        c.#prepare()
      }
      return {
        index: c.#index,
        registry: c.#registry,
        scratch: c.#scratch,
        ready,
        searchPass(fp, shift) {
          ready(fp, 'query')
          return searchPass(c.#index, c.#registry, fp, shift, c.#scratch)
        },
      }
    }
  }

  /** Makes pending adds searchable; when that compacts the index, the registry follows. */
  #prepare(): void {
    if (this.#index.prepare()) this.#registry.compact()
  }
}
