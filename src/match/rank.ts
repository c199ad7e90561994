import type { Candidate } from './votes.js'

export interface Decision extends Candidate {
  confidence: number
}

/** Provisional: calibrated on the dev corpus in a later step. */
export function decide(candidates: Candidate[], queryHashes: number, shifted: boolean): Decision[] {
  void queryHashes
  const floor = shifted ? 10 : 8
  return candidates.map((c) => ({ ...c, confidence: c.score >= floor ? 1 - Math.exp(-(c.score - floor / 2) / 4) : 0 }))
}
