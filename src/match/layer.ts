import { emptyPostings, mergePostings, type Postings } from './postings.js'

/**
 * One inverted index of a partition (partition.ts), in the log-structured form that makes adds
 * cheap: a main Postings, sorted runs of recent adds beside it (the "delta"), and pending
 * (key, entry) pairs not yet searchable. A partition keeps one layer for its landmark pairs and,
 * when the catalog asks for it, one for triplets (triplets.ts); both take the same entries at
 * the same times, so segment renumbering applies to both alike.
 */
export const DELTA_SHARE = 1 / 8
/** Runs kept beside main before merging them in (each is one more lookup per key). */
export const MAX_RUNS = 8
/** Pending postings (8 bytes each until flushed) that add() lets accumulate: 32 MiB. */
export const PENDING_LIMIT = 1 << 22

export class Layer {
  main: Postings
  /** Sorted runs of recent adds, oldest first: merged into main together. */
  runs: Postings[] = []
  private pendingKeys = new Uint32Array(0)
  private pendingEntries = new Uint32Array(0)
  private pendingCount = 0

  /**
   * `pendingLimit`: how many pending pairs a run takes before the next flush starts a new one
   * (tests lower it). `pack`: false keeps every chunk plain (postings.ts), else packed where smaller.
   */
  constructor(readonly keyBits: number, readonly pendingLimit = PENDING_LIMIT, private readonly pack?: boolean) {
    this.main = emptyPostings(keyBits)
  }

  /** Postings in main and runs (removed tracks' included until a merge drops them). */
  get count(): number {
    let n = this.main.count
    for (const r of this.runs) n += r.count
    return n
  }

  get pending(): number { return this.pendingCount }

  /** Room for `extra` more pending pairs. */
  reserve(extra: number): void {
    const needed = this.pendingCount + extra
    if (needed <= this.pendingKeys.length) return
    const size = Math.max(needed, Math.min(2 * this.pendingKeys.length, this.pendingLimit + extra), 1024)
    this.pendingKeys = grow(this.pendingKeys.subarray(0, this.pendingCount), new Uint32Array(size))
    this.pendingEntries = grow(this.pendingEntries.subarray(0, this.pendingCount), new Uint32Array(size))
  }

  /** Appends a pending pair; reserve() first. Entries must come in ascending order per key. */
  push(key: number, entry: number): void {
    this.pendingKeys[this.pendingCount] = key
    this.pendingEntries[this.pendingCount++] = entry
  }

  /**
   * Makes pending pairs searchable, renumbering nothing: into the last run while it is small,
   * else a new run; and the runs into main once they pass DELTA_SHARE of it or number MAX_RUNS
   * (dropping removed tracks' postings on the way). Returns whether main was rebuilt. Runs keep
   * a bulk build from rewriting its recent adds at every flush, as one growing delta did:
   * counted for a 2^28-posting partition built in PENDING_LIMIT flushes, a posting is written
   * ~5 times, not ~14.
   */
  flush(segTrack: Int32Array): boolean {
    if (this.pendingCount === 0) return false
    const pending = { keys: this.pendingKeys, entries: this.pendingEntries, count: this.pendingCount }
    let inRuns = 0
    for (const r of this.runs) inRuns += r.count
    let rebuilt = false
    if (inRuns + this.pendingCount > this.main.count * DELTA_SHARE || this.runs.length >= MAX_RUNS) {
      this.main = mergePostings([this.main, ...this.runs], pending, segTrack, null, true, this.keyBits, undefined, this.pack)
      this.runs = []
      rebuilt = true
    } else {
      const last = this.runs[this.runs.length - 1]
      if (last !== undefined && last.count + this.pendingCount <= this.pendingLimit) this.runs[this.runs.length - 1] = mergePostings([last], pending, segTrack, null, true, this.keyBits, undefined, this.pack)
      else this.runs.push(mergePostings([], pending, segTrack, null, true, this.keyBits, undefined, this.pack))
    }
    this.clearPending()
    return rebuilt
  }

  /**
   * At most two runs for queries: when a flush has started a third (the newest run took all a
   * run may take, pendingLimit), the older ones become one. A query looks each key up in main and
   * in every run; a catalog in service, one add between queries, would otherwise reach MAX_RUNS.
   * The merge is of the runs only (≤ DELTA_SHARE of main), once per pendingLimit postings added.
   */
  consolidate(segTrack: Int32Array): void {
    const runs = this.runs
    if (runs.length <= 2) return
    const newest = runs[runs.length - 1]!
    this.runs = [mergePostings(runs.slice(0, -1), { keys: this.pendingKeys, entries: this.pendingEntries, count: 0 }, segTrack, null, true, this.keyBits, undefined, this.pack), newest]
  }

  /** Everything in main. Returns whether main was rebuilt. */
  seal(segTrack: Int32Array): boolean {
    const flushed = this.flush(segTrack)
    if (this.runs.length === 0) return flushed
    this.main = mergePostings([this.main, ...this.runs], { keys: this.pendingKeys, entries: this.pendingEntries, count: 0 }, segTrack, null, true, this.keyBits, undefined, this.pack)
    this.runs = []
    return true
  }

  /** Everything in main, removed segments dropped and the rest renumbered by segMap. */
  compact(segTrack: Int32Array, segMap: Int32Array): void {
    const pending = { keys: this.pendingKeys, entries: this.pendingEntries, count: this.pendingCount }
    this.main = mergePostings([this.main, ...this.runs], pending, segTrack, segMap, true, this.keyBits, undefined, this.pack)
    this.runs = []
    this.clearPending()
  }

  bytes(): number {
    let bytes = 0
    for (const p of [this.main, ...this.runs]) for (const c of p.chunks) bytes += c.dir.byteLength + (c.low?.byteLength ?? 0) + (c.lows?.byteLength ?? 0) + c.entry.byteLength
    return bytes
  }

  private clearPending(): void {
    this.pendingCount = 0
    // A big pending list (a bulk build) is given back rather than kept at its peak.
    if (this.pendingKeys.length > 1 << 16) { this.pendingKeys = new Uint32Array(0); this.pendingEntries = new Uint32Array(0) }
  }
}

function grow<T extends Uint32Array>(from: T, to: T): T {
  to.set(from)
  return to
}
