import type { Candidate } from './votes.js'

/** A candidate with its confidence: 0.5 exactly at the decision threshold, towards 1 above it. */
export interface Decision extends Candidate {
  confidence: number
}

/**
 * The decision rule, calibrated on the dev corpus (docs/algorithm.md, "Deciding"):
 * a match needs at least MIN_SCORE distinct aligned hashes, and at least BG_FACTOR × the
 * background + BG_MARGIN. The background is the mean score of the 3rd and 4th candidates:
 * what chance and shared musical material give in this catalog for this query. The 2nd
 * candidate is left out of it on purpose, so two editions of one recording can both match.
 * The speed pass looks up three times as many keys in a wider window, so it needs more.
 */
const MIN_SCORE = 8
const MIN_SCORE_SHIFTED = 10
const BG_FACTOR = 2
const BG_MARGIN = 4

export function decide(candidates: readonly Candidate[], shifted: boolean, recordingOf: (track: number) => string): Decision[] {
  // Editions of one recording hold the same audio: they count once in the background.
  const seen = new Set<string>()
  const distinct: number[] = []
  for (const c of candidates) {
    const r = recordingOf(c.track)
    if (!seen.has(r)) { seen.add(r); distinct.push(c.score) }
  }
  const background = ((distinct[2] ?? 0) + (distinct[3] ?? 0)) / 2
  const threshold = Math.max(shifted ? MIN_SCORE_SHIFTED : MIN_SCORE, BG_FACTOR * background + BG_MARGIN)
  return candidates.map((c) => ({ ...c, confidence: confidence(c.score, threshold) }))
}

/** Smooth and monotonic in the score; the scale grows with the threshold, as chance scores spread. */
function confidence(score: number, threshold: number): number {
  const x = (score - threshold) / (0.25 * threshold)
  return x >= 0 ? 1 - 0.5 * Math.exp(-x) : 0.5 * Math.exp(x)
}
