import type { FrontEnd } from '../fingerprint/front-end.js'
import type { EditionQuality } from './editions.js'

/** The public shapes of catalog calls (catalog.ts), apart so that lower layers can name them. */

export interface Match {
  trackId: string
  /** The recording the track is an edition of (its own id unless added with one). */
  recordingId: string
  /** Distinct query hashes aligned at the winning offset. */
  score: number
  /**
   * Estimated probability that this is the right answer (docs/algorithm.md §7): calibrated on
   * real music, ≈ 0.9998 at the decision threshold and ≈ 1 above it, 0.5 at half of it.
   */
  confidence: number
  /** Where the query starts in the track, in seconds (negative: before the track starts). */
  offsetSeconds: number
  /**
   * The speed change under which the query was found, as a factor (1.05: the query plays 5 %
   * faster, higher and shorter, as a resampled or sped-up copy does), to the grid's step of 2 %.
   * Present, with `pitch`, when the query was found by undoing a speed or pitch change
   * (docs/algorithm.md §6); and on the best match, with `pitch` 1, when the plain search found a
   * speed change of 2.5 % or more (the slope along which its hashes align, to about ±0.5 %, told
   * from a tempo change by its frequencies). Absent for a match at the original speed and pitch,
   * or within the ±1–2 % that the plain search tolerates.
   * @default 1
   */
  speed?: number
  /**
   * The pitch change (tempo kept) under which the query was found, as a frequency factor
   * (2^(1/12) ≈ 1.059 is a semitone up), to the grid's step of 2 %. Present with `speed`, one of
   * the two being 1.
   * @default 1
   */
  pitch?: number
  /**
   * The tempo change (pitch kept) found, as a time factor (1.05: the query runs 5 % faster, i.e.
   * is 5 % shorter, at the track's pitch), measured to about ±0.5 % from the slope along which
   * the query's hashes align with the track (docs/algorithm.md §6). Present only when that slope,
   * beyond any `speed`, is at least 2.5 % from 1 (below that the plain search finds small speed
   * changes too, and cannot tell the two apart), and on the best match only: its alignment alone
   * is fitted, and its `offsetSeconds` is where the query's start falls along that slope.
   * @default 1
   */
  tempo?: number
  metadata?: unknown
}

export interface MatchOptions {
  /** Most matches returned. @default 5 */
  limit?: number
  /**
   * Lowest confidence returned. The default is the decision rule (DECISION_CONFIDENCE,
   * 0.99976): on real music no out-of-catalog query reached it. Lower values return weaker
   * answers at the stated odds: 0.9 finds more noisy 3 s snippets, about 1 in 10 of them wrong
   * on the dev corpus's mix (docs/algorithm.md §7). 0 returns every candidate.
   * @default DECISION_CONFIDENCE
   */
  minConfidence?: number
  /**
   * Whether a query the plain search does not settle is searched again over a grid of speed
   * (±10 %), pitch (±2 semitones) and tempo (±10 %) changes undone on its hashes
   * (docs/algorithm.md §6): finds sped-up, slowed, pitch-shifted and time-stretched copies, and
   * reports the change (Match.speed, Match.pitch, Match.tempo). Every out-of-catalog query pays
   * the whole grid: 24 more passes, about 40 ms instead of 3 ms on the dev catalog (96 tracks). 'auto' runs as much of it, nearest factors first, as a budget of
   * postings walked allows (the whole grid in a catalog of a couple of hundred tracks, the nearest
   * factors in a larger one) and none past about a thousand tracks (2^23 postings): at 10 000
   * tracks the whole grid made the p95 query 10× slower. On a large catalog's triplet path 'auto'
   * screens (as 'screened' does, below) the 12 nearest factors (speed and pitch ±6 %) and refines
   * only the kind of change found (speed or pitch), up to about 30 000 tracks (3 × 2^26 postings;
   * 10 s p95 ×1.8–2.0 there), and runs none beyond, where the screens would take the p95 past
   * 20 ms (docs/algorithm.md §9, round 9). true: the whole
   * grid always; false: none. 'screened': the whole grid, but on a large catalog's triplet path
   * each factor's full pass runs only when a cheap first look (one triplet an anchor) finds
   * enough aligned votes under it: at 100 000 tracks 10 s queries p95 ~34 ms CPU instead of
   * true's ~140 ms, with 50 of 52 pitch ±1 semitone and speed −2/+5 % 10 s queries found (true:
   * 52; of those rows' 5 s queries 37 where true finds 38, of 3 s ones 17 where it finds 22); on
   * the pair path the same as true (docs/algorithm.md §9, rounds 7 and 8).
   * @default 'auto'
   */
  factorSearch?: FactorSearch
}

/** MatchOptions.factorSearch. */
export type FactorSearch = boolean | 'auto' | 'screened'

export interface CatalogOptions {
  /**
   * Targets per anchor peak that are indexed (hashes of rank < indexFanout). Queries use all
   * their hashes. 3 takes 1.4 MB per audio hour and finds short noisy snippets far more often
   * than 2 (0.92 MB per hour; docs/algorithm.md §4, §7). A catalog with `tripletIndex` finds its
   * candidates by triplets, and 2 keeps its queries and loads fast at about the same accuracy
   * (§9). Must be ≤ the fanout the fingerprints were made with.
   * @default 3, or 2 with tripletIndex
   */
  indexFanout?: number
  /**
   * Also index one triplet per anchor peak (an anchor and its two nearest targets: a third as
   * many postings again at indexFanout 3) so that queries stay fast in a large catalog: past some ten thousand
   * tracks a query finds its candidates by triplets and checks them with the landmark pairs,
   * instead of walking every posting of its pair keys (docs/algorithm.md §9). A smaller catalog
   * answers exactly as without.
   * @default false
   */
  tripletIndex?: boolean
}

/** A catalog's settings (Catalog.settings()): what it was made with, for `catalog info` and checks. */
export interface CatalogSettings {
  indexFanout: number
  tripletIndex: boolean
  /** The fingerprint parameters of its tracks (null in an empty catalog). */
  frontEnd: FrontEnd | null
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
