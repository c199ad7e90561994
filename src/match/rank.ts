import type { Candidate } from './votes.js'

/** A candidate with its confidence: 0.5 exactly at its decision threshold, towards 1 above it. */
export interface Decision extends Candidate {
  confidence: number
}

/**
 * The decision rule, calibrated on the dev corpus (docs/algorithm.md, "Deciding"). A match needs
 *  - at least MIN_SCORE distinct aligned hashes (MIN_SCORE_SHIFTED in the speed pass, which looks
 *    up three times as many keys in a wider window);
 *  - at least BG_FACTOR × the background + BG_MARGIN, the background being the mean score of the
 *    3rd and 4th recordings: what chance and shared musical material give in this catalog for
 *    this query. The 2nd is left out on purpose, and editions of one recording count once, so
 *    duplicates of a recording can all match;
 *  - at least HITS_FACTOR × √(its own votes): music on a shared tempo grid (same drum sounds,
 *    same key) spreads hundreds of votes over a track and some offset gathers a few by chance,
 *    while a real match puts a large share of its votes at one offset. This is what keeps a
 *    small catalog, whose background is thin, from matching pieces in the same key and tempo.
 */
const MIN_SCORE = 9
const MIN_SCORE_SHIFTED = 11
const BG_FACTOR = 2
const BG_MARGIN = 5
const HITS_FACTOR = 1

export function decide(candidates: readonly Candidate[], shifted: boolean, recordingOf: (track: number) => string): Decision[] {
  const seen = new Set<string>()
  const distinct: number[] = []
  for (const c of candidates) {
    const r = recordingOf(c.track)
    if (!seen.has(r)) { seen.add(r); distinct.push(c.score) }
  }
  const background = ((distinct[2] ?? 0) + (distinct[3] ?? 0)) / 2
  const shared = Math.max(shifted ? MIN_SCORE_SHIFTED : MIN_SCORE, BG_FACTOR * background + BG_MARGIN)
  // Thresholds differ per candidate (√votes), so confidence, not score, orders the answer.
  return candidates
    .map((c) => ({ ...c, confidence: confidence(c.score, Math.max(shared, HITS_FACTOR * Math.sqrt(c.hits))) }))
    .sort((a, b) => b.confidence - a.confidence || b.score - a.score || a.track - b.track)
}

/** Smooth and monotonic in the score; the scale grows with the threshold, as chance scores spread. */
function confidence(score: number, threshold: number): number {
  const x = (score - threshold) / (0.25 * threshold)
  return x >= 0 ? 1 - 0.5 * Math.exp(-x) : 0.5 * Math.exp(x)
}
