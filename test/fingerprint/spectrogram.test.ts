import { describe, expect, it } from 'vitest'
import { SpectrogramFramer } from '../../src/fingerprint/spectrogram.js'
import { FFT_SIZE, HOP_SIZE, WORK_RATE } from '../../src/options.js'

function frame(samples: Float32Array, minBin: number, maxBin: number, chunk = samples.length): Float32Array[] {
  const rows: Float32Array[] = []
  const framer = new SpectrogramFramer(minBin, maxBin, { pushRow: (r) => rows.push(r.slice()) })
  for (let at = 0; at < samples.length; at += chunk) {
    const part = samples.slice(at, at + chunk)
    framer.push(part, part.length)
  }
  return rows
}

describe('SpectrogramFramer', () => {
  const bin = 64                                   // a tone centred on bin 64
  const hz = (bin * WORK_RATE) / FFT_SIZE
  const amplitude = 0.5
  const n = FFT_SIZE + 10 * HOP_SIZE + 7
  const sine = Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / WORK_RATE))

  it('emits one row per hop once a full window is in', () => {
    expect(frame(sine, 10, 100)).toHaveLength(11)
    expect(frame(sine.subarray(0, FFT_SIZE - 1), 10, 100)).toHaveLength(0)
  })

  it('a bin-centred sine: Hann power (A·N/4)² × bin at its bin, a quarter of that at ±1, ~0 elsewhere', () => {
    const rows = frame(sine, 10, 100)
    const main = (amplitude * FFT_SIZE / 4) ** 2
    for (const r of rows) {
      expect(r).toHaveLength(91)
      expect(r[bin - 10]! / (main * bin)).toBeCloseTo(1, 3)
      expect(r[bin - 1 - 10]! / ((main / 4) * (bin - 1))).toBeCloseTo(1, 3)
      expect(r[bin + 1 - 10]! / ((main / 4) * (bin + 1))).toBeCloseTo(1, 3)
      for (const far of [10, 40, 62, 66, 100]) expect(r[far - 10]! / (main * bin)).toBeLessThan(1e-6)
    }
  })

  it('rows do not depend on how the samples were chunked', () => {
    const whole = frame(sine, 10, 100)
    expect(frame(sine, 10, 100, 1)).toEqual(whole)
    expect(frame(sine, 10, 100, 129)).toEqual(whole)
  })
})
