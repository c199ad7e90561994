import type { RowSink } from './spectrogram.js'

/** Receives peaks in order of frame, then bin (bins are absolute FFT bins). */
export interface PeakSink {
  pushPeak(frame: number, bin: number): void
  /** Every peak at a frame ≤ `frame` has been pushed. */
  settled(frame: number): void
}

/** Rows quieter than this (tilt-weighted power, about −90 dB below a full-scale sine) have no peaks. */
const POWER_FLOOR = 1e-3

/**
 * Streaming 2-D peak picker. A peak is a cell that is the maximum of its neighbourhood
 * (±nb bins, ±nf frames) and above an adaptive floor: `threshold` × its row's mean power.
 *
 * It works in two separable steps, as Olaf does: a running maximum across frequency per row,
 * then, only for the cells that are their row's local maximum, a look along time at the
 * neighbouring rows' maxima. A row is decided once the nf rows after it have arrived.
 * Ties along time go to the earliest frame, so a steady tone yields one peak, not several.
 */
export class PeakPicker implements RowSink {
  private readonly bins: number
  private readonly span: number                    // rows kept: 2·nf + 1
  private readonly power: Float32Array             // span rows
  private readonly rowMax: Float32Array            // span rows: max over ±nb bins
  private readonly floor: Float64Array             // per row
  private readonly scratch: Float32Array           // prefix/suffix maxima
  private frames = 0                               // rows received
  private decided = 0                              // rows decided

  constructor(
    private readonly minBin: number,
    maxBin: number,
    private readonly nb: number,
    private readonly nf: number,
    private readonly threshold: number,
    private readonly sink: PeakSink,
  ) {
    this.bins = maxBin - minBin + 1
    this.span = 2 * nf + 1
    this.power = new Float32Array(this.span * this.bins)
    this.rowMax = new Float32Array(this.span * this.bins)
    this.floor = new Float64Array(this.span)
    this.scratch = new Float32Array(2 * this.bins)
  }

  pushRow(row: Float32Array): void {
    const bins = this.bins
    const slot = this.frames % this.span
    const offset = slot * bins
    this.power.set(row, offset)
    let sum = 0
    for (let b = 0; b < bins; b++) sum += row[b]!
    this.floor[slot] = Math.max(POWER_FLOOR, (this.threshold * sum) / bins)
    this.slidingMax(offset)
    this.frames++
    // Row r can be decided when rows up to r + nf are in.
    while (this.decided + this.nf < this.frames) this.decide(this.decided++)
  }

  /** Decides the rows still open, with the rows after the end counted as absent. */
  finish(): void {
    while (this.decided < this.frames) this.decide(this.decided++)
  }

  private decide(frame: number): void {
    const { bins, span, power, rowMax, nf, minBin } = this
    const slot = frame % span
    const base = slot * bins
    const floor = this.floor[slot]!
    const first = Math.max(0, frame - nf)
    const last = Math.min(this.frames - 1, frame + nf)
    for (let b = 0; b < bins; b++) {
      const p = power[base + b]!
      if (p <= floor || p !== rowMax[base + b]) continue
      let isPeak = true
      for (let r = first; r <= last && isPeak; r++) {
        if (r === frame) continue
        const m = rowMax[(r % span) * bins + b]!
        isPeak = r < frame ? m < p : m <= p
      }
      if (isPeak) this.sink.pushPeak(frame, b + minBin)
    }
    this.sink.settled(frame)
  }

  /** rowMax[b] = max(power[b − nb .. b + nb]) for one row, by van Herk/Gil-Werman blocks. */
  private slidingMax(offset: number): void {
    const { bins, nb, power, rowMax, scratch } = this
    const width = 2 * nb + 1
    const prefix = scratch, suffixBase = bins
    for (let start = 0; start < bins; start += width) {
      const end = Math.min(bins, start + width)
      let m = -1
      for (let b = start; b < end; b++) { const v = power[offset + b]!; if (v > m) m = v; prefix[b] = m }
      m = -1
      for (let b = end - 1; b >= start; b--) { const v = power[offset + b]!; if (v > m) m = v; scratch[suffixBase + b] = m }
    }
    for (let b = 0; b < bins; b++) {
      const lo = b - nb
      const hi = Math.min(b + nb, bins - 1)
      let m: number
      if (lo <= 0) m = prefix[hi]!                     // [0, hi] lies in the first block
      else {
        // [lo, hi] spans lo's block suffix and, when it crosses a block edge, hi's prefix.
        m = scratch[suffixBase + lo]!
        if (Math.floor(lo / width) !== Math.floor(hi / width)) { const r = prefix[hi]!; if (r > m) m = r }
      }
      rowMax[offset + b] = m
    }
  }
}
