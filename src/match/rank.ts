import type { Candidate, CandidateList } from './votes.js'

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

/**
 * What `confidence` means: the estimated probability that the candidate is the right answer,
 * as a logistic in r = score / threshold fitted by bench/calibrate.ts on the dev corpus's
 * snippet queries (1200: 1000 of catalog tracks under 20 degradations, 200 of held-out tracks;
 * the best candidate of each, right or not). On that mix it is 0.5 at r ≈ 0.49, 0.97 at 0.7,
 * and 0.9998 at the decision threshold (r = 1): every answer the rule returned there was right
 * (616 of 616) and no chance alignment came above r = 0.7. So a returned match reads ≈ 1, and
 * the number says most where the rule is not sure: `minConfidence` below DECISION_CONFIDENCE
 * trades false answers for recall at a known rate. The speed pass uses the same curve on its
 * own, stricter threshold. docs/algorithm.md §7 has the table.
 */
const LOGIT_INTERCEPT = -8.07
const LOGIT_SLOPE = 16.39

/** Estimated probability that a candidate at r = score / threshold is the right answer. */
export function confidenceOf(ratio: number): number {
  return 1 / (1 + Math.exp(-(LOGIT_INTERCEPT + LOGIT_SLOPE * ratio)))
}

/** The confidence exactly at the decision threshold: the rule says "match" from here up, in either pass. */
export const DECISION_CONFIDENCE = confidenceOf(1)

/** Which recording a track slot is an edition of (registry.ts). */
export interface Recordings {
  recordingOf(track: number): string
}

/** The threshold shared by a pass's candidates, from the 3rd and 4th recordings' scores. */
function sharedThreshold(third: number, fourth: number, shifted: boolean): number {
  return Math.max(shifted ? MIN_SCORE_SHIFTED : MIN_SCORE, BG_FACTOR * (third + fourth) / 2 + BG_MARGIN)
}

/**
 * Sets each candidate's confidence and orders the list by strength, then score, then track:
 * thresholds differ per candidate (√votes), so the margin over its own threshold, not the
 * score, orders the answer. Allocation-free: the list is sorted in place.
 */
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
  const shared = sharedThreshold(third, fourth, shifted)
  for (let i = 0; i < list.count; i++) {
    const c = items[i]!
    const threshold = Math.max(shared, HITS_FACTOR * Math.sqrt(c.hits))
    c.strength = strength(c.score, threshold)
    c.confidence = confidenceOf(c.score / threshold)
  }
  for (let i = 1; i < list.count; i++) {
    const c = items[i]!
    let j = i - 1
    while (j >= 0 && before(c, items[j]!)) { items[j + 1] = items[j]!; j-- }
    items[j + 1] = c
  }
}

/** Each candidate's threshold, for tools: candidates in score order with their votes and recordings. */
export function thresholdsOf(scores: readonly number[], hits: readonly number[], recordingIds: readonly string[], shifted: boolean): number[] {
  const seen: string[] = [], distinct: number[] = []
  scores.forEach((s, i) => { if (!seen.includes(recordingIds[i]!)) { seen.push(recordingIds[i]!); distinct.push(s) } })
  const shared = sharedThreshold(distinct[2] ?? 0, distinct[3] ?? 0, shifted)
  return hits.map((h) => Math.max(shared, HITS_FACTOR * Math.sqrt(h)))
}

function before(a: Candidate, b: Candidate): boolean {
  return a.strength > b.strength || (a.strength === b.strength && (a.score > b.score || (a.score === b.score && a.track < b.track)))
}

/**
 * The order of candidates: smooth and monotonic in score / threshold, saturating far above it
 * (ties there go to the higher score). Kept from the first calibration because the accuracy
 * figures were measured with this order; confidence is the calibrated number.
 */
function strength(score: number, threshold: number): number {
  const x = (score - threshold) / (0.25 * threshold)
  return x >= 0 ? 1 - 0.5 * Math.exp(-x) : 0.5 * Math.exp(x)
}
