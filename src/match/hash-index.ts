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

/** Postings a query hit: for each, the track slot, trackTime − queryTime, and which query hash. */
export interface Hits {
  count: number
  track: Int32Array
  offset: Int32Array
  query: Uint32Array
}

export function emptyHits(): Hits {
  return { count: 0, track: new Int32Array(1024), offset: new Int32Array(1024), query: new Uint32Array(1024) }
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
   * call prepare() first. This is the only walk over the postings: voting, re-scoring and
   * coverage all read its result.
   */
  lookup(hashes: Uint32Array, times: Uint32Array, shift: boolean, out: Hits): void {
    const indexes = this.delta ? 2 : 1
    const segTrack = this.segTrack, segBase = this.segBase
    const shifts = shift ? 3 : 1
    out.count = 0
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i]!, qt = times[i]!
      for (let s = 0; s < shifts; s++) {
        const key = shiftedKey(h, s)
        if (key < 0) continue
        for (let x = 0; x < indexes; x++) {
          const p = x === 0 ? this.main : this.delta!
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
