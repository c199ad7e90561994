import { describe, expect, it } from 'vitest'
import { PeakPicker, type PeakSink } from '../../src/fingerprint/peaks.js'
import { naivePeaks } from '../support/reference.js'
import { rng } from '../support/synth.js'

/** A sink that records what the picker tells it, and checks the order of the calls. */
class Recorder implements PeakSink {
  peaks: [number, number][] = []
  settledFrames: number[] = []
  errors: string[] = []
  pushPeak(frame: number, bin: number): void {
    const last = this.settledFrames[this.settledFrames.length - 1]
    if (last !== undefined && frame <= last) this.errors.push(`peak at frame ${frame} after settled(${last})`)
    this.peaks.push([frame, bin])
  }
  settled(frame: number): void {
    this.settledFrames.push(frame)
  }
}

function pick(rows: readonly Float32Array[], minBin: number, nb: number, nf: number, threshold: number): Recorder {
  const bins = rows[0]!.length
  const sink = new Recorder()
  const picker = new PeakPicker(minBin, minBin + bins - 1, nb, nf, threshold, sink)
  for (const r of rows) picker.pushRow(r)
  picker.finish()
  return sink
}

function randomRows(seed: number, frames: number, bins: number, levels: number): Float32Array[] {
  const rand = rng(seed)
  // Few distinct levels: many ties, along frequency and along time, to test the tie rules.
  return Array.from({ length: frames }, () => Float32Array.from({ length: bins }, () => Math.floor(rand() * levels) / 4))
}

describe('PeakPicker vs the naive rule', () => {
  it.each([
    // seed, frames, bins, nb, nf, threshold, levels
    [1, 60, 60, 3, 2, 0.5, 8],
    [2, 80, 122, 10, 8, 0.5, 1000],
    [3, 40, 122, 10, 8, 0.5, 3],
    [4, 50, 9, 10, 3, 0.1, 20],          // neighbourhood wider than the row
    [5, 5, 30, 2, 8, 0.5, 20],           // fewer frames than the time neighbourhood
    [6, 100, 200, 1, 1, 2, 50],
    [7, 70, 64, 7, 5, 0, 2],
  ])('seed %i: %i frames × %i bins, ±%i bins, ±%i frames, threshold %f', (seed, frames, bins, nb, nf, threshold, levels) => {
    const rows = randomRows(seed, frames, bins, levels)
    const got = pick(rows, 12, nb, nf, threshold)
    const want = naivePeaks(rows, 12, nb, nf, threshold)
    expect(want.length).toBeGreaterThan(0)
    expect(got.peaks).toEqual(want)
    expect(got.errors).toEqual([])
    expect(got.settledFrames).toEqual(Array.from({ length: frames }, (_, i) => i))
  })

  it('copies each row: the caller may reuse its array', () => {
    const rows = randomRows(8, 30, 40, 100)
    const sink = new Recorder()
    const picker = new PeakPicker(5, 44, 4, 3, 0.5, sink)
    const scratch = new Float32Array(40)
    for (const r of rows) { scratch.set(r); picker.pushRow(scratch); scratch.fill(1e9) }
    picker.finish()
    expect(sink.peaks).toEqual(naivePeaks(rows, 5, 4, 3, 0.5))
  })
})

describe('PeakPicker, hand-computed cases', () => {
  const row = (bins: number, cells: Record<number, number>) => {
    const r = new Float32Array(bins)
    for (const [b, v] of Object.entries(cells)) r[Number(b)] = v
    return r
  }

  it('a steady tone gives one peak, at its first frame', () => {
    const rows = Array.from({ length: 20 }, () => row(30, { 5: 1 }))
    expect(pick(rows, 10, 3, 4, 0.5).peaks).toEqual([[0, 15]])
  })

  it('a tone that stops and restarts after more than nf frames peaks again', () => {
    const rows = Array.from({ length: 20 }, (_, f) => row(30, f < 5 || f >= 11 ? { 5: 1 } : {}))
    expect(pick(rows, 10, 3, 4, 0.5).peaks).toEqual([[0, 15], [11, 15]])
  })

  it('the louder of two close cells wins; a far cell is a peak of its own', () => {
    const rows = [row(30, { 5: 2, 7: 3, 20: 1 }), row(30, {}), row(30, { 6: 2.5 })]
    expect(pick(rows, 0, 3, 2, 0.1).peaks).toEqual([[0, 7], [0, 20]])
  })

  it('cells at or below the floor (threshold × row mean, at least 1e-3) are not peaks', () => {
    // Row mean = 2/10 = 0.2; threshold 5 → floor 1: the cell of 1 is not above it.
    expect(pick([row(10, { 2: 1, 8: 1 })], 0, 1, 1, 5).peaks).toEqual([])
    expect(pick([row(10, { 2: 1, 8: 1 })], 0, 1, 1, 4.9).peaks).toEqual([[0, 2], [0, 8]])
    expect(pick([row(10, { 2: 0.0009 })], 0, 1, 1, 0).peaks).toEqual([])
  })
})
