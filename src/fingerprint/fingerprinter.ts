import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, WORK_RATE, resolveOptions, type FingerprintOptions } from '../options.js'
import { audioChannels, checkFinite, checkSampleRate, chunkChannels, type AudioChunk, type AudioInput } from './audio.js'
import { frontEndOf, type FrontEnd } from './front-end.js'
import { LandmarkPairer } from './landmarks.js'
import { PeakPicker } from './peaks.js'
import { Resampler } from './resample.js'
import { SpectrogramFramer } from './spectrogram.js'

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
  readonly frameSeconds: number
  readonly durationSeconds: number
  /**
   * How the hashes were made (front-end version and the options that change them), so that a
   * cache or catalog can refuse a fingerprint it cannot compare (frontEndMismatch).
   */
  readonly frontEnd: FrontEnd
}

export interface FingerprinterOptions extends FingerprintOptions {
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
  private picker!: PeakPicker
  private pairer!: LandmarkPairer
  private framer!: SpectrogramFramer
  private frontEnd!: FrontEnd
  private samples = 0
  private finished = false

  constructor(options: FingerprinterOptions) {
    if (options === null || typeof options !== 'object') {
      throw new PeakmatchError('INVALID_OPTIONS', 'Fingerprinter needs { sampleRate }')
    }
    this.sampleRate = checkSampleRate(options.sampleRate)
    this.options = options
    this.reset()
  }

  /** Starts a new stream with the same settings. */
  reset(): void {
    const o = resolveOptions(this.options)
    this.resampler = new Resampler(this.sampleRate, WORK_RATE)
    this.pairer = new LandmarkPairer(o.fanout)
    this.picker = new PeakPicker(o.minBin, o.maxBin, o.neighborhoodBins, o.neighborhoodFrames, o.threshold, this.pairer)
    this.framer = new SpectrogramFramer(o.minBin, o.maxBin, this.picker)
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
      this.framer.push(this.resampler.out, this.resampler.outCount)
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
    const time = this.pairer.out.time
    // First hash with time × FRAME_SECONDS ≥ sinceSeconds: the same product a caller computes.
    let lo = 0, hi = this.pairer.out.count
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (time[mid]! * FRAME_SECONDS < sinceSeconds) lo = mid + 1
      else hi = mid
    }
    return this.result(lo)
  }

  /** Ends the stream and returns its fingerprint. */
  finish(): Fingerprint {
    if (this.finished) throw new PeakmatchError('STREAM_FINISHED', 'finish() called twice: call reset() to start a new stream')
    this.finished = true
    this.resampler.finish()
    this.framer.push(this.resampler.out, this.resampler.outCount)
    this.picker.finish()
    this.pairer.finish()
    return this.result()
  }

  static {
    consumeWhole = (f, channels) => f.consume(channels)
  }

  /** The settled hashes from index `first` on, copied. */
  private result(first = 0): Fingerprint {
    const out = this.pairer.out
    return {
      hashes: out.hash.slice(first, out.count),
      times: out.time.slice(first, out.count),
      ranks: out.rank.slice(first, out.count),
      frameSeconds: FRAME_SECONDS,
      durationSeconds: this.samples / this.sampleRate,
      frontEnd: this.frontEnd,
    }
  }
}

/** Fingerprints a whole piece of audio: { sampleRate, channels } or an AudioBuffer. */
export function fingerprint(audio: AudioInput, options: FingerprintOptions = {}): Fingerprint {
  const { sampleRate, channels } = audioChannels(audio)
  const f = new Fingerprinter({ ...options, sampleRate })
  // A fresh stream that nobody else sees: no need for push()'s whole-chunk check before
  // consuming, since a throw discards the stream anyway (downmix still checks every sample).
  consumeWhole(f, channels)
  return f.finish()
}
