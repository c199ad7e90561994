/**
 * Stage 1 of a large catalog's query (query.ts): every posting of the query's triplet keys
 * votes once on (track, offset bucket) in an open-addressing table, and each track's best pair
 * of adjacent buckets becomes an alignment for stage 2 to verify with the pairs. A table, not
 * the sort the pair vote uses: triplet votes are few per track and the table is cleared through
 * the list of cells it used, so the cost is the postings walked.
 */

/** Frames per offset bucket: a true alignment (±2 frames of jitter) spans at most two. */
export const BUCKET_FRAMES = 8
const BUCKET_SHIFT = 3
const OFFSET_BIAS = 1 << 26     // offsets down to −2^26 frames (298 hours) stay positive
const EMPTY = 0xffffffff

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

export class VoteTable {
  private track = new Uint32Array(1 << 12).fill(EMPTY)
  private bucket = new Uint32Array(1 << 12)
  private votes = new Uint32Array(1 << 12)
  private used = new Uint32Array(1 << 12)
  private usedCount = 0
  /** Votes cast since clear(). */
  cast = 0

  /** Room for `n` more votes (the table stays at most half full). */
  reserve(n: number): void {
    const needed = 2 * (this.usedCount + n)
    if (needed <= this.track.length) return
    let size = this.track.length
    while (size < needed) size *= 2
    const old = { track: this.track, bucket: this.bucket, votes: this.votes, used: this.used.subarray(0, this.usedCount) }
    this.track = new Uint32Array(size).fill(EMPTY)
    this.bucket = new Uint32Array(size)
    this.votes = new Uint32Array(size)
    this.used = new Uint32Array(size)
    const count = this.usedCount
    this.usedCount = 0
    for (let u = 0; u < count; u++) {
      const s = old.used[u]!
      this.add(old.track[s]!, old.bucket[s]!, old.votes[s]!)
    }
  }

  /** One vote for `track` at `offset` (trackTime − queryTime); reserve() first. */
  vote(track: number, offset: number): void {
    this.add(track, (offset + OFFSET_BIAS) >>> BUCKET_SHIFT, 1)
    this.cast++
  }

  /** The best alignment of each track (two adjacent buckets), the `out.items.length` best with ≥ minVotes. Clears the table. */
  best(minVotes: number, out: AlignmentList): void {
    out.count = 0
    const mask = this.track.length - 1
    for (let u = 0; u < this.usedCount; u++) {
      const s = this.used[u]!
      const track = this.track[s]!, bucket = this.bucket[s]!
      let votes = this.votes[s]!
      let h = cell(track, bucket + 1, mask)
      while (this.track[h] !== EMPTY) {
        if (this.track[h] === track && this.bucket[h] === bucket + 1) { votes += this.votes[h]!; break }
        h = (h + 1) & mask
      }
      if (votes >= minVotes) keep(out, track, votes, bucket * BUCKET_FRAMES - OFFSET_BIAS)
    }
    for (let u = 0; u < this.usedCount; u++) this.track[this.used[u]!] = EMPTY
    this.usedCount = 0
    this.cast = 0
  }

  private add(track: number, bucket: number, votes: number): void {
    const mask = this.track.length - 1
    let h = cell(track, bucket, mask)
    while (true) {
      const t = this.track[h]!
      if (t === EMPTY) {
        this.track[h] = track; this.bucket[h] = bucket; this.votes[h] = votes
        this.used[this.usedCount++] = h
        return
      }
      if (t === track && this.bucket[h] === bucket) { this.votes[h]! += votes; return }
      h = (h + 1) & mask
    }
  }
}

function cell(track: number, bucket: number, mask: number): number {
  const h = (Math.imul(track, 0x9e3779b1) ^ Math.imul(bucket, 0x85ebca6b)) >>> 0
  return (h ^ (h >>> 15)) & mask
}

function keep(out: AlignmentList, track: number, votes: number, first: number): void {
  const items = out.items, cap = items.length
  if (out.count === cap && !better(votes, track, items[cap - 1]!)) return
  for (let i = 0; i < out.count; i++) {
    const c = items[i]!
    if (c.track !== track) continue
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
