import { HASH_BITS } from '../options.js'
import { Layer, PENDING_LIMIT } from './layer.js'
import { MAX_SEGMENTS, SEGMENT_FRAMES, TIME_BITS, TIME_MASK, findKey, found, indexKey, type Postings } from './postings.js'
import { TRIPLET_KEY_BITS, indexTriplets, type TripletList } from './triplets.js'
import { offer, type AlignmentList, type VoteSketch } from './triplet-vote.js'

/**
 * One partition of a catalog's index (hash-index.ts holds the list): the postings of a range of
 * consecutive track slots, with its own segment table, so that 32-bit entries address 131 072
 * segments per partition and a catalog has as many partitions as memory allows.
 *
 * Slots are local (0, 1, … in the order tracks were added). The postings are a Layer
 * (layer.ts: main, runs, pending) of landmark pairs, and optionally a second of triplets
 * (triplets.ts) that large catalogs search first. Pending adds are flushed by add() itself
 * once they hold PENDING_LIMIT postings, so that building a catalog never keeps more than that
 * outside the compact form. Removals are masked at once (their segments stop voting);
 * compact() drops them and renumbers the live slots in their old order.
 */

/**
 * Most votes one (query key, track) pair casts in a lookup. A key that recurs K times in the
 * query and M times in one track has K × M votes: on a looped pattern both grow with the file,
 * and identify was quadratic in its length. Beyond this, the pair votes with a sample (vote()).
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

/** A compacted partition as codec.ts writes it: postings (and triplets, if kept) and each slot's segment count. */
export interface PartitionParts {
  postings: Postings
  triplets: Postings | null
  segmentCounts: Uint32Array
  /** Each slot's key filter (keyFilterBits of its postings, in slot order), or null: kept with triplets (Partition.verify). */
  filter: Uint32Array | null
}

/** What a fingerprint puts into the index: its hashes, times, and ranks (hashes of rank ≥ fanout are left out). */
export interface IndexedPrint {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
  readonly ranks?: Uint8Array
}

/** What add() needs to know before adding: postings and segments a print will take. */
export function footprint(fp: IndexedPrint, fanout: number): { postings: number; segments: number; maxTime: number } {
  const { times, ranks } = fp
  let maxTime = 0, postings = 0
  for (let i = 0; i < times.length; i++) {
    if (!ranks || ranks[i]! < fanout) postings++
    if (times[i]! > maxTime) maxTime = times[i]!
  }
  return { postings, segments: Math.floor(maxTime / SEGMENT_FRAMES) + 1, maxTime }
}

const TRACK_SCALE = 2 ** 32
/** Bits of a segment's index in its track (segInfo): MAX_TRACK_SEGMENTS (hash-index.ts) is 2^10. */
const SEG_INDEX_BITS = 10
const SEG_INDEX_MASK = (1 << SEG_INDEX_BITS) - 1

export class Partition {
  private segTrack = new Int32Array(64)      // segment → slot, −1 once removed
  /**
   * Segment → slot << SEG_INDEX_BITS | its index in the slot's track (whose first frame is index ×
   * SEGMENT_FRAMES), −1 once removed: stage 1 reads slot, liveness and time base in one load.
   */
  private segInfo = new Int32Array(64)
  private segments = 0
  private slotFirst = new Uint32Array(64)    // slot → first segment
  private slotSegments = new Uint32Array(64) // slot → segments (0 once removed)
  private slotPostings = new Uint32Array(64) // slot → postings it indexed
  private slots = 0
  readonly pairs: Layer
  readonly triplets: Layer | null
  /**
   * With triplets, a Bloom filter of each slot's pair keys, so that stage 2 searches a key's
   * postings for a slot only when the slot may hold it (verify): slot i's are the words
   * [filterStart[i], filterStart[i + 1]) of `filter`, keyFilterBits(its postings) bits. In words,
   * not bits: a full partition's filters hold up to 6 × 2^30 bits, past what a Uint32Array of bit
   * offsets can say (at 300 000 tracks, bit offsets wrapped, and the catalog saved did not load).
   * Built as the slot is added; null in a partition read from a file without them (version 3).
   */
  private filter: Uint32Array | null
  private filterStart: Uint32Array | null
  private livePostings = 0
  private deadPostings = 0
  private liveSlots = 0

  /**
   * Whether add() flushed on its own since the last settle(): the adds are a bulk batch, and
   * settle() folds the runs they left into main (the batch has paid for it: see settle()).
   */
  private batch = false

  /** `triplets`: also index a triplet per anchor (triplets.ts). `pendingLimit`: pending postings add() flushes at (tests lower it). */
  constructor(triplets = false, private readonly pendingLimit = PENDING_LIMIT) {
    // With triplets, the pairs stay plain: stage 2's plan keeps references to a key's entries
    // (plan(), verify()), which a packed chunk has only as findKey's scratch. Triplets serve large
    // catalogs, whose pairs are plain anyway (one slot per key from 2^26 postings: postings.ts).
    this.pairs = new Layer(HASH_BITS, pendingLimit, triplets ? false : undefined)
    this.triplets = triplets ? new Layer(TRIPLET_KEY_BITS, pendingLimit) : null
    this.filter = triplets ? new Uint32Array(64) : null
    this.filterStart = triplets ? new Uint32Array(65) : null
  }

  /** Slots handed out so far (removed ones included, until compaction). */
  get slotCount(): number { return this.slots }
  get hasDelta(): boolean { return this.pairs.runs.length > 0 }
  /** Postings of live tracks. */
  get postingCount(): number { return this.livePostings }
  /** Postings of removed tracks that compact() would drop. */
  get deadPostingCount(): number { return this.deadPostings }
  /** Whether removed slots wait for compact(). */
  get hasHoles(): boolean { return this.liveSlots < this.slots }

  /** Whether a print of this footprint fits: segments are addressable, and postings stay ≤ `limit`. */
  fits(postings: number, segments: number, limit: number): boolean {
    return this.segments + segments <= MAX_SEGMENTS && (this.slots === 0 || this.livePostings + this.deadPostings + postings <= limit)
  }

  /**
   * Indexes a fingerprint's hashes of rank < fanout as the next local slot; returns the slot and
   * how many postings it added. The caller has validated the fingerprint and checked fits().
   */
  add(fp: IndexedPrint, fanout: number): { slot: number; postings: number } {
    const { hashes, times, ranks } = fp
    const n = hashes.length
    const { postings: indexed, segments: segmentCount } = footprint(fp, fanout)
    let sorted = true
    for (let i = 1; i < n; i++) if (times[i]! < times[i - 1]!) { sorted = false; break }
    const slot = this.slots
    const firstSegment = this.segments
    this.growSegments(this.segments + segmentCount)
    this.growSlots(slot + 1)
    for (let s = 0; s < segmentCount; s++) {
      this.segTrack[firstSegment + s] = slot
      this.segInfo[firstSegment + s] = (slot << SEG_INDEX_BITS) | s
    }
    this.segments += segmentCount
    // Postings must enter in ascending entry order per key (postings.ts): time order does it.
    const order = sorted ? null : timeOrder(times)
    const pairs = this.pairs
    pairs.reserve(indexed)
    for (let k = 0; k < n; k++) {
      const i = order ? order[k]! : k
      if (ranks && ranks[i]! >= fanout) continue
      const t = times[i]!
      pairs.push(indexKey(hashes[i]!), entryOf(firstSegment, t))
    }
    const filter = this.filter
    if (filter !== null) {
      // The slot's filter: the words after the previous slot's, its bits set for each key it indexes.
      const bits = keyFilterBits(indexed)
      const start = this.filterStart![slot]!, end = start + bits / 32
      const f = end > filter.length ? (this.filter = grow(filter, new Uint32Array(grownSize(filter.length, end)))) : filter
      this.filterStart![slot + 1] = end
      for (let i = 0; i < n; i++) if (!ranks || ranks[i]! < fanout) keyFilterAdd(f, start, bits, indexKey(hashes[i]!))
    }
    if (this.triplets) indexTriplets(hashes, times, ranks, order, (key: number, t: number) => this.triplets!.push(key, entryOf(firstSegment, t)), (extra: number) => this.triplets!.reserve(extra))
    this.slotFirst[slot] = firstSegment
    this.slotSegments[slot] = segmentCount
    this.slotPostings[slot] = indexed
    this.slots++
    this.liveSlots++
    this.livePostings += indexed
    if (pairs.pending >= this.pendingLimit || (this.triplets && this.triplets.pending >= this.pendingLimit)) { this.flush(); this.batch = true }
    return { slot, postings: indexed }
  }

  /** Masks a live slot: its postings stop voting at once. */
  remove(slot: number): void {
    const first = this.slotFirst[slot]!, count = this.slotSegments[slot]!
    this.segTrack.fill(-1, first, first + count)
    this.segInfo.fill(-1, first, first + count)
    this.slotSegments[slot] = 0
    this.liveSlots--
    this.livePostings -= this.slotPostings[slot]!
    this.deadPostings += this.slotPostings[slot]!
  }

  /** Makes pending adds searchable, renumbering nothing (layer.ts). */
  flush(): void {
    if (this.pairs.flush(this.segTrack)) this.deadPostings = 0
    this.triplets?.flush(this.segTrack)
  }

  /**
   * Makes pending adds searchable before a query (HashIndex.prepare). After a bulk batch (adds
   * that flushed on their own since the last settle), everything goes into main, as seal():
   * a query looks each key up in main and in every run (stage 1 and the pair plan), and the up to
   * MAX_RUNS runs a bulk build leaves made its 10 s queries twice as slow as the same catalog
   * loaded from its file (issue 9 round 3: 3.55 vs 1.77 ms p50 at 10 000 tracks). The fold
   * rewrites this partition once (≤ 2^28 pair postings, one chunk of room), and only after adds
   * of at least pendingLimit postings: at most 1.5 × 2^28 / 2^22 = 96 postings rewritten per
   * posting added, if every batch were the smallest that counts. Adds that never fill pending (a
   * catalog in service, one add between queries) flush into runs as before, at most two of
   * them (Layer.consolidate).
   */
  settle(): void {
    if (!this.batch) {
      this.flush()
      this.pairs.consolidate(this.segTrack)
      this.triplets?.consolidate(this.segTrack)
      return
    }
    this.batch = false
    this.seal()
  }

  /** Everything in one main index (a partition that is full, or about to be written). */
  seal(): void {
    if (this.pairs.seal(this.segTrack)) this.deadPostings = 0
    this.triplets?.seal(this.segTrack)
  }

  /** One main index of the live postings; removed slots and their segments are dropped, live slots renumbered in order. Returns whether slots were renumbered. */
  compact(): boolean {
    if (!this.hasHoles) { this.seal(); return false }
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
    this.pairs.compact(this.segTrack, segMap)
    this.triplets?.compact(this.segTrack, segMap)
    // Each slot's filter is whole words: the live ones move down, in order.
    const filter = this.filter
    let at = 0
    if (filter !== null) {
      for (let slot = 0; slot < this.slots; slot++) {
        const a = this.filterStart![slot]!, b = this.filterStart![slot + 1]!
        if (this.slotSegments[slot]! > 0) { filter.copyWithin(at, a, b); at += b - a }
      }
    }
    this.install(segmentCounts, postingCounts, filter?.subarray(0, at) ?? null)
    return true
  }

  /** The partition as parts, for codec.ts; call compact() first (the parts hold no delta and no removed slots). */
  parts(): PartitionParts {
    const filter = this.filter?.subarray(0, this.filterStart![this.slots]!) ?? null
    return { postings: this.pairs.main, triplets: this.triplets?.main ?? null, segmentCounts: this.slotSegments.slice(0, this.slots), filter }
  }

  /** A partition of parts that codec.ts has validated (postings per slot as the records claim). */
  static fromParts(parts: PartitionParts, postingCounts: Uint32Array): Partition {
    const p = new Partition(parts.triplets !== null)
    p.pairs.main = parts.postings
    if (parts.triplets !== null) p.triplets!.main = parts.triplets
    p.install(parts.segmentCounts, postingCounts, parts.filter)
    return p
  }

  /** Bytes of the in-memory partition: postings, directories, segment tables and key filters. */
  bytes(): number {
    const filter = this.filter === null ? 0 : 4 * this.filterStart![this.slots]! + 4 * (this.slots + 1)
    return this.segments * 8 + this.pairs.bytes() + (this.triplets?.bytes() ?? 0) + filter
  }

  /**
   * Casts the votes of one group of query occurrences [g, e) of `sorted` (all of one key) with
   * every live posting of that key, track slots offset by `base`. See HashIndex.lookup.
   */
  voteKey(key: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits, tallyCap: number, base: number): void {
    const runs = this.pairs.runs
    for (let x = -1; x < runs.length; x++) {
      const p = x < 0 ? this.pairs.main : runs[x]!
      if (findKey(p, key) === 0) continue
      const start = found.start, end = found.end, entry = found.entry
      if (tallyCap === 0 && (e - g) * (end - start) <= MAX_KEY_VOTES) this.vote(entry, start, end, sorted, g, e, times, out, base)
      else this.voteByTrack(entry, start, end, sorted, g, e, times, out, tallyCap, base)
    }
  }

  /** Every occurrence [g, e) of `sorted` against every live posting [start, end). */
  private vote(entry: Uint32Array, start: number, end: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits, base: number): void {
    reserve(out, (e - g) * (end - start))
    const segTrack = this.segTrack, segInfo = this.segInfo
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
        tracks[count] = track + base
        offset[count] = ((segInfo[seg]! & SEG_INDEX_MASK) << TIME_BITS) + (en & TIME_MASK) - qt
        query[count++] = i
      }
    }
    out.count = count
  }

  /** The postings [start, end) track by track (a track's entries are consecutive): each pair capped and tallied. */
  private voteByTrack(entry: Uint32Array, start: number, end: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits, tallyCap: number, base: number): void {
    const segTrack = this.segTrack
    const occurrences = e - g
    let a = start
    while (a < end) {
      const track = segTrack[entry[a]! >>> TIME_BITS]!
      let b = a + 1
      while (b < end && segTrack[entry[b]! >>> TIME_BITS] === track) b++
      if (track >= 0) {
        const votes = occurrences * (b - a)
        if (tallyCap > 0) out.tally[track + base] = out.tally[track + base]! + Math.min(votes, tallyCap)
        if (votes <= MAX_KEY_VOTES) this.vote(entry, a, b, sorted, g, e, times, out, base)
        else this.voteSampled(entry, a, b, sorted, g, e, times, out, base)
      }
      a = b
    }
  }

  /**
   * A sample of at most MAX_KEY_VOTES votes of one (key, track) pair: `sq` occurrences and `sp`
   * postings at evenly spaced ranks, sq / K ≈ sp / M so both sides are thinned alike.
   */
  private voteSampled(entry: Uint32Array, a: number, b: number, sorted: Float64Array, g: number, e: number, times: Uint32Array, out: Hits, base: number): void {
    const occurrences = e - g, postings = b - a
    const density = Math.sqrt(MAX_KEY_VOTES / (occurrences * postings))
    const sq = Math.max(1, Math.min(occurrences, Math.floor(occurrences * density)))
    const sp = Math.max(1, Math.min(postings, Math.floor(MAX_KEY_VOTES / sq)))
    reserve(out, sq * sp)
    const segInfo = this.segInfo
    const { track: tracks, offset, query } = out
    const track = this.segTrack[entry[a]! >>> TIME_BITS]! + base
    let count = out.count
    for (let u = 0; u < sq; u++) {
      const i = sorted[g + spacedRank(u, sq, occurrences)]! % TRACK_SCALE
      const qt = times[i]!
      for (let v = 0; v < sp; v++) {
        const en = entry[a + spacedRank(v, sp, postings)]!
        const seg = en >>> TIME_BITS
        tracks[count] = track
        offset[count] = ((segInfo[seg]! & SEG_INDEX_MASK) << TIME_BITS) + (en & TIME_MASK) - qt
        query[count++] = i
      }
    }
    out.count = count
  }

  /**
   * Stage 1 (triplet-vote.ts): every triplet posting of the query's triplets voted in the sketch
   * (`part`: this partition's place in the index), and the windows that may enter `out` offered to
   * it as (live slot + `base`, offset): a removed track's postings count but are never offered.
   */
  voteTriplets(list: TripletList, sketch: VoteSketch, part: number, base: number, minVotes: number, out: AlignmentList): void {
    const layer = this.triplets
    if (layer === null) return
    const segInfo = this.segInfo
    for (let x = -1; x < layer.runs.length; x++) {
      const p = x < 0 ? layer.main : layer.runs[x]!
      for (let q = 0; q < list.count; q++) {
        const key = list.key[q]!
        if (findKey(p, key) === 0) continue
        const start = found.start, end = found.end, entry = found.entry
        const qt = list.time[q]!
        for (let j = start; j < end; j++) {
          const en = entry[j]!
          const votes = sketch.count(part, en, qt)
          // The track only for a window that may enter the list (not measured how few; the read it saves for the rest: 10 s p50 −11 % at 100 000 tracks).
          if (votes < minVotes || (out.count === out.items.length && votes < out.items[out.count - 1]!.votes)) continue
          const info = segInfo[en >>> TIME_BITS]!
          if (info >= 0) offer(out, (info >> SEG_INDEX_BITS) + base, votes, sketch.start - ((en >>> TIME_BITS) - (info & SEG_INDEX_MASK)) * SEGMENT_FRAMES)
        }
      }
    }
  }

  /**
   * For each key group [g, e) of `sorted` (HashIndex.lookup's grouping) and each pair source
   * (main, runs) holding the key, its range of postings; returns how many postings that is (what
   * a pair walk would cost: query.ts's budget). Stage 2 verifies every candidate from this plan:
   * one search per (key, source), no directory lookups.
   */
  plan(sorted: Float64Array, m: number, plan: VerifyPlan): number {
    plan.count = 0
    const runs = this.pairs.runs
    let total = 0, g = 0
    while (g < m) {
      const key = Math.floor(sorted[g]! / TRACK_SCALE)
      const e = keyGroupEnd(sorted, g, m)
      for (let x = -1; x < runs.length; x++) {
        const p = x < 0 ? this.pairs.main : runs[x]!
        const n = findKey(p, key)
        if (n > 0) plan.add(g, e, found.entry, found.start, found.end)
        total += n
      }
      g = e
    }
    return total
  }

  /**
   * Stage 2: the pair evidence of one local slot near an offset. For each (key group, source) of
   * the plan, the slot's postings of that key: one search to the slot's first entry in the key's
   * list (its entries are firstSegment × 2^15 + trackTime, one contiguous range; lowerBound), then
   * a walk over its few postings. Each (occurrence, posting) at an offset in [first, last] goes to
   * `out`. Returns the slot's votes under the query's keys, each (key, slot) pair counted up to
   * `tallyCap` (0: in full), as the pair vote's `hits` and tally count them.
   */
  verify(plan: VerifyPlan, sorted: Float64Array, hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, tallyCap: number, out: Verified): number {
    out.count = 0
    const segments = this.slotSegments[slot]!
    if (segments === 0) return 0
    const base = this.slotFirst[slot]! * SEGMENT_FRAMES
    const end = base + segments * SEGMENT_FRAMES
    const range = this.segments * SEGMENT_FRAMES
    let votes = 0, postings = 0
    const filter = this.filter
    const fStart = filter === null ? 0 : this.filterStart![slot]!, fBits = filter === null ? 0 : 32 * (this.filterStart![slot + 1]! - fStart)
    for (let j = 0; j < plan.count; j++) {
      const g = plan.g[j]!, e = plan.e[j]!
      if (filter !== null && !keyFilterHas(filter, fStart, fBits, Math.floor(sorted[g]! / TRACK_SCALE))) {
        // Not the slot's key: none of the group's sources (consecutive in the plan) holds it for this slot.
        while (j + 1 < plan.count && plan.g[j + 1] === g) j++
        continue
      }
      const entry = plan.entries[j]!, stop = plan.stop[j]!
      let a = lowerBound(entry, plan.start[j]!, stop, base, range)
      for (; a < stop; a++) {
        const en = entry[a]!
        if (en >= end) break
        postings++
        const trackTime = en - base
        for (let k = g; k < e; k++) {
          const i = sorted[k]! % TRACK_SCALE
          const offset = trackTime - times[i]!
          if (offset >= first && offset <= last) out.push(offset, hashes[i]!)
        }
      }
      // A key group's sources are consecutive in the plan: its votes are counted once all are seen.
      if (j + 1 === plan.count || plan.g[j + 1] !== g) {
        const pairVotes = postings * (e - g)
        votes += tallyCap > 0 ? Math.min(pairVotes, tallyCap) : pairVotes
        postings = 0
      }
    }
    return votes
  }

  /**
   * For each query hash, whether the local slot holds its key at an offset (trackTime −
   * queryTime) in [first, last]: out[i] = 1 or 0. A targeted search, not a walk: a slot's
   * entries of a key are in order and its segments consecutive, so entry = firstSegment × 2^15 +
   * trackTime and the times wanted are one range of entries, found by binary search.
   */
  aligned(hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, out: Uint8Array): void {
    const n = hashes.length
    out.fill(0, 0, n)
    const segments = this.slotSegments[slot]!
    if (segments === 0) return
    const base = this.slotFirst[slot]! * SEGMENT_FRAMES
    const span = segments * SEGMENT_FRAMES
    for (let i = 0; i < n; i++) {
      const t = times[i]!
      const lo = Math.max(0, t + first), hi = Math.min(span - 1, t + last)
      if (lo > hi) continue
      const key = indexKey(hashes[i]!)
      const runs = this.pairs.runs
      for (let x = -1; x < runs.length; x++) {
        const p = x < 0 ? this.pairs.main : runs[x]!
        if (findKey(p, key) === 0) continue
        const end = found.end, entry = found.entry
        let a = found.start, b = end
        const want = base + lo
        while (a < b) { const mid = (a + b) >>> 1; if (entry[mid]! < want) a = mid + 1; else b = mid }
        if (a < end && entry[a]! <= base + hi) { out[i] = 1; break }
      }
    }
  }

  private install(segmentCounts: Uint32Array, postingCounts: Uint32Array, filter: Uint32Array | null = null): void {
    const slots = segmentCounts.length
    let segments = 0, postings = 0
    for (let i = 0; i < slots; i++) { segments += segmentCounts[i]!; postings += postingCounts[i]! }
    this.segTrack = new Int32Array(Math.max(64, segments))
    this.segInfo = new Int32Array(Math.max(64, segments))
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
        this.segInfo[seg + s] = (i << SEG_INDEX_BITS) | s
      }
      seg += count
    }
    this.filter = filter
    this.filterStart = null
    if (filter !== null) {
      this.filterStart = new Uint32Array(Math.max(64, slots) + 1)
      for (let i = 0; i < slots; i++) this.filterStart[i + 1] = this.filterStart[i]! + keyFilterBits(postingCounts[i]!) / 32
    }
    this.segments = segments
    this.slots = slots
    this.liveSlots = slots
    this.livePostings = postings
    this.deadPostings = 0
  }

  private growSegments(needed: number): void {
    if (needed <= this.segTrack.length) return
    const size = grownSize(this.segTrack.length, needed)
    this.segTrack = grow(this.segTrack, new Int32Array(size))
    this.segInfo = grow(this.segInfo, new Int32Array(size))
  }

  private growSlots(needed: number): void {
    if (needed <= this.slotFirst.length) return
    const size = grownSize(this.slotFirst.length, needed)
    this.slotFirst = grow(this.slotFirst, new Uint32Array(size))
    this.slotSegments = grow(this.slotSegments, new Uint32Array(size))
    this.slotPostings = grow(this.slotPostings, new Uint32Array(size))
    if (this.filterStart !== null) this.filterStart = grow(this.filterStart, new Uint32Array(size + 1))
  }

}

/** Per (key group, source) of one query: where the key's postings are (Partition.plan). Grown by doubling, reused. */
export class VerifyPlan {
  count = 0
  g = new Uint32Array(1024)
  e = new Uint32Array(1024)
  start = new Uint32Array(1024)
  stop = new Uint32Array(1024)
  entries: Uint32Array[] = []
  add(g: number, e: number, entry: Uint32Array, start: number, stop: number): void {
    if (this.count === this.g.length) {
      const size = 2 * this.count
      for (const k of ['g', 'e', 'start', 'stop'] as const) { const a = new Uint32Array(size); a.set(this[k]); this[k] = a }
    }
    this.g[this.count] = g; this.e[this.count] = e; this.start[this.count] = start; this.stop[this.count] = stop
    this.entries[this.count++] = entry
  }
}

/** Aligned (offset, hash) pairs a verification found, as (offset + OFFSET_BIAS) × 2^22 + hash. */
export class Verified {
  /** Offsets down to −2^26 frames (a file of 298 hours before the track) stay positive. */
  static readonly OFFSET_BIAS = 2 ** 26
  count = 0
  keys = new Float64Array(1024)

  push(offset: number, hash: number): void {
    this.pushKey((offset + Verified.OFFSET_BIAS) * 4194304 + hash)
  }

  /** A key as push() makes it (another search's evidence, query.ts FirstGridEvidence). */
  pushKey(key: number): void {
    if (this.count === this.keys.length) { const k = new Float64Array(2 * this.count); k.set(this.keys); this.keys = k }
    this.keys[this.count++] = key
  }
}

/**
 * First index in [lo, hi) of sorted `a` with a[i] ≥ want. Interpolation steps while the range
 * is long (a key's entries spread about evenly over the partition, so a probe lands near the
 * answer, where bisecting a list of thousands costs a cache miss a step), then bisection.
 * With `range` (the values lie in [0, range) about evenly: a key's entries in a partition of
 * range / 2^15 segments), the first guess comes from it instead of from the list's two ends,
 * two reads that miss the cache on a long list; any range gives the right answer, a wrong one
 * a slower search. Stage 2 (verify) at 100 000 tracks searches lists of ~6 300 entries: 10 s
 * queries took 4.46 → 4.26 ms CPU p50 (mean 5.06 → 4.84), the two searches alternated query by
 * query on one loaded catalog (issue 9 round 5, docs/algorithm.md §9).
 */
export function lowerBound(a: Uint32Array, lo: number, hi: number, want: number, range = 0): number {
  if (range > 0 && hi - lo > 32) {
    const b = gallop(a, lo, hi, want, Math.min(hi - 1, lo + Math.floor(Math.min(1, want / range) * (hi - lo))))
    lo = b[0]!; hi = b[1]!
  }
  for (let step = 0; step < 3 && hi - lo > 32; step++) {
    const first = a[lo]!, last = a[hi - 1]!
    if (want <= first) return lo
    if (want > last) return hi
    const b = gallop(a, lo, hi, want, Math.min(hi - 1, Math.max(lo, lo + Math.floor(((want - first) / (last - first + 1)) * (hi - lo)))))
    lo = b[0]!; hi = b[1]!
  }
  while (lo < hi) { const m = (lo + hi) >>> 1; if (a[m]! < want) lo = m + 1; else hi = m }
  return lo
}

/** The range [lo, hi) narrowed around guess g to one holding the answer, by a small gallop: the pair is scratch. */
function gallop(a: Uint32Array, lo: number, hi: number, want: number, g: number): Uint32Array {
  let d = 8
  if (a[g]! < want) {
    while (g + d < hi && a[g + d]! < want) { g += d; d *= 2 }
    BRACKET[0] = g + 1; BRACKET[1] = Math.min(hi, g + d + 1)
  } else {
    while (g - d >= lo && a[g - d]! >= want) { g -= d; d *= 2 }
    BRACKET[0] = Math.max(lo, g - d + 1); BRACKET[1] = g + 1
  }
  return BRACKET
}
const BRACKET = new Uint32Array(2)

/** Where the group of equal keys starting at g ends in `sorted` (key × 2^32 + i, ascending; the first m). */
export function keyGroupEnd(sorted: Float64Array, g: number, m: number): number {
  const end = (Math.floor(sorted[g]! / TRACK_SCALE) + 1) * TRACK_SCALE
  let e = g + 1
  while (e < m && sorted[e]! < end) e++
  return e
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

function entryOf(firstSegment: number, t: number): number {
  return (((firstSegment + Math.floor(t / SEGMENT_FRAMES)) << TIME_BITS) | (t % SEGMENT_FRAMES)) >>> 0
}

function timeOrder(times: Uint32Array): Uint32Array {
  const order = new Uint32Array(times.length)
  for (let i = 0; i < order.length; i++) order[i] = i
  return order.sort((a, b) => times[a]! - times[b]! || a - b)
}

/**
 * Bits a pair posting of a key filter (format 5 on): with three probes, about 7 % of the keys a
 * slot does not hold pass (docs/algorithm.md §9). Version 4's filters (4 bits, two probes, ~15 %)
 * load as none (codec.ts): their second path was bytes of the browser bundle that format 7 needed.
 */
export const KEY_FILTER_BITS = 6

/** Bits of a slot's key filter (Partition.verify): `bits` a posting, in whole words, so that a slot's filter moves by words when removals compact. */
export function keyFilterBits(postings: number, bits = KEY_FILTER_BITS): number {
  return 32 * Math.ceil((postings * bits) / 32)
}

// The probes of a key: multiply-shift hashes scaled to the slot's bits (no power-of-two size
// needed), as a bit of the slot's filter, whose first word is `start`.
const PROBE_A = 0x9e3779b1 | 0, PROBE_B = 0x85ebca6b | 0, PROBE_C = 0xc2b2ae35 | 0
const PROBES = [PROBE_A, PROBE_B, PROBE_C]

function probe(key: number, mul: number, bits: number): number {
  return Math.floor(((Math.imul(key, mul) >>> 0) * bits) / 4294967296)
}

/** Sets key's three bits in the slot filter of `bits` bits that starts at word `start` of `filter`. */
export function keyFilterAdd(filter: Uint32Array, start: number, bits: number, key: number): void {
  for (const mul of PROBES) { const a = probe(key, mul, bits); filter[start + (a >>> 5)]! |= 1 << (a & 31) }
}

/** Whether key's bits are set in the slot filter at word `start`: false means the slot does not index the key. */
export function keyFilterHas(filter: Uint32Array, start: number, bits: number, key: number): boolean {
  const a = probe(key, PROBE_A, bits), b = probe(key, PROBE_B, bits)
  if (((filter[start + (a >>> 5)]! >>> (a & 31)) & (filter[start + (b >>> 5)]! >>> (b & 31)) & 1) === 0) return false
  const c = probe(key, PROBE_C, bits)
  return ((filter[start + (c >>> 5)]! >>> (c & 31)) & 1) === 1
}
