import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { PeakmatchError } from '../errors.js'
import { qualityRank, isUpgrade, type EditionQuality } from './editions.js'
import type { HashIndex } from './hash-index.js'
import { searchPass, type QueryScratch } from './query.js'
import { DECISION_CONFIDENCE } from './rank.js'
import type { TrackRegistry } from './registry.js'
import { alignedPerWindow } from './votes.js'

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
const GATE_VOTES_PER_KEY = 16
/** Candidates of the global vote that are checked window by window. */
const CHECKED = 6
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
  const limit = options.alternatives ?? 5
  if (!Number.isInteger(limit) || limit < 0) throw new PeakmatchError('INVALID_OPTIONS', `alternatives must be an integer ≥ 0, got ${String(limit)}`)
  const minConfidence = options.minConfidence
  if (minConfidence !== undefined && !(typeof minConfidence === 'number' && minConfidence >= 0 && minConfidence <= 1)) {
    throw new PeakmatchError('INVALID_OPTIONS', `minConfidence must be a number from 0 to 1, got ${String(minConfidence)}`)
  }
  const windowFrames = Math.round(WINDOW_SECONDS / fp.frameSeconds)
  const n = fp.hashes.length
  const windowCount = n === 0 ? 0 : Math.floor(fp.times[n - 1]! / windowFrames) + 1
  const weights = new Uint32Array(windowCount)
  for (let i = 0; i < n; i++) { const w = Math.floor(fp.times[i]! / windowFrames); weights[w] = weights[w]! + 1 }
  let withAudio = 0, audioWeight = 0, total = 0
  for (const w of weights) {
    if (w > 0) total++
    if (w >= MIN_WINDOW_HASHES) { withAudio++; audioWeight += w }
  }

  const byRecording = new Map<string, Alignment>()
  const aligned = new Uint32Array(windowCount)
  // Only candidates that pass the calibrated snippet decision over the whole file (rank.ts) are
  // checked: the per-window test alone let short clips of similar music through.
  const candidates = searchPass(index, registry, fp, false, scratch, GATE_VOTES_PER_KEY)
  if (scratch.aligned.length < n) scratch.aligned = new Uint8Array(Math.max(1024, 2 * n))
  for (let i = 0; i < Math.min(CHECKED, candidates.count); i++) {
    const c = candidates.items[i]!
    if (c.confidence < DECISION_CONFIDENCE) break
    index.aligned(fp.hashes, fp.times, c.track, c.first - 1, c.last + 1, scratch.aligned)
    alignedPerWindow(scratch.aligned, fp.hashes, fp.times, scratch.votes, windowFrames, aligned)
    let covered = 0, margin = 0
    for (let w = 0; w < windowCount; w++) {
      if (weights[w]! < MIN_WINDOW_HASHES || aligned[w]! < WINDOW_SCORE) continue
      covered += weights[w]!
      margin += weights[w]! * Math.min(1, aligned[w]! / (2 * WINDOW_SCORE))
    }
    if (covered === 0) continue
    const t = registry.at(c.track)
    const a: Alignment = {
      recordingId: t.recordingId, trackId: t.id, coverage: covered / audioWeight,
      confidence: margin / audioWeight, offsetSeconds: c.offset * fp.frameSeconds,
    }
    const prev = byRecording.get(t.recordingId)
    if (!prev || a.coverage > prev.coverage) byRecording.set(t.recordingId, a)
  }
  const ranked = [...byRecording.values()].sort((a, b) => b.coverage - a.coverage || b.confidence - a.confidence)
  const top = ranked[0], second = ranked[1]
  const windows = { total, withAudio }
  const alternatives = ranked.slice(0, limit)
  if (!top || top.coverage < AMBIGUOUS_COVERAGE) {
    return { status: 'unmatched', confidence: 0, coverage: top?.coverage ?? 0, offsetSeconds: 0, alternatives, windows }
  }
  // Two recordings that both cover much of the file: say so rather than pick one.
  const contested = second !== undefined && second.coverage >= AMBIGUOUS_COVERAGE && second.coverage >= top.coverage / 2
  const passes = minConfidence === undefined ? top.coverage >= MATCH_COVERAGE : top.confidence >= minConfidence
  const status: IdentifyStatus = passes && !contested ? 'matched' : 'ambiguous'
  const editions = registry.editions(top.recordingId)
  const bestEdition = editions.reduce((a, b) => (qualityRank(b.quality ?? {}) > qualityRank(a.quality ?? {}) ? b : a))
  const result: Identification = {
    status, recordingId: top.recordingId, trackId: top.trackId,
    edition: { trackId: bestEdition.id, ...(bestEdition.quality ? { quality: bestEdition.quality } : {}), ...(bestEdition.metadata !== undefined ? { metadata: bestEdition.metadata } : {}) },
    confidence: top.confidence, coverage: top.coverage, offsetSeconds: top.offsetSeconds, alternatives, windows,
  }
  if (options.quality) result.upgrade = isUpgrade(bestEdition.quality ?? {}, options.quality)
  return result
}
