import type { EditionQuality } from './editions.js'

/** What a catalog knows of one track besides its postings. */
export interface TrackRecord {
  readonly id: string
  /** The recording the track is an edition of (its own id unless added with one). */
  readonly recordingId: string
  readonly quality: EditionQuality | undefined
  readonly durationSeconds: number
  /** Postings the track put into the index. */
  readonly postings: number
  readonly metadata: unknown
}

/**
 * The tracks of a catalog by slot (hash-index.ts numbers them): ids, recordings and their
 * editions, metadata. Removed slots stay as holes until the index compacts, and then this
 * compacts the same way (live slots keep their order), so a slot names the same track in both.
 */
export class TrackRegistry {
  private records: (TrackRecord | null)[] = []
  private readonly byId = new Map<string, number>()
  /** recordingId → its live slots, in slot order. */
  private byRecording = new Map<string, number[]>()
  private seconds = 0

  get size(): number { return this.byId.size }
  /** Seconds of audio of the live tracks. */
  get liveSeconds(): number { return this.seconds }

  slotOf(id: string): number | undefined { return this.byId.get(id) }

  /** The record of a live slot. */
  at(slot: number): TrackRecord { return this.records[slot]! }

  /** The recording of a slot, '' for a removed one. */
  recordingOf(slot: number): string { return this.records[slot]?.recordingId ?? '' }

  /** Appends the record of the next slot; it must be the slot the index just handed out. */
  push(record: TrackRecord): void {
    const slot = this.records.length
    this.records.push(record)
    this.byId.set(record.id, slot)
    const editions = this.byRecording.get(record.recordingId)
    if (editions) editions.push(slot)
    else this.byRecording.set(record.recordingId, [slot])
    this.seconds += record.durationSeconds
  }

  /** Removes a live slot's record; the slot stays a hole until compact(). */
  remove(slot: number): void {
    const r = this.records[slot]!
    this.records[slot] = null
    this.byId.delete(r.id)
    const editions = this.byRecording.get(r.recordingId)!
    editions.splice(editions.indexOf(slot), 1)
    if (editions.length === 0) this.byRecording.delete(r.recordingId)
    this.seconds -= r.durationSeconds
  }

  /** Drops the holes: live slots are renumbered 0, 1, … in order, as the index did. */
  compact(): void {
    const live = this.records.filter((r): r is TrackRecord => r !== null)
    const seconds = this.seconds      // kept as summed, so stats do not move by a rounding
    this.records = []
    this.byId.clear()
    this.byRecording = new Map()
    for (const r of live) this.push(r)
    this.seconds = seconds
  }

  /** Live records in slot order. */
  live(): TrackRecord[] {
    return this.records.filter((r): r is TrackRecord => r !== null)
  }

  /** Live editions of a recording, in slot order. */
  editions(recordingId: string): TrackRecord[] {
    return (this.byRecording.get(recordingId) ?? []).map((s) => this.records[s]!)
  }
}
