import { downmix } from './audio.js'

/**
 * Streaming band-limited resampler: windowed-sinc interpolation with a table of kernel phases.
 * Every input rate goes through the same low-pass (cutoff CUTOFF_RATIO × output Nyquist), so
 * an 8 kHz telephone copy and a 96 kHz master reach the spectrogram with the same band.
 *
 * Output n sits at input position n × inRate / outRate; it is emitted as soon as the input
 * under its kernel has arrived, so the output never depends on how the input was chunked.
 */
const CUTOFF_RATIO = 0.9     // of the output Nyquist: 3.6 kHz at 8 kHz
const ZERO_CROSSINGS = 2.5   // kernel half-width in lobes of the low-pass sinc: cost vs. steepness
const PHASES = 256           // kernel phases: the position error is ≤ 1/512 input sample

export class Resampler {
  /** Output samples of the last push/finish: valid entries are [0, outCount). */
  out = new Float32Array(4096)
  outCount = 0
  private readonly step: number
  private readonly half: number          // K: taps run from −K+1 to +K around the position
  private readonly taps: number          // 2K, a multiple of 4
  private readonly table: Float32Array   // PHASES + 1 rows of `taps`
  private buf: Float32Array              // input samples from absolute index `bufStart`
  private bufStart: number
  private bufLength: number
  private inputCount = 0
  private nextOut = 0

  constructor(inRate: number, outRate: number) {
    this.step = inRate / outRate
    const cutoff = (CUTOFF_RATIO * outRate) / 2 / inRate     // cycles per input sample
    // Taps run in fours (see drain); the extra taps at the edge get window weight ~0.
    this.half = 2 * Math.ceil(ZERO_CROSSINGS / (4 * cutoff))
    this.taps = 2 * this.half
    this.table = kernelTable(this.half, cutoff)
    this.buf = new Float32Array(Math.max(1 << 16, 4 * this.taps))
    this.bufStart = -this.half           // K zeros of history before the first sample
    this.bufLength = this.half
  }

  /** Downmixes and appends a block of channels (validated on the way), then resamples. */
  push(channels: readonly Float32Array[], firstSample: number): void {
    const n = channels[0]!.length
    this.reserve(n)
    downmix(channels, this.buf, this.bufLength, firstSample)
    this.bufLength += n
    this.inputCount += n
    this.drain(this.bufStart + this.bufLength - this.half)
  }

  /** Ends the stream: the input after the last sample counts as silence. */
  finish(): void {
    const pad = this.half + 1
    this.reserve(pad)
    this.buf.fill(0, this.bufLength, this.bufLength + pad)
    this.bufLength += pad
    this.drain(this.inputCount)
  }

  /** Computes every output whose position is below `limit` into `out`. */
  private drain(limit: number): void {
    const { step, half, taps, table, buf, bufStart } = this
    const end = bufStart + this.bufLength
    let n = this.nextOut
    const maxOut = Math.max(0, Math.ceil((Math.min(limit, end - half) - n * step) / step) + 1)
    if (this.out.length < maxOut) this.out = new Float32Array(maxOut)
    const out = this.out
    let count = 0
    for (;;) {
      const x = n * step
      if (x >= limit) break
      let i0 = Math.floor(x)
      let phase = Math.round((x - i0) * PHASES)
      if (phase === PHASES) { i0++; phase = 0 }
      if (i0 + half >= end) break
      const first = i0 - half + 1 - bufStart
      const row = phase * taps
      // Four accumulators: independent chains let the CPU overlap the multiply-adds.
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0
      for (let k = 0; k < taps; k += 4) {
        const i = first + k, r = row + k
        a0 += buf[i]! * table[r]!
        a1 += buf[i + 1]! * table[r + 1]!
        a2 += buf[i + 2]! * table[r + 2]!
        a3 += buf[i + 3]! * table[r + 3]!
      }
      out[count++] = (a0 + a1) + (a2 + a3)
      n++
    }
    this.outCount = count
    this.nextOut = n
    // Drop input that no future output can reach.
    const drop = Math.floor(n * step) - half - bufStart
    if (drop > 0 && drop > this.bufLength >> 1) {
      buf.copyWithin(0, drop, this.bufLength)
      this.bufLength -= drop
      this.bufStart += drop
    }
  }

  private reserve(n: number): void {
    if (this.bufLength + n <= this.buf.length) return
    let size = this.buf.length
    while (size < this.bufLength + n) size *= 2
    const grown = new Float32Array(size)
    grown.set(this.buf.subarray(0, this.bufLength))
    this.buf = grown
  }
}

/** Blackman-windowed sinc, one row per phase, each row normalised to unit DC gain. */
function kernelTable(half: number, cutoff: number): Float32Array {
  const taps = 2 * half
  const table = new Float32Array((PHASES + 1) * taps)
  for (let p = 0; p <= PHASES; p++) {
    const frac = p / PHASES
    let sum = 0
    for (let k = 0; k < taps; k++) {
      const t = k - half + 1 - frac                    // distance from the output position
      const u = t / half                               // −1..1 across the window
      const w = Math.abs(u) >= 1 ? 0 : 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u)
      const arg = 2 * Math.PI * cutoff * t
      const h = (t === 0 ? 1 : Math.sin(arg) / arg) * w
      table[p * taps + k] = h
      sum += h
    }
    for (let k = 0; k < taps; k++) table[p * taps + k] = table[p * taps + k]! / sum
  }
  return table
}
