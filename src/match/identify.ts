import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { PeakmatchError } from '../errors.js'
import { qualityRank, isUpgrade, type EditionQuality } from './editions.js'
import type { HashIndex } from './hash-index.js'
import { searchPass, type QueryScratch } from './query.js'
import { DECISION_CONFIDENCE } from './rank.js'
import type { TrackRegistry } from './registry.js'
import type { TrackInfo } from './types.js'
import { alignedPerWindow } from './votes.js'
import { integerIn } from '../integers.js'

/**
 * Whole-file identification, in two steps. One vote over the whole file finds the candidate
 * tracks and the offset at which each aligns best. Then the file is cut into WINDOW_SECONDS
 * windows, and a window is covered when enough distinct hashes align at that one offset.
 * A recording is "matched" when that holds over most of the file (coverage), not when one
 * stretch got lucky; and asking each window at the file's offset (rather than letting each
 * window pick its own) keeps music that repeats itself from splitting the vote.
 */
const WINDOW_SECONDS = 5
/** Windows with fewer query hashes are silence or a fade: they count neither way. */
const MIN_WINDOW_HASHES = 50
/**
 * Distinct aligned hashes that make a window covered. At a fixed offset chance gives about one
 * in a 5 s window; real copies give dozens, 0 dB noise a few more than this.
 */
const WINDOW_SCORE = 5
/**
 * Votes of one (landmark, track) pair that count towards the gate's √votes term (rank.ts). A
 * file that loops a pattern repeats each landmark R times, and so does a track made of it: R²
 * votes per landmark, spread over the offsets where the loop meets itself, while the score
 * (distinct aligned landmarks) stays the pattern's D. Counted in full, the term asked D ≥ R·√D,
 * and a loop of more than a few seconds failed against itself. Counted up to 16 a pair, it asks
 * D ≥ √(16·D), i.e. at least 16 distinct landmarks: a second of music. A landmark that recurs is
 * one piece of evidence per offset, not R². Only the gate of identify counts this way; match()
 * keeps the calibrated rule as it is (the corpus rows are unchanged: docs/algorithm.md §8).
 */
export const GATE_VOTES_PER_KEY = 16
/** Candidates of the global vote that are checked window by window. */
export const CHECKED = 6
/** Coverage from which a file is the recording, and from which it is worth a second look. */
export const MATCH_COVERAGE = 0.5
export const AMBIGUOUS_COVERAGE = 0.15

export type IdentifyStatus = 'matched' | 'unmatched' | 'ambiguous'

export interface IdentifyOptions {
  /** Quality of the user's file, to say whether the best edition is an upgrade. */
  quality?: EditionQuality
  /** Most alternatives returned. @default 5 */
  alternatives?: number
  /**
   * Lowest `confidence` (the share of the file's audio that aligns, discounted where windows
   * only just pass) of a "matched" file; below it, a file with some coverage is "ambiguous".
   * Higher is stricter. A file contested by a second recording is never "matched".
   * @default the coverage rule: coverage ≥ MATCH_COVERAGE (0.5)
   */
  minConfidence?: number
}

export interface Alignment {
  recordingId: string
  /** The edition the file's audio aligned with best. */
  trackId: string
  /** Share of the file's audio (windows weighted by their hashes) aligned with it at one offset. */
  coverage: number
  /** 0..1: the coverage, discounted when covered windows only just pass. */
  confidence: number
  /** Where the file starts in the track, in seconds (negative: the file has audio before it). */
  offsetSeconds: number
}

export interface Identification {
  status: IdentifyStatus
  recordingId?: string
  trackId?: string
  /** The best available edition of the recording (highest quality). */
  edition?: { trackId: string; quality?: EditionQuality; metadata?: unknown }
  /** Whether that edition is better than the file (only when options.quality is given). */
  upgrade?: boolean
  confidence: number
  coverage: number
  offsetSeconds: number
  /** Recordings with some coverage, best first, the answer included. */
  alternatives: Alignment[]
  /** Windows of the file, and those with audio: what coverage was computed from. */
  windows: { total: number; withAudio: number }
}

/** Identifies `fp` in a prepared index and its registry (Catalog.identify is the public entry). */
export function identify(index: HashIndex, registry: TrackRegistry, scratch: QueryScratch, fp: Fingerprint, options: IdentifyOptions = {}): Identification {
  checkIdentifyOptions(options)
  const windows = fileWindows(fp)
  const found: Alignment[] = []
  // Only candidates that pass the calibrated snippet decision over the whole file (rank.ts) are
  // checked: the per-window test alone let short clips of similar music through.
  const candidates = searchPass(index, registry, fp, false, scratch, GATE_VOTES_PER_KEY)
  const aligned = new Uint32Array(windows.count)
  for (let i = 0; i < Math.min(CHECKED, candidates.count); i++) {
    const c = candidates.items[i]!
    if (c.confidence < DECISION_CONFIDENCE) break
    alignedWindows(index, scratch, fp, c.track, c.first, c.last, windows, aligned)
    const t = registry.at(c.track)
    const a = alignmentOf(windows, aligned, t.recordingId, t.id, c.offset * fp.frameSeconds)
    if (a) found.push(a)
  }
  const ranked = rankAlignments(found)
  return conclude(ranked, windows, ranked[0] ? registry.editions(ranked[0].recordingId) : [], options)
}

/** The options identify() takes, checked (a sharded catalog checks them as a local one does). */
export function checkIdentifyOptions(options: IdentifyOptions): void {
  const limit = options.alternatives ?? 5
  if (!integerIn(limit, 0, Infinity)) throw new PeakmatchError('INVALID_OPTIONS', `alternatives must be an integer ≥ 0, got ${String(limit)}`)
  const minConfidence = options.minConfidence
  if (minConfidence !== undefined && !(typeof minConfidence === 'number' && minConfidence >= 0 && minConfidence <= 1)) {
    throw new PeakmatchError('INVALID_OPTIONS', `minConfidence must be a number from 0 to 1, got ${String(minConfidence)}`)
  }
}

/** The file cut into WINDOW_SECONDS windows: each window's query hashes (its weight), and which count. */
export interface FileWindows {
  frames: number
  count: number
  weights: Uint32Array
  /** Windows with any hash, and with at least MIN_WINDOW_HASHES (audio, not silence or a fade). */
  total: number
  withAudio: number
  /** Hashes in the windows with audio: what coverage is a share of. */
  audioWeight: number
}

export function fileWindows(fp: Fingerprint): FileWindows {
  const frames = Math.round(WINDOW_SECONDS / fp.frameSeconds)
  const n = fp.hashes.length
  const count = n === 0 ? 0 : Math.floor(fp.times[n - 1]! / frames) + 1
  const weights = new Uint32Array(count)
  for (let i = 0; i < n; i++) { const w = Math.floor(fp.times[i]! / frames); weights[w] = weights[w]! + 1 }
  let withAudio = 0, audioWeight = 0, total = 0
  for (const w of weights) {
    if (w > 0) total++
    if (w >= MIN_WINDOW_HASHES) { withAudio++; audioWeight += w }
  }
  return { frames, count, weights, total, withAudio, audioWeight }
}

/**
 * Distinct query hashes aligned with track `slot` within [first − 1, last + 1] of offset, per
 * window of the file, into `out` (windows.count entries).
 */
export function alignedWindows(index: HashIndex, scratch: QueryScratch, fp: Fingerprint, slot: number, first: number, last: number, windows: FileWindows, out: Uint32Array): void {
  const n = fp.hashes.length
  if (scratch.aligned.length < n) scratch.aligned = new Uint8Array(Math.max(1024, 2 * n))
  index.aligned(fp.hashes, fp.times, slot, first - 1, last + 1, scratch.aligned)
  alignedPerWindow(scratch.aligned, fp.hashes, fp.times, scratch.votes, windows.frames, out)
}

/** A candidate's alignment from its aligned hashes per window; null when no window is covered. */
export function alignmentOf(windows: FileWindows, aligned: ArrayLike<number>, recordingId: string, trackId: string, offsetSeconds: number): Alignment | null {
  let covered = 0, margin = 0
  for (let w = 0; w < windows.count; w++) {
    const weight = windows.weights[w]!, a = aligned[w]!
    if (weight < MIN_WINDOW_HASHES || a < WINDOW_SCORE) continue
    covered += weight
    margin += weight * Math.min(1, a / (2 * WINDOW_SCORE))
  }
  if (covered === 0) return null
  return { recordingId, trackId, coverage: covered / windows.audioWeight, confidence: margin / windows.audioWeight, offsetSeconds }
}

/** One alignment per recording (its best edition's, the first on a tie), best coverage first. */
export function rankAlignments(found: readonly Alignment[]): Alignment[] {
  const byRecording = new Map<string, Alignment>()
  for (const a of found) {
    const prev = byRecording.get(a.recordingId)
    if (!prev || a.coverage > prev.coverage) byRecording.set(a.recordingId, a)
  }
  return [...byRecording.values()].sort((a, b) => b.coverage - a.coverage || b.confidence - a.confidence)
}

/** The identification from ranked alignments, given the editions of the best one's recording. */
export function conclude(ranked: readonly Alignment[], windows: FileWindows, editions: readonly TrackInfo[], options: IdentifyOptions): Identification {
  const limit = options.alternatives ?? 5
  const minConfidence = options.minConfidence
  const top = ranked[0], second = ranked[1]
  const w = { total: windows.total, withAudio: windows.withAudio }
  const alternatives = ranked.slice(0, limit)
  if (!top || top.coverage < AMBIGUOUS_COVERAGE) {
    return { status: 'unmatched', confidence: 0, coverage: top?.coverage ?? 0, offsetSeconds: 0, alternatives, windows: w }
  }
  // Two recordings that both cover much of the file: say so rather than pick one.
  const contested = second !== undefined && second.coverage >= AMBIGUOUS_COVERAGE && second.coverage >= top.coverage / 2
  const passes = minConfidence === undefined ? top.coverage >= MATCH_COVERAGE : top.confidence >= minConfidence
  const status: IdentifyStatus = passes && !contested ? 'matched' : 'ambiguous'
  // The recording's highest-quality edition (the first of the highest rank).
  const best = editions.length > 0 ? editions.reduce((a, b) => (qualityRank(b.quality ?? {}) > qualityRank(a.quality ?? {}) ? b : a)) : undefined
  const result: Identification = {
    status, recordingId: top.recordingId, trackId: top.trackId,
    ...(best ? { edition: { trackId: best.id, ...(best.quality ? { quality: best.quality } : {}), ...(best.metadata !== undefined ? { metadata: best.metadata } : {}) } } : {}),
    confidence: top.confidence, coverage: top.coverage, offsetSeconds: top.offsetSeconds, alternatives, windows: w,
  }
  if (options.quality && best) result.upgrade = isUpgrade(best.quality ?? {}, options.quality)
  return result
}
