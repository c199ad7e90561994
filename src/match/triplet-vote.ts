/**
 * Stage 1 of a large catalog's query (query.ts): every posting of the query's triplet keys
 * votes once on (track, offset bucket), and the best pairs of adjacent buckets become
 * alignments for stage 2 to verify with the pairs.
 *
 * The votes go to a count-min sketch (VoteSketch: two rows of 2^19 byte counters, 1 MiB, each
 * addressed by its own hash of (partition, bucket / 8), a line of 8 buckets of entry − query time,
 * which for one track is its offset plus a start of its own; a bucket's count is the lesser of
 * its two), and a vote whose window may enter the best kept so far offers it, in one walk over
 * the postings. An exact open-addressing table misses the cache on every probe once the votes number
 * hundreds of thousands: at 100 000 tracks a stand-alone prototype of this stage (issue 9's
 * research, not kept) took 2.2 ms (p50) with the sketch against 7.1 ms with the table, with
 * the same recall.
 * Collisions only add votes, and stage 2 re-scores every alignment exactly, so a collision
 * costs one verification at worst.
 */

/** Frames per offset bucket: a true alignment (±2 frames of jitter) spans at most two. */
export const BUCKET_FRAMES = 8
const BUCKET_BIAS = 1 << 23     // buckets of offsets down to −2^26 frames (298 hours) stay positive

/** A candidate alignment: a track, the offsets [first, last] its votes fell in, and how many. */
export interface Alignment {
  track: number
  votes: number
  first: number
  last: number
}

/** The best alignments of a vote, one per track, most votes first (then lower track). Entries [0, count). */
export interface AlignmentList {
  count: number
  readonly items: Alignment[]
}

export function alignmentList(capacity: number): AlignmentList {
  const items: Alignment[] = []
  for (let i = 0; i < capacity; i++) items.push({ track: 0, votes: 0, first: 0, last: 0 })
  return { count: 0, items }
}

const SKETCH_BITS = 19
const SKETCH_HALF = 1 << SKETCH_BITS
/** A row's cells come in lines of 8 consecutive buckets of one track: a vote reads its neighbours in the line it writes. */
const LINE_BITS = 3
const LINE_MASK = (1 << LINE_BITS) - 1
const LINE_SHIFT = 32 - (SKETCH_BITS - LINE_BITS)

/**
 * Stage 1's counting sketch, in one walk: count() counts a posting's vote and returns the votes
 * of the better of the two windows of adjacent buckets that its bucket is in, and the caller
 * offers that window (offer()) when it could enter the list. A window's count only grows, and
 * the vote that makes its final count offers it, so after the walk the list holds the best
 * windows as a count-then-read second walk would (a window is each (bucket, bucket + 1) with a
 * vote in either; offer() merges the overlapping ones of a track). Half the walk: at 100 000
 * tracks a query's triplets meet ~90 000 postings (median; bench/scale-probe.ts), and reading
 * them twice, hashing twice, was most of stage 1.
 *
 * A vote is counted at the posting's entry minus the query time (a partition's entry is its
 * track's first segment × 2^15 + the track's time, so this is the track's offset plus its
 * segments' start), in lines of the partition's entries: the track is read only for the few
 * votes that could enter the list, not for every one (partition.ts voteTriplets). Two tracks
 * meet only where one's negative offsets reach into the one before's last segment, as chance
 * collisions do; stage 2 verifies exactly.
 */
export class VoteSketch {
  private readonly counts = new Uint8Array(2 * SKETCH_HALF)
  /** Votes counted since clear(). */
  cast = 0
  /** First entry − query time of the window count() last returned. */
  start = 0

  clear(): void {
    this.counts.fill(0)
    this.cast = 0
  }

  /**
   * Counts the vote of entry `en` against query time `qt` in partition `part`; returns the votes
   * of its better window (start: this.start).
   */
  count(part: number, en: number, qt: number): number {
    // en − qt can pass 2^31: floor, not a shift.
    const bucket = Math.floor((en - qt) / BUCKET_FRAMES) + BUCKET_BIAS
    const c = this.counts
    const k = bucket & LINE_MASK
    const a = this.cell(part, bucket, 0), b = this.cell(part, bucket, 1)
    if (c[a]! < 255) c[a]!++
    if (c[b]! < 255) c[b]!++
    this.cast++
    const here = Math.min(c[a]!, c[b]!)
    const before = k > 0 ? Math.min(c[a - 1]!, c[b - 1]!) : this.estimate(part, bucket - 1)
    const after = k < LINE_MASK ? Math.min(c[a + 1]!, c[b + 1]!) : this.estimate(part, bucket + 1)
    // Of the two windows holding this bucket, the better (the earlier on a tie).
    this.start = ((after > before ? bucket : bucket - 1) - BUCKET_BIAS) * BUCKET_FRAMES
    return here + (after > before ? after : before)
  }

  /** The count of (part, bucket): the lesser of its two cells. */
  private estimate(part: number, bucket: number): number {
    return Math.min(this.counts[this.cell(part, bucket, 0)]!, this.counts[this.cell(part, bucket, 1)]!)
  }

  /** Cell of (part, bucket) in row 0 or 1: the line hashed from (part, bucket / 8), the bucket's place in it. */
  private cell(part: number, bucket: number, row: number): number {
    const line = bucket >>> LINE_BITS
    const h = row === 0
      ? (Math.imul(part, 0x9e3779b1) + Math.imul(line, 0x85ebca6b)) >>> LINE_SHIFT
      : (Math.imul(part, 0x27d4eb2f) + Math.imul(line, 0x165667b1)) >>> LINE_SHIFT
    return row * SKETCH_HALF + ((h << LINE_BITS) | (bucket & LINE_MASK))
  }
}

/** Offers a track's window of `votes` from offset `first` to `out`: kept if among the best, one per place of a track. */
export function offer(out: AlignmentList, track: number, votes: number, first: number): void {
  const items = out.items, cap = items.length
  if (out.count === cap && !better(votes, track, items[cap - 1]!)) return
  // One track may hold several alignments (music repeats: its best triplet offset need not be
  // its best pair offset), but not two overlapping ones.
  for (let i = 0; i < out.count; i++) {
    const c = items[i]!
    if (c.track !== track || Math.abs(c.first - first) > 2 * BUCKET_FRAMES) continue
    if (votes <= c.votes) return
    c.votes = votes; c.first = first; c.last = first + 2 * BUCKET_FRAMES - 1
    order(out)
    return
  }
  const c = out.count < cap ? items[out.count++]! : items[cap - 1]!
  c.track = track; c.votes = votes; c.first = first; c.last = first + 2 * BUCKET_FRAMES - 1
  order(out)
}

function better(votes: number, track: number, than: Alignment): boolean {
  return votes > than.votes || (votes === than.votes && track < than.track)
}

function order(out: AlignmentList): void {
  const items = out.items
  for (let i = 1; i < out.count; i++) {
    const c = items[i]!
    let j = i - 1
    while (j >= 0 && better(c.votes, c.track, items[j]!)) { items[j + 1] = items[j]!; j-- }
    items[j + 1] = c
  }
}
