import { HASH_BITS } from '../options.js'

/**
 * The inverted index of one partition (hash-index.ts): for each 21-bit landmark key, the
 * (segment, frame) entries that hold it, sorted by entry.
 *
 * Layout. Keys are split into `dirBits` high bits, which address a directory, and the low
 * bits kept per posting in `low` (one byte). The directory grows with the postings (layoutFor):
 * 2^13 slots for a small catalog, as before, up to one slot per key (2^21) from about 64 M
 * postings, where `low` is not needed at all and a posting costs its 4-byte entry alone. A
 * lookup is then one directory read, and never a binary search over more than about 32 low
 * bytes, whatever the catalog's size.
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
/** Mean postings per directory slot that layoutFor aims at: a binary search of at most ~5 steps. */
const SLOT_POSTINGS = 32
/** Postings per chunk that layoutFor aims at (16 MiB of entries): the room a merge needs. */
export const CHUNK_POSTINGS = 1 << 22
export const MAX_CHUNK_BITS = 8
export const TIME_BITS = 15
export const SEGMENT_FRAMES = 1 << TIME_BITS
export const MAX_SEGMENTS = 2 ** (32 - TIME_BITS)
export const TIME_MASK = SEGMENT_FRAMES - 1
const KEY_MASK = (1 << HASH_BITS) - 1
const TWO32 = 2 ** 32

/** Postings for local directory slot s are [dir[s], dir[s + 1]). `low` is null when dirBits = 21. */
export interface PostingsChunk {
  readonly dir: Uint32Array
  readonly low: Uint8Array | null
  readonly entry: Uint32Array
}

export interface Postings {
  readonly dirBits: number
  readonly chunkBits: number
  /** 2^chunkBits chunks; chunk c holds directory slots [c · 2^(dirBits − chunkBits), (c + 1) · …). */
  readonly chunks: PostingsChunk[]
  /** Postings in all chunks. */
  readonly count: number
}

/** New postings that are not in an index yet: (key, entry) pairs, entries ascending per key. */
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

/** Directory and chunk bits for n postings. */
export function layoutFor(n: number): Layout {
  const bits = (target: number) => Math.ceil(Math.log2(Math.max(1, n / target)))
  return {
    dirBits: Math.min(MAX_DIR_BITS, Math.max(MIN_DIR_BITS, bits(SLOT_POSTINGS))),
    chunkBits: Math.min(MAX_CHUNK_BITS, Math.max(0, bits(CHUNK_POSTINGS))),
  }
}

export function emptyPostings(): Postings {
  return { dirBits: MIN_DIR_BITS, chunkBits: 0, chunks: [{ dir: new Uint32Array((1 << MIN_DIR_BITS) + 1), low: new Uint8Array(0), entry: new Uint32Array(0) }], count: 0 }
}

/** Which chunk of `p` holds `key`. */
export function chunkOf(p: Postings, key: number): number {
  return key >>> (HASH_BITS - p.chunkBits)
}

/** Range [start, end) of the postings of `key` within chunk chunkOf(p, key), as one number: start × 2^32 + end. */
export function findKey(p: Postings, key: number): number {
  const lowBits = HASH_BITS - p.dirBits
  const localBits = p.dirBits - p.chunkBits
  const slot = key >>> lowBits
  const chunk = p.chunks[slot >>> localBits]!
  const s = slot & ((1 << localBits) - 1)
  const lo = chunk.dir[s]!, hi = chunk.dir[s + 1]!
  const low = chunk.low
  if (low === null) return lo * TWO32 + hi
  const want = key & ((1 << lowBits) - 1)
  // lower bound of `want`, then its upper bound
  let a = lo, b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! < want) a = m + 1; else b = m }
  const start = a
  b = hi
  while (a < b) { const m = (a + b) >>> 1; if (low[m]! <= want) a = m + 1; else b = m }
  return start * TWO32 + a
}

/** Builds postings from (key, entry) pairs given in ascending entry order per key. */
export function buildPostings(keys: Uint32Array, entries: Uint32Array, n: number, layout?: Layout): Postings {
  return mergePostings([], { keys, entries, count: n }, null, null, false, layout)
}

/** Directory and chunk bits of a Postings. */
export interface Layout { dirBits: number; chunkBits: number }

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
export function mergePostings(sources: readonly Postings[], pending: PendingPostings, segTrack: Int32Array | null, segMap: Int32Array | null, release: boolean, layout?: Layout): Postings {
  let upper = pending.count
  for (const p of sources) upper += p.count
  // The layout for the postings' size (tests choose others, to cover them on small data).
  const { dirBits, chunkBits } = layout ?? layoutFor(upper)
  const lowBits = HASH_BITS - dirBits, lowMask = (1 << lowBits) - 1
  const chunkCount = 1 << chunkBits
  const slotsPerChunk = 1 << (dirBits - chunkBits)
  const keyShift = HASH_BITS - chunkBits
  // Pending pairs by output chunk, keeping their order (a counting sort of their indexes).
  const pendingStart = new Uint32Array(chunkCount + 1)
  for (let i = 0; i < pending.count; i++) { const c = (pending.keys[i]! >>> keyShift) + 1; pendingStart[c] = pendingStart[c]! + 1 }
  for (let c = 0; c < chunkCount; c++) pendingStart[c + 1]! += pendingStart[c]!
  const pendingOrder = new Uint32Array(pending.count)
  const pendingFill = pendingStart.slice(0, chunkCount)
  for (let i = 0; i < pending.count; i++) pendingOrder[pendingFill[pending.keys[i]! >>> keyShift]!++] = i

  const chunks: PostingsChunk[] = []
  const sink = new ChunkSink(slotsPerChunk, lowBits, segTrack, segMap)
  let total = 0
  for (let c = 0; c < chunkCount; c++) {
    const k0 = c * 2 ** keyShift, k1 = (c + 1) * 2 ** keyShift
    for (let pass = 0; pass < 2; pass++) {
      sink.begin(pass)
      for (const p of sources) walk(p, k0, k1, sink)
      for (let j = pendingStart[c]!; j < pendingStart[c + 1]!; j++) {
        const i = pendingOrder[j]!
        sink.put(pending.keys[i]!, pending.entries[i]!)
      }
    }
    const chunk = sink.finish(lowMask)
    chunks.push(chunk)
    total += chunk.entry.length
    if (release) for (const p of sources) releaseBelow(p, k1)
  }
  return { dirBits, chunkBits, chunks, count: total }
}

/** Calls sink.put(key, entry) for every posting of `p` with a key in [k0, k1), in key order. */
function walk(p: Postings, k0: number, k1: number, sink: ChunkSink): void {
  const lowBits = HASH_BITS - p.dirBits
  const localBits = p.dirBits - p.chunkBits
  const localMask = (1 << localBits) - 1
  // The output's chunk boundaries fall on this source's slot boundaries (chunkBits ≤ MIN_DIR_BITS).
  const s0 = k0 / 2 ** lowBits, s1 = k1 / 2 ** lowBits
  for (let slot = s0; slot < s1; slot++) {
    const chunk = p.chunks[slot >>> localBits]!
    const s = slot & localMask
    const start = chunk.dir[s]!, end = chunk.dir[s + 1]!
    if (start === end) continue
    const base = slot * 2 ** lowBits, low = chunk.low, entry = chunk.entry
    if (low === null) for (let i = start; i < end; i++) sink.put(base, entry[i]!)
    else for (let i = start; i < end; i++) sink.put(base + low[i]!, entry[i]!)
  }
}

/** Drops the chunks of `p` whose keys all lie below `k`. */
function releaseBelow(p: Postings, k: number): void {
  const keysPerChunk = 2 ** (HASH_BITS - p.chunkBits)
  for (let c = 0; c < p.chunks.length && (c + 1) * keysPerChunk <= k; c++) {
    if (p.chunks[c] !== RELEASED) p.chunks[c] = RELEASED
  }
}

const RELEASED: PostingsChunk = { dir: new Uint32Array(0), low: null, entry: new Uint32Array(0) }

/**
 * One output chunk in the making: pass 0 counts postings per directory slot, pass 1 places
 * them, finish() orders each slot by low byte and hands the chunk over.
 */
class ChunkSink {
  private pass = 0
  private readonly fill: Uint32Array
  private counts: Uint32Array
  private low = new Uint8Array(0)
  private entry = new Uint32Array(0)
  private sortLow = new Uint8Array(64)
  private sortEntry = new Uint32Array(64)
  private readonly slotMask: number

  constructor(slotsPerChunk: number, private readonly lowBits: number, private readonly segTrack: Int32Array | null, private readonly segMap: Int32Array | null) {
    this.counts = new Uint32Array(slotsPerChunk + 1)
    this.fill = new Uint32Array(slotsPerChunk)
    this.slotMask = slotsPerChunk - 1
  }

  begin(pass: number): void {
    this.pass = pass
    if (pass === 0) { this.counts = new Uint32Array(this.counts.length); return }
    const counts = this.counts
    for (let s = 1; s < counts.length; s++) counts[s]! += counts[s - 1]!
    const n = counts[counts.length - 1]!
    this.fill.set(counts.subarray(0, this.fill.length))
    this.low = new Uint8Array(this.lowBits > 0 ? n : 0)
    this.entry = new Uint32Array(n)
  }

  put(key: number, e: number): void {
    const seg = e >>> TIME_BITS
    if (this.segTrack !== null && this.segTrack[seg]! < 0) return
    const slot = (key >>> this.lowBits) & this.slotMask
    if (this.pass === 0) { this.counts[slot + 1]!++; return }
    const at = this.fill[slot]!++
    if (this.lowBits > 0) this.low[at] = key & ((1 << this.lowBits) - 1)
    this.entry[at] = this.segMap === null ? e : ((this.segMap[seg]! << TIME_BITS) | (e & TIME_MASK)) >>> 0
  }

  finish(lowMask: number): PostingsChunk {
    const dir = this.counts
    if (this.lowBits > 0) {
      for (let s = 0; s + 1 < dir.length; s++) {
        const start = dir[s]!, end = dir[s + 1]!
        if (end - start > 1) this.sortSlot(start, end, lowMask)
      }
    }
    return { dir, low: this.lowBits > 0 ? this.low : null, entry: this.entry }
  }

  /** Stable order by low byte of [start, end): insertion for short slots, counting sort otherwise. */
  private sortSlot(start: number, end: number, lowMask: number): void {
    const low = this.low, entry = this.entry
    let sorted = true
    for (let i = start + 1; i < end; i++) if (low[i]! < low[i - 1]!) { sorted = false; break }
    if (sorted) return
    const n = end - start
    if (n <= 24) {
      for (let i = start + 1; i < end; i++) {
        const l = low[i]!, e = entry[i]!
        let j = i - 1
        while (j >= start && low[j]! > l) { low[j + 1] = low[j]!; entry[j + 1] = entry[j]!; j-- }
        low[j + 1] = l
        entry[j + 1] = e
      }
      return
    }
    if (this.sortLow.length < n) { this.sortLow = new Uint8Array(2 * n); this.sortEntry = new Uint32Array(2 * n) }
    const counts = new Uint32Array(lowMask + 2)
    for (let i = start; i < end; i++) counts[low[i]! + 1]!++
    for (let v = 1; v < counts.length; v++) counts[v]! += counts[v - 1]!
    for (let i = start; i < end; i++) {
      const at = counts[low[i]!]!++
      this.sortLow[at] = low[i]!
      this.sortEntry[at] = entry[i]!
    }
    low.set(this.sortLow.subarray(0, n), start)
    entry.set(this.sortEntry.subarray(0, n), start)
  }
}

/** Checks the invariants lookups and merges rely on; returns a reason, or null when sound. */
export function checkPostings(p: Postings, segments: number): string | null {
  if (!Number.isInteger(p.dirBits) || p.dirBits < MIN_DIR_BITS || p.dirBits > MAX_DIR_BITS) return `directory bits ${p.dirBits} out of range`
  if (!Number.isInteger(p.chunkBits) || p.chunkBits < 0 || p.chunkBits > MAX_CHUNK_BITS) return `chunk bits ${p.chunkBits} out of range`
  if (!Array.isArray(p.chunks) || p.chunks.length !== 2 ** p.chunkBits) return `${p.chunks.length} chunks, expected ${2 ** p.chunkBits}`
  const lowBits = HASH_BITS - p.dirBits
  const slots = 2 ** (p.dirBits - p.chunkBits)
  const limit = segments * SEGMENT_FRAMES
  let count = 0
  for (const [c, chunk] of p.chunks.entries()) {
    const { dir, low, entry } = chunk
    if (!(dir instanceof Uint32Array) || !(entry instanceof Uint32Array)) return `chunk ${c} is not typed arrays`
    if (dir.length !== slots + 1) return `chunk ${c}'s directory has ${dir.length} slots, expected ${slots + 1}`
    if ((low === null) !== (lowBits === 0)) return `chunk ${c} ${low === null ? 'lacks' : 'has'} low keys with ${p.dirBits} directory bits`
    if (low !== null && (!(low instanceof Uint8Array) || low.length !== entry.length)) return `chunk ${c} has ${low.length} low keys for ${entry.length} entries`
    if (dir[0] !== 0 || dir[slots] !== entry.length) return `chunk ${c}'s directory does not span its postings`
    // Bounds first: with a monotonic directory ending at entry.length every slot is in range,
    // and the scan below is O(n) whatever a forged file claims.
    for (let s = 0; s < slots; s++) if (dir[s + 1]! < dir[s]!) return `chunk ${c}'s directory slot ${s} is not monotonic`
    for (let s = 0; s < slots; s++) {
      const start = dir[s]!, end = dir[s + 1]!
      for (let i = start; i < end; i++) {
        if (low !== null && low[i]! >= 2 ** lowBits) return `chunk ${c} has a low key out of range`
        if (i === start) continue
        if (low !== null && low[i]! < low[i - 1]!) return `chunk ${c}'s slot ${s} is not sorted`
        if ((low === null || low[i] === low[i - 1]) && entry[i]! < entry[i - 1]!) return `the entries of a key in chunk ${c}'s slot ${s} are not in order`
      }
    }
    for (let i = 0; i < entry.length; i++) if (entry[i]! >= limit) return `entry ${i} of chunk ${c} names segment ${entry[i]! >>> TIME_BITS} of ${segments}`
    count += entry.length
  }
  if (p.count !== count) return `postings claim ${p.count} entries, the chunks hold ${count}`
  return null
}
