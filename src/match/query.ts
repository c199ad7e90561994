import type { HashIndex, Hits } from './hash-index.js'
import { emptyHits } from './hash-index.js'
import { DECISION_CONFIDENCE, decide, type Recordings } from './rank.js'
import { VoteScratch, bestWindows, candidateList, countDistinct, type CandidateList } from './votes.js'

/**
 * A query, as pure steps over an index: look up → vote → re-score the best → decide. Nothing
 * here keeps state between calls; everything a query needs is in a QueryScratch that its
 * owner (one per catalog) reuses, so a query allocates nothing after the first few.
 */

/** Offset window (frames) of the exact pass: ±1 frame of peak jitter. */
const EXACT_WINDOW = 3
/** Candidates re-scored by distinct hashes: the rest never come close. */
export const VERIFIED = 16
/** Votes a track needs in its best window to be considered at all. */
const MIN_VOTES = 2

/** What a query is made of: hashes and their anchor frames. */
export interface QueryPrint {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
}

export class QueryScratch {
  readonly hits: Hits = emptyHits()
  /** Per query hash: aligned with one candidate (identify.ts). Grown by doubling. */
  aligned = new Uint8Array(1024)
  readonly votes = new VoteScratch()
  readonly exact: CandidateList = candidateList(VERIFIED)
  readonly shifted: CandidateList = candidateList(VERIFIED)
  readonly counts = new Uint32Array(VERIFIED)
}

/**
 * One pass of voting and re-scoring: exact hashes, or with ±1 bin shifts and a wider window.
 * Leaves the lookup's hits in scratch.hits and returns the decided candidates, most confident
 * first; the list is scratch, valid until the next pass. `votesPerKey` > 0 (identify.ts) makes
 * a candidate's `hits`, and so its √votes threshold (rank.ts), count each (key, track) pair's
 * votes only up to it.
 * The index must be prepared (HashIndex.prepare): pending adds are not seen otherwise.
 */
export function searchPass(index: HashIndex, recordings: Recordings, fp: QueryPrint, shift: boolean, scratch: QueryScratch, votesPerKey = 0): CandidateList {
  const hits = scratch.hits
  index.lookup(fp.hashes, fp.times, shift, hits, votesPerKey)
  scratch.votes.reserve(hits.count, index.slotCount)
  const out = shift ? scratch.shifted : scratch.exact
  bestWindows(hits, scratch.votes, shift ? speedWindow(fp) : EXACT_WINDOW, MIN_VOTES, out)
  countDistinct(hits, fp.hashes, out, scratch.votes, scratch.counts)
  // With votesPerKey, the decision's √votes term counts each (key, track) pair's votes up to it.
  if (votesPerKey > 0) for (let i = 0; i < out.count; i++) out.items[i]!.hits = hits.tally[out.items[i]!.track]!
  decide(out, shift, recordings)
  return out
}

/**
 * Every candidate with its confidence, best first. Exact hashes first; when nothing is
 * confident, again with each landmark also moved ±1 bin (small speed changes), and the pass
 * whose best candidate is more confident is the answer (the speed pass looks up three times
 * the keys and needs more to decide, so it can come out lower than the exact one).
 */
export function search(index: HashIndex, recordings: Recordings, fp: QueryPrint, speedPass: boolean, scratch: QueryScratch): CandidateList {
  const exact = searchPass(index, recordings, fp, false, scratch)
  if (!speedPass || (exact.count > 0 && exact.items[0]!.confidence >= DECISION_CONFIDENCE)) return exact
  const shifted = searchPass(index, recordings, fp, true, scratch)
  if (shifted.count === 0) return exact
  return exact.count === 0 || shifted.items[0]!.confidence > exact.items[0]!.confidence ? shifted : exact
}

/** Offset window of the speed pass: peak jitter plus the drift of a 2 % speed change over the query. */
function speedWindow(fp: QueryPrint): number {
  const frames = fp.times.length > 0 ? fp.times[fp.times.length - 1]! - fp.times[0]! : 0
  return 4 + Math.ceil(frames * 0.02)
}
