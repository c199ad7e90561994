import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { FRAME_SECONDS } from '../options.js'
import type { EditionQuality } from './editions.js'
import { checkFingerprint } from './fingerprint-check.js'
import { identify, type IdentifyOptions, type Identification } from './identify.js'
import {
  LOW_BITS, MAX_SEGMENTS, SEGMENT_FRAMES, TIME_BITS, buildPostings, emptyPostings, indexKey, type Postings,
} from './postings.js'
import { catalogFromBytes, catalogToBytes } from './codec.js'
import { decide, type Decision } from './rank.js'
import { alignedPerWindow, bestWindows, castVotes, collectHits, countDistinct, emptyHits, type Candidate, type Hits, type VoteBuffer } from './votes.js'

export interface Match {
  trackId: string
  /** The recording the track is an edition of (its own id unless added with one). */
  recordingId: string
  /** Hashes aligned at the winning offset. */
  score: number
  /** 0..1: how far the score stands above what chance alignment gives (rank.ts). */
  confidence: number
  /** Where the query starts in the track, in seconds (negative: before the track starts). */
  offsetSeconds: number
  metadata?: unknown
}

export interface MatchOptions {
  /** Most matches returned. @default 5 */
  limit?: number
  /**
   * Lowest confidence returned. The default is the calibrated decision threshold: below it,
   * out-of-catalog queries match about 1 % of the time (docs/benchmarks.md). 0 returns every candidate.
   * @default 0.5
   */
  minConfidence?: number
}

export interface CatalogOptions {
  /**
   * Targets per anchor peak that are indexed (hashes of rank < indexFanout). Queries use all
   * their hashes. 2 keeps the index under 1 MB per hour; 3 adds half again for a little
   * more robustness at 0 dB SNR. Must be ≤ the fanout the fingerprints were made with.
   * @default 2
   */
  indexFanout?: number
}

export interface CatalogStats {
  tracks: number
  /** Postings in the index. */
  hashes: number
  /** Bytes of the in-memory index (postings, directory, segment tables). */
  bytes: number
  /** Seconds of audio indexed. */
  seconds: number
}

/** How a track relates to others: the recording it is an edition of, and the edition's quality. */
export interface EditionOptions {
  /** Tracks with one recordingId are editions of one recording. @default the track id */
  recordingId?: string
  quality?: EditionQuality
}

/** One indexed track. Segments [firstSegment, firstSegment + segmentCount) hold its postings. */
export interface TrackRecord {
  id: string
  recordingId: string
  quality: EditionQuality | undefined
  durationSeconds: number
  hashCount: number
  firstSegment: number
  segmentCount: number
  metadata: unknown
}

/** The raw parts of a catalog, as codec.ts reads and writes them. */
export interface CatalogParts {
  indexFanout: number
  tracks: TrackRecord[]
  segBase: Uint32Array
  postings: Postings
}

const MAX_ID_LENGTH = 4096
const DELTA_SHARE = 1 / 8      // the delta index is merged into the main one past this share

/**
 * A catalog of fingerprinted tracks: an inverted index from landmark hash to (track, time),
 * queried with a time-offset vote. Adds go to a small delta index that is merged into the
 * main one when it grows past DELTA_SHARE of it; removals are masked at once and compacted
 * away at the next merge.
 */
export class Catalog {
  private tracks: (TrackRecord | null)[] = []
  private readonly byId = new Map<string, number>()
  private segTrack = new Int32Array(64)      // segment → track index, −1 once removed
  private segBase = new Uint32Array(64)      // segment → first frame it covers
  private segments = 0
  private main: Postings = emptyPostings()
  private delta: Postings | null = null
  private pendingKeys = new Uint32Array(0)
  private pendingEntries = new Uint32Array(0)
  private pendingCount = 0
  private livePostings = 0
  private deadPostings = 0
  private liveSeconds = 0
  private readonly votes: VoteBuffer = { votes: new Float64Array(1024), count: 0 }
  private readonly hits: Hits = emptyHits()
  private candidateSlot = new Int32Array(0)   // track → candidate, −1 between uses (votes.ts)
  /** What `hits` holds: the postings hit by this fingerprint, with or without shifts, at this generation. */
  private hitsOf: { fp: Fingerprint; shift: boolean; generation: number } | null = null
  private generation = 0                      // bumped by every add and remove
  private readonly indexFanout: number
  private readonly recordingOf = (track: number): string => this.tracks[track]?.recordingId ?? ''

  constructor(options: CatalogOptions = {}) {
    const fanout = options.indexFanout ?? 2
    if (!Number.isInteger(fanout) || fanout < 1 || fanout > 16) {
      throw new PeakmatchError('INVALID_OPTIONS', `indexFanout must be an integer from 1 to 16, got ${String(fanout)}`)
    }
    this.indexFanout = fanout
  }

  get size(): number {
    return this.byId.size
  }

  has(trackId: string): boolean {
    return this.byId.has(trackId)
  }

  /** Ids of the tracks, in the order they were added. */
  ids(): string[] {
    const out: string[] = []
    for (const t of this.tracks) if (t) out.push(t.id)
    return out
  }

  metadata(trackId: string): unknown {
    return this.track(trackId)?.metadata
  }

  /** The track record of an id (for identify.ts and tools); undefined when absent. */
  track(trackId: string): Readonly<TrackRecord> | undefined {
    const i = this.byId.get(trackId)
    return i === undefined ? undefined : this.tracks[i]!
  }

  /** The record of track index `i` (as in Candidate.track). */
  trackAt(i: number): Readonly<TrackRecord> {
    return this.tracks[i]!
  }

  /**
   * Whole-file identification: the recording, its best edition, and whether the file is it
   * ("matched"), might be ("ambiguous") or is not ("unmatched"). See identify.ts.
   */
  identify(fp: Fingerprint, options?: IdentifyOptions): Identification {
    checkFingerprint(fp, 'file')
    return identify(this, fp, options)
  }

  /** Every live track of a recording (its editions). */
  editions(recordingId: string): Readonly<TrackRecord>[] {
    return this.tracks.filter((t): t is TrackRecord => t !== null && t.recordingId === recordingId)
  }

  /** Adds a track. With `edition.recordingId`, it is one edition of that recording. */
  add(trackId: string, fp: Fingerprint, metadata?: unknown, editionOptions?: EditionOptions): void {
    const edition = editionOptions ?? {}
    if (typeof trackId !== 'string' || trackId.length === 0 || trackId.length > MAX_ID_LENGTH) {
      throw new PeakmatchError('INVALID_TRACK_ID', `track id must be a non-empty string of at most ${MAX_ID_LENGTH} characters, got ${typeof trackId === 'string' ? `${trackId.length} characters` : String(trackId)}`)
    }
    if (this.byId.has(trackId)) throw new PeakmatchError('DUPLICATE_TRACK', `track ${JSON.stringify(trackId)} is already in the catalog`)
    checkFingerprint(fp, `track ${JSON.stringify(trackId)}`)
    const recordingId = edition.recordingId ?? trackId
    if (typeof recordingId !== 'string' || recordingId.length === 0 || recordingId.length > MAX_ID_LENGTH) {
      throw new PeakmatchError('INVALID_TRACK_ID', `recordingId must be a non-empty string of at most ${MAX_ID_LENGTH} characters`)
    }
    if (edition.quality !== undefined && (edition.quality === null || typeof edition.quality !== 'object')) {
      throw new PeakmatchError('INVALID_OPTIONS', 'quality must be an object')
    }
    const { hashes, times, ranks } = fp
    const n = hashes.length
    const fanout = this.indexFanout
    let maxTime = 0, sorted = true, indexed = 0
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      if (!ranks || ranks[i]! < fanout) indexed++
      if (t > maxTime) maxTime = t
      if (i > 0 && t < times[i - 1]!) sorted = false
    }
    const segmentCount = Math.floor(maxTime / SEGMENT_FRAMES) + 1
    if (this.segments + segmentCount > MAX_SEGMENTS) {
      throw new PeakmatchError('CATALOG_FULL', `the catalog holds at most ${MAX_SEGMENTS} segments of ${SEGMENT_FRAMES} frames; shard it across several catalogs`)
    }
    const track = this.tracks.length
    const firstSegment = this.segments
    this.growSegments(this.segments + segmentCount)
    for (let s = 0; s < segmentCount; s++) {
      this.segTrack[firstSegment + s] = track
      this.segBase[firstSegment + s] = s * SEGMENT_FRAMES
    }
    this.segments += segmentCount
    // Postings must enter in ascending entry order per key (postings.ts): time order does it.
    const order = sorted ? null : timeOrder(times)
    this.reservePending(indexed)
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k
      if (ranks && ranks[i]! >= fanout) continue
      const t = times[i]!
      const seg = firstSegment + Math.floor(t / SEGMENT_FRAMES)
      this.pendingKeys[this.pendingCount] = indexKey(hashes[i]!)
      this.pendingEntries[this.pendingCount] = ((seg << TIME_BITS) | (t % SEGMENT_FRAMES)) >>> 0
      this.pendingCount++
    }
    this.generation++
    this.tracks.push({ id: trackId, recordingId, quality: edition.quality, durationSeconds: fp.durationSeconds, hashCount: indexed, firstSegment, segmentCount, metadata })
    this.byId.set(trackId, track)
    this.livePostings += indexed
    this.liveSeconds += fp.durationSeconds
  }

  /** Removes a track; returns whether it was there. Its postings stop voting at once. */
  remove(trackId: string): boolean {
    const i = this.byId.get(trackId)
    if (i === undefined) return false
    const t = this.tracks[i]!
    this.segTrack.fill(-1, t.firstSegment, t.firstSegment + t.segmentCount)
    this.tracks[i] = null
    this.generation++
    this.byId.delete(trackId)
    this.livePostings -= t.hashCount
    this.deadPostings += t.hashCount
    this.liveSeconds -= t.durationSeconds
    return true
  }

  stats(): CatalogStats {
    this.prepare()
    const p = [this.main, this.delta]
    let bytes = this.segments * 8
    for (const x of p) if (x) bytes += x.dir.byteLength + x.low.byteLength + x.entry.byteLength
    return { tracks: this.size, hashes: this.livePostings, bytes, seconds: this.liveSeconds }
  }

  /** Tracks holding the query, most confident first; empty when none passes `minConfidence`. */
  match(fp: Fingerprint, options: MatchOptions = {}): Match[] {
    const limit = options.limit ?? 5
    const minConfidence = options.minConfidence ?? 0.5
    if (!Number.isInteger(limit) || limit < 1) throw new PeakmatchError('INVALID_OPTIONS', `limit must be a positive integer, got ${String(limit)}`)
    if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) {
      throw new PeakmatchError('INVALID_OPTIONS', `minConfidence must be in [0, 1], got ${String(minConfidence)}`)
    }
    const decided = this.search(fp)
    const out: Match[] = []
    for (const d of decided) {
      if (d.confidence < minConfidence || out.length >= limit) break
      const t = this.tracks[d.track]!
      const m: Match = { trackId: t.id, recordingId: t.recordingId, score: d.score, confidence: d.confidence, offsetSeconds: d.offset * FRAME_SECONDS }
      if (t.metadata !== undefined) m.metadata = t.metadata
      out.push(m)
    }
    return out
  }

  /**
   * Every candidate with its confidence, best first. Exact hashes first; when nothing is
   * confident, again with each landmark also moved ±1 bin (small speed changes).
   */
  search(fp: Fingerprint, speedPass = true): Decision[] {
    let result: Decision[] = []
    for (const shift of speedPass ? [false, true] : [false]) {
      result = decide(this.candidates(fp, shift), shift, this.recordingOf)
      if (result.length > 0 && result[0]!.confidence >= 0.5) break
    }
    return result
  }

  /** One pass of voting and re-scoring: exact hashes, or with ±1 bin shifts and a wider window. */
  candidates(fp: Fingerprint, shift: boolean): Candidate[] {
    checkFingerprint(fp, 'query')
    const hits = this.lookup(fp, shift, false)
    castVotes(hits, this.votes)
    const candidates = bestWindows(this.votes, shift ? speedWindow(fp) : EXACT_WINDOW, 2).slice(0, VERIFIED)
    if (this.candidateSlot.length < this.tracks.length) this.candidateSlot = new Int32Array(2 * this.tracks.length).fill(-1)
    countDistinct(hits, fp.hashes, candidates, this.candidateSlot)
    return candidates.sort((a, b) => b.score - a.score || a.track - b.track)
  }

  /** The postings `fp` hits; with `reuse`, the last lookup of the same fingerprint serves (identify asks per candidate). */
  private lookup(fp: Fingerprint, shift: boolean, reuse: boolean): Hits {
    this.prepare()
    const h = this.hitsOf
    if (reuse && h && h.fp === fp && h.shift === shift && h.generation === this.generation) return this.hits
    const indexes = this.delta ? [this.main, this.delta] : [this.main]
    collectHits({ indexes, segTrack: this.segTrack, segBase: this.segBase }, fp.hashes, fp.times, shift, this.hits)
    this.hitsOf = { fp, shift, generation: this.generation }
    return this.hits
  }

  /** The catalog as versioned, checksummed bytes (docs/format.md). */
  toBytes(): Uint8Array {
    return catalogToBytes(this)
  }

  /** A catalog from toBytes() output; damaged or foreign bytes throw CORRUPT_INDEX or UNSUPPORTED_VERSION. */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Catalog {
    return catalogFromBytes(bytes)
  }

  /** Distinct hashes of `fp` aligned with track index `track` at offsets [first, last], per window (identify.ts). */
  alignedPerWindow(fp: Fingerprint, track: number, first: number, last: number, windowFrames: number, out: Uint32Array): void {
    alignedPerWindow(this.lookup(fp, false, true), fp.hashes, fp.times, track, first, last, windowFrames, out)
  }

  /** The compacted parts (no delta, no removed tracks), for codec.ts. */
  parts(): CatalogParts {
    this.compact()
    return { indexFanout: this.indexFanout, tracks: this.tracks as TrackRecord[], segBase: this.segBase.slice(0, this.segments), postings: this.main }
  }

  /** A catalog made of parts that codec.ts has validated. */
  static fromParts(parts: CatalogParts): Catalog {
    const c = new Catalog({ indexFanout: parts.indexFanout })
    c.tracks = parts.tracks
    c.segments = parts.segBase.length
    c.growSegments(c.segments)
    c.segBase.set(parts.segBase)
    parts.tracks.forEach((t, i) => {
      c.byId.set(t.id, i)
      c.segTrack.fill(i, t.firstSegment, t.firstSegment + t.segmentCount)
      c.livePostings += t.hashCount
      c.liveSeconds += t.durationSeconds
    })
    c.main = parts.postings
    return c
  }

  /** Makes the pending adds searchable: into the delta, or everything into main when it is big. */
  private prepare(): void {
    if (this.deadPostings > this.livePostings / 4) return this.compact()
    if (this.pendingCount === 0) return
    const deltaSize = this.delta ? this.delta.entry.length : 0
    if (deltaSize + this.pendingCount > this.main.entry.length * DELTA_SHARE) return this.compact()
    this.delta = this.merge([this.delta ?? emptyPostings()], null)
    this.pendingCount = 0
  }

  /** One main index of the live postings; removed tracks and their segments are dropped. */
  private compact(): void {
    if (this.pendingCount === 0 && this.delta === null && this.deadPostings === 0 && this.byId.size === this.tracks.length) return
    // Renumber live tracks and segments in order: the order of entries is kept.
    const segMap = new Int32Array(this.segments).fill(-1)
    const tracks: TrackRecord[] = []
    let segments = 0
    for (const t of this.tracks) {
      if (!t) continue
      for (let s = 0; s < t.segmentCount; s++) segMap[t.firstSegment + s] = segments + s
      t.firstSegment = segments
      segments += t.segmentCount
      tracks.push(t)
    }
    const sources = this.delta ? [this.main, this.delta] : [this.main]
    this.main = this.merge(sources, segMap)
    this.delta = null
    this.pendingCount = 0
    this.tracks = tracks
    this.byId.clear()
    this.segTrack = new Int32Array(Math.max(64, segments))
    this.segBase = new Uint32Array(Math.max(64, segments))
    this.segments = segments
    tracks.forEach((t, i) => {
      this.byId.set(t.id, i)
      for (let s = 0; s < t.segmentCount; s++) {
        this.segTrack[t.firstSegment + s] = i
        this.segBase[t.firstSegment + s] = s * SEGMENT_FRAMES
      }
    })
    this.deadPostings = 0
  }

  /**
   * Postings of `sources` (in order) and the pending adds, without removed segments, and with
   * segments renumbered by `segMap` when given. Entry order per key is kept (postings.ts).
   */
  private merge(sources: readonly Postings[], segMap: Int32Array | null): Postings {
    let total = this.pendingCount
    for (const p of sources) total += p.entry.length
    const keys = new Uint32Array(total), entries = new Uint32Array(total)
    let n = 0
    const segTrack = this.segTrack
    const keep = (key: number, e: number): void => {
      const seg = e >>> TIME_BITS
      if (segTrack[seg]! < 0) return
      keys[n] = key
      entries[n++] = segMap ? ((segMap[seg]! << TIME_BITS) | (e & (SEGMENT_FRAMES - 1))) >>> 0 : e
    }
    for (const p of sources) {
      for (let d = 0; d + 1 < p.dir.length; d++) {
        const end = p.dir[d + 1]!
        for (let i = p.dir[d]!; i < end; i++) keep(((d << LOW_BITS) | p.low[i]!) >>> 0, p.entry[i]!)
      }
    }
    for (let i = 0; i < this.pendingCount; i++) keep(this.pendingKeys[i]!, this.pendingEntries[i]!)
    return buildPostings(keys, entries, n)
  }

  private growSegments(needed: number): void {
    if (needed <= this.segTrack.length) return
    let size = this.segTrack.length
    while (size < needed) size *= 2
    const track = new Int32Array(size), base = new Uint32Array(size)
    track.set(this.segTrack)
    base.set(this.segBase)
    this.segTrack = track
    this.segBase = base
  }

  private reservePending(extra: number): void {
    const needed = this.pendingCount + extra
    if (needed <= this.pendingKeys.length) return
    const size = Math.max(needed, 2 * this.pendingKeys.length, 1024)
    const keys = new Uint32Array(size), entries = new Uint32Array(size)
    keys.set(this.pendingKeys.subarray(0, this.pendingCount))
    entries.set(this.pendingEntries.subarray(0, this.pendingCount))
    this.pendingKeys = keys
    this.pendingEntries = entries
  }
}

/** Offset window (frames) of the exact pass: ±1 frame of peak jitter. */
const EXACT_WINDOW = 3
/** Candidates re-scored by distinct hashes: the rest never come close. */
const VERIFIED = 16

/** Offset window of the speed pass: peak jitter plus the drift of a 2 % speed change over the query. */
function speedWindow(fp: Fingerprint): number {
  const frames = fp.times.length > 0 ? fp.times[fp.times.length - 1]! - fp.times[0]! : 0
  return 4 + Math.ceil(frames * 0.02)
}

function timeOrder(times: Uint32Array): Uint32Array {
  const order = new Uint32Array(times.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  return order.sort((a, b) => times[a]! - times[b]! || a - b)
}
