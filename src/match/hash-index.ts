import { PeakmatchError } from '../errors.js'
import { F1_BITS, DF_BITS, DT_BITS } from '../options.js'
import {
  LOW_BITS, MAX_SEGMENTS, SEGMENT_FRAMES, TIME_BITS, TIME_MASK, buildPostings, emptyPostings, findKey, indexKey, type Postings,
} from './postings.js'

/**
 * The searchable index of a catalog: postings from landmark key to (segment, frame), the
 * segment table that says which track slot and which frames a segment holds, and the
 * main / delta / pending split that makes adds cheap.
 *
 * Tracks are numbered by slot, in the order they were added. Adds go to a pending list that
 * prepare() turns into a small delta index, merged into the main one when it grows past
 * DELTA_SHARE of it; removals are masked at once (their segments stop voting) and compacted
 * away at the next merge. Compaction renumbers the live slots 0, 1, … in their old order, so
 * whoever keeps per-slot records (registry.ts) follows by dropping the removed ones.
 */
export const DELTA_SHARE = 1 / 8

/**
 * Most votes one (query key, track) pair casts in a lookup. A key that recurs K times in the
 * query and M times in one track has K × M votes: on a looped pattern both grow with the file,
 * and identify was quadratic in its length. Beyond this, the pair votes with a sample (lookup).
 * 2^14 is above the most any pair cast on the dev corpus (9130, a whole track against itself),
 * so real music votes exactly as before.
 */
export const MAX_KEY_VOTES = 1 << 14

/** Postings a query hit: for each, the track slot, trackTime − queryTime, and which query hash. */
export interface Hits {
  count: number
  track: Int32Array
  offset: Int32Array
  query: Uint32Array
  /** Scratch of lookup: the query's keys with their hash index (key × 2^32 + i), sorted to group repeats. */
  order: Float64Array
  /**
   * Per track slot, after a lookup with a tally cap: its votes with each (key, track) pair
   * counted up to that cap (identify's chance term; see identify.ts). Entries [0, slotCount).
   */
  tally: Float64Array
}

export function emptyHits(): Hits {
  return {
    count: 0, track: new Int32Array(1024), offset: new Int32Array(1024), query: new Uint32Array(1024),
    order: new Float64Array(1024), tally: new Float64Array(0),
  }
}

/** The compacted index as codec.ts writes it: postings and each slot's segment count. */
export interface IndexParts {
  postings: Postings
  segmentCounts: Uint32Array
}

/** What a fingerprint puts into the index: its hashes, times, and ranks (hashes of rank ≥ fanout are left out). */
export interface IndexedPrint {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
  readonly ranks?: Uint8Array
}

const F1_SHIFT = DF_BITS + DT_BITS
const F1_LIMIT = 1 << F1_BITS
const TRACK_SCALE = 2 ** 32

export class HashIndex {
  private segTrack = new Int32Array(64)      // segment → slot, −1 once removed
  private segBase = new Uint32Array(64)      // segment → first frame it covers
  private segments = 0
  private slotFirst = new Uint32Array(64)    // slot → first segment
  private slotSegments = new Uint32Array(64) // slot → segments (0 once removed)
  private slotPostings = new Uint32Array(64) // slot → postings it indexed
  private slots = 0
  private main: Postings = emptyPostings()
  private delta: Postings | null = null
  private pendingKeys = new Uint32Array(0)
  private pendingEntries = new Uint32Array(0)
  private pendingCount = 0
  private livePostings = 0
  private deadPostings = 0
  private liveSlots = 0

  /** Slots handed out so far (removed ones included, until compaction). */
  get slotCount(): number { return this.slots }
  /** Whether adds sit in a delta index beside the main one (tests follow the states through it). */
  get hasDelta(): boolean { return this.delta !== null }
  /** Postings of live tracks. */
  get postingCount(): number { return this.livePostings }

  /**
   * Indexes a fingerprint's hashes of rank < fanout as the next slot; returns the slot and how
   * many postings it added. The caller has validated the fingerprint.
   */
  add(fp: IndexedPrint, fanout: number): { slot: number; postings: number } {
    const { hashes, times, ranks } = fp
    const n = hashes.length
    let maxTime = 0, sorted = true, indexed = 0
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      if (!ranks || ranks[i]! < fanout) indexed++
      if (t > maxTime) maxTime = t
      if (i > 0 && t < times[i - 1]!) sorted = false
    }
    const segmentCount = Math.floor(maxTime / SEGMENT_FRAMES) + 1
    if (this.segments + segmentCount > MAX_SEGMENTS) {
      throw new PeakmatchError('CATALOG_FULL', `the catalog holds at most ${MAX_SEGMENTS} segments of ${SEGMENT_FRAMES} frames; shard it across several catalogs`)
    }
    const slot = this.slots
    const firstSegment = this.segments
    this.growSegments(this.segments + segmentCount)
    this.growSlots(slot + 1)
    for (let s = 0; s < segmentCount; s++) {
      this.segTrack[firstSegment + s] = slot
      this.segBase[firstSegment + s] = s * SEGMENT_FRAMES
    }
    this.segments += segmentCount
    // Postings must enter in ascending entry order per key (postings.ts): time order does it.
    const order = sorted ? null : timeOrder(times)
    this.reservePending(indexed)
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k
      if (ranks && ranks[i]! >= fanout) continue
      const t = times[i]!
      const seg = firstSegment + Math.floor(t / SEGMENT_FRAMES)
      this.pendingKeys[this.pendingCount] = indexKey(hashes[i]!)
      this.pendingEntries[this.pendingCount] = ((seg << TIME_BITS) | (t % SEGMENT_FRAMES)) >>> 0
      this.pendingCount++
    }
    this.slotFirst[slot] = firstSegment
    this.slotSegments[slot] = segmentCount
    this.slotPostings[slot] = indexed
    this.slots++
    this.liveSlots++
    this.livePostings += indexed
    return { slot, postings: indexed }
  }

  /** Masks a live slot: its postings stop voting at once. */
  remove(slot: number): void {
    const first = this.slotFirst[slot]!, count = this.slotSegments[slot]!
    this.segTrack.fill(-1, first, first + count)
    this.slotSegments[slot] = 0
    this.liveSlots--
    this.livePostings -= this.slotPostings[slot]!
    this.deadPostings += this.slotPostings[slot]!
  }

  /**
   * Makes pending adds searchable: into the delta, or everything into main when the delta is
   * big or removals are many. Returns true when it compacted, i.e. renumbered the slots.
   */
  prepare(): boolean {
    if (this.deadPostings > this.livePostings / 4) return this.compact()
    if (this.pendingCount === 0) return false
    const deltaSize = this.delta ? this.delta.entry.length : 0
    if (deltaSize + this.pendingCount > this.main.entry.length * DELTA_SHARE) return this.compact()
    this.delta = this.merge([this.delta ?? emptyPostings()], null)
    this.pendingCount = 0
    return false
  }

  /** One main index of the live postings; removed slots and their segments are dropped. Returns whether slots were renumbered. */
  compact(): boolean {
    if (this.pendingCount === 0 && this.delta === null && this.deadPostings === 0 && this.liveSlots === this.slots) return false
    // Renumber live slots and segments in order: the order of entries is kept.
    const segMap = new Int32Array(this.segments).fill(-1)
    const segmentCounts = new Uint32Array(this.liveSlots), postingCounts = new Uint32Array(this.liveSlots)
    let segments = 0, live = 0
    for (let slot = 0; slot < this.slots; slot++) {
      const count = this.slotSegments[slot]!
      if (count === 0) continue
      const first = this.slotFirst[slot]!
      for (let s = 0; s < count; s++) segMap[first + s] = segments + s
      segments += count
      segmentCounts[live] = count
      postingCounts[live++] = this.slotPostings[slot]!
    }
    const sources = this.delta ? [this.main, this.delta] : [this.main]
    const main = this.merge(sources, segMap)
    this.delta = null
    this.pendingCount = 0
    this.install(main, segmentCounts, postingCounts)
    return true
  }

  /** The index as parts, for codec.ts; call compact() first (the parts hold no delta and no removed slots). */
  parts(): IndexParts {
    return { postings: this.main, segmentCounts: this.slotSegments.slice(0, this.slots) }
  }

  /** An index of parts that codec.ts has validated (postings per slot as the records claim). */
  static fromParts(parts: IndexParts, postingCounts: Uint32Array): HashIndex {
    const index = new HashIndex()
    index.install(parts.postings, parts.segmentCounts, postingCounts)
    return index
  }

  /** Bytes of the in-memory index: postings, directories and segment tables. */
  bytes(): number {
    let bytes = this.segments * 8
    for (const p of [this.main, this.delta]) if (p) bytes += p.dir.byteLength + p.low.byteLength + p.entry.byteLength
    return bytes
  }

  /**
   * Looks up every query hash (and, with `shift`, the same landmark moved one bin down and up,
   * which is what a ±1–2 % speed change does to it) and records each live posting it hits
   * into `out`, which grows by doubling and is reused across calls. Pending adds are not seen:
   * call prepare() first. This is the walk over the postings that voting and re-scoring read.
   *
   * The query's keys are grouped first (sorted), so a key that recurs is looked up once and its
   * K occurrences meet each track's M postings of it as one pair. A pair of at most
   * MAX_KEY_VOTES votes casts them all, as every pair of real music does. A bigger one — a loop
   * that repeats every landmark in the file and in the track — casts a sample: occurrences and
   * postings each taken at evenly spaced ranks (first and last included), at the same density on
   * both sides, so that the k-th of the file's occurrences meets the k-th of the track's. A file
   * aligned with the track keeps its offset as the best one, and the work per pair is bounded:
   * the lookup is linear in the query, whatever it repeats.
   *
   * With `tallyCap` > 0, out.tally[slot] also sums each pair's votes up to `tallyCap`.
   */
  lookup(hashes: Uint32Array, times: Uint32Array, shift: boolean, out: Hits, tallyCap = 0): void {
    const shifts = shift ? 3 : 1
    const n = hashes.length
    if (out.order.length < n * shifts) out.order = new Float64Array(Math.max(1024, 2 * n * shifts))
    const order = out.order
    let m = 0
    for (let i = 0; i < n; i++) {
      for (let s = 0; s < shifts; s++) {
        const key = shiftedKey(hashes[i]!, s)
        if (key >= 0) order[m++] = key * TRACK_SCALE + i
      }
    }
    const sorted = order.subarray(0, m).sort()
    if (tallyCap > 0) {
      if (out.tally.length < this.slots) out.tally = new Float64Array(Math.max(64, 2 * this.slots))
      out.tally.fill(0, 0, this.slots)
    }
    out.count = 0
    const indexes = this.delta ? 2 : 1
    let g = 0
    while (g < m) {
      const key = Math.floor(sorted[g]! / TRACK_SCALE)
      const groupEnd = (key + 1) * TRACK_SCALE
      let e = g + 1
      while (e < m && sorted[e]! < groupEnd) e++
      for (let x = 0; x < indexes; x++) {
        const p = x === 0 ? this.main : this.delta!
        const range = findKey(p, key)
        const start = Math.floor(range / TRACK_SCALE), end = range % TRACK_SCALE
        if (start === end) continue
        if (tallyCap === 0 && (e - g) * (end - start) <= MAX_KEY_VOTES) this.vote(p, start, end, sorted, g, e, times, out)
        else this.voteByTrack(p, start, end, sorted, g, e, times, out, tallyCap)
      }
      g = e
    }
  }

  /** Every occurrence [g, e) of `sorted` against every live posting [start, end). */
  private vote(p: Postings, start: number, end: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits): void {
    reserve(out, (e - g) * (end - start))
    const segTrack = this.segTrack, segBase = this.segBase, entry = p.entry
    const { track: tracks, offset, query } = out
    let count = out.count
    for (let k = g; k < e; k++) {
      const i = sorted[k]! % TRACK_SCALE
      const qt = times[i]!
      for (let j = start; j < end; j++) {
        const en = entry[j]!
        const seg = en >>> TIME_BITS
        const track = segTrack[seg]!
        if (track < 0) continue
        tracks[count] = track
        offset[count] = segBase[seg]! + (en & TIME_MASK) - qt
        query[count++] = i
      }
    }
    out.count = count
  }

  /** The postings [start, end) track by track (a track's entries are consecutive): each pair capped and tallied. */
  private voteByTrack(p: Postings, start: number, end: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits, tallyCap: number): void {
    const segTrack = this.segTrack, entry = p.entry
    const occurrences = e - g
    let a = start
    while (a < end) {
      const track = segTrack[entry[a]! >>> TIME_BITS]!
      let b = a + 1
      while (b < end && segTrack[entry[b]! >>> TIME_BITS] === track) b++
      if (track >= 0) {
        const votes = occurrences * (b - a)
        if (tallyCap > 0) out.tally[track] = out.tally[track]! + Math.min(votes, tallyCap)
        if (votes <= MAX_KEY_VOTES) this.vote(p, a, b, sorted, g, e, times, out)
        else this.voteSampled(p, a, b, sorted, g, e, times, out)
      }
      a = b
    }
  }

  /**
   * A sample of at most MAX_KEY_VOTES votes of one (key, track) pair: `sq` occurrences and `sp`
   * postings at evenly spaced ranks, sq / K ≈ sp / M so both sides are thinned alike.
   */
  private voteSampled(p: Postings, a: number, b: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits): void {
    const occurrences = e - g, postings = b - a
    const density = Math.sqrt(MAX_KEY_VOTES / (occurrences * postings))
    const sq = Math.max(1, Math.min(occurrences, Math.floor(occurrences * density)))
    const sp = Math.max(1, Math.min(postings, Math.floor(MAX_KEY_VOTES / sq)))
    reserve(out, sq * sp)
    const segBase = this.segBase, entry = p.entry
    const { track: tracks, offset, query } = out
    const track = this.segTrack[entry[a]! >>> TIME_BITS]!
    let count = out.count
    for (let u = 0; u < sq; u++) {
      const i = sorted[g + spacedRank(u, sq, occurrences)]! % TRACK_SCALE
      const qt = times[i]!
      for (let v = 0; v < sp; v++) {
        const en = entry[a + spacedRank(v, sp, postings)]!
        const seg = en >>> TIME_BITS
        tracks[count] = track
        offset[count] = segBase[seg]! + (en & TIME_MASK) - qt
        query[count++] = i
      }
    }
    out.count = count
  }

  /**
   * For each query hash, whether the slot holds its key at an offset (trackTime − queryTime) in
   * [first, last]: out[i] = 1 or 0. A targeted search, not a walk: a slot's entries of a key are
   * in order and its segments consecutive, so entry = firstSegment × 2^15 + trackTime and the
   * times wanted are one range of entries, found by binary search. Exact whatever lookup sampled.
   */
  aligned(hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, out: Uint8Array): void {
    const n = hashes.length
    out.fill(0, 0, n)
    const segments = this.slotSegments[slot]!
    if (segments === 0) return
    const base = this.slotFirst[slot]! * SEGMENT_FRAMES
    const span = segments * SEGMENT_FRAMES
    const indexes = this.delta ? 2 : 1
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      const lo = Math.max(0, t + first), hi = Math.min(span - 1, t + last)
      if (lo > hi) continue
      const key = indexKey(hashes[i]!)
      for (let x = 0; x < indexes; x++) {
        const p = x === 0 ? this.main : this.delta!
        const range = findKey(p, key)
        let a = Math.floor(range / TRACK_SCALE), b = range % TRACK_SCALE
        const want = base + lo
        while (a < b) { const mid = (a + b) >>> 1; if (p.entry[mid]! < want) a = mid + 1; else b = mid }
        if (a < range % TRACK_SCALE && p.entry[a]! <= base + hi) { out[i] = 1; break }
      }
    }
  }

  private install(main: Postings, segmentCounts: Uint32Array, postingCounts: Uint32Array): void {
    const slots = segmentCounts.length
    let segments = 0, postings = 0
    for (let i = 0; i < slots; i++) { segments += segmentCounts[i]!; postings += postingCounts[i]! }
    this.main = main
    this.segTrack = new Int32Array(Math.max(64, segments))
    this.segBase = new Uint32Array(Math.max(64, segments))
    this.slotFirst = new Uint32Array(Math.max(64, slots))
    this.slotSegments = new Uint32Array(Math.max(64, slots))
    this.slotPostings = new Uint32Array(Math.max(64, slots))
    let seg = 0
    for (let i = 0; i < slots; i++) {
      const count = segmentCounts[i]!
      this.slotFirst[i] = seg
      this.slotSegments[i] = count
      this.slotPostings[i] = postingCounts[i]!
      for (let s = 0; s < count; s++) {
        this.segTrack[seg + s] = i
        this.segBase[seg + s] = s * SEGMENT_FRAMES
      }
      seg += count
    }
    this.segments = segments
    this.slots = slots
    this.liveSlots = slots
    this.livePostings = postings
    this.deadPostings = 0
  }

  /**
   * Postings of `sources` (in order) and the pending adds, without removed segments, and with
   * segments renumbered by `segMap` when given. Entry order per key is kept (postings.ts).
   */
  private merge(sources: readonly Postings[], segMap: Int32Array | null): Postings {
    let total = this.pendingCount
    for (const p of sources) total += p.entry.length
    const keys = new Uint32Array(total), entries = new Uint32Array(total)
    let n = 0
    const segTrack = this.segTrack
    const keep = (key: number, e: number): void => {
      const seg = e >>> TIME_BITS
      if (segTrack[seg]! < 0) return
      keys[n] = key
      entries[n++] = segMap ? ((segMap[seg]! << TIME_BITS) | (e & (SEGMENT_FRAMES - 1))) >>> 0 : e
    }
    for (const p of sources) {
      for (let d = 0; d + 1 < p.dir.length; d++) {
        const end = p.dir[d + 1]!
        for (let i = p.dir[d]!; i < end; i++) keep(((d << LOW_BITS) | p.low[i]!) >>> 0, p.entry[i]!)
      }
    }
    for (let i = 0; i < this.pendingCount; i++) keep(this.pendingKeys[i]!, this.pendingEntries[i]!)
    return buildPostings(keys, entries, n)
  }

  private growSegments(needed: number): void {
    if (needed <= this.segTrack.length) return
    const size = grownSize(this.segTrack.length, needed)
    this.segTrack = grow(this.segTrack, new Int32Array(size))
    this.segBase = grow(this.segBase, new Uint32Array(size))
  }

  private growSlots(needed: number): void {
    if (needed <= this.slotFirst.length) return
    const size = grownSize(this.slotFirst.length, needed)
    this.slotFirst = grow(this.slotFirst, new Uint32Array(size))
    this.slotSegments = grow(this.slotSegments, new Uint32Array(size))
    this.slotPostings = grow(this.slotPostings, new Uint32Array(size))
  }

  private reservePending(extra: number): void {
    const needed = this.pendingCount + extra
    if (needed <= this.pendingKeys.length) return
    const size = Math.max(needed, 2 * this.pendingKeys.length, 1024)
    this.pendingKeys = grow(this.pendingKeys.subarray(0, this.pendingCount), new Uint32Array(size))
    this.pendingEntries = grow(this.pendingEntries.subarray(0, this.pendingCount), new Uint32Array(size))
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

/** The u-th of s evenly spaced ranks in [0, n), the first and the last included (the middle for s = 1). */
function spacedRank(u: number, s: number, n: number): number {
  return s === 1 ? (n - 1) >> 1 : Math.round((u * (n - 1)) / (s - 1))
}

function reserve(out: Hits, extra: number): void {
  if (out.count + extra <= out.track.length) return
  const size = grownSize(out.track.length, out.count + extra)
  out.track = grow(out.track.subarray(0, out.count), new Int32Array(size))
  out.offset = grow(out.offset.subarray(0, out.count), new Int32Array(size))
  out.query = grow(out.query.subarray(0, out.count), new Uint32Array(size))
}

function grownSize(size: number, needed: number): number {
  while (size < needed) size *= 2
  return size
}

function grow<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from)
  return to
}

function timeOrder(times: Uint32Array): Uint32Array {
  const order = new Uint32Array(times.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  return order.sort((a, b) => times[a]! - times[b]! || a - b)
}
