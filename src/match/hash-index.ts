import { PeakmatchError } from '../errors.js'
import { F1_BITS, DF_BITS, DT_BITS, FRAME_SECONDS } from '../options.js'
import { Partition, VerifyPlan, footprint, keyGroupEnd, type Hits, type IndexedPrint, type PartitionParts, type Verified } from './partition.js'
import type { AlignmentList, VoteSketch } from './triplet-vote.js'
import type { TripletList } from './triplets.js'
import { SEGMENT_FRAMES, indexKey } from './postings.js'

export { MAX_KEY_VOTES, emptyHits, Verified, VerifyPlan, type Hits, type IndexedPrint } from './partition.js'

/**
 * The searchable index of a catalog: a list of partitions (partition.ts), each holding the
 * postings of a range of consecutive track slots. Slots are numbered across partitions in the
 * order tracks were added; partition i holds slots [bases[i], bases[i] + its slot count).
 *
 * Partitions are what lets a catalog grow without a cap: each addresses 131 072 segments with
 * 32-bit entries, and a new one opens when the last is full. They also bound the work of an add:
 * only the last partition takes adds, so its merges (partition.ts: pending → delta → main) cost
 * at most PARTITION_POSTINGS postings, whatever the catalog's size, and the older partitions are
 * never rewritten unless tracks are removed from them.
 *
 * Removals are masked at once in their partition; prepare() compacts (drops them, renumbering
 * the live slots in order) once removed postings exceed a quarter of the live ones, and then
 * every partition with removals compacts at once, so that the registry (registry.ts), which
 * compacts all its holes in one go, keeps naming the same slots.
 */
/**
 * Postings at which a partition is full (besides its 131 072 segments). A query finds each of
 * its keys in every partition, one directory read that misses the cache each time, so partitions
 * cost query time: at 100 000 tracks (bench/scale-probe.ts, the same catalog built both ways,
 * loaded, busy machine) 3 partitions of 2^28 took 10 s queries 10.4 ms CPU at the median, of which
 * 2.0 finding pair keys and ~3 finding triplet keys; 1 partition of 2^30, 6.4 ms (0.6 for the
 * pairs). A bigger partition makes the worst add bigger: the merge of the last partition's delta
 * into its main rewrites up to this many postings (docs/benchmarks.md has the worst add measured).
 */
export const PARTITION_POSTINGS = 2 ** 30
/**
 * Pair postings a query may walk. Past this (a catalog of a few thousand tracks and more), a
 * catalog that keeps triplets finds its candidates by them and verifies those with the pairs
 * (query.ts); one that does not walks the pairs anyway. Every 10 s query of the 96-track dev
 * catalog stays under it in both passes (bench/scale-probe.ts --size 96), so small catalogs
 * answer as before. It was 2^18 until issue 9's round 2: at 10 000 tracks the 22 of 400 10 s
 * queries still under that walked ~20 ms of pairs, which made the p95; at 2^16 the triplet path
 * takes them, p95 26.6 → 8.4 ms CPU (bench/scale-probe.ts), no row worse.
 */
export const PAIR_BUDGET = 1 << 16
/** Segments one track may take (≈ 149 hours of audio): bounds what one fingerprint can claim. */
export const MAX_TRACK_SEGMENTS = 1 << 10

export interface IndexOptions {
  partitionPostings?: number
  triplets?: boolean
  /** Pending postings at which add() flushes, PENDING_LIMIT (layer.ts) by default: tests lower it. */
  pendingLimit?: number
}

/** The compacted index as codec.ts writes it: its partitions in slot order. */
export interface IndexParts {
  partitions: PartitionParts[]
}

const F1_SHIFT = DF_BITS + DT_BITS
const F1_LIMIT = 1 << F1_BITS
const TRACK_SCALE = 2 ** 32

export class HashIndex {
  private partitions: Partition[]
  private bases: number[] = [0]
  private readonly limit: number
  private readonly pendingLimit: number | undefined
  /** Whether partitions also index triplets (triplets.ts), for large catalogs. */
  readonly triplets: boolean
  /** Pair postings a query may walk before a catalog with triplets searches by them (query.ts; tests lower it). */
  pairBudget = PAIR_BUDGET

  /** `partitionPostings`: postings at which a partition is full (tests use small ones). */
  constructor(options: IndexOptions = {}) {
    this.limit = options.partitionPostings ?? PARTITION_POSTINGS
    this.triplets = options.triplets ?? false
    this.pendingLimit = options.pendingLimit
    this.partitions = [this.newPartition()]
  }

  /** Slots handed out so far (removed ones included, until compaction). */
  get slotCount(): number { return this.bases[this.bases.length - 1]! + this.partitions[this.partitions.length - 1]!.slotCount }
  /** Whether adds sit in a delta index beside a main one (tests follow the states through it). */
  get hasDelta(): boolean { return this.partitions.some((p) => p.hasDelta) }
  /** Postings of live tracks. */
  get postingCount(): number { return this.partitions.reduce((n, p) => n + p.postingCount, 0) }
  get partitionCount(): number { return this.partitions.length }

  /**
   * Indexes a fingerprint's hashes of rank < fanout as the next slot; returns the slot and how
   * many postings it added. The caller has validated the fingerprint.
   */
  add(fp: IndexedPrint, fanout: number): { slot: number; postings: number } {
    const { postings, segments } = footprint(fp, fanout)
    if (segments > MAX_TRACK_SEGMENTS) {
      const hours = Math.floor((MAX_TRACK_SEGMENTS * SEGMENT_FRAMES * FRAME_SECONDS) / 3600)
      throw new PeakmatchError('CATALOG_FULL', `a track may be at most ${hours} hours long (${MAX_TRACK_SEGMENTS} segments of ${SEGMENT_FRAMES} frames); this one has anchors ${segments} segments in`)
    }
    let last = this.partitions.length - 1
    if (!this.partitions[last]!.fits(postings, segments, this.limit)) {
      this.partitions[last]!.seal()
      this.bases.push(this.slotCount)
      this.partitions.push(this.newPartition())
      last++
    }
    const { slot } = this.partitions[last]!.add(fp, fanout)
    return { slot: this.bases[last]! + slot, postings }
  }

  /** Masks a live slot: its postings stop voting at once. */
  remove(slot: number): void {
    const i = this.partitionOf(slot)
    this.partitions[i]!.remove(slot - this.bases[i]!)
  }

  /**
   * Makes pending adds searchable (after a bulk batch, in main: Partition.settle), and compacts
   * when removals are many. Returns true when it compacted, i.e. renumbered the slots.
   */
  prepare(): boolean {
    let live = 0, dead = 0
    for (const p of this.partitions) { p.settle(); live += p.postingCount; dead += p.deadPostingCount }
    return dead > live / 4 ? this.compact() : false
  }

  /** Every partition in one main index, removed slots dropped. Returns whether slots were renumbered. */
  compact(): boolean {
    let renumbered = false
    for (const p of this.partitions) if (p.compact()) renumbered = true
    if (!renumbered) return false
    const kept = this.partitions.filter((p) => p.slotCount > 0)
    this.partitions = kept.length > 0 ? kept : [this.newPartition()]
    this.rebase()
    return true
  }

  /** The index as parts, for codec.ts; call compact() first. */
  parts(): IndexParts {
    return { partitions: this.partitions.map((p) => p.parts()) }
  }

  /** An index of parts that codec.ts has validated; postingCounts per slot, across partitions. */
  static fromParts(parts: IndexParts, postingCounts: Uint32Array, options: IndexOptions = {}): HashIndex {
    const index = new HashIndex({ ...options, triplets: parts.partitions.some((p) => p.triplets !== null) })
    let slot = 0
    const partitions = parts.partitions.map((pp) => {
      const n = pp.segmentCounts.length
      const p = Partition.fromParts(pp, postingCounts.subarray(slot, slot + n))
      slot += n
      return p
    })
    if (partitions.length > 0) index.partitions = partitions
    index.rebase()
    return index
  }

  /** Bytes of the in-memory index: postings, directories and segment tables. */
  bytes(): number {
    return this.partitions.reduce((n, p) => n + p.bytes(), 0)
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
    const m = sortKeys(hashes, shift, out)
    const sorted = out.order
    const slots = this.slotCount
    if (tallyCap > 0) {
      if (out.tally.length < slots) out.tally = new Float64Array(Math.max(64, 2 * slots))
      out.tally.fill(0, 0, slots)
    }
    out.count = 0
    const partitions = this.partitions, bases = this.bases
    let g = 0
    while (g < m) {
      const key = Math.floor(sorted[g]! / TRACK_SCALE)
      const e = keyGroupEnd(sorted, g, m)
      for (let x = 0; x < partitions.length; x++) partitions[x]!.voteKey(key, sorted, g, e, times, out, tallyCap, bases[x]!)
      g = e
    }
  }

  /**
   * Plans stage 2 for the query's keys (sortKeys' first `m` of out.order), one VerifyPlan per
   * partition in `plans` (grown as needed), and returns the postings those keys hold: what
   * lookup() would walk.
   */
  planPairs(plans: VerifyPlan[], sorted: Float64Array, m: number): number {
    let total = 0
    for (let x = 0; x < this.partitions.length; x++) {
      if (plans.length <= x) plans.push(new VerifyPlan())
      total += this.partitions[x]!.plan(sorted, m, plans[x]!)
    }
    return total
  }

  /**
   * Stage 1 of a large catalog's query (triplet-vote.ts): the votes of `lists` in the sketch,
   * the best alignments in `out`. With `more`, the sketch and `out` still hold an earlier vote
   * of the same query, and these lists add to it.
   */
  voteTriplets(lists: readonly TripletList[], sketch: VoteSketch, minVotes: number, out: AlignmentList, more = false): void {
    if (!more) { sketch.clear(); out.count = 0 }
    for (const list of lists) for (let x = 0; x < this.partitions.length; x++) this.partitions[x]!.voteTriplets(list, sketch, x, this.bases[x]!, minVotes, out)
  }

  /** Stage 2: the pair evidence of one slot at offsets [first, last] (Partition.verify), from this query's planPairs(). */
  verify(plans: readonly VerifyPlan[], sorted: Float64Array, hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, tallyCap: number, out: Verified): number {
    const i = this.partitionOf(slot)
    return this.partitions[i]!.verify(plans[i]!, sorted, hashes, times, slot - this.bases[i]!, first, last, tallyCap, out)
  }

  /**
   * For each query hash, whether the slot holds its key at an offset (trackTime − queryTime) in
   * [first, last]: out[i] = 1 or 0. Exact whatever lookup sampled (partition.ts).
   */
  aligned(hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, out: Uint8Array): void {
    const i = this.partitionOf(slot)
    this.partitions[i]!.aligned(hashes, times, slot - this.bases[i]!, first, last, out)
  }

  /** The partition holding a slot: the last whose base is ≤ it. */
  private partitionOf(slot: number): number {
    const bases = this.bases
    let a = 0, b = bases.length - 1
    while (a < b) { const m = (a + b + 1) >>> 1; if (bases[m]! <= slot) a = m; else b = m - 1 }
    return a
  }

  private newPartition(): Partition {
    return new Partition(this.triplets, this.pendingLimit)
  }

  private rebase(): void {
    this.bases = []
    let base = 0
    for (const p of this.partitions) { this.bases.push(base); base += p.slotCount }
  }
}

/**
 * The query's pair keys with their hash index (key × 2^32 + i), sorted, in out.order (grown as
 * needed): with `shift`, each hash also as moved one anchor bin down and up. Returns how many.
 */
export function sortKeys(hashes: Uint32Array, shift: boolean, out: Hits): number {
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
  order.subarray(0, m).sort()
  return m
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
