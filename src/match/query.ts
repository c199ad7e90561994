import { HASH_BITS } from '../options.js'
import type { HashIndex, Hits } from './hash-index.js'
import { Verified, VerifyPlan, emptyHits, sortKeys } from './hash-index.js'
import { FACTORS, OTHER_KIND, REFINEMENTS, ScaledPrint, rescalePrint, type Factor } from './factors.js'
import { DECISION_CONFIDENCE, decide, type Recordings } from './rank.js'
import { LineFit, fitAnswer, speedOrTempo } from './tempo.js'
import { VoteSketch, alignmentList, type AlignmentList } from './triplet-vote.js'
import { queryTriplets, tripletList, type TripletList } from './triplets.js'
import { VoteScratch, bestWindows, candidateList, countDistinct, sortCandidates, type CandidateList } from './votes.js'
import type { FactorSearch } from './types.js'

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

/**
 * Alignments stage 1 hands to stage 2: enough for the decision's 3rd and 4th recordings. At
 * 10 000 tracks 8 and 16 gave the same top-1 on every 10 s row (bench/scale.ts), 8 at half the cost.
 */
const ALIGNMENTS = 8
/** Triplet votes an alignment needs: one can be chance at any size. */
const MIN_TRIPLET_VOTES = 1
/**
 * Query target ranks that form triplets (the index keeps ranks 0 and 1: triplets.ts): three
 * triplets an anchor, so one peak of the query's before the index's targets (noise, or one the
 * degradation moved) still leaves the index's triplet among them. Four ranks (six triplets)
 * found no more at 100 000 tracks (bench/scale-probe.ts, 267 in-catalog 10 s queries: 221 of them
 * among stage 1's alignments either way, and the same answers but one more speed −2 % found with
 * three) for 1.5× the stage-1 votes (46 000 → 31 000 at the median) and 10 s queries 6.4 →
 * 4.8 ms CPU; two ranks (one triplet) lost 6 of them.
 */
const QUERY_TRIPLET_RANKS = 3

/** What a query is made of: hashes, their anchor frames, and (for triplets) their ranks. */
export interface QueryPrint {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
  readonly ranks?: Uint8Array
  /** Hashes found on other frame grids only (Fingerprint.offGrid): search() adds them when these do not decide. */
  readonly offGrid?: { readonly hashes: Uint32Array; readonly times: Uint32Array; readonly ranks: Uint8Array }
}

/** A query's hashes of every grid, merged in time order (search(), withOffGrid). Grown by doubling. */
export class GridsPrint {
  hashes = new Uint32Array(1024)
  times = new Uint32Array(1024)
  ranks = new Uint8Array(1024)

  reserve(n: number): void {
    if (n <= this.hashes.length) return
    let size = this.hashes.length
    while (size < n) size *= 2
    this.hashes = new Uint32Array(size)
    this.times = new Uint32Array(size)
    this.ranks = new Uint8Array(size)
  }
}

/**
 * `fp` with its off-grid hashes merged in, in time order (the first grid's first on a tie), in
 * scratch.grids; `fp` itself when it has none. Valid until the next call.
 */
export function withOffGrid(fp: QueryPrint, scratch: QueryScratch): QueryPrint {
  const off = fp.offGrid
  if (!off || off.hashes.length === 0) return fp
  const n = fp.hashes.length, m = off.hashes.length
  const g = scratch.grids
  g.reserve(n + m)
  const { hashes, times, ranks } = g
  let i = 0, j = 0, k = 0
  while (i < n || j < m) {
    if (j >= m || (i < n && fp.times[i]! <= off.times[j]!)) {
      hashes[k] = fp.hashes[i]!
      times[k] = fp.times[i]!
      ranks[k++] = fp.ranks ? fp.ranks[i]! : 0
      i++
    } else {
      hashes[k] = off.hashes[j]!
      times[k] = off.times[j]!
      ranks[k++] = off.ranks[j]!
      j++
    }
  }
  return { hashes: hashes.subarray(0, k), times: times.subarray(0, k), ranks: ranks.subarray(0, k) }
}

/**
 * The first grid's exact triplet pass's stage 2, alignment by alignment (verifyAlignments): the
 * evidence its pairs gave, so that the off-grid pass that may follow (offGridTripletPass) searches
 * only the off-grid pairs for an alignment it verifies again. Valid for `owner` (the print's
 * hashes) until the next query; search() and a shard's pass clear it.
 */
export class FirstGridEvidence {
  owner: Uint32Array | null = null
  count = 0
  readonly track = new Int32Array(ALIGNMENTS)
  readonly first = new Int32Array(ALIGNMENTS)
  readonly last = new Int32Array(ALIGNMENTS)
  readonly hits = new Float64Array(ALIGNMENTS)
  readonly size = new Uint32Array(ALIGNMENTS)
  keys: Float64Array[] = Array.from({ length: ALIGNMENTS }, () => new Float64Array(256))

  /** Keeps alignment (track, first, last)'s evidence: its hits and verified keys. */
  keep(track: number, first: number, last: number, hits: number, v: Verified): void {
    if (this.count === ALIGNMENTS) return
    const k = this.count++
    this.track[k] = track; this.first[k] = first; this.last[k] = last; this.hits[k] = hits; this.size[k] = v.count
    if (this.keys[k]!.length < v.count) this.keys[k] = new Float64Array(2 * v.count)
    this.keys[k]!.set(v.keys.subarray(0, v.count))
  }

  /** Which kept alignment is (track, first, last), or −1. */
  find(track: number, first: number, last: number): number {
    for (let k = 0; k < this.count; k++) if (this.track[k] === track && this.first[k] === first && this.last[k] === last) return k
    return -1
  }
}

export class QueryScratch {
  readonly hits: Hits = emptyHits()
  /** Per query hash: aligned with one candidate (identify.ts). Grown by doubling. */
  aligned = new Uint8Array(1024)
  readonly votes = new VoteScratch()
  readonly exact: CandidateList = candidateList(VERIFIED)
  /** The speed pass's list; swapped with `spare` while factor passes run, so the speed pass's answer is kept. */
  shifted: CandidateList = candidateList(VERIFIED)
  spare: CandidateList = candidateList(VERIFIED)
  /** The query with a speed or pitch factor undone (factors.ts). */
  readonly scaled = new ScaledPrint()
  /** The query with its off-grid hashes (withOffGrid). */
  readonly grids = new GridsPrint()
  /** The factor under which search() found its answer; null when the exact or speed pass did. */
  factor: Factor | null = null
  /**
   * The time scale of search()'s decided answer beyond its speed (tempo.ts): 1.05 when the query
   * runs 5 % faster than the track at the pitch it has; 1 when it does not drift, or is undecided.
   */
  tempo = 1
  /**
   * The speed change of search()'s decided answer when the plain passes found it and its line
   * drifts as a speed change, not a tempo change, would (tempo.ts speedOrTempo): its time factor,
   * and `tempo` is then 1. 1 otherwise (a factor of the grid says its speed in `factor`).
   */
  speed = 1
  /** The decided answer's line fit (tempo.ts). */
  readonly line = new LineFit()
  readonly counts = new Uint32Array(VERIFIED)
  /** The query's triplets: as they are, and (speed pass) with the anchor one bin down and up. */
  readonly triplets: TripletList[] = [tripletList(), tripletList(), tripletList()]
  /** The lists stage 1 votes: as they are, or the moved ones (to add to the exact pass's vote). */
  readonly asIs: TripletList[] = [this.triplets[0]!]
  readonly moved: TripletList[] = [this.triplets[1]!, this.triplets[2]!]
  /** The off-grid hashes' own triplets (offGridTripletPass). */
  readonly offGridTriplets: TripletList[] = [tripletList()]
  /** The print whose exact triplet pass the sketch and alignments hold, when the last pass was that; else null. */
  voted: Uint32Array | null = null
  readonly sketch = new VoteSketch()
  readonly alignments: AlignmentList = alignmentList(ALIGNMENTS)
  readonly verified = new Verified()
  /** Stage 2's plan of the current pass, one per partition (HashIndex.planPairs). */
  readonly plans: VerifyPlan[] = []
  /** The first grid's exact triplet pass's stage 2 evidence (offGridTripletPass reuses it). */
  readonly firstGrid = new FirstGridEvidence()
  /** The off-grid hashes' own keys and plan (offGridTripletPass). */
  readonly offHits: Hits = emptyHits()
  readonly offPlans: VerifyPlan[] = []
  /** Per pair hash: its votes in the window bestWindow slides (4 MiB, made on a large catalog's first query). */
  get inWindow(): Uint16Array { return (this.#inWindow ??= new Uint16Array(1 << HASH_BITS)) }
  #inWindow: Uint16Array | null = null
  /** Which pass the last searchPass took (bench/ and tests). */
  lastPass: 'pairs' | 'triplets' = 'pairs'
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
  // A speed pass that follows the exact triplet pass of the same print adds to its vote.
  const more = shift && scratch.voted === fp.hashes
  scratch.voted = null
  if (takesTriplets(index, fp.hashes, shift, scratch)) return tripletPass(index, recordings, fp, shift, more, scratch, votesPerKey)
  scratch.lastPass = 'pairs'
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
 * the keys and needs more to decide, so it can come out lower than the exact one). When
 * neither decides, the speed pass again over the grid of speed, pitch and tempo factors
 * (factors.ts), nearest first, until one decides: its list is the answer, with scratch.factor set;
 * if none does, the better of the first two, as before. With factorSearch 'screened' on the
 * triplet path a factor (and a refinement) gets its pass only when its screen finds the votes
 * (SCREEN_VOTES). A decided answer's best candidate then has
 * its line fitted (tempo.ts): its offset at the query's start, and scratch.tempo.
 *
 * Each factor pass is one more chance for a query from outside the catalog to pass by chance,
 * so a factor pass's confidences are corrected for the number of passes, Bonferroni's way:
 * 1 − K·(1 − c), K = FACTORS.length. A factor pass decides at DECISION_CONFIDENCE of that, i.e.
 * its candidate's own chance of being wrong must be K times smaller than a plain pass needs.
 */
export function search(index: HashIndex, recordings: Recordings, fp: QueryPrint, speedPass: boolean, scratch: QueryScratch, factorSearch: FactorSearch = 'auto'): CandidateList {
  scratch.factor = null
  scratch.tempo = 1
  scratch.speed = 1
  scratch.firstGrid.owner = null
  let exact = searchPass(index, recordings, fp, false, scratch)
  if (settles(exact)) return plainFitted(index, exact, fp, scratch)
  // Not decided on the catalog's grid alone: again with the other grids' hashes (a superset, so
  // its list replaces the first), and the speed pass on them too, both held to OFF_GRID_LOOKS.
  const grids = withOffGrid(fp, scratch)
  // On the triplet path, the off-grid triplets add their votes to the first grid's and every
  // grid's pairs verify (offGridTripletPass); the speed pass stays on the first grid.
  const triplets = scratch.lastPass === 'triplets'
  const print = triplets ? fp : grids
  const looks = grids === fp ? 1 : OFF_GRID_LOOKS
  if (grids !== fp) {
    exact = corrected(triplets ? offGridTripletPass(index, recordings, fp, grids, scratch) : searchPass(index, recordings, grids, false, scratch), looks)
    if (settles(exact)) return plainFitted(index, exact, grids, scratch)
  }
  if (!speedPass) return exact
  const shifted = corrected(searchPass(index, recordings, print, true, scratch), triplets ? 1 : looks)
  const best = betterPass(exact, shifted)
  // Settled here, the answer is the speed pass's (an exact answer that settles returned above), whose hits scratch holds.
  if (settles(best)) return plainFitted(index, best, print, scratch)
  // The factor passes take the first grid only: what the speed pass walked, scaled to it, is their budget's measure.
  const walked = firstGridWalk(scratch.hits.count, fp.hashes.length, print.hashes.length)
  // The speed pass's path (it may take the triplets where the exact pass took the pairs).
  const onTriplets = scratch.lastPass === 'triplets'
  const passes = gridPasses(factorSearch, onTriplets, index.postingCount, walked)
  // 'screened' and 'auto' on the triplet path: each factor's screen first (screenVotes); votes −1: unscreened.
  const screened = factorSearch !== true && onTriplets
  let votes = -1
  // Factor passes write into scratch.shifted: keep the speed pass's list aside in `spare`.
  if (passes > 0 && best === shifted) { scratch.shifted = scratch.spare; scratch.spare = shifted }
  for (let k = 0; k < passes; k++) {
    if (screened && (votes = screenVotes(index, fp, FACTORS[k]!, scratch)) < SCREEN_VOTES) continue
    const out = factorPass(index, recordings, fp, FACTORS[k]!, scratch)
    if (settles(out)) return refine(index, recordings, fp, k, out, scratch, votes, screened && factorSearch === 'auto' ? OTHER_KIND[k]! : REFINEMENTS[k]!)
  }
  return best
}

/**
 * The exact triplet pass with the off-grid hashes, after the first grid's (whose votes the sketch
 * holds, scratch.voted): the off-grid hashes' own triplets add their votes to the first grid's
 * (stage 1 on 0.7× the keys, not 1.7×), and the alignments are verified with every grid's pairs
 * (`grids`, withOffGrid). The speed pass that may follow adds its moved triplets to these votes.
 * At 100 000 tracks (bench/grid-gate.ts, 1 000 dev-corpus snippets; CPU ms p50 / p95 of 10 s
 * queries, one grid → two, more than half of them unsettled by the first pass): a whole exact pass
 * and speed pass on both grids found 24 more, 4.2 / 9.7 → 6.0 / 19.6 ms; the whole exact pass on
 * both grids and the speed pass on the first, 20 more, 4.2 / 10.1 → 5.1 / 14.7; the first grid's
 * alignments verified with both grids' pairs only, 3 more at no cost. An alignment the first
 * grid's pass verified reuses that evidence (FirstGridEvidence) and searches the off-grid pairs
 * only: bench/query-time.ts at 100 000 tracks, alternated, 10 s CPU p50 −6 to −13 %, mean −10 to
 * −18 %, the same lists (test/match/triplets.test.ts).
 */
export function offGridTripletPass(index: HashIndex, recordings: Recordings, fp: QueryPrint, grids: QueryPrint, scratch: QueryScratch): CandidateList {
  const off = fp.offGrid!
  queryTriplets(off.hashes, off.times, off.ranks, QUERY_TRIPLET_RANKS, 0, scratch.offGridTriplets[0]!)
  index.voteTriplets(scratch.offGridTriplets, scratch.sketch, MIN_TRIPLET_VOTES, scratch.alignments, true)
  // An alignment the first grid's pass verified (the same track and buckets) keeps that evidence
  // and searches the off-grid pairs only; the others are verified with every grid's pairs.
  // Either way its evidence is the same multiset of (offset, hash) as one search with every
  // grid's pairs (a key's votes are its postings × occurrences, summed over the grids).
  const evidence = scratch.firstGrid.owner === fp.hashes ? scratch.firstGrid : null
  const alignments = scratch.alignments
  let offPlanned = false, allPlanned = false
  const out = scratch.exact, verified = scratch.verified
  out.count = 0
  for (let a = 0; a < alignments.count; a++) {
    const al = alignments.items[a]!
    const lo = al.first - EXACT_WINDOW, hi = al.last + EXACT_WINDOW
    const k = evidence === null ? -1 : evidence.find(al.track, lo, hi)
    let hits: number
    if (k >= 0) {
      if (!offPlanned) { planKeys(index, off.hashes, false, scratch.offHits, scratch.offPlans); offPlanned = true }
      hits = evidence!.hits[k]! + index.verify(scratch.offPlans, scratch.offHits.order, off.hashes, off.times, al.track, lo, hi, 0, verified)
      const keys = evidence!.keys[k]!
      for (let i = 0, n = evidence!.size[k]!; i < n; i++) verified.pushKey(keys[i]!)
    } else {
      if (!allPlanned) { planKeys(index, grids.hashes, false, scratch.hits, scratch.plans); allPlanned = true }
      hits = index.verify(scratch.plans, scratch.hits.order, grids.hashes, grids.times, al.track, lo, hi, 0, verified)
    }
    addVerified(out, al.track, hits, verified, EXACT_WINDOW, scratch.inWindow)
  }
  sortCandidates(out)
  decide(out, false, recordings)
  return out
}

/**
 * The exact pass with the off-grid hashes, alone (a shard's, shard.ts, which keeps nothing between
 * requests): on the triplet path the first grid's triplets vote again, then offGridTripletPass, as
 * search() does after the first grid's pass; on the pair path, the exact pass on all grids'
 * hashes. Not yet corrected for OFF_GRID_LOOKS.
 */
export function offGridExactPass(index: HashIndex, recordings: Recordings, fp: QueryPrint, grids: QueryPrint, scratch: QueryScratch): CandidateList {
  scratch.voted = null
  scratch.firstGrid.owner = null
  if (!takesTriplets(index, fp.hashes, false, scratch)) return searchPass(index, recordings, grids, false, scratch)
  scratch.lastPass = 'triplets'
  tripletAlignments(index, fp, false, false, scratch)
  return offGridTripletPass(index, recordings, fp, grids, scratch)
}

/**
 * Whether a pass over these keys goes by triplets (a large catalog, whose pairs would walk more
 * than its pairBudget); plans the pairs (scratch.plans, scratch.hits.order) either way it asks.
 */
function takesTriplets(index: HashIndex, hashes: Uint32Array, shift: boolean, scratch: QueryScratch): boolean {
  return index.triplets && planKeys(index, hashes, shift, scratch.hits, scratch.plans) > index.pairBudget
}

/**
 * Stage 2's plan of a pass over `hashes` (each also a bin down and up with `shift`): the keys
 * sorted into hits.order, each partition's ranges of them in `plans`; returns the postings they
 * hold (what a pair walk would cost). sortKeys may replace hits.order with a larger array, so the
 * plan must read it after: planning from the array read before (a first version of
 * offGridTripletPass did) searched stale keys and found nothing.
 */
function planKeys(index: HashIndex, hashes: Uint32Array, shift: boolean, hits: Hits, plans: VerifyPlan[]): number {
  const m = sortKeys(hashes, shift, hits)
  return index.planPairs(plans, hits.order, m)
}

/**
 * What a pass over all of a query's grids walked, scaled to its first grid's share of the keys:
 * the factor grid's budget measure (gridPasses), whose passes take the first grid only.
 */
export function firstGridWalk(walked: number, firstGrid: number, allGrids: number): number {
  return Math.round((walked * firstGrid) / Math.max(1, allGrids))
}

/** `list` with its confidences corrected for `looks` chances (correctedConfidence); as it is for 1. */
function corrected(list: CandidateList, looks: number): CandidateList {
  if (looks > 1) for (let i = 0; i < list.count; i++) list.items[i]!.confidence = correctedConfidence(list.items[i]!.confidence, looks)
  return list
}

/**
 * A pass with the query's off-grid hashes decides as if it were one of this many chances
 * (correctedConfidence): its candidate's chance of being wrong must be that many times smaller
 * than a first-grid pass needs, a threshold about 14 % higher (ln 10 / the logistic's slope).
 * The off-grid hashes add landmarks to chance alignments too. Chosen on 600 synthetic
 * look-alikes (bench/look-alikes.ts: pieces of the unit tests' generator in the catalog's keys
 * and tempos, which one grid matches 40 of) and 1 200 short snippets of real music (bench/
 * short-noisy.ts sets 2 and 3, 82 missed on one grid), with two grids: 1 look 57 look-alikes and
 * 43 missed, 2 looks 47 and 46, 10 looks 38 and 54, 100 looks 32 and 67 (docs/algorithm.md §7).
 */
export const OFF_GRID_LOOKS = 10

/*
 * The decisions of search(), apart so that a sharded catalog (sharded-catalog.ts), which runs the
 * same passes across shards, takes them the same way.
 */

/** A decided list whose best candidate passes the decision rule settles the query. */
export function settles(list: { count: number; items: readonly { confidence: number }[] }): boolean {
  return list.count > 0 && list.items[0]!.confidence >= DECISION_CONFIDENCE
}

/**
 * The answer of the exact and the speed pass: the one whose best candidate is more confident, the
 * exact one on a tie (the speed pass looks up three times the keys and needs more to decide).
 */
export function betterPass<L extends { count: number; items: readonly { confidence: number }[] }>(exact: L, shifted: L): L {
  return shifted.count === 0 || (exact.count > 0 && shifted.items[0]!.confidence <= exact.items[0]!.confidence) ? exact : shifted
}

/**
 * How many factors of the grid (FACTORS, nearest first) a query the first two passes did not
 * settle is searched under: all (true, 'screened'), none (false), or for 'auto' as many as GRID_POSTINGS
 * allows at `walked` postings a pass (what the speed pass walked; each factor pass walks about as
 * much), none past GRID_CATALOG_POSTINGS, and on the large-catalog triplet path the AUTO_SCREENS
 * nearest, screened, up to SCREENED_CATALOG_POSTINGS and none past it.
 * Run whole on every query, the grid made a 10 000-track catalog's 10 s query p50 / p95
 * 33.5 / 323 ms CPU instead of 9.6 / 33: every out-of-catalog query pays all 22 factors, and
 * each is a triplet pass or a walk of ~2 M postings there (docs/algorithm.md §6).
 */
export function gridPasses(factorSearch: FactorSearch, triplets: boolean, postingCount: number, walked: number): number {
  return factorSearch !== 'auto' ? (factorSearch ? FACTORS.length : 0)
    : postingCount > (triplets ? SCREENED_CATALOG_POSTINGS : GRID_CATALOG_POSTINGS) ? 0
    : triplets ? AUTO_SCREENS : Math.min(FACTORS.length, Math.floor(GRID_POSTINGS / Math.max(1, walked)))
}

/**
 * The factor grid on a large catalog's triplet path, screened (factorSearch 'screened'; issue 9):
 * a full factor pass there (the speed pass on the rescaled query: three triplets an anchor, each
 * also moved a bin, and stage 2) costs ~4.7 ms CPU at 100 000 tracks, and a query from outside the
 * catalog pays every one. A screen is its stage 1 with one triplet an anchor (target ranks 0 and
 * 1, what the index keeps) as it is and moved: ~1 ms. Its best alignment's votes say whether the
 * factor's full pass can find anything. Measured at 100 000 tracks on the dev corpus's 10 s
 * queries under the 12 nearest factors (`npx tsx bench/grid-screen.ts FILE --ranks 2 --moved`):
 * out-of-catalog screens' best votes p50 2, p90 2, p99 3, max 5; at a floor of 4 they run 0.06
 * full passes a query, and the first factor whose screen passes and whose pass settles is the
 * right track for pitch +100 cents 13 of 13, −100 12, speed +5 % 12, speed −2 % 13 (at 3: 13, 11,
 * 12, 13 and 13, 12, 13, 13, but 0.64 passes; as it is only, without the moved triplets, speed
 * +5 % fell to 7 at 3). A full pass decides as the grid's always did (its confidence corrected for
 * all FACTORS), so a screen changes what the grid costs, not what it accepts.
 */
export const SCREEN_VOTES = 4
/**
 * A query spanning fewer frames than this screens at one vote less (screenVotes). Chance
 * alignments reach the same votes at every length (out-of-catalog best votes p99 3 at 10 s, 5 s
 * and 3 s), a match's fewer as the query shortens: at 100 000 tracks 5 s queries at a floor of 3
 * find pitch −100 cents 8 of 10 instead of 5 (+100, speed +5 % and −2 % as at 4: 10, 9, 10) for
 * 0.43 full passes (~2 ms each) an out-of-catalog query, 3 s ones 6, 3, 4, 4 instead of 5, 3, 3, 4
 * for 0.23 (~0.9 ms each); 10 s ones find nothing more at 3 and run 0.64 (~4.7 ms each)
 * (`npx tsx bench/grid-screen.ts FILE --ranks 2 --moved --factors 12 --class 5s`). 7.5 s is half-way
 * between the 5 and 10 s measured; lengths between them were not.
 */
const SHORT_SCREEN = 469   // 7.5 s of 16 ms frames (FRAME_SECONDS)
/** Target ranks of a screen's triplets: the index's own pair (0, 1), one an anchor. */
const SCREEN_RANKS = 2

/**
 * A factor's screen (SCREEN_VOTES): the votes of stage 1's best alignment for the query with
 * `factor` undone, its triplets of SCREEN_RANKS as they are and with the anchor a bin down and up,
 * one more for a query shorter than SHORT_SCREEN (so that it passes at one vote less, and a
 * sharded catalog's gateway, which compares its shards' screens with SCREEN_VOTES, agrees).
 * Leaves the sketch and alignments its own (scratch.voted cleared).
 */
export function screenVotes(index: HashIndex, fp: QueryPrint, factor: Factor, scratch: QueryScratch): number {
  scratch.voted = null
  const al = tripletAlignments(index, scaledPrint(fp, factor, scratch), true, false, scratch, SCREEN_RANKS)
  return al.count > 0 ? al.items[0]!.votes + (spanFrames(fp) < SHORT_SCREEN ? 1 : 0) : 0
}

/**
 * Whether a refinement's best candidate `top` replaces the factor's `kept`: decided, the same
 * track, and more hashes aligned.
 */
export function refines(top: { confidence: number; score: number }, kept: { score: number }, sameTrack: boolean): boolean {
  return top.confidence >= DECISION_CONFIDENCE && sameTrack && top.score > kept.score
}

/**
 * The speed pass on the query with `factor` undone (factors.ts), its confidences corrected for the
 * grid's K passes; the list is scratch.shifted.
 */
function factorPass(index: HashIndex, recordings: Recordings, fp: QueryPrint, factor: Factor, scratch: QueryScratch): CandidateList {
  const out = searchPass(index, recordings, scaledPrint(fp, factor, scratch), true, scratch)
  for (let i = 0; i < out.count; i++) out.items[i]!.confidence = correctedConfidence(out.items[i]!.confidence)
  return out
}

/** The query with `factor` undone, in scratch.scaled (valid until the next rescale). */
export function scaledPrint(fp: QueryPrint, factor: Factor, scratch: QueryScratch): QueryPrint {
  const scaled = scratch.scaled
  rescalePrint(fp.hashes, fp.times, fp.ranks, factor, scaled)
  const n = scaled.count
  return { hashes: scaled.hashes.subarray(0, n), times: scaled.times.subarray(0, n), ranks: scaled.ranks.subarray(0, n) }
}

/**
 * FACTORS[k] decided with `found` (in scratch.shifted): its REFINEMENTS, and the list whose best
 * candidate, the same track and decided, aligns the most hashes; scratch.factor says under
 * which factor. Two lists alternate as scratch.shifted and scratch.spare: the kept one is spare.
 */
function refine(index: HashIndex, recordings: Recordings, fp: QueryPrint, k: number, found: CandidateList, scratch: QueryScratch, votes: number, refinements: readonly Factor[]): CandidateList {
  let factor = FACTORS[k]!
  scratch.shifted = scratch.spare
  scratch.spare = found
  fitted(found, scratch.scaled.times.subarray(0, scratch.scaled.count), factor.tempo, scratch)
  let tempo = scratch.tempo
  // Screened (votes ≥ 0: the factor's screen), only the refinement whose screen outvotes every
  // other and the factor's own gets a full pass: 7 screens and a pass instead of 7 passes.
  let only = -1
  for (let j = 0, v; votes >= 0 && j < refinements.length; j++) if ((v = screenVotes(index, fp, refinements[j]!, scratch)) > votes) { votes = v; only = j }
  for (let j = 0; j < refinements.length; j++) {
    if (votes >= 0 && j !== only) continue
    const out = factorPass(index, recordings, fp, refinements[j]!, scratch)
    const top = out.items[0]!, kept = found.items[0]!
    if (out.count > 0 && refines(top, kept, top.track === kept.track)) {
      scratch.shifted = found
      scratch.spare = out
      found = out
      factor = refinements[j]!
      fitted(found, scratch.scaled.times.subarray(0, scratch.scaled.count), factor.tempo, scratch)
      tempo = scratch.tempo
    }
  }
  scratch.factor = factor
  scratch.tempo = tempo
  return found
}

/**
 * fitted() for an answer of the plain passes (no factor undone, `print` as its pass saw the query):
 * a line that drifts by a time factor is then told a speed change (scratch.speed) or a tempo
 * change (scratch.tempo) by its frequencies (tempo.ts speedOrTempo).
 */
function plainFitted(index: HashIndex, list: CandidateList, print: QueryPrint, scratch: QueryScratch): CandidateList {
  fitted(list, print.times, 1, scratch)
  if (scratch.tempo !== 1 && speedOrTempo(index, print.hashes, print.times, list.items[0]!.track, scratch.tempo, scratch.line)) {
    scratch.speed = scratch.tempo
    scratch.tempo = 1
  }
  return list
}

/**
 * A decided list whose pass's hits are in scratch (`times`: the query's as that pass saw them, and
 * `tempo` the time factor it undid): its best candidate's line fitted (tempo.ts), scratch.tempo set.
 */
function fitted(list: CandidateList, times: Uint32Array, tempo: number, scratch: QueryScratch): CandidateList {
  scratch.tempo = scratch.lastPass === 'triplets' || list.count === 0 ? tempo : fitAnswer(list.items[0]!, scratch.hits, times, tempo, scratch.line)
  return list
}

/**
 * Postings the factor grid may walk under factorSearch 'auto' (≈ 40 ms of walking here). The dev
 * catalog's 10 s queries walk ≈ 20 000 a speed pass at index / query fanout 2 / 4 and about
 * 1.5–1.9× that at 3 / 5, so they get the whole grid (24 passes); a catalog a few times larger
 * gets its nearest factors only. At 2^19 and fanout 3 / 5 the far factors were cut: pitch −200
 * cents at 10 s went 95 → 80 % (bench/speed-pitch.ts) while 3 s queries, which walk less, kept
 * them. Catalogs past GRID_CATALOG_POSTINGS run none (at 2^20 and no such cap, 10 000 tracks
 * ran a factor or two on 3 s and 5 s queries, p95 ≈ 35 → 123 and 79 ms CPU, for no gain there).
 */
const GRID_POSTINGS = 1 << 20
/**
 * Past this many postings (about a thousand tracks at index fanout 3) 'auto' runs no grid on the
 * pair path (the triplet path has SCREENED_CATALOG_POSTINGS): a pass also costs what grows with
 * the catalog besides the postings it walks, and at 10 000 tracks the few factors the postings
 * budget let short, quiet queries run still took 5 s / 3 s p95 from 34 / 36 to 53 / 74 ms.
 */
const GRID_CATALOG_POSTINGS = 3 << 22

/**
 * 'auto' on the triplet path screens (screenVotes) the grid's nearest this many factors, to ±6.2 %
 * (a semitone, ±5 % speed), and of a found factor's refinements screens only the other kind at
 * the same factor (factors.ts OTHER_KIND). On the dev corpus's 10 s queries in bench/scale.ts's
 * catalogs (`npx tsx bench/scale-grid.ts FILE --modes false,auto [--changes]`; false is the
 * grid-less search 'auto' made before) the 12 nearest screened find what the whole grid screened
 * finds: top-1 219–220 → 259–260 of 267 at 10 000, 30 000 and 40 000 tracks (pitch ±100 cents and
 * speed +5 % 0 → 12–13 of 13 each), 0 of 133 out-of-catalog queries matched. All 7 refinements
 * (as 'screened') took the p95 to 2.2–2.6× the grid-less one; none, 1.7–2.0×, but a semitone's
 * pitch change then came out as a speed change in 19 of 25 right answers at 30 000 tracks (found
 * first under the speed factor beside it); the other kind's screen alone makes it 4 of 25
 * ('screened': 3) for 1.8–2.0×. The value reported is the factor's, at the grid's 2 % step.
 */
export const AUTO_SCREENS = 12
/**
 * Past this many postings (~30 000 four-minute tracks) 'auto' screens no factor on the triplet
 * path: a screen walks its triplets' postings, which grow with the catalog. 10 s p95 without and
 * with the screens (refining the kind), CPU ms, same runs: 10 000 tracks (0.66 × 10^8 postings)
 * 7.8 → 13.9; 30 000 (2.0 × 10^8) 8.3 → 15.8, 8.4 → 16.4, 9.9 → 19.2. Refining none, 40 000 tracks
 * (2.6 × 10^8) took 11.7 → 23.2 and 10.2 → 20.1, and 100 000 (6.6 × 10^8) about twice, 19.6–27.5
 * against 9.1–14.9. Issue 9 asks ≤ 20 ms.
 */
export const SCREENED_CATALOG_POSTINGS = 3 << 26

/** A confidence corrected for `looks` chances, Bonferroni's way: by default the K passes of the factor grid (search()). */
export function correctedConfidence(c: number, looks: number = FACTORS.length): number {
  return Math.max(0, 1 - looks * (1 - c))
}

/**
 * A pass for a large catalog, in two stages: the query's triplets vote for (track, offset)
 * alignments (triplet-vote.ts), and the best ALIGNMENTS are scored with the pairs as the pair
 * vote scores its candidates: distinct query hashes aligned in the best window of offsets,
 * found by a targeted search per key in the track's postings (HashIndex.verify), not a walk.
 * With `shift`, the triplets are also formed with the anchor one bin down and up, and the pairs
 * verified with their shifted keys too (scratch.hits.order holds them: sortKeys). Then decide()
 * as the pair vote does; an exact pass leaves its vote for the speed pass of the same print
 * (`more`, scratch.voted).
 */
function tripletPass(index: HashIndex, recordings: Recordings, fp: QueryPrint, shift: boolean, more: boolean, scratch: QueryScratch, votesPerKey: number): CandidateList {
  scratch.lastPass = 'triplets'
  tripletAlignments(index, fp, shift, more, scratch)
  // The exact pass of a print with off-grid hashes keeps its evidence for the off-grid pass.
  const keep = !shift && votesPerKey === 0 && fp.offGrid !== undefined && fp.offGrid.hashes.length > 0
  scratch.firstGrid.owner = keep ? fp.hashes : null
  scratch.firstGrid.count = 0
  const out = verifyAlignments(index, fp, shift, scratch, votesPerKey, keep ? scratch.firstGrid : null)
  decide(out, shift, recordings)
  if (!shift) scratch.voted = fp.hashes
  return out
}

/**
 * Stage 1 of tripletPass (and of a factor's screen, with `ranks` SCREEN_RANKS): the query's
 * triplets of target ranks < `ranks` vote; the best ALIGNMENTS go to scratch.alignments.
 * The speed pass votes the triplets as they are and moved one bin down and up, as its pairs are
 * (sortKeys): with the moved ones alone, a query slowed or sped without a change of pitch (tempo)
 * met only chance alignments here. With `more` (the sketch and alignments hold this print's exact
 * pass), it adds the moved ones' votes to them: the same alignments as voting all three lists
 * afresh (triplet-vote.ts), without walking the first again.
 */
export function tripletAlignments(index: HashIndex, fp: QueryPrint, shift: boolean, more: boolean, scratch: QueryScratch, ranks = QUERY_TRIPLET_RANKS): AlignmentList {
  const lists = scratch.triplets as [TripletList, TripletList, TripletList]
  if (!more) queryTriplets(fp.hashes, fp.times, fp.ranks, ranks, 0, lists[0])
  if (shift) {
    queryTriplets(fp.hashes, fp.times, fp.ranks, ranks, -1, lists[1])
    queryTriplets(fp.hashes, fp.times, fp.ranks, ranks, 1, lists[2])
  }
  const sketch = scratch.sketch, out = scratch.alignments
  if (more) index.voteTriplets(scratch.moved, sketch, MIN_TRIPLET_VOTES, out, true)
  else {
    index.voteTriplets(scratch.asIs, sketch, MIN_TRIPLET_VOTES, out)
    if (shift) index.voteTriplets(scratch.moved, sketch, MIN_TRIPLET_VOTES, out, true)
  }
  return out
}

/**
 * Stage 2 of tripletPass: each of scratch.alignments scored with the pairs of this pass's plan
 * (scratch.plans, scratch.hits.order: searchPass made them), into the pass's list, sorted by
 * score, not yet decided.
 */
export function verifyAlignments(index: HashIndex, fp: QueryPrint, shift: boolean, scratch: QueryScratch, votesPerKey: number, evidence: FirstGridEvidence | null = null): CandidateList {
  const alignments = scratch.alignments
  const window = shift ? speedWindow(fp) : EXACT_WINDOW
  const out = shift ? scratch.shifted : scratch.exact
  out.count = 0
  const verified = scratch.verified
  for (let a = 0; a < alignments.count; a++) {
    const al = alignments.items[a]!
    // The window may slide up to `window` frames past the buckets the triplets voted in.
    const lo = al.first - window, hi = al.last + window
    const hits = index.verify(scratch.plans, scratch.hits.order, fp.hashes, fp.times, al.track, lo, hi, votesPerKey, verified)
    if (evidence !== null) evidence.keep(al.track, lo, hi, hits, verified)
    addVerified(out, al.track, hits, verified, window, scratch.inWindow)
  }
  sortCandidates(out)
  return out
}

/** One alignment's evidence (`verified`, `hits`) scored into the pass's list `out`, unsorted; none when nothing aligned. */
function addVerified(out: CandidateList, track: number, hits: number, verified: Verified, window: number, inWindow: Uint16Array): void {
  const c = out.items[out.count]!
  if (!bestWindow(verified, window, inWindow, c)) return
  c.track = track
  c.votes = c.score
  c.hits = hits
  c.strength = 0
  c.confidence = 0
  // A track verified at two alignments (music repeats) keeps its better one.
  let twin = -1
  for (let i = 0; i < out.count; i++) if (out.items[i]!.track === track) twin = i
  if (twin < 0) out.count++
  else if (c.score > out.items[twin]!.score) { out.items[out.count] = out.items[twin]!; out.items[twin] = c }
}

/**
 * The window of `window` offsets holding the most distinct aligned hashes, into `c` (score,
 * offset = its middle vote's, first, last); false when there is none. Ties go to the earliest.
 * `inWindow` counts each hash's votes in the window (all zero between calls).
 */
function bestWindow(v: Verified, window: number, inWindow: Uint16Array, c: { score: number; offset: number; first: number; last: number }): boolean {
  if (v.count === 0) return false
  const keys = v.keys.subarray(0, v.count).sort()
  const scale = 4194304, bias = Verified.OFFSET_BIAS
  let best = 0, bestL = 0, bestR = 0, l = 0, distinct = 0
  for (let r = 0; r < keys.length; r++) {
    const offset = Math.floor(keys[r]! / scale)
    while (offset - Math.floor(keys[l]! / scale) >= window) {
      const h = keys[l]! % scale
      if (--inWindow[h]! === 0) distinct--
      l++
    }
    const h = keys[r]! % scale
    if (inWindow[h]!++ === 0) distinct++
    if (distinct > best) { best = distinct; bestL = l; bestR = r }
  }
  for (let i = l; i < keys.length; i++) inWindow[keys[i]! % scale] = 0
  c.score = best
  c.first = Math.floor(keys[bestL]! / scale) - bias
  c.last = Math.floor(keys[bestR]! / scale) - bias
  c.offset = Math.floor(keys[(bestL + bestR) >> 1]! / scale) - bias
  return true
}

/** Offset window of the speed pass: peak jitter plus the drift of a 2 % speed change over the query. */
function speedWindow(fp: QueryPrint): number {
  return 4 + Math.ceil(spanFrames(fp) * 0.02)
}

/** Frames from a query's first anchor to its last; 0 for a print without hashes. */
function spanFrames(fp: QueryPrint): number {
  const t = fp.times
  return t.length > 0 ? t[t.length - 1]! - t[0]! : 0
}
