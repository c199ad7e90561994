/**
 * Stage 1 of a large catalog's query (query.ts): every posting of the query's triplet keys
 * votes once on (track, offset bucket), and the best pairs of adjacent buckets become
 * alignments for stage 2 to verify with the pairs.
 *
 * The votes go to a count-min sketch (VoteSketch: two rows of 2^19 byte counters, 1 MiB, each
 * addressed by its own hash of (track, bucket); a bucket's count is the lesser of its two), in a
 * first walk over the postings; a second walk reads each posting's pair of buckets back and keeps
 * the best. An exact open-addressing table misses the cache on every probe once the votes number
 * hundreds of thousands: at 100 000 tracks a stand-alone prototype of this stage (issue 9's
 * research, not kept) took 2.2 ms (p50) with the sketch against 7.1 ms with the table, with
 * the same recall.
 * Collisions only add votes, and stage 2 re-scores every alignment exactly, so a collision
 * costs one verification at worst.
 */

/** Frames per offset bucket: a true alignment (±2 frames of jitter) spans at most two. */
export const BUCKET_FRAMES = 8
const BUCKET_SHIFT = 3
const OFFSET_BIAS = 1 << 26     // offsets down to −2^26 frames (298 hours) stay positive

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
const SKETCH_SHIFT = 32 - SKETCH_BITS
// Hash steps of one bucket, for the neighbour (bucket + 1) of a cell: h(t, b + 1) = h(t, b) + step.
const STEP_A = 0x85ebca6b | 0, STEP_B = 0x165667b1 | 0

/** Stage 1's counting sketch: count() every vote, then offer() every vote again to keep the best alignments. */
export class VoteSketch {
  private readonly counts = new Uint8Array(2 * SKETCH_HALF)
  /** Votes counted since clear(). */
  cast = 0

  clear(): void {
    this.counts.fill(0)
    this.cast = 0
  }

  count(track: number, offset: number): void {
    const bucket = (offset + OFFSET_BIAS) >>> BUCKET_SHIFT
    const a = (Math.imul(track, 0x9e3779b1) + Math.imul(bucket, STEP_A)) >>> SKETCH_SHIFT
    const b = SKETCH_HALF + ((Math.imul(track, 0x27d4eb2f) + Math.imul(bucket, STEP_B)) >>> SKETCH_SHIFT)
    const c = this.counts
    if (c[a]! < 255) c[a]!++
    if (c[b]! < 255) c[b]!++
    this.cast++
  }

  /** The estimated votes of the bucket of `offset` and the next one; keeps the alignment when it is among the best. */
  offer(track: number, offset: number, minVotes: number, out: AlignmentList): void {
    const bucket = (offset + OFFSET_BIAS) >>> BUCKET_SHIFT
    const a = Math.imul(track, 0x9e3779b1) + Math.imul(bucket, STEP_A)
    const b = Math.imul(track, 0x27d4eb2f) + Math.imul(bucket, STEP_B)
    const c = this.counts
    const votes = Math.min(c[a >>> SKETCH_SHIFT]!, c[SKETCH_HALF + (b >>> SKETCH_SHIFT)]!)
      + Math.min(c[((a + STEP_A) | 0) >>> SKETCH_SHIFT]!, c[SKETCH_HALF + (((b + STEP_B) | 0) >>> SKETCH_SHIFT)]!)
    if (votes < minVotes) return
    const items = out.items
    if (out.count === items.length && !better(votes, track, items[out.count - 1]!)) return
    keep(out, track, votes, bucket * BUCKET_FRAMES - OFFSET_BIAS)
  }
}

function keep(out: AlignmentList, track: number, votes: number, first: number): void {
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
