import FFT from 'fft.js'
import { FFT_SIZE, HOP_SIZE } from '../options.js'

/** Receives one spectrogram row at a time: tilt-weighted power for bins [minBin, maxBin]. */
export interface RowSink {
  pushRow(row: Float32Array): void
}

/**
 * Streaming STFT at the working rate: Hann window of FFT_SIZE, one row every HOP_SIZE samples.
 * A row holds power × bin index (a +3 dB/octave tilt) so that the falling spectrum of music
 * does not leave all the peaks in the bass.
 *
 * The real FFT of N = FFT_SIZE points is done as a complex FFT of N/2 points, whose input is
 * the windowed frame itself read as interleaved (even, odd) pairs, then split into the bins
 * we keep: in fft.js the complex 256-point transform takes 1.9 µs, the real 512-point one 3.6.
 */
export class SpectrogramFramer {
  private readonly fft = new FFT(FFT_SIZE / 2)
  private readonly window = hann(FFT_SIZE)
  private readonly input = new Float64Array(FFT_SIZE)
  private readonly spectrum = new Float64Array(FFT_SIZE)
  private readonly cos: Float64Array             // twiddles e^(−2πik/N) of the bins kept
  private readonly sin: Float64Array
  private readonly row: Float32Array
  private pending = new Float32Array(1 << 14)      // samples not yet consumed by a full frame
  private pendingCount = 0

  constructor(private readonly minBin: number, private readonly maxBin: number, private readonly sink: RowSink) {
    this.row = new Float32Array(maxBin - minBin + 1)
    this.cos = new Float64Array(maxBin - minBin + 1)
    this.sin = new Float64Array(maxBin - minBin + 1)
    for (let b = minBin; b <= maxBin; b++) {
      this.cos[b - minBin] = Math.cos((2 * Math.PI * b) / FFT_SIZE)
      this.sin[b - minBin] = Math.sin((2 * Math.PI * b) / FFT_SIZE)
    }
  }

  /** Appends samples [0, n) and emits every frame they complete. */
  push(samples: Float32Array, n: number): void {
    if (this.pendingCount + n > this.pending.length) {
      const grown = new Float32Array(Math.max(2 * this.pending.length, this.pendingCount + n))
      grown.set(this.pending.subarray(0, this.pendingCount))
      this.pending = grown
    }
    this.pending.set(n === samples.length ? samples : samples.subarray(0, n), this.pendingCount)
    this.pendingCount += n
    let start = 0
    for (; start + FFT_SIZE <= this.pendingCount; start += HOP_SIZE) this.computeRow(start)
    if (start > 0) {
      this.pending.copyWithin(0, start, this.pendingCount)
      this.pendingCount -= start
    }
  }

  private computeRow(start: number): void {
    const { pending, window, input, spectrum, row, minBin, maxBin, cos, sin } = this
    for (let i = 0; i < FFT_SIZE; i++) input[i] = pending[start + i]! * window[i]!
    this.fft.transform(spectrum, input)              // Z = FFT of z[n] = x[2n] + i·x[2n+1]
    const half = FFT_SIZE / 2
    for (let b = minBin; b <= maxBin; b++) {
      // X[b] = E + W^b·O with E = (Z[b] + conj Z[half−b]) / 2, O = (Z[b] − conj Z[half−b]) / 2i
      const m = (half - b) & (half - 1)
      const zr = spectrum[2 * b]!, zi = spectrum[2 * b + 1]!, cr = spectrum[2 * m]!, ci = spectrum[2 * m + 1]!
      const er = zr + cr, ei = zi - ci, or = zi + ci, oi = cr - zr   // both ×2
      const c = cos[b - minBin]!, s = sin[b - minBin]!
      const re = er + c * or + s * oi, im = ei + c * oi - s * or
      row[b - minBin] = (re * re + im * im) * 0.25 * b
    }
    this.sink.pushRow(row)
  }
}

function hann(n: number): Float64Array {
  const w = new Float64Array(n)
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n)
  return w
}
