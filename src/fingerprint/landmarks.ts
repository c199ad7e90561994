import { DF_MAX, DT_MAX, packHash } from '../options.js'
import { grown } from './growable.js'
import type { PeakSink } from './peaks.js'

const DF_MIN = -DF_MAX - 1

/**
 * Hashes anchored at `time` (frame of the anchor peak); `rank` is the target's place among its
 * anchor's targets (0 = nearest). Valid entries are [0, count).
 */
export interface HashList {
  count: number
  hash: Uint32Array
  time: Uint32Array
  rank: Uint8Array
}

/**
 * Streaming pairer: each anchor peak is paired with the next `fanout` peaks within
 * 1..DT_MAX frames later and ±DF_MAX bins, nearest in time first (then lower bin).
 * An anchor is paired once every peak up to DT_MAX frames after it is settled.
 */
export class LandmarkPairer implements PeakSink {
  readonly out: HashList = { count: 0, hash: new Uint32Array(1024), time: new Uint32Array(1024), rank: new Uint8Array(1024) }
  private frame = new Uint32Array(256)
  private bin = new Uint16Array(256)
  private count = 0
  private next = 0                    // first anchor not yet paired

  constructor(private readonly fanout: number) {}

  pushPeak(frame: number, bin: number): void {
    if (this.count === this.frame.length) this.compact()
    this.frame = grown(this.frame, this.count + 1)
    this.bin = grown(this.bin, this.count + 1)
    this.frame[this.count] = frame
    this.bin[this.count] = bin
    this.count++
  }

  settled(frame: number): void {
    if (frame >= DT_MAX) this.pairUpTo(frame - DT_MAX)
  }

  /** Pairs every remaining anchor: the stream has ended. */
  finish(): void {
    this.pairUpTo(Infinity)
  }

  private pairUpTo(lastAnchorFrame: number): void {
    const { frame, bin, count, fanout } = this
    const out = this.out
    let i = this.next
    for (; i < count && frame[i]! <= lastAnchorFrame; i++) {
      const t1 = frame[i]!, f1 = bin[i]!
      let found = 0
      for (let j = i + 1; j < count && found < fanout; j++) {
        const dt = frame[j]! - t1
        if (dt === 0) continue
        if (dt > DT_MAX) break
        const df = bin[j]! - f1
        if (df < DF_MIN || df > DF_MAX) continue
        if (out.count === out.hash.length) {
          out.hash = grown(out.hash, out.count + 1)
          out.time = grown(out.time, out.count + 1)
          out.rank = grown(out.rank, out.count + 1)
        }
        out.hash[out.count] = packHash(f1, bin[j]!, dt)
        out.time[out.count] = t1
        out.rank[out.count] = found
        out.count++
        found++
      }
    }
    this.next = i
  }

  /** Forgets peaks before the next anchor: no later pair can use them. */
  private compact(): void {
    const drop = this.next
    if (drop === 0) return
    this.frame.copyWithin(0, drop, this.count)
    this.bin.copyWithin(0, drop, this.count)
    this.count -= drop
    this.next = 0
  }
}
