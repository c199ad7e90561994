import { describe, expect, it } from 'vitest'
import { DECISION_CONFIDENCE, confidenceOf, decide as decideList } from '../../src/match/rank.js'
import { sortCandidates, type Candidate } from '../../src/match/votes.js'

const cand = (track: number, score: number, hits: number): Candidate => ({ track, score, votes: score, hits, offset: 0, first: 0, last: 0, strength: 0, confidence: 0 })
const own = (t: number) => `r${t}`
/** decide() on a list as the query gives it (sorted by score), returning the decided order. */
function decide(cands: Candidate[], shifted: boolean, recordingOf: (t: number) => string): Candidate[] {
  const list = { count: cands.length, items: cands.map((c) => ({ ...c })) }
  sortCandidates(list)
  decideList(list, shifted, { recordingOf })
  return list.items.slice(0, list.count)
}

describe('decide', () => {
  it('is DECISION_CONFIDENCE exactly at the threshold and monotonic in the score above and below it', () => {
    const [at] = decide([cand(0, 9, 1)], false, own)
    expect(at!.confidence).toBe(DECISION_CONFIDENCE)
    expect(decide([cand(0, 8, 1)], false, own)[0]!.confidence).toBeLessThan(DECISION_CONFIDENCE)
    const scores = [1, 5, 8, 9, 10, 11, 15, 40, 200]
    const conf = scores.map((s) => decide([cand(0, s, 1)], false, own)[0]!.confidence)
    // strictly up to a little above the threshold, then it saturates at 1 in floating point
    for (let i = 1; i < conf.length; i++) expect(conf[i]!).toBeGreaterThanOrEqual(conf[i - 1]!)
    for (let i = 1; i < 6; i++) expect(conf[i]!).toBeGreaterThan(conf[i - 1]!)
    expect(conf.at(-1)!).toBeLessThanOrEqual(1)
  })

  it('needs more in the speed pass', () => {
    expect(decide([cand(0, 10, 1)], false, own)[0]!.confidence).toBeGreaterThan(DECISION_CONFIDENCE)
    expect(decide([cand(0, 10, 1)], true, own)[0]!.confidence).toBeLessThan(DECISION_CONFIDENCE)
  })

  it('orders by confidence: a high score spread over many votes ranks below a concentrated one', () => {
    // 20 aligned of 900 votes needs √900 = 30; 15 aligned of 25 votes needs only the minimum 9.
    const out = decide([cand(0, 20, 900), cand(1, 15, 25)], false, own)
    expect(out.map((d) => d.track)).toEqual([1, 0])
    expect(out[0]!.confidence).toBeGreaterThan(DECISION_CONFIDENCE)
    expect(out[1]!.confidence).toBeLessThan(DECISION_CONFIDENCE)
  })

  it('raises the bar with the background of the 3rd and 4th recordings, counting editions once', () => {
    const crowd = [cand(0, 20, 1), cand(1, 19, 1), cand(2, 8, 1), cand(3, 8, 1)]
    // background 8 → threshold 2·8 + 5 = 21: nobody passes
    expect(decide(crowd, false, own).filter((d) => d.confidence >= DECISION_CONFIDENCE)).toEqual([])
    // tracks 0 and 1 are editions of one recording; 2 and 3 as well → background = 0 → threshold 9
    const rec = (t: number) => (t < 2 ? 'a' : 'b')
    expect(decide(crowd, false, rec).filter((d) => d.confidence >= DECISION_CONFIDENCE).map((d) => d.track)).toEqual([0, 1])
  })

  it('confidence is the calibrated probability of being right (bench/calibrate.ts on the dev corpus)', () => {
    // Fitted: as likely right as wrong at half the threshold, 97 % at 0.7 of it (11/11 were), ≈ 1 from the threshold up.
    expect(confidenceOf(0.492)).toBeCloseTo(0.5, 2)
    expect(confidenceOf(0.7)).toBeCloseTo(0.97, 2)
    expect(DECISION_CONFIDENCE).toBeGreaterThan(0.999)
    expect(DECISION_CONFIDENCE).toBeLessThan(1)
    // a candidate at 0.65 of its threshold is returned with minConfidence 0.9, not by default
    const [c] = decide([cand(0, 0.65 * 9, 1)], false, own)
    expect(c!.confidence).toBeGreaterThan(0.9)
    expect(c!.confidence).toBeLessThan(DECISION_CONFIDENCE)
  })
})
