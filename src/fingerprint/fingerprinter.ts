import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HOP_SIZE, WORK_RATE, resolveOptions, type FingerprintOptions, type ResolvedOptions } from '../options.js'
import { audioChannels, checkFinite, checkSampleRate, chunkChannels, type AudioChunk, type AudioInput } from './audio.js'
import { frontEndOf, type FrontEnd } from './front-end.js'
import { LandmarkPairer, type HashList } from './landmarks.js'
import { PeakPicker } from './peaks.js'
import { Resampler } from './resample.js'
import { SpectrogramFramer } from './spectrogram.js'
import { integerIn } from '../integers.js'

/** The landmarks of one piece of audio, in time order. */
export interface Fingerprint {
  /** 21-bit landmark hashes (options.ts has the layout). */
  readonly hashes: Uint32Array
  /** Frame of each hash's anchor peak; frame f starts at f × frameSeconds. */
  readonly times: Uint32Array
  /**
   * Each hash's target rank among its anchor's targets (0 = nearest). A catalog indexes only
   * the low ranks and a query uses them all (Catalog's indexFanout): the query's extra pairs
   * find the indexed ones even when a degradation adds or removes a peak in between.
   * Optional on input: without it, every hash counts as rank 0.
   */
  readonly ranks?: Uint8Array
  /**
   * Landmarks of the same audio framed on other grids (FingerprinterOptions.grids), only those the
   * hashes above lack: a query's frames start wherever its recording did, up to half a hop (8 ms)
   * away from the catalog's, and a peak that falls between two frames there can move a frame or a
   * bin here. Times are on the first grid's frames (rounded). Matching uses them when the hashes
   * above do not decide (docs/algorithm.md §6, §7); a catalog indexes the first grid only, so a
   * catalog's tracks gain nothing from them. Absent when fingerprinted on one grid.
   */
  readonly offGrid?: OffGridHashes
  readonly frameSeconds: number
  readonly durationSeconds: number
  /**
   * How the hashes were made (front-end version and the options that change them), so that a
   * cache or catalog can refuse a fingerprint it cannot compare (frontEndMismatch).
   */
  readonly frontEnd: FrontEnd
}

/** Hashes, anchor frames and target ranks, in time order: Fingerprint.offGrid. */
export interface OffGridHashes {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
  readonly ranks: Uint8Array
}

/**
 * Fingerprint.offGrid from anywhere (a caller, a request): three typed arrays of one length, or
 * INVALID_FINGERPRINT naming `what`. Values are the caller's to check (checks.ts, bytes.ts).
 */
export function checkOffGridShape(off: unknown, what: string): OffGridHashes {
  const o = off as { hashes?: unknown; times?: unknown; ranks?: unknown } | null
  if (o === null || typeof o !== 'object' || !(o.hashes instanceof Uint32Array) || !(o.times instanceof Uint32Array) || !(o.ranks instanceof Uint8Array)) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: offGrid must hold hashes and times (Uint32Array) and ranks (Uint8Array)`)
  }
  const n = o.hashes.length
  if (o.times.length !== n || o.ranks.length !== n) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: offGrid has ${n} hashes, ${o.times.length} times and ${o.ranks.length} ranks`)
  }
  return { hashes: o.hashes, times: o.times, ranks: o.ranks }
}

/**
 * A fingerprint's shape from anywhere (a caller, a request), the one check Catalog (checks.ts)
 * and fingerprintToBytes (bytes.ts) share: an object whose hashes and times are Uint32Arrays of
 * one length and whose ranks, if any, are a Uint8Array of that length, made at this version's
 * frame rate (else INCOMPATIBLE_FINGERPRINT), of a finite duration ≥ 0. INVALID_FINGERPRINT
 * naming `what` otherwise. Values, off-grid hashes and the front end are the caller's to check.
 */
export function checkPrintShape(fp: Fingerprint, what: string): void {
  const bad = (why: string) => new PeakmatchError('INVALID_FINGERPRINT', `${what}: ${why}`)
  if (fp === null || typeof fp !== 'object') throw bad(`fingerprint must be an object, got ${String(fp)}`)
  const { hashes, times, ranks } = fp
  if (!(hashes instanceof Uint32Array) || !(times instanceof Uint32Array)) throw bad('hashes and times must be Uint32Array')
  if (hashes.length !== times.length) throw bad(`${hashes.length} hashes but ${times.length} times`)
  if (ranks !== undefined && (!(ranks instanceof Uint8Array) || ranks.length !== hashes.length)) throw bad('ranks must be a Uint8Array with one entry per hash')
  if (fp.frameSeconds !== FRAME_SECONDS) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `${what}: frameSeconds ${String(fp.frameSeconds)} is not this version's ${FRAME_SECONDS}`)
  }
  const d = fp.durationSeconds
  if (typeof d !== 'number' || !(d >= 0) || d === Infinity) throw bad(`durationSeconds must be a finite number ≥ 0, got ${String(d)}`)
}

/** How many frame grids a query is fingerprinted on (Fingerprint.offGrid). */
export interface GridOptions {
  /**
   * Frame grids, 1 to MAX_GRIDS: grid k starts k/grids of a hop (16 ms) after the first. Each
   * grid costs another spectrogram, peak pick and pairing (the resampler is shared: two grids
   * fingerprint a 10 s query in 16.7 ms CPU instead of 10.5). For queries, not for catalog
   * tracks: of 1 200 short noisy snippets of real music that one grid missed 82 of, two grids
   * miss 54 (docs/algorithm.md §7, "round 3").
   * @default 1
   */
  grids?: number
}

export const MAX_GRIDS = 8

/**
 * The grids a query is best fingerprinted on (`fingerprint(audio, { grids: QUERY_GRIDS })`):
 * short noisy snippets are found more often, at the cost of fingerprinting the query again per
 * grid (docs/algorithm.md §7, "round 3", has the measurements: 4 grids find more, for twice the
 * fingerprinting and more synthetic look-alikes matched).
 */
export const QUERY_GRIDS = 2

export interface FingerprinterOptions extends FingerprintOptions, GridOptions {
  /** Sample rate of the chunks to come, 8 000 to 384 000 Hz. */
  sampleRate: number
}

const BLOCK = 1 << 15   // input samples resampled at a time: bounds scratch memory for huge pushes

/** fingerprint()'s way in: consume without the atomicity pre-check (set in the class's static block). */
let consumeWhole: (f: Fingerprinter, channels: readonly Float32Array[]) => void

/**
 * Streaming fingerprinting: push() chunks of any size, then finish(). The result is identical
 * to fingerprint() on the whole audio, which is exactly this class fed in one push.
 */
export class Fingerprinter {
  readonly sampleRate: number
  private readonly options: FingerprintOptions
  private resampler!: Resampler
  /** The catalog's frame grid: what a fingerprint's hashes are. */
  private first!: Grid
  /** The other grids (FingerprinterOptions.grids), whose new hashes are Fingerprint.offGrid. */
  private grids: Grid[] = []
  private frontEnd!: FrontEnd
  private readonly gridCount: number
  private samples = 0
  private finished = false

  constructor(options: FingerprinterOptions) {
    if (options === null || typeof options !== 'object') {
      throw new PeakmatchError('INVALID_OPTIONS', 'Fingerprinter needs { sampleRate }')
    }
    this.sampleRate = checkSampleRate(options.sampleRate)
    this.gridCount = checkGrids(options.grids)
    this.options = options
    this.reset()
  }

  /** Starts a new stream with the same settings. */
  reset(): void {
    const o = resolveOptions(this.options)
    this.resampler = new Resampler(this.sampleRate, WORK_RATE)
    this.first = new Grid(o, 0)
    this.grids = []
    for (let k = 1; k < this.gridCount; k++) this.grids.push(new Grid(o, Math.round((k * HOP_SIZE) / this.gridCount)))
    this.frontEnd = frontEndOf(o)
    this.samples = 0
    this.finished = false
  }

  /**
   * Adds samples: a mono Float32Array or one Float32Array per channel (downmixed). A chunk with
   * a bad sample (NaN, ±Infinity) throws INVALID_AUDIO and is not consumed at all: the stream is
   * as if that push never happened, so the caller may skip or repair the chunk and go on.
   */
  push(chunk: AudioChunk): void {
    if (this.finished) throw new PeakmatchError('STREAM_FINISHED', 'push() after finish(): call reset() to start a new stream')
    const channels = chunkChannels(chunk)
    // One block is checked by downmix before the resampler commits it (one pass). A longer chunk
    // is consumed block by block, so it is checked whole first: a second read, only for big pushes.
    if (channels[0]!.length > BLOCK) checkFinite(channels, this.samples)
    this.consume(channels)
  }

  /** Resamples and frames validated-shape channels, BLOCK input samples at a time. */
  private consume(channels: readonly Float32Array[]): void {
    const length = channels[0]!.length
    for (let start = 0; start < length; start += BLOCK) {
      const end = Math.min(length, start + BLOCK)
      const block = start === 0 && end === length ? channels : channels.map((c) => c.subarray(start, end))
      this.resampler.push(block, this.samples)
      this.first.push(this.resampler.out, this.resampler.outCount)
      for (const g of this.grids) g.push(this.resampler.out, this.resampler.outCount)
      this.samples += end - start
    }
  }

  /**
   * The fingerprint so far, without ending the stream: every hash whose anchor and targets are
   * settled (all but roughly the last 1.2 s of audio). It is always a prefix of what finish()
   * will return, so a listener can match while it records and stop once it is confident.
   *
   * With `sinceSeconds`, only the settled hashes anchored at or after that time: those with
   * times[i] × frameSeconds ≥ sinceSeconds. Times stay counted from the start of the stream and
   * durationSeconds is still the whole stream's so far, so the result is a contiguous slice of
   * what finish() will return. The pairer emits hashes in anchor order (peaks arrive frame by
   * frame, anchors are paired in that order), so the slice is found by binary search and only
   * it is copied: the last 20 s of a 10 min stream cost 20 s of hashes, not 10 min
   * (docs/browser.md has the timings).
   */
  snapshot(sinceSeconds?: number): Fingerprint {
    if (this.finished) throw new PeakmatchError('STREAM_FINISHED', 'snapshot() after finish(): call reset() to start a new stream')
    if (sinceSeconds === undefined) return this.result()
    if (typeof sinceSeconds !== 'number' || !Number.isFinite(sinceSeconds) || sinceSeconds < 0) {
      throw new PeakmatchError('INVALID_OPTIONS', `snapshot(sinceSeconds): sinceSeconds must be a finite number ≥ 0, got ${String(sinceSeconds)}`)
    }
    const time = this.first.pairer.out.time
    // First hash with time × FRAME_SECONDS ≥ sinceSeconds: the same product a caller computes.
    let lo = 0, hi = this.first.pairer.out.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (time[mid]! * FRAME_SECONDS < sinceSeconds) lo = mid + 1
      else hi = mid
    }
    return this.result(lo, sinceSeconds)
  }

  /** Ends the stream and returns its fingerprint. */
  finish(): Fingerprint {
    if (this.finished) throw new PeakmatchError('STREAM_FINISHED', 'finish() called twice: call reset() to start a new stream')
    this.finished = true
    this.resampler.finish()
    this.first.finish(this.resampler.out, this.resampler.outCount)
    for (const g of this.grids) g.finish(this.resampler.out, this.resampler.outCount)
    return this.result()
  }

  static {
    consumeWhole = (f, channels) => f.consume(channels)
  }

  /** The settled hashes from index `first` on, copied. */
  private result(first = 0, sinceSeconds = 0): Fingerprint {
    const out = this.first.pairer.out
    const fp: Fingerprint = {
      hashes: out.hash.slice(first, out.count),
      times: out.time.slice(first, out.count),
      ranks: out.rank.slice(first, out.count),
      frameSeconds: FRAME_SECONDS,
      durationSeconds: this.samples / this.sampleRate,
      frontEnd: this.frontEnd,
    }
    if (this.grids.length === 0) return fp
    // Settled off-grid hashes before `until` (first-grid frames), the same in a snapshot as in the
    // finished print: each grid's anchors there are all paired, and so are the first grid's
    // within a frame after them, which a duplicate would be.
    let until = this.finished ? Infinity : out.count > 0 ? out.time[out.count - 1]! - 1 : 0
    if (!this.finished) for (const g of this.grids) until = Math.min(until, g.settledBefore())
    return { ...fp, offGrid: offGridHashes(out, this.grids, sinceSeconds, until) }
  }
}

/**
 * A frame grid: the work-rate stream from its `skip`-th sample on, through a spectrogram, peaks
 * and pairs of its own. The first grid has skip 0; another's frame f starts `skip` samples after
 * the first grid's frame f, and its hashes' times are moved to the first grid's nearest frame.
 */
class Grid {
  readonly pairer: LandmarkPairer
  private readonly picker: PeakPicker
  private readonly framer: SpectrogramFramer
  private toSkip: number
  readonly frames: number

  constructor(o: ResolvedOptions, skip: number) {
    this.pairer = new LandmarkPairer(o.fanout)
    this.picker = new PeakPicker(o.minBin, o.maxBin, o.neighborhoodBins, o.neighborhoodFrames, o.threshold, this.pairer)
    this.framer = new SpectrogramFramer(o.minBin, o.maxBin, this.picker)
    this.toSkip = skip
    this.frames = Math.round(skip / HOP_SIZE)
  }

  push(samples: Float32Array, n: number): void {
    if (this.toSkip > 0) {
      const skip = Math.min(this.toSkip, n)
      this.toSkip -= skip
      samples = samples.subarray(skip)
      n -= skip
    }
    if (n > 0) this.framer.push(samples, n)
  }

  finish(samples: Float32Array, n: number): void {
    this.push(samples, n)
    this.picker.finish()
    this.pairer.finish()
  }

  /** First-grid frame before which every anchor of this grid is paired (a lower bound). */
  settledBefore(): number {
    const out = this.pairer.out
    return out.count > 0 ? out.time[out.count - 1]! + this.frames : 0
  }
}

/**
 * The grids' hashes with times × FRAME_SECONDS ≥ sinceSeconds and < until, moved to the first
 * grid's frames, less those the first grid (or an earlier grid) has within a frame of the same
 * time: in time order, ties by grid. Duplicates only add votes where the first grid's hash
 * already aligns (the √votes term would pay for them: docs/algorithm.md §7).
 * Only the hashes near the window are read (binary search), so a snapshot's cost follows its
 * window, not the stream. Which hashes are kept depends on those up to a frame before them, per
 * grid; the window is read from `margin` frames before `since` so that a snapshot keeps exactly
 * what finish() keeps there.
 */
function offGridHashes(first: HashList, grids: readonly Grid[], sinceSeconds: number, until: number): OffGridHashes {
  const seen = new Set<number>()
  const since = Math.floor(sinceSeconds / FRAME_SECONDS)       // at or before the first frame kept
  const margin = grids.length + 2
  const key = (hash: number, time: number) => time * 2097152 + hash        // < 2^53: time < 2^32, hash < 2^21
  for (let i = lowerBound(first.time, first.count, since - margin); i < first.count && first.time[i]! <= until + 1; i++) {
    seen.add(key(first.hash[i]!, first.time[i]!))
  }
  const hashes: number[] = [], times: number[] = [], ranks: number[] = []
  for (const g of grids) {
    const out = g.pairer.out
    for (let i = lowerBound(out.time, out.count, since - margin - g.frames); i < out.count; i++) {
      const h = out.hash[i]!, t = out.time[i]! + g.frames
      if (t >= until) break
      if (seen.has(key(h, t)) || seen.has(key(h, t + 1)) || (t > 0 && seen.has(key(h, t - 1)))) continue
      seen.add(key(h, t))
      if (t * FRAME_SECONDS < sinceSeconds) continue
      hashes.push(h)
      times.push(t)
      ranks.push(out.rank[i]!)
    }
  }
  const order = Array.from(times, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b)
  return {
    hashes: Uint32Array.from(order, (i) => hashes[i]!),
    times: Uint32Array.from(order, (i) => times[i]!),
    ranks: Uint8Array.from(order, (i) => ranks[i]!),
  }
}

/** First index in [0, n) whose time is ≥ t (times ascending). */
function lowerBound(time: Uint32Array, n: number, t: number): number {
  let lo = 0, hi = n
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (time[mid]! < t) lo = mid + 1
    else hi = mid
  }
  return lo
}

function checkGrids(grids: unknown): number {
  if (grids === undefined) return 1
  if (!integerIn(grids, 1, MAX_GRIDS)) {
    throw new PeakmatchError('INVALID_OPTIONS', `option grids must be an integer in [1, ${MAX_GRIDS}], got ${String(grids)}`)
  }
  return grids
}

/** Fingerprints a whole piece of audio: { sampleRate, channels } or an AudioBuffer. */
export function fingerprint(audio: AudioInput, options: FingerprintOptions & GridOptions = {}): Fingerprint {
  const { sampleRate, channels } = audioChannels(audio)
  const f = new Fingerprinter({ ...options, sampleRate })
  // A fresh stream that nobody else sees: no need for push()'s whole-chunk check before
  // consuming, since a throw discards the stream anyway (downmix still checks every sample).
  consumeWhole(f, channels)
  return f.finish()
}
