import type { EditionQuality } from './editions.js'

/** The public shapes of catalog calls (catalog.ts), apart so that lower layers can name them. */

export interface Match {
  trackId: string
  /** The recording the track is an edition of (its own id unless added with one). */
  recordingId: string
  /** Distinct query hashes aligned at the winning offset. */
  score: number
  /** 0..1, see rank.ts and docs/algorithm.md §7: 0.5 at the decision threshold. */
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

/** A track as the catalog holds it. */
export interface TrackInfo {
  readonly id: string
  readonly recordingId: string
  readonly quality: EditionQuality | undefined
  readonly durationSeconds: number
  readonly metadata: unknown
}
