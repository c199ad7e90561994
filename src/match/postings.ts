import { HASH_BITS } from '../options.js'
import { entryBitsFor, entryWords, findPacked, lowsWords, packChunk, packable, unpackChunk, unpackEntries } from './packed.js'
import { integerIn } from '../integers.js'

/**
 * The inverted index of one partition (hash-index.ts): for each 21-bit landmark key, the
 * (segment, frame) entries that hold it, sorted by entry.
 *
 * Layout. Keys are split into `dirBits` high bits, which address a directory, and the low
 * bits kept per posting. The directory grows with the postings (layoutFor): 2^13 slots for a
 * small catalog up to one slot per key (2^21) from 2^26 postings, where no low keys are needed
 * and a posting costs its 4-byte entry alone (triplets' 2^26 keys: from 2^28 postings). Below that a chunk is packed (packed.ts: low keys
 * in unary, entries in as few bits as its largest needs, ~3.3 bytes a posting) or, where that
 * would not save a quarter (a catalog of a few tracks; a large catalog's triplets), plain (a byte
 * of low key and a 4-byte entry, found by bisecting the slot's low bytes).
 *
 * The directory and its postings are cut into 2^chunkBits chunks by key range (one chunk up to
 * CHUNK_POSTINGS postings). A merge (mergePostings) builds the new index one chunk at a time
 * and frees each old chunk as soon as it is copied, so rebuilding a partition of gigabytes needs
 * one chunk of room, not a second copy of it; and no array outgrows what an ArrayBuffer or a
 * file section can hold.
 *
 * An entry packs a segment and a frame: entry = segment << TIME_BITS | frame. Tracks are cut
 * into segments of SEGMENT_FRAMES frames (about 8.7 minutes), so a long track costs a few
 * segments while 32-bit entries still address 131 072 segments per partition.
 */
export const MIN_DIR_BITS = 13
export const MAX_DIR_BITS = HASH_BITS
/** Widest key a Postings takes (triplets.ts files its keys under this many bits). */
export const MAX_KEY_BITS = 26
/**
 * Mean postings per directory slot that layoutFor aims at. A packed chunk (packed.ts) finds a
 * key by skipping zeros of its slot's unary code, ~1.5 words here; at 128 a slot (as before
 * packing) it was ~6 words, and dev-catalog 10 s queries took 14 % more CPU than plain chunks
 * (mean; 64 a slot: +14 %, 32: +7–11 %, bench/query-time.ts --dev alternated with the plain
 * layout's commit). The directory costs 4 bytes a slot: 0.125 a posting at 32, 3.2 → 3.3 bytes a
 * posting in all. From 2^26 postings on (~3 700 tracks) a partition has one slot per key, no
 * low keys and plain 4-byte entries (before: a low byte as well, up to 2^28).
 */
const SLOT_POSTINGS = 32
/** Postings per chunk that layoutFor aims at (16 MiB of entries): the room a merge needs. */
export const CHUNK_POSTINGS = 1 << 22
export const MAX_CHUNK_BITS = 8
export const TIME_BITS = 15
export const SEGMENT_FRAMES = 1 << TIME_BITS
export const MAX_SEGMENTS = 2 ** (32 - TIME_BITS)
export const TIME_MASK = SEGMENT_FRAMES - 1
const KEY_MASK = (1 << HASH_BITS) - 1

/**
 * Postings for local directory slot s are [dir[s], dir[s + 1]). A chunk is plain or packed
 * (packed.ts; mergePostings chooses, `smaller`): plain, each posting's low key in `low`
 * (null when dirBits = keyBits) and its entry in `entry`; packed (only when there are low keys),
 * the low keys in unary in `lows` and the entries `bits` bits each in `entry`.
 */
export interface PostingsChunk {
  readonly dir: Uint32Array
  readonly low: Uint8Array | null
  /** Packed: the unary low keys; null when plain. */
  readonly lows: Uint32Array | null
  readonly entry: Uint32Array
  /** Bits an entry takes in `entry`: 32 when plain. */
  readonly bits: number
}

export interface Postings {
  /** Bits of the keys: HASH_BITS for landmark pairs, more for triplets (triplets.ts). */
  readonly keyBits: number
  readonly dirBits: number
  readonly chunkBits: number
  /** 2^chunkBits chunks; chunk c holds directory slots [c · 2^(dirBits − chunkBits), (c + 1) · …). */
  readonly chunks: PostingsChunk[]
  /** Postings in all chunks. */
  readonly count: number
}

/**
 * New postings that are not in an index yet: (key, entry) pairs, entries ascending per key.
 * mergePostings uses the arrays as scratch: their contents are gone after it.
 */
export interface PendingPostings {
  readonly keys: Uint32Array
  readonly entries: Uint32Array
  readonly count: number
}

/**
 * Index key of a landmark hash: an odd multiplier is a bijection modulo 2^21, so no hash
 * information is lost, and it spreads the bass-heavy anchor frequencies over the directory.
 */
export function indexKey(hash: number): number {
  return Math.imul(hash, 0x9e3b5) & KEY_MASK
}

/**
 * Directory and chunk bits for n postings of keys of `keyBits` bits (the low byte holds at most 8 of them).
 * Triplet keys (26 bits) get one slot per key from 2^28 postings (~80 000 tracks), where the
 * directory's 4 bytes a key cost less than a low byte a posting: a lookup then reads the slot and
 * the entries, not a low-byte run between them. At 100 000 tracks: 54 MiB less, 10 s queries
 * −6 to −7 % CPU p50 (bench/catalog-ab.ts, the catalog built both ways, both orders).
 */
export function layoutFor(n: number, keyBits = HASH_BITS): Layout {
  const bits = (target: number) => Math.ceil(Math.log2(Math.max(1, n / target)))
  return {
    keyBits,
    dirBits: keyBits > MAX_DIR_BITS && n >= 2 ** (keyBits + 2) ? keyBits : Math.min(MAX_DIR_BITS, Math.max(MIN_DIR_BITS, keyBits - 8, bits(SLOT_POSTINGS))),
    chunkBits: Math.min(MAX_CHUNK_BITS, Math.max(0, bits(CHUNK_POSTINGS))),
  }
}

export function emptyPostings(keyBits = HASH_BITS): Postings {
  const { dirBits } = layoutFor(0, keyBits)
  return { keyBits, dirBits, chunkBits: 0, chunks: [{ dir: new Uint32Array(2 ** dirBits + 1), low: dirBits < keyBits ? new Uint8Array(0) : null, lows: null, entry: new Uint32Array(0), bits: 32 }], count: 0 }
}

/** Which chunk of `p` holds `key`. */
export function chunkOf(p: Postings, key: number): number {
  return key >>> (p.keyBits - p.chunkBits)
}

/**
 * Where findKey leaves its answer: the key's entries are found.entry[start, end). Two numbers, not
 * one packed start × 2^32 + end as before: a double holds 53 bits, so past 2^21 postings in a
 * chunk the packed end lost its low bits and a lookup missed or overran its key's postings.
 * `entry` is a plain chunk's own array, or a packed chunk's entries of the key unpacked into a
 * scratch list, which the next findKey overwrites.
 */
export const found = { start: 0, end: 0, entry: new Uint32Array(0) as Uint32Array }
let unpacked = new Uint32Array(1024)

/** The postings of `key` in `p`: sets `found` to their entries; returns how many. */
export function findKey(p: Postings, key: number): number {
  const lowBits = p.keyBits - p.dirBits
  const localBits = p.dirBits - p.chunkBits
  const slot = key >>> lowBits
  const chunk = p.chunks[slot >>> localBits]!
  const s = slot & ((1 << localBits) - 1)
  const lo = chunk.dir[s]!, hi = chunk.dir[s + 1]!
  const want = key & ((1 << lowBits) - 1)
  const lows = chunk.lows
  if (lows !== null) {
    const n = lo === hi ? 0 : findPacked(lows, s, lo, lowBits, want, found)
    if (n === 0) { found.start = found.end = 0; return 0 }
    if (unpacked.length < n) unpacked = new Uint32Array(2 * n)
    unpackEntries(chunk.entry, chunk.bits, found.start, n, unpacked)
    found.entry = unpacked
    found.start = 0
    found.end = n
    return n
  }
  found.entry = chunk.entry
  const low = chunk.low
  if (low === null) { found.start = lo; found.end = hi; return hi - lo }
  // lower bound of `want`, then its upper bound
  let a = lo, b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! < want) a = m + 1; else b = m }
  const start = a
  b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! <= want) a = m + 1; else b = m }
  found.start = start
  found.end = a
  return a - start
}

/** Builds postings from (key, entry) pairs given in ascending entry order per key. */
export function buildPostings(keys: Uint32Array, entries: Uint32Array, n: number, layout?: Layout): Postings {
  return mergePostings([], { keys: keys.slice(0, n), entries: entries.slice(0, n), count: n }, null, null, false, layout?.keyBits ?? HASH_BITS, layout)
}

/** Key, directory and chunk bits of a Postings; `pack` (tests) makes chunks with low keys packed (true) or plain (false) whatever their size. */
export interface Layout { keyBits: number; dirBits: number; chunkBits: number; pack?: boolean }

/**
 * The postings of `sources` (oldest first) followed by `pending`, as one new Postings laid out
 * for its size. Entries of segments that `segTrack` marks removed (−1) are dropped; with
 * `segMap`, the others are renumbered (segMap must keep their order). Per key, entries stay in
 * ascending order as long as every source's entries come before the next one's and pending's
 * come last, which is how a catalog adds tracks (segments are numbered in order of adding).
 *
 * Built one output chunk at a time: each pass counts the postings of the chunk's key range in
 * every source (and pending), fills them in source order, and orders each directory slot by
 * its low byte (stable, so entries keep their order per key). With `release`, source chunks
 * are dropped (replaced by an empty one) as soon as the output has taken all of their keys:
 * the caller must not use the sources again.
 */
export function mergePostings(sources: readonly Postings[], pending: PendingPostings, segTrack: Int32Array | null, segMap: Int32Array | null, release: boolean, keyBits = HASH_BITS, layout?: Layout, pack = layout?.pack): Postings {
  let upper = pending.count
  for (const p of sources) {
    if (p.keyBits !== keyBits) throw new Error(`merging postings of ${p.keyBits}-bit keys into ${keyBits}-bit ones`)
    upper += p.count
  }
  // The layout for the postings' size (tests choose others, to cover them on small data).
  const { dirBits, chunkBits } = layout ?? layoutFor(upper, keyBits)
  const lowBits = keyBits - dirBits
  const chunkCount = 1 << chunkBits
  const slotsPerChunk = 1 << (dirBits - chunkBits)
  const keyShift = keyBits - chunkBits
  const keysPerChunk = 2 ** keyShift
  // Pending pairs sorted by key (stable: entries keep their order per key), so that every
  // source is read in key order and the writes below stream instead of scattering.
  const { keys: pendingKeys, entries: pendingEntries } = sortByKey(pending, keyBits)
  const pendingStart = new Uint32Array(chunkCount + 1)
  for (let c = 1, i = 0; c <= chunkCount; c++) {
    while (i < pending.count && pendingKeys[i]! < c * keysPerChunk) i++
    pendingStart[c] = i
  }
  // Counting by key places every posting where it belongs, with no sort after; it needs a
  // counter per key of the chunk, worth it when the chunk is dense. Sparse chunks (small
  // catalogs, where the counters would outnumber the postings) count by directory slot and
  // then merge each slot's runs by low byte.
  const keyLevel = upper / chunkCount >= keysPerChunk / 4
  const countShift = keyLevel ? 0 : lowBits
  const counts = new Uint32Array((keyLevel ? keysPerChunk : slotsPerChunk) + 1)
  const views: Views = new Map()
  const chunks: PostingsChunk[] = []
  let total = 0
  for (let c = 0; c < chunkCount; c++) {
    const k0 = c * keysPerChunk, k1 = k0 + keysPerChunk
    counts.fill(0)
    for (const p of sources) countSource(p, k0, k1, counts, countShift, segTrack, views)
    for (let i = pendingStart[c]!; i < pendingStart[c + 1]!; i++) {
      if (segTrack !== null && segTrack[pendingEntries[i]! >>> TIME_BITS]! < 0) continue
      counts[((pendingKeys[i]! - k0) >>> countShift) + 1]!++
    }
    for (let i = 1; i < counts.length; i++) counts[i]! += counts[i - 1]!
    const n = counts[counts.length - 1]!
    const low = lowBits > 0 ? new Uint8Array(n) : null
    const entry = new Uint32Array(n)
    const dir = new Uint32Array(slotsPerChunk + 1)
    if (keyLevel) for (let s = 0; s <= slotsPerChunk; s++) dir[s] = counts[s << lowBits]!
    else dir.set(counts)
    const fill = counts     // the starts become the fill positions
    for (const p of sources) fillSource(p, k0, k1, fill, countShift, segTrack, segMap, lowBits, low, entry, views)
    for (let i = pendingStart[c]!; i < pendingStart[c + 1]!; i++) put(pendingKeys[i]!, pendingEntries[i]!, k0, fill, countShift, segTrack, segMap, lowBits, low, entry)
    if (!keyLevel && low !== null) sortSlots(dir, low, entry)
    chunks.push(low === null ? { dir, low, lows: null, entry, bits: 32 } : smaller(dir, low, entry, lowBits, pack))
    total += n
    if (release) for (const p of sources) releaseBelow(p, k1)
  }
  return { keyBits, dirBits, chunkBits, chunks, count: total }
}

/**
 * Packing pays where it saves at least a quarter. A merge unpacks its packed sources and packs
 * its output (~10–20 ns a posting each), and a bulk build rewrites its postings several times: at
 * 100 000 tracks the triplet layer (32-bit entries, 5 low bits) packs to 0.83 of plain, and built
 * so the catalog added tracks 45 % slower (bench:scale, two builds side by side, 47 000 tracks
 * against 59 000 in the same minutes). Pair chunks of catalogs up to ~3 700 tracks pack to
 * 0.64–0.75.
 */
const PACK_SHARE = 0.75

/**
 * A chunk with low keys, packed (packed.ts) where that takes at most PACK_SHARE of the plain
 * chunk's bytes, else plain. Packed costs 2^lowBits bits a slot whatever its postings (2^21
 * bits, 256 KiB, for a whole pair index), so a catalog of a few tracks stays plain; the dev
 * catalog's 96 tracks pack to 3.3 bytes a posting (0.64 of plain).
 */
function smaller(dir: Uint32Array, low: Uint8Array, entry: Uint32Array, lowBits: number, pack?: boolean): PostingsChunk {
  const n = entry.length
  let max = 0
  for (let i = 0; i < n; i++) if (entry[i]! > max) max = entry[i]!
  const bits = entryBitsFor(max)
  const slots = dir.length - 1
  if (pack === false || !packable(n, slots, lowBits, bits) || (pack === undefined && 4 * (lowsWords(n, slots, lowBits) + entryWords(n, bits)) > PACK_SHARE * 5 * n)) return { dir, low, lows: null, entry, bits: 32 }
  const packed = packChunk(dir, low, entry, lowBits, bits)
  return { dir, low: null, lows: packed.lows, entry: packed.entry, bits }
}

/**
 * Chunks as plain arrays, for a merge that reads every posting: a packed one is unpacked, and
 * the last one unpacked of each source kept (a merge counts and then fills the same chunks of
 * each source in turn), until the merge ends.
 */
type Views = Map<Postings, { of: PostingsChunk; view: PostingsChunk }>

function plainChunk(p: Postings, c: PostingsChunk, views: Views): PostingsChunk {
  if (c.lows === null) return c
  const kept = views.get(p)
  if (kept !== undefined && kept.of === c) return kept.view
  const u = unpackChunk(c.dir, c as { lows: Uint32Array; entry: Uint32Array }, p.keyBits - p.dirBits, c.bits) as { low: Uint8Array; entry: Uint32Array }   // checked when loaded
  const view = { dir: c.dir, low: u.low, lows: null, entry: u.entry, bits: 32 }
  views.set(p, { of: c, view })
  return view
}

/**
 * `pending` in key order, stable: an LSD radix sort (placing unsorted pairs straight into a
 * chunk of 2^24 postings scattered writes over 20 MB: ~250 ns a pair on this machine).
 */
function sortByKey(pending: PendingPostings, keyBits: number): { keys: Uint32Array; entries: Uint32Array } {
  const n = pending.count
  let keys: Uint32Array = new Uint32Array(n), entries: Uint32Array = new Uint32Array(n)
  // The pending arrays are the second buffer: the caller is done with them (PendingPostings).
  let fromKeys: Uint32Array = pending.keys, fromEntries: Uint32Array = pending.entries
  for (let shift = 0; shift < keyBits; shift += RADIX_BITS) {
    radixPass(fromKeys, fromEntries, n, shift, keys, entries)
    ;[fromKeys, fromEntries, keys, entries] = [keys, entries, fromKeys, fromEntries]
  }
  return { keys: fromKeys.subarray(0, n), entries: fromEntries.subarray(0, n) }
}

/** Three passes of 7 bits: 128 buckets keep every write stream in cache (2 passes of 11 bits were 5× slower here). */
const RADIX_BITS = 7

/** One stable counting pass over bits [shift, shift + RADIX_BITS) of the keys. */
function radixPass(keys: Uint32Array, entries: Uint32Array, n: number, shift: number, outKeys: Uint32Array, outEntries: Uint32Array): void {
  const mask = (1 << RADIX_BITS) - 1
  const counts = new Uint32Array((1 << RADIX_BITS) + 1)
  for (let i = 0; i < n; i++) counts[((keys[i]! >>> shift) & mask) + 1]!++
  for (let v = 1; v < counts.length; v++) counts[v]! += counts[v - 1]!
  for (let i = 0; i < n; i++) {
    const k = keys[i]!
    const at = counts[(k >>> shift) & mask]!++
    outKeys[at] = k
    outEntries[at] = entries[i]!
  }
}

/** Counts the live postings of `p` with a key in [k0, k1) at counts[((key − k0) >>> shift) + 1]. */
function countSource(p: Postings, k0: number, k1: number, counts: Uint32Array, shift: number, segTrack: Int32Array | null, views: Views): void {
  const lowBits = p.keyBits - p.dirBits
  const localBits = p.dirBits - p.chunkBits
  const localMask = (1 << localBits) - 1
  // The output's chunk boundaries fall on this source's slot boundaries (chunkBits ≤ MIN_DIR_BITS).
  const s1 = k1 / 2 ** lowBits
  for (let slot = k0 / 2 ** lowBits; slot < s1; slot++) {
    const chunk = plainChunk(p, p.chunks[slot >>> localBits]!, views)
    const s = slot & localMask
    const start = chunk.dir[s]!, end = chunk.dir[s + 1]!
    if (start === end) continue
    const base = slot * 2 ** lowBits - k0, low = chunk.low, entry = chunk.entry
    for (let i = start; i < end; i++) {
      if (segTrack !== null && segTrack[entry[i]! >>> TIME_BITS]! < 0) continue
      const at = ((base + (low === null ? 0 : low[i]!)) >>> shift) + 1
      counts[at] = counts[at]! + 1
    }
  }
}

/** Places the live postings of `p` with a key in [k0, k1), in key order, at their fill positions. */
function fillSource(p: Postings, k0: number, k1: number, fill: Uint32Array, shift: number, segTrack: Int32Array | null, segMap: Int32Array | null, lowBits: number, low: Uint8Array | null, entry: Uint32Array, views: Views): void {
  const srcLowBits = p.keyBits - p.dirBits
  const localBits = p.dirBits - p.chunkBits
  const localMask = (1 << localBits) - 1
  const s1 = k1 / 2 ** srcLowBits
  for (let slot = k0 / 2 ** srcLowBits; slot < s1; slot++) {
    const chunk = plainChunk(p, p.chunks[slot >>> localBits]!, views)
    const s = slot & localMask
    const start = chunk.dir[s]!, end = chunk.dir[s + 1]!
    const base = slot * 2 ** srcLowBits, srcLow = chunk.low, srcEntry = chunk.entry
    for (let i = start; i < end; i++) put(base + (srcLow === null ? 0 : srcLow[i]!), srcEntry[i]!, k0, fill, shift, segTrack, segMap, lowBits, low, entry)
  }
}

function put(key: number, e: number, k0: number, fill: Uint32Array, shift: number, segTrack: Int32Array | null, segMap: Int32Array | null, lowBits: number, low: Uint8Array | null, entry: Uint32Array): void {
  const seg = e >>> TIME_BITS
  if (segTrack !== null && segTrack[seg]! < 0) return
  const at = fill[(key - k0) >>> shift]!++
  if (low !== null) low[at] = key & ((1 << lowBits) - 1)
  entry[at] = segMap === null ? e : ((segMap[seg]! << TIME_BITS) | (e & TIME_MASK)) >>> 0
}

/** Drops the chunks of `p` whose keys all lie below `k`. */
function releaseBelow(p: Postings, k: number): void {
  const keysPerChunk = 2 ** (p.keyBits - p.chunkBits)
  for (let c = 0; c < p.chunks.length && (c + 1) * keysPerChunk <= k; c++) {
    if (p.chunks[c] !== RELEASED) p.chunks[c] = RELEASED
  }
}

const RELEASED: PostingsChunk = { dir: new Uint32Array(0), low: null, lows: null, entry: new Uint32Array(0), bits: 32 }

/**
 * Each directory slot (postings placed by slot, sources in order) ordered by (low key, entry),
 * as one number low × 2^32 + entry, with the typed array's own sort. A key's entries came in
 * ascending order, so ordering them by entry keeps them so. (It replaced a stable counting sort
 * with an insertion sort for short slots: 0.3 KB of the browser bundle, for merges of the
 * small catalogs that count by slot.)
 */
function sortSlots(dir: Uint32Array, low: Uint8Array, entry: Uint32Array): void {
  let keys = new Float64Array(64)
  for (let s = 0; s + 1 < dir.length; s++) {
    const start = dir[s]!, n = dir[s + 1]! - start
    if (n < 2) continue
    if (keys.length < n) keys = new Float64Array(2 * n)
    const k = keys.subarray(0, n)
    for (let i = 0; i < n; i++) k[i] = low[start + i]! * 4294967296 + entry[start + i]!
    k.sort()
    for (let i = 0; i < n; i++) { low[start + i] = k[i]! / 4294967296; entry[start + i] = k[i]! % 4294967296 }
  }
}

/**
 * Checks the invariants lookups and merges rely on; returns a reason, or null when sound. With
 * `perSegment` (segments long), also counts each segment's postings into it, in the same pass
 * (codec.ts checks that every track owns the postings it claims).
 */
export function checkPostings(p: Postings, segments: number, perSegment: Uint32Array | null = null): string | null {
  if (!integerIn(p.keyBits, HASH_BITS, MAX_KEY_BITS)) return `key bits ${p.keyBits} out of range`
  if (!integerIn(p.dirBits, Math.max(MIN_DIR_BITS, p.keyBits - 8), p.keyBits)) return `directory bits ${p.dirBits} out of range`
  if (!integerIn(p.chunkBits, 0, MAX_CHUNK_BITS)) return `chunk bits ${p.chunkBits} out of range`
  if (!Array.isArray(p.chunks) || p.chunks.length !== 2 ** p.chunkBits) return `${p.chunks.length} chunks, expected ${2 ** p.chunkBits}`
  const lowBits = p.keyBits - p.dirBits
  const slots = 2 ** (p.dirBits - p.chunkBits)
  const limit = segments * SEGMENT_FRAMES
  let count = 0
  for (const [c, chunk] of p.chunks.entries()) {
    const { dir, lows } = chunk
    let { low, entry } = chunk
    if (!(dir instanceof Uint32Array) || !(entry instanceof Uint32Array)) return `chunk ${c} is not typed arrays`
    if (dir.length !== slots + 1) return `chunk ${c}'s directory has ${dir.length} slots, expected ${slots + 1}`
    if (lows !== null) {
      if (!(lows instanceof Uint32Array) || low !== null || lowBits === 0 || !(chunk.bits >= 1 && chunk.bits <= 32 && chunk.bits === Math.floor(chunk.bits)) || !packable(dir[slots]!, slots, lowBits, chunk.bits)) return `chunk ${c} is not a packed chunk of ${p.dirBits} directory bits (${chunk.bits}-bit entries)`
    } else {
      if ((low === null) !== (lowBits === 0)) return `chunk ${c} ${low === null ? 'lacks' : 'has'} low keys with ${p.dirBits} directory bits`
      if (low !== null && (!(low instanceof Uint8Array) || low.length !== entry.length)) return `chunk ${c} has ${low.length} low keys for ${entry.length} entries`
      if (dir[slots] !== entry.length) return `chunk ${c}'s directory does not span its postings`
    }
    if (dir[0] !== 0) return `chunk ${c}'s directory does not span its postings`
    // Bounds first: with a monotonic directory ending at entry.length every slot is in range,
    // and the scan below is O(n) whatever a forged file claims.
    for (let s = 0; s < slots; s++) if (dir[s + 1]! < dir[s]!) return `chunk ${c}'s directory slot ${s} is not monotonic`
    if (lows !== null) {
      // A packed chunk is checked as the plain one it unpacks to (its code's lengths first, so a
      // forged count allocates nothing).
      const u = unpackChunk(dir, { lows, entry }, lowBits, chunk.bits)
      if (typeof u === 'string') return `chunk ${c}'s ${u}`
      low = u.low
      entry = u.entry
    }
    // One pass over the entries: order per key, low keys in range, and entries in range (counted per segment, or compared).
    const bad = perSegment !== null
      ? (low === null ? countWide(dir, entry, slots, perSegment) : countSlots(dir, low, entry, slots, 2 ** lowBits, perSegment))
      : (low === null ? checkWide(dir, entry, slots, limit) : checkSlots(dir, low, entry, slots, 2 ** lowBits, limit))
    if (bad >= 0) return `chunk ${c}'s ${describe(dir, low, entry, bad, 2 ** lowBits, limit, segments)}`
    count += entry.length
  }
  if (p.count !== count) return `postings claim ${p.count} entries, the chunks hold ${count}`
  if (perSegment !== null) {
    // The counting kernels leave the range to this: an entry past the last segment is counted nowhere.
    let counted = 0
    for (let i = 0; i < segments; i++) counted += perSegment[i]!
    if (counted !== count) {
      for (const [c, chunk] of p.chunks.entries()) {
        const { dir, low, entry } = plainChunk(p, chunk, new Map())
        for (let i = 0; i < entry.length; i++) if (entry[i]! >= limit) return `chunk ${c}'s ${describe(dir, low, entry, i, 2 ** lowBits, limit, segments)}`
      }
    }
  }
  return null
}

/*
 * The kernels of checkPostings' pass (kernels of their own, so they stay monomorphic: the generic
 * loop they replace took 2.6 of a 460 MB catalog's 4.1 s load). Each returns the first bad
 * position, or −1; none allocates. A slot's (low key, entry) pairs must ascend, compared as one
 * number low × 2^32 + entry (one comparison an entry instead of three), and its last low key
 * be in range (they ascend). Counting an entry's segment (the pairs: each track must own the
 * postings it claims) also checks its range — one past the last segment is counted nowhere, and
 * checkPostings compares the total — so the counting kernels skip that comparison; the others
 * (triplets) make it, and count nothing. Issue 9 round 3, CPU on a 10 000-track catalog:
 * pairs 309 → 265 ms, triplets 184 → 82 ms.
 */

function countSlots(dir: Uint32Array, low: Uint8Array, entry: Uint32Array, slots: number, lowLimit: number, perSegment: Uint32Array): number {
  for (let s = 0; s < slots; s++) {
    const start = dir[s]!, end = dir[s + 1]!
    let prev = -1
    for (let i = start; i < end; i++) {
      const e = entry[i]!
      const v = low[i]! * 4294967296 + e
      if (v < prev) return i
      perSegment[e >>> TIME_BITS]!++
      prev = v
    }
    if (end > start && low[end - 1]! >= lowLimit) return end - 1
  }
  return -1
}

function checkSlots(dir: Uint32Array, low: Uint8Array, entry: Uint32Array, slots: number, lowLimit: number, limit: number): number {
  for (let s = 0; s < slots; s++) {
    const start = dir[s]!, end = dir[s + 1]!
    let prev = -1
    for (let i = start; i < end; i++) {
      const e = entry[i]!
      const v = low[i]! * 4294967296 + e
      if (v < prev || e >= limit) return i
      prev = v
    }
    if (end > start && low[end - 1]! >= lowLimit) return end - 1
  }
  return -1
}

/** The same for a directory of one slot per key (no low keys). */
function countWide(dir: Uint32Array, entry: Uint32Array, slots: number, perSegment: Uint32Array): number {
  for (let s = 0; s < slots; s++) {
    const end = dir[s + 1]!
    let prev = 0
    for (let i = dir[s]!; i < end; i++) {
      const e = entry[i]!
      if (e < prev) return i
      perSegment[e >>> TIME_BITS]!++
      prev = e
    }
  }
  return -1
}

function checkWide(dir: Uint32Array, entry: Uint32Array, slots: number, limit: number): number {
  for (let s = 0; s < slots; s++) {
    const end = dir[s + 1]!
    let prev = 0
    for (let i = dir[s]!; i < end; i++) {
      const e = entry[i]!
      if (e < prev || e >= limit) return i
      prev = e
    }
  }
  return -1
}

/** What is wrong at position i, which a kernel above stopped at. */
function describe(dir: Uint32Array, low: Uint8Array | null, entry: Uint32Array, i: number, lowLimit: number, limit: number, segments: number): string {
  let s = 0
  while (dir[s + 1]! <= i) s++
  const e = entry[i]!
  if (low !== null && low[i]! >= lowLimit) return 'low key out of range'
  const sameKey = i > dir[s]! && (low === null || low[i] === low[i - 1])
  if (low !== null && i > dir[s]! && low[i]! < low[i - 1]!) return `slot ${s} is not sorted`
  if (sameKey && e < entry[i - 1]!) return `slot ${s} has the entries of a key out of order (not in order)`
  return e >= limit ? `entry ${i} names segment ${e >>> TIME_BITS} of ${segments}` : `entry ${i} is out of order`
}



