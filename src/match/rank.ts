import type { CandidateList } from './votes.js'

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

/** The confidence a candidate has exactly at its decision threshold: the rule says "match" from here up. */
export const DECISION_CONFIDENCE = 0.5

/**
 * Sets each candidate's confidence and orders the list by it (then score, then track):
 * thresholds differ per candidate (√votes), so confidence, not score, orders the answer.
 * Allocation-free: the list is sorted in place.
 */
/** Which recording a track slot is an edition of (registry.ts). */
export interface Recordings {
  recordingOf(track: number): string
}

export function decide(list: CandidateList, shifted: boolean, recordings: Recordings): void {
  const items = list.items
  // The 3rd and 4th distinct recordings, in score order (the list is sorted by score here).
  let distinct = 0, third = 0, fourth = 0, r0 = '', r1 = '', r2 = ''
  for (let i = 0; i < list.count && distinct < 4; i++) {
    const r = recordings.recordingOf(items[i]!.track)
    if ((distinct > 0 && r === r0) || (distinct > 1 && r === r1) || (distinct > 2 && r === r2)) continue
    if (distinct === 0) r0 = r
    else if (distinct === 1) r1 = r
    else if (distinct === 2) { r2 = r; third = items[i]!.score }
    else fourth = items[i]!.score
    distinct++
  }
  const background = (third + fourth) / 2
  const shared = Math.max(shifted ? MIN_SCORE_SHIFTED : MIN_SCORE, BG_FACTOR * background + BG_MARGIN)
  for (let i = 0; i < list.count; i++) {
    const c = items[i]!
    c.confidence = confidence(c.score, Math.max(shared, HITS_FACTOR * Math.sqrt(c.hits)))
  }
  for (let i = 1; i < list.count; i++) {
    const c = items[i]!
    let j = i - 1
    while (j >= 0 && before(c, items[j]!)) { items[j + 1] = items[j]!; j-- }
    items[j + 1] = c
  }
}

function before(a: { confidence: number; score: number; track: number }, b: { confidence: number; score: number; track: number }): boolean {
  return a.confidence > b.confidence || (a.confidence === b.confidence && (a.score > b.score || (a.score === b.score && a.track < b.track)))
}

/** Smooth and monotonic in the score; the scale grows with the threshold, as chance scores spread. */
function confidence(score: number, threshold: number): number {
  const x = (score - threshold) / (0.25 * threshold)
  return x >= 0 ? 1 - 0.5 * Math.exp(-x) : 0.5 * Math.exp(x)
}
