import { HASH_BITS } from '../options.js'
import type { Hits } from './hash-index.js'

/**
 * The time-offset vote, on the hits of one lookup (hash-index.ts). Every function here writes
 * into caller-owned storage (VoteScratch, CandidateList) that grows by doubling and is reused,
 * so a query allocates nothing that grows with the catalog or the query.
 */

/** The best-aligned window of one track's votes. */
export interface Candidate {
  track: number
  /** Votes inside the best window of `window` frames of offset; after countDistinct, distinct aligned hashes. */
  score: number
  /**
   * The votes in the best window that chose the candidate (kept when countDistinct re-scores): a
   * sharded catalog cuts the shards' candidates to the best VERIFIED by it, as one catalog does.
   */
  votes: number
  /** All votes for the track. */
  hits: number
  /** Median offset (frames, trackTime − queryTime) of the votes in the best window. */
  offset: number
  /** Offsets spanned by the best window: [first, last]. */
  first: number
  last: number
  /** Set by decide() (rank.ts): the order of the answer, and the calibrated confidence. */
  strength: number
  confidence: number
}

/** The best `capacity` candidates of a pass, ordered by score (desc), then track (asc). Entries [0, count) are valid. */
export interface CandidateList {
  count: number
  readonly items: Candidate[]
}

export function candidateList(capacity: number): CandidateList {
  const items: Candidate[] = []
  for (let i = 0; i < capacity; i++) items.push({ track: 0, score: 0, votes: 0, hits: 0, offset: 0, first: 0, last: 0, strength: 0, confidence: 0 })
  return { count: 0, items }
}

/** Scratch of the vote: votes and distinct-count keys (grown by doubling), and track → candidate. */
export class VoteScratch {
  votes = new Float64Array(1024)
  keys = new Float64Array(1024)
  /** track → candidate index, −1 between uses: only the candidates' entries are ever touched. */
  slot = new Int32Array(0)

  reserve(count: number, tracks: number): void {
    if (this.votes.length < count) this.votes = new Float64Array(Math.max(1024, 2 * count))
    if (this.keys.length < count) this.keys = new Float64Array(Math.max(1024, 2 * count))
    if (this.slot.length < tracks) this.slot = new Int32Array(2 * tracks).fill(-1)
  }
}

/** Votes are track × 2^32 + (offset + 2^31): sorting them groups a track's offsets in order. */
const OFFSET_BIAS = 2 ** 31
const TRACK_SCALE = 2 ** 32
const GROUP_SCALE = 2 ** HASH_BITS

/**
 * One vote (track, offset) per hit, sorted; then, per track, the offset window of `window`
 * frames holding the most votes. A window rather than a single bin tolerates peak jitter and
 * the drift of a small speed change. Keeps the best out.items.length tracks with at least
 * `minScore` votes in their window. `scratch` must be reserved for hits.count.
 */
export function bestWindows(hits: Hits, scratch: VoteScratch, window: number, minScore: number, out: CandidateList): void {
  const n = hits.count
  const all = scratch.votes
  const { track, offset } = hits
  for (let i = 0; i < n; i++) all[i] = track[i]! * TRACK_SCALE + (offset[i]! + OFFSET_BIAS)
  const votes = all.subarray(0, n).sort()
  out.count = 0
  let s = 0
  while (s < n) {
    const t = Math.floor(votes[s]! / TRACK_SCALE)
    const trackEnd = (t + 1) * TRACK_SCALE
    let e = s
    while (e < n && votes[e]! < trackEnd) e++
    if (e - s >= minScore) {
      let best = 0, bestL = s
      let l = s
      for (let r = s; r < e; r++) {
        while (votes[r]! - votes[l]! >= window) l++
        if (r - l + 1 > best) { best = r - l + 1; bestL = l }
      }
      if (best >= minScore) {
        const base = t * TRACK_SCALE + OFFSET_BIAS
        keepBest(out, t, best, e - s, votes[bestL + (best >> 1)]! - base, votes[bestL]! - base, votes[bestL + best - 1]! - base)
      }
    }
    s = e
  }
}

/** Inserts a candidate if it is among the best kept (tracks arrive in ascending order, so a tie loses). */
function keepBest(out: CandidateList, track: number, score: number, hits: number, offset: number, first: number, last: number): void {
  const items = out.items
  if (out.count === items.length && score <= items[out.count - 1]!.score) return
  const c = out.count < items.length ? items[out.count++]! : items[out.count - 1]!
  c.track = track; c.score = score; c.votes = score; c.hits = hits; c.offset = offset; c.first = first; c.last = last; c.strength = 0; c.confidence = 0
  sortCandidates(out)
}

/** Orders [0, count) by score (desc), then track (asc): insertion sort, count ≤ 16. */
export function sortCandidates(out: CandidateList): void {
  const items = out.items
  for (let i = 1; i < out.count; i++) {
    const c = items[i]!
    let j = i - 1
    while (j >= 0 && (items[j]!.score < c.score || (items[j]!.score === c.score && items[j]!.track > c.track))) {
      items[j + 1] = items[j]!
      j--
    }
    items[j + 1] = c
  }
}

/** Counts distinct values among keys[0, count) per group (key / 2^HASH_BITS), into `out`. */
function countDistinctPerGroup(keys: Float64Array, count: number, out: Uint32Array): void {
  const sorted = keys.subarray(0, count).sort()
  out.fill(0)
  for (let i = 0; i < count; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue
    const g = Math.floor(sorted[i]! / GROUP_SCALE)
    if (g < out.length) out[g] = out[g]! + 1
  }
}

/**
 * Re-scores candidates by the number of distinct query hashes aligned in their best window,
 * then re-orders them. A repeated note at a shared tempo lines up many votes of one hash
 * value; a real match lines up many different landmarks. Shifted lookups count for the query
 * hash they came from. `counts` holds at least out.items.length entries.
 */
export function countDistinct(hits: Hits, hashes: Uint32Array, out: CandidateList, scratch: VoteScratch, counts: Uint32Array): void {
  if (out.count === 0) return
  const slot = scratch.slot, keys = scratch.keys, items = out.items
  for (let i = 0; i < out.count; i++) slot[items[i]!.track] = i
  let count = 0
  for (let i = 0; i < hits.count; i++) {
    const c = slot[hits.track[i]!]!
    if (c < 0) continue
    const cand = items[c]!
    const off = hits.offset[i]!
    if (off < cand.first || off > cand.last) continue
    keys[count++] = c * GROUP_SCALE + hashes[hits.query[i]!]!
  }
  const scores = counts.subarray(0, out.count)
  countDistinctPerGroup(keys, count, scores)
  for (let i = 0; i < out.count; i++) { items[i]!.score = scores[i]!; slot[items[i]!.track] = -1 }
  sortCandidates(out)
}

/**
 * Distinct query hashes aligned, counted per window of `windowFrames` query frames (window w
 * holds query times [w·windowFrames, (w+1)·windowFrames)): query hash i counts when
 * aligned[i] is 1 (HashIndex.aligned says which are, for one track and offset range).
 */
export function alignedPerWindow(aligned: Uint8Array, hashes: Uint32Array, times: Uint32Array, scratch: VoteScratch, windowFrames: number, out: Uint32Array): void {
  const n = hashes.length
  if (scratch.keys.length < n) scratch.keys = new Float64Array(Math.max(1024, 2 * n))
  const keys = scratch.keys
  let count = 0
  for (let i = 0; i < n; i++) {
    if (aligned[i] === 0) continue
    keys[count++] = Math.floor(times[i]! / windowFrames) * GROUP_SCALE + hashes[i]!
  }
  countDistinctPerGroup(keys, count, out)
}
