import { DF_BITS, DT_BITS, F1_BITS } from '../options.js'

/**
 * Triplet keys: an anchor peak and two of its targets, i.e. two landmark pairs of one anchor.
 * A pair key has 21 bits and music shares its popular ones (bass notes): scaled to 100 000
 * tracks, a 10 s query's pair keys hold ~6.3 M postings (median, docs/algorithm.md §9), and the
 * pairs that survive noise are the popular ones, so skipping them loses the answer. A triplet
 * carries 34 bits (f1, df_a, dt_a, df_b, dt_b); its postings are ~1000× fewer per query, which is
 * what lets a large catalog find its candidates without walking the pairs (query.ts).
 *
 * The index keeps one triplet per anchor, of its targets of rank 0 and 1 (half as many postings
 * as the pairs at index fanout 2); a query forms every pair of its targets of rank < 4, so an
 * extra or missing peak before them still leaves the index's triplet among the query's.
 */
export const TRIPLET_KEY_BITS = 26
const TARGET_BITS = DF_BITS + DT_BITS
const TARGET_MASK = (1 << TARGET_BITS) - 1
const F1_SHIFT = TARGET_BITS
const F1_LIMIT = 1 << F1_BITS

/**
 * Key of the triplet whose targets' pair hashes are `hashA` (the lower rank) and `hashB` (same
 * anchor): hashA's 21 bits and hashB's 13 target bits, mixed (murmur3's finaliser, so that
 * every input bit moves the top bits) and cut to TRIPLET_KEY_BITS.
 */
export function tripletKey(hashA: number, hashB: number): number {
  const lo = ((hashA << TARGET_BITS) | (hashB & TARGET_MASK)) >>> 0
  const hi = hashA >>> (32 - TARGET_BITS)
  let h = (lo ^ Math.imul(hi + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return ((h ^ (h >>> 16)) >>> 0) >>> (32 - TRIPLET_KEY_BITS)
}

/**
 * The index's triplets of a fingerprint, in time order: for each anchor (consecutive hashes with
 * one time and one f1, visited in `order` when given), the triplet of its targets of rank 0 and 1.
 * `reserve(n)` is told how many may come, `emit(key, time)` gets each.
 */
export function indexTriplets(
  hashes: Uint32Array, times: Uint32Array, ranks: Uint8Array | undefined, order: Uint32Array | null,
  emit: (key: number, time: number) => void, reserve: (extra: number) => void,
): void {
  if (!ranks) return
  const n = hashes.length
  reserve(n >> 1)
  let k = 0
  while (k < n) {
    const i = order ? order[k]! : k
    const t = times[i]!, anchor = hashes[i]! >>> F1_SHIFT
    let rank0 = -1, rank1 = -1
    let e = k
    while (e < n) {
      const j = order ? order[e]! : e
      if (times[j] !== t || hashes[j]! >>> F1_SHIFT !== anchor) break
      if (ranks[j] === 0) rank0 = j
      else if (ranks[j] === 1) rank1 = j
      e++
    }
    if (rank0 >= 0 && rank1 >= 0) emit(tripletKey(hashes[rank0]!, hashes[rank1]!), t)
    k = e
  }
}

/** A query's triplets: key and anchor frame. Valid entries are [0, count). */
export interface TripletList {
  count: number
  key: Uint32Array
  time: Uint32Array
}

export function tripletList(): TripletList {
  return { count: 0, key: new Uint32Array(1024), time: new Uint32Array(1024) }
}

/**
 * A query's triplets: for each anchor, every pair of its targets of rank < maxRank, lower rank
 * first. `binShift` (−1, 0, 1) moves the anchor frequency, as the pair index's speed pass does
 * (query.ts): both targets keep their offset from it. Hashes of an anchor are consecutive.
 */
export function queryTriplets(hashes: Uint32Array, times: Uint32Array, ranks: Uint8Array | undefined, maxRank: number, binShift: number, out: TripletList): void {
  out.count = 0
  if (!ranks) return
  const n = hashes.length
  const shiftBy = binShift * (1 << F1_SHIFT)
  let i = 0
  while (i < n) {
    const t = times[i]!, anchor = hashes[i]! >>> F1_SHIFT
    let j = i + 1
    while (j < n && times[j] === t && hashes[j]! >>> F1_SHIFT === anchor) j++
    const f1 = anchor + binShift
    if (j - i >= 2 && f1 >= 0 && f1 < F1_LIMIT) {
      const most = ((j - i) * (j - i - 1)) >> 1
      if (out.count + most > out.key.length) grow(out, out.count + most)
      for (let a = i; a < j; a++) {
        if (ranks[a]! >= maxRank) continue
        for (let b = a + 1; b < j; b++) {
          if (ranks[b]! >= maxRank) continue
          const lower = ranks[a]! < ranks[b]! ? a : b, upper = lower === a ? b : a
          out.key[out.count] = tripletKey((hashes[lower]! + shiftBy) >>> 0, hashes[upper]!)
          out.time[out.count++] = t
        }
      }
    }
    i = j
  }
}

function grow(out: TripletList, needed: number): void {
  let size = out.key.length
  while (size < needed) size *= 2
  const key = new Uint32Array(size), time = new Uint32Array(size)
  key.set(out.key.subarray(0, out.count))
  time.set(out.time.subarray(0, out.count))
  out.key = key
  out.time = time
}
