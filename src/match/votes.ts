import { F1_BITS, DF_BITS, DT_BITS, HASH_BITS } from '../options.js'
import { TIME_BITS, TIME_MASK, findKey, indexKey, type Postings } from './postings.js'

/** What a query is looked up in: the postings, and which track and frame each segment holds. */
export interface IndexView {
  readonly indexes: readonly Postings[]
  /** segment → track index, −1 once removed */
  readonly segTrack: Int32Array
  /** segment → first frame it covers */
  readonly segBase: Uint32Array
}

/** Postings a query hit: for each, the track, trackTime − queryTime, and which query hash. */
export interface Hits {
  count: number
  track: Int32Array
  offset: Int32Array
  query: Uint32Array
}

/** Votes as track × 2^32 + (offset + 2^31): sorting them groups a track's offsets in order. */
export interface VoteBuffer {
  votes: Float64Array
  count: number
}

const OFFSET_BIAS = 2 ** 31
const TRACK_SCALE = 2 ** 32
const F1_SHIFT = DF_BITS + DT_BITS
const F1_LIMIT = 1 << F1_BITS

export function emptyHits(): Hits {
  return { count: 0, track: new Int32Array(1024), offset: new Int32Array(1024), query: new Uint32Array(1024) }
}

/**
 * Looks up every query hash (and, with `shift`, the same landmark moved one bin down and up,
 * which is what a ±1–2 % speed change does to it) and records each live posting it hits.
 * Postings of removed tracks are skipped. This is the only walk over the postings: voting,
 * re-scoring and coverage all read its result.
 */
export function collectHits(view: IndexView, hashes: Uint32Array, times: Uint32Array, shift: boolean, out: Hits): void {
  const { indexes, segTrack, segBase } = view
  const shifts = shift ? 3 : 1
  out.count = 0
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!, qt = times[i]!
    for (let s = 0; s < shifts; s++) {
      const key = shiftedKey(h, s)
      if (key < 0) continue
      for (let x = 0; x < indexes.length; x++) {
        const p = indexes[x]!
        const range = findKey(p, key)
        const start = Math.floor(range / TRACK_SCALE), end = range % TRACK_SCALE
        if (start === end) continue
        reserve(out, end - start)
        const { track: tracks, offset, query } = out
        let count = out.count
        for (let j = start; j < end; j++) {
          const e = p.entry[j]!
          const seg = e >>> TIME_BITS
          const track = segTrack[seg]!
          if (track < 0) continue
          tracks[count] = track
          offset[count] = segBase[seg]! + (e & TIME_MASK) - qt
          query[count++] = i
        }
        out.count = count
      }
    }
  }
}

/**
 * Index key of landmark `hash` as is (s = 0), or moved one bin down (1) or up (2); −1 when
 * that leaves the 8-bit anchor range.
 */
function shiftedKey(hash: number, s: number): number {
  if (s === 0) return indexKey(hash)
  const delta = s === 1 ? -1 : 1
  const f1 = (hash >>> F1_SHIFT) + delta
  return f1 < 0 || f1 >= F1_LIMIT ? -1 : indexKey(hash + delta * (1 << F1_SHIFT))
}

function reserve(out: Hits, extra: number): void {
  if (out.count + extra <= out.track.length) return
  let size = out.track.length
  while (size < out.count + extra) size *= 2
  const track = new Int32Array(size), offset = new Int32Array(size), query = new Uint32Array(size)
  track.set(out.track.subarray(0, out.count))
  offset.set(out.offset.subarray(0, out.count))
  query.set(out.query.subarray(0, out.count))
  out.track = track
  out.offset = offset
  out.query = query
}

/** One vote (track, offset) per hit. */
export function castVotes(hits: Hits, out: VoteBuffer): void {
  if (out.votes.length < hits.count) out.votes = new Float64Array(Math.max(1024, 2 * hits.count))
  const { track, offset } = hits
  const votes = out.votes
  for (let i = 0; i < hits.count; i++) votes[i] = track[i]! * TRACK_SCALE + (offset[i]! + OFFSET_BIAS)
  out.count = hits.count
}

/** The best-aligned window of one track's votes. */
export interface Candidate {
  track: number
  /** Votes inside the best window of `window` frames of offset. */
  score: number
  /** All votes for the track. */
  hits: number
  /** Median offset (frames, trackTime − queryTime) of the votes in the best window. */
  offset: number
  /** Offsets spanned by the best window: [first, last]. */
  first: number
  last: number
}

/**
 * Sorts the votes and finds, per track, the offset window of `window` frames holding the most.
 * A window rather than a single bin tolerates peak jitter and the drift of a small speed change.
 */
export function bestWindows(buf: VoteBuffer, window: number, minScore: number): Candidate[] {
  const votes = buf.votes.subarray(0, buf.count).sort()
  const out: Candidate[] = []
  let s = 0
  const n = votes.length
  while (s < n) {
    const track = Math.floor(votes[s]! / TRACK_SCALE)
    const trackEnd = (track + 1) * TRACK_SCALE
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
        const base = track * TRACK_SCALE + OFFSET_BIAS
        out.push({
          track, score: best, hits: e - s, offset: votes[bestL + (best >> 1)]! - base,
          first: votes[bestL]! - base, last: votes[bestL + best - 1]! - base,
        })
      }
    }
    s = e
  }
  out.sort((a, b) => b.score - a.score || a.track - b.track)
  return out
}

/** Counts distinct values among keys[0, count) per group (key >>> HASH_BITS), into `out`. */
function countDistinctPerGroup(keys: Float64Array, count: number, out: Uint32Array): void {
  const sorted = keys.subarray(0, count).sort()
  out.fill(0)
  for (let i = 0; i < count; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue
    const g = Math.floor(sorted[i]! / 2 ** HASH_BITS)
    if (g < out.length) out[g] = out[g]! + 1
  }
}

/**
 * Re-scores candidates by the number of distinct query hashes aligned in their best window.
 * A repeated note at a shared tempo lines up many votes of one hash value; a real match lines
 * up many different landmarks. Shifted lookups count for the query hash they came from.
 */
export function countDistinct(hits: Hits, hashes: Uint32Array, candidates: Candidate[], slot: Int32Array): void {
  if (candidates.length === 0) return
  // `slot` (track → candidate) is −1 everywhere on entry and is left so: only the candidates'
  // entries are touched, so the cost does not grow with the catalog.
  candidates.forEach((c, i) => { slot[c.track] = i })
  const keys = new Float64Array(hits.count)
  let count = 0
  for (let i = 0; i < hits.count; i++) {
    const c = slot[hits.track[i]!]!
    if (c < 0) continue
    const cand = candidates[c]!
    const off = hits.offset[i]!
    if (off < cand.first || off > cand.last) continue
    keys[count++] = c * 2 ** HASH_BITS + hashes[hits.query[i]!]!
  }
  const scores = new Uint32Array(candidates.length)
  countDistinctPerGroup(keys, count, scores)
  candidates.forEach((c, i) => { c.score = scores[i]!; slot[c.track] = -1 })
}

/**
 * Distinct query hashes aligned with `track` at offsets [first, last], counted per window of
 * `windowFrames` query frames (window w holds query times [w·windowFrames, (w+1)·windowFrames)).
 */
export function alignedPerWindow(
  hits: Hits, hashes: Uint32Array, times: Uint32Array,
  track: number, first: number, last: number, windowFrames: number, out: Uint32Array,
): void {
  const keys = new Float64Array(hits.count)
  let count = 0
  for (let i = 0; i < hits.count; i++) {
    if (hits.track[i] !== track) continue
    const off = hits.offset[i]!
    if (off < first || off > last) continue
    const q = hits.query[i]!
    keys[count++] = Math.floor(times[q]! / windowFrames) * 2 ** HASH_BITS + hashes[q]!
  }
  countDistinctPerGroup(keys, count, out)
}
