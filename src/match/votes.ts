import { F1_BITS, DF_BITS, DT_BITS, HASH_BITS } from '../options.js'
import { TIME_BITS, TIME_MASK, findKey, indexKey, type Postings } from './postings.js'

/** Votes as track × 2^32 + (offset + 2^31): sorting them groups a track's offsets in order. */
export interface VoteBuffer {
  votes: Float64Array
  count: number
}

export const OFFSET_BIAS = 2 ** 31
const TRACK_SCALE = 2 ** 32
const F1_SHIFT = DF_BITS + DT_BITS
const F1_LIMIT = 1 << F1_BITS
const HASH_BITS_TOTAL = HASH_BITS

/**
 * For every query hash (and, with `shift`, the same landmark moved up and down one bin, which
 * is what a ±1–2 % speed change does to it), adds a vote (track, trackTime − queryTime) per posting.
 * Postings of removed tracks (segTrack −1) are skipped.
 */
export function castVotes(
  indexes: readonly Postings[],
  segTrack: Int32Array,
  segBase: Uint32Array,
  hashes: Uint32Array,
  times: Uint32Array,
  shift: boolean,
  out: VoteBuffer,
): void {
  const n = hashes.length
  const shifts = shift ? 3 : 1
  for (let i = 0; i < n; i++) {
    const h = hashes[i]!, qt = times[i]!
    const f1 = h >>> F1_SHIFT
    for (let s = 0; s < shifts; s++) {
      const delta = s === 0 ? 0 : s === 1 ? -1 : 1
      if (f1 + delta < 0 || f1 + delta >= F1_LIMIT) continue
      const key = indexKey(h + delta * (1 << F1_SHIFT))
      for (let x = 0; x < indexes.length; x++) {
        const p = indexes[x]!
        const range = findKey(p, key)
        const start = Math.floor(range / TRACK_SCALE), end = range % TRACK_SCALE
        if (start === end) continue
        ensure(out, end - start)
        const votes = out.votes
        let count = out.count
        const entry = p.entry
        for (let j = start; j < end; j++) {
          const e = entry[j]!
          const seg = e >>> TIME_BITS
          const track = segTrack[seg]!
          if (track < 0) continue
          votes[count++] = track * TRACK_SCALE + (segBase[seg]! + (e & TIME_MASK) - qt + OFFSET_BIAS)
        }
        out.count = count
      }
    }
  }
}

function ensure(out: VoteBuffer, extra: number): void {
  if (out.count + extra <= out.votes.length) return
  let size = Math.max(1024, out.votes.length)
  while (size < out.count + extra) size *= 2
  const grown = new Float64Array(size)
  grown.set(out.votes.subarray(0, out.count))
  out.votes = grown
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

/**
 * Re-scores candidates by the number of distinct query hashes aligned in their best window.
 * A repeated note at a shared tempo lines up many votes of one hash value; a real match lines
 * up many different landmarks. Shifted lookups count for the query hash they came from.
 */
export function countDistinct(
  indexes: readonly Postings[],
  segTrack: Int32Array,
  segBase: Uint32Array,
  hashes: Uint32Array,
  times: Uint32Array,
  shift: boolean,
  candidates: Candidate[],
  trackCount: number,
): void {
  const k = candidates.length
  if (k === 0) return
  const slot = new Int8Array(trackCount).fill(-1)
  candidates.forEach((c, i) => { slot[c.track] = i })
  let found = new Uint32Array(256), count = 0
  const shifts = shift ? 3 : 1
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!, qt = times[i]!
    const f1 = h >>> F1_SHIFT
    for (let s = 0; s < shifts; s++) {
      const delta = s === 0 ? 0 : s === 1 ? -1 : 1
      if (f1 + delta < 0 || f1 + delta >= F1_LIMIT) continue
      const key = indexKey(h + delta * (1 << F1_SHIFT))
      for (let x = 0; x < indexes.length; x++) {
        const p = indexes[x]!
        const range = findKey(p, key)
        const end = range % TRACK_SCALE
        for (let j = Math.floor(range / TRACK_SCALE); j < end; j++) {
          const e = p.entry[j]!
          const seg = e >>> TIME_BITS
          const track = segTrack[seg]!
          if (track < 0) continue
          const c = slot[track]!
          if (c < 0) continue
          const off = segBase[seg]! + (e & TIME_MASK) - qt
          const cand = candidates[c]!
          if (off < cand.first || off > cand.last) continue
          if (count === found.length) { const g = new Uint32Array(2 * count); g.set(found); found = g }
          found[count++] = (c << HASH_BITS_TOTAL) | h
        }
      }
    }
  }
  const sorted = found.subarray(0, count).sort()
  for (const c of candidates) c.score = 0
  for (let i = 0; i < count; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue
    candidates[sorted[i]! >>> HASH_BITS_TOTAL]!.score++
  }
}

/**
 * Distinct query hashes aligned with `track` at offsets [first, last], counted per window of
 * `windowFrames` query frames (window w holds query times [w·windowFrames, (w+1)·windowFrames)).
 */
export function alignedPerWindow(
  indexes: readonly Postings[],
  segTrack: Int32Array,
  segBase: Uint32Array,
  hashes: Uint32Array,
  times: Uint32Array,
  track: number,
  first: number,
  last: number,
  windowFrames: number,
  out: Uint32Array,
): void {
  let found = new Float64Array(256), count = 0
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!, qt = times[i]!
    const key = indexKey(h)
    for (let x = 0; x < indexes.length; x++) {
      const p = indexes[x]!
      const range = findKey(p, key)
      const end = range % TRACK_SCALE
      for (let j = Math.floor(range / TRACK_SCALE); j < end; j++) {
        const e = p.entry[j]!
        const seg = e >>> TIME_BITS
        if (segTrack[seg] !== track) continue
        const off = segBase[seg]! + (e & TIME_MASK) - qt
        if (off < first || off > last) continue
        if (count === found.length) { const g = new Float64Array(2 * count); g.set(found); found = g }
        found[count++] = Math.floor(qt / windowFrames) * 2 ** HASH_BITS_TOTAL + h
        break
      }
    }
  }
  const sorted = found.subarray(0, count).sort()
  out.fill(0)
  for (let i = 0; i < count; i++) {
    if (i > 0 && sorted[i] === sorted[i - 1]) continue
    const w = Math.floor(sorted[i]! / 2 ** HASH_BITS_TOTAL)
    if (w < out.length) out[w] = out[w]! + 1
  }
}
