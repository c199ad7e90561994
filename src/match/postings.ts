import { HASH_BITS } from '../options.js'

/**
 * The inverted index: for each 21-bit landmark key, the (segment, frame) entries that hold it.
 *
 * Layout (5 bytes a posting plus a 32 KiB directory): keys are split into DIR_BITS high bits,
 * which address `dir`, and LOW_BITS low bits kept per posting in `low`. Postings of directory
 * slot d are [dir[d], dir[d + 1]), sorted by low bits, then by entry (fromBytes checks both:
 * lookups binary-search a key's entries for one track's times).
 *
 * An entry packs a segment and a frame: entry = segment << TIME_BITS | frame. Tracks are cut
 * into segments of SEGMENT_FRAMES frames (about 8.7 minutes), so a long track costs a few
 * segments while 32-bit entries still address 131 072 segments.
 */
export const DIR_BITS = 13
export const LOW_BITS = HASH_BITS - DIR_BITS
export const TIME_BITS = 15
export const SEGMENT_FRAMES = 1 << TIME_BITS
export const MAX_SEGMENTS = 2 ** (32 - TIME_BITS)
export const TIME_MASK = SEGMENT_FRAMES - 1
const LOW_MASK = (1 << LOW_BITS) - 1
const KEY_MASK = (1 << HASH_BITS) - 1
const DIR_SIZE = 1 << DIR_BITS

/** Postings for directory slot d are [dir[d], dir[d + 1]). */
export interface Postings {
  readonly dir: Uint32Array
  readonly low: Uint8Array
  readonly entry: Uint32Array
}

/**
 * Index key of a landmark hash: an odd multiplier is a bijection modulo 2^21, so no hash
 * information is lost, and it spreads the bass-heavy anchor frequencies over the directory.
 */
export function indexKey(hash: number): number {
  return Math.imul(hash, 0x9e3b5) & KEY_MASK
}

export function emptyPostings(): Postings {
  return { dir: new Uint32Array(DIR_SIZE + 1), low: new Uint8Array(0), entry: new Uint32Array(0) }
}

/**
 * Builds postings from (key, entry) pairs in O(n): two stable counting sorts, by low bits and
 * then by directory slot. Pairs with equal keys keep their input order, so the caller hands
 * them over in ascending entry order within each key (catalog.ts keeps that true).
 */
export function buildPostings(keys: Uint32Array, entries: Uint32Array, n: number): Postings {
  const lowCounts = new Uint32Array(LOW_MASK + 2)
  for (let i = 0; i < n; i++) { const v = (keys[i]! & LOW_MASK) + 1; lowCounts[v] = lowCounts[v]! + 1 }
  for (let v = 1; v < lowCounts.length; v++) lowCounts[v]! += lowCounts[v - 1]!
  const keys1 = new Uint32Array(n), entries1 = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const k = keys[i]!
    const at = lowCounts[k & LOW_MASK]!++
    keys1[at] = k
    entries1[at] = entries[i]!
  }
  const dir = new Uint32Array(DIR_SIZE + 1)
  for (let i = 0; i < n; i++) { const d = (keys1[i]! >>> LOW_BITS) + 1; dir[d] = dir[d]! + 1 }
  for (let d = 1; d <= DIR_SIZE; d++) dir[d]! += dir[d - 1]!
  const fill = dir.slice(0, DIR_SIZE)
  const low = new Uint8Array(n), entry = new Uint32Array(n)
  for (let i = 0; i < n; i++) {
    const k = keys1[i]!
    const at = fill[k >>> LOW_BITS]!++
    low[at] = k & LOW_MASK
    entry[at] = entries1[i]!
  }
  return { dir, low, entry }
}

/** Range [start, end) of the postings of `key`, as one number: start * 2^32 + end. */
export function findKey(p: Postings, key: number): number {
  const d = key >>> LOW_BITS
  const want = key & LOW_MASK
  const low = p.low
  let lo = p.dir[d]!, hi = p.dir[d + 1]!
  // lower bound of `want`
  let a = lo, b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! < want) a = m + 1; else b = m }
  lo = a
  b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! <= want) a = m + 1; else b = m }
  return lo * 4294967296 + a
}

/** Checks the invariants fromBytes relies on; returns a reason, or null when sound. */
export function checkPostings(p: Postings, segments: number): string | null {
  if (p.dir.length !== DIR_SIZE + 1) return `directory has ${p.dir.length} slots, expected ${DIR_SIZE + 1}`
  if (p.low.length !== p.entry.length) return `${p.low.length} low keys for ${p.entry.length} entries`
  if (p.dir[0] !== 0 || p.dir[DIR_SIZE] !== p.entry.length) return 'directory does not span the postings'
  // Bounds first: with a monotonic directory ending at entry.length, every slot is in range,
  // and the sortedness scan below is O(n) whatever a forged file claims.
  for (let d = 0; d < DIR_SIZE; d++) if (p.dir[d + 1]! < p.dir[d]!) return `directory slot ${d} is not monotonic`
  for (let d = 0; d < DIR_SIZE; d++) {
    const start = p.dir[d]!, end = p.dir[d + 1]!
    for (let i = start + 1; i < end; i++) {
      if (p.low[i]! < p.low[i - 1]!) return `slot ${d} is not sorted`
      if (p.low[i] === p.low[i - 1] && p.entry[i]! < p.entry[i - 1]!) return `the entries of a key in slot ${d} are not in order`
    }
  }
  const limit = segments * SEGMENT_FRAMES
  for (let i = 0; i < p.entry.length; i++) if (p.entry[i]! >= limit) return `entry ${i} names segment ${p.entry[i]! >>> TIME_BITS} of ${segments}`
  return null
}
