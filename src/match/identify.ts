import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { PeakmatchError } from '../errors.js'
import type { Catalog } from './catalog.js'
import { qualityRank, isUpgrade, type EditionQuality } from './editions.js'

/**
 * Whole-file identification. A file is cut into WINDOW_SECONDS windows, each matched like a
 * snippet (exact pass, calibrated threshold). A recording is "matched" when its windows agree
 * on one offset over most of the file (coverage), not when one window got lucky.
 */
const WINDOW_SECONDS = 10
/** Windows with fewer query hashes are silence or a fade: they count neither way. */
const MIN_WINDOW_HASHES = 100
/** Offsets (s) within this distance of each other are one alignment. */
const SAME_OFFSET_SECONDS = 0.1
/** Coverage from which a file is the recording, and from which it is worth a second look. */
export const MATCH_COVERAGE = 0.5
export const AMBIGUOUS_COVERAGE = 0.15

export type IdentifyStatus = 'matched' | 'unmatched' | 'ambiguous'

export interface IdentifyOptions {
  /** Quality of the user's file, to say whether the best edition is an upgrade. */
  quality?: EditionQuality
  /** Most alternatives returned. @default 5 */
  alternatives?: number
}

export interface Alignment {
  recordingId: string
  /** The edition the file's audio aligned with best. */
  trackId: string
  /** Share of the file's non-silent windows that agree on this recording at one offset. */
  coverage: number
  /** 0..1: coverage × the mean confidence of the agreeing windows. */
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
  /** Every recording with some coverage, best first, the answer included. */
  alternatives: Alignment[]
  /** Windows matched / windows with audio: what coverage was computed from. */
  windows: { total: number; withAudio: number }
}

interface Hit { window: number; offset: number; confidence: number }

export function identify(catalog: Catalog, fp: Fingerprint, options: IdentifyOptions = {}): Identification {
  const limit = options.alternatives ?? 5
  if (!Number.isInteger(limit) || limit < 0) throw new PeakmatchError('INVALID_OPTIONS', `alternatives must be an integer ≥ 0, got ${String(limit)}`)
  const windowFrames = Math.round(WINDOW_SECONDS / fp.frameSeconds)
  const hits = new Map<number, Hit[]>()          // track → confident windows
  let total = 0, withAudio = 0
  const n = fp.hashes.length
  for (let start = 0, w = 0; start < n; w++) {
    const first = fp.times[start]!
    const windowStart = first - (first % windowFrames)
    let end = start
    while (end < n && fp.times[end]! < windowStart + windowFrames) end++
    total++
    if (end - start >= MIN_WINDOW_HASHES) {
      withAudio++
      const part: Fingerprint = {
        hashes: fp.hashes.subarray(start, end), times: fp.times.subarray(start, end),
        frameSeconds: fp.frameSeconds, durationSeconds: fp.durationSeconds,
        ...(fp.ranks ? { ranks: fp.ranks.subarray(start, end) } : {}),
      }
      for (const d of catalog.search(part, false)) {
        if (d.confidence < 0.5) break
        const list = hits.get(d.track) ?? []
        list.push({ window: w, offset: d.offset, confidence: d.confidence })
        hits.set(d.track, list)
      }
    }
    start = end
  }

  // Per track: the largest set of windows agreeing on one offset.
  const sameOffset = Math.max(1, Math.round(SAME_OFFSET_SECONDS / fp.frameSeconds))
  const byRecording = new Map<string, Alignment>()
  for (const [track, list] of hits) {
    list.sort((a, b) => a.offset - b.offset)
    let best = 0, bestL = 0
    for (let l = 0, r = 0; r < list.length; r++) {
      while (list[r]!.offset - list[l]!.offset > 2 * sameOffset) l++
      if (r - l + 1 > best) { best = r - l + 1; bestL = l }
    }
    const agreeing = list.slice(bestL, bestL + best)
    const coverage = withAudio === 0 ? 0 : best / withAudio
    const meanConfidence = agreeing.reduce((s, h) => s + h.confidence, 0) / best
    const t = catalog.trackAt(track)
    const a: Alignment = {
      recordingId: t.recordingId, trackId: t.id, coverage, confidence: coverage * meanConfidence,
      offsetSeconds: agreeing[best >> 1]!.offset * fp.frameSeconds,
    }
    const prev = byRecording.get(t.recordingId)
    if (!prev || a.coverage > prev.coverage || (a.coverage === prev.coverage && a.confidence > prev.confidence)) byRecording.set(t.recordingId, a)
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
  const status: IdentifyStatus = top.coverage >= MATCH_COVERAGE && !contested ? 'matched' : 'ambiguous'
  const editions = catalog.editions(top.recordingId)
  const bestEdition = editions.reduce((a, b) => (qualityRank(b.quality ?? {}) > qualityRank(a.quality ?? {}) ? b : a))
  const result: Identification = {
    status, recordingId: top.recordingId, trackId: top.trackId,
    edition: { trackId: bestEdition.id, ...(bestEdition.quality ? { quality: bestEdition.quality } : {}), ...(bestEdition.metadata !== undefined ? { metadata: bestEdition.metadata } : {}) },
    confidence: top.confidence, coverage: top.coverage, offsetSeconds: top.offsetSeconds, alternatives, windows,
  }
  if (options.quality) result.upgrade = isUpgrade(bestEdition.quality ?? {}, options.quality)
  return result
}
