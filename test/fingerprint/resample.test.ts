import { describe, expect, it } from 'vitest'
import { Resampler } from '../../src/fingerprint/resample.js'
import { naiveResample } from '../support/reference.js'
import { rng } from '../support/synth.js'

/** Mirrors resample.ts: every rate is low-passed at 0.9 × the output Nyquist. */
const CUTOFF_RATIO = 0.9

/** All output of one stream, pushed in chunks of `chunk` samples. */
function resample(x: Float32Array, inRate: number, outRate: number, chunk = x.length): { y: Float64Array; half: number } {
  const r = new Resampler(inRate, outRate)
  const out: number[] = []
  const collect = () => { for (let i = 0; i < r.outCount; i++) out.push(r.out[i]!) }
  for (let at = 0; at < x.length; at += chunk) {
    r.push([x.subarray(at, at + chunk)], at)
    collect()
  }
  r.finish()
  collect()
  // The kernel half-width is an implementation choice (taps are rounded for unrolling): read it.
  return { y: Float64Array.from(out), half: Reflect.get(r, 'half') as number }
}

function tone(rate: number, hz: number, seconds: number, amplitude: number): Float32Array {
  const x = new Float32Array(Math.round(rate * seconds))
  for (let i = 0; i < x.length; i++) x[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / rate)
  return x
}

function rms(y: Float64Array, from: number, to: number): number {
  let s = 0
  for (let i = from; i < to; i++) s += y[i]! * y[i]!
  return Math.sqrt(s / (to - from))
}

/** Magnitude of the DFT of y[from, to) at `hz` (Goertzel-free, direct sum). */
function dftMagnitude(y: Float64Array, from: number, to: number, rate: number, hz: number): number {
  let re = 0, im = 0
  for (let i = from; i < to; i++) {
    const a = (2 * Math.PI * hz * i) / rate
    re += y[i]! * Math.cos(a)
    im -= y[i]! * Math.sin(a)
  }
  return Math.hypot(re, im) / (to - from)
}

const db = (ratio: number) => 20 * Math.log10(ratio)

describe('Resampler vs the naive windowed sinc', () => {
  it.each([8000, 11025, 22050, 44100, 48000, 96000])('white noise at %i Hz → 8000 Hz, pushed in chunks of 997', (inRate) => {
    const rand = rng(inRate)
    const x = new Float32Array(Math.floor(inRate * 0.4)).map(() => rand() * 2 - 1)
    const { y, half } = resample(x, inRate, 8000, 997)
    const z = naiveResample(x, inRate, 8000, (CUTOFF_RATIO * 8000) / 2 / inRate, half)
    expect(y.length).toBe(z.length)
    let worst = 0
    for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i]! - z[i]!))
    // Integer ratios hit the kernel table's phases exactly: float32 rounding only. Others use
    // the nearest of 256 phases (≤ 1/512 sample of position error): a few 1e-3 on full-scale noise.
    expect(worst).toBeLessThan(inRate % 8000 === 0 ? 1e-5 : 5e-3)
  })

  it('emits ceil(n × out / in) samples in total, whatever the chunking', () => {
    const x = new Float32Array(44_101).fill(0.25)
    for (const chunk of [1, 100, 44_101]) expect(resample(x, 44100, 8000, chunk).y.length).toBe(Math.ceil((44_101 * 8000) / 44100))
    expect(resample(new Float32Array(0), 44100, 8000).y.length).toBe(0)
  })
})

describe('Resampler frequency response, 44100 → 8000 Hz', () => {
  // Measured values (dB): 1 kHz −0.13, 2 kHz −0.95, 6 kHz −31.9, 10 kHz −85. The filter is soft
  // (−6 dB at the 3.6 kHz cutoff); the assertions keep a margin around what it does.
  const measure = (hz: number) => {
    const { y } = resample(tone(44100, hz, 1, 0.5), 44100, 8000)
    return { y, gain: rms(y, 1000, 7000) / (0.5 / Math.SQRT2) }
  }

  it('passes DC with unit gain', () => {
    const { y } = resample(new Float32Array(44100).fill(0.5), 44100, 8000)
    for (const i of [500, 4000, 7500]) expect(y[i]).toBeCloseTo(0.5, 5)
  })

  it('keeps a 1 kHz sine at 1 kHz, within 1 dB of its amplitude', () => {
    const { y, gain } = measure(1000)
    expect(Math.abs(db(gain))).toBeLessThan(1)
    // The spectral peak is at 1 kHz: stronger there than 50 Hz either side or at any alias.
    const at = (hz: number) => dftMagnitude(y, 1000, 7000, 8000, hz)
    expect(at(1000)).toBeGreaterThan(0.2)
    for (const hz of [900, 950, 1050, 1100, 2000, 3000]) expect(at(hz)).toBeLessThan(at(1000) / 100)
    // And its zero crossings: 2 per period, 2000 a second.
    let crossings = 0
    for (let i = 1001; i < 7000; i++) if ((y[i - 1]! < 0) !== (y[i]! < 0)) crossings++
    expect(Math.abs(crossings - 1500)).toBeLessThanOrEqual(2)
  })

  it('keeps 2 kHz within 2 dB', () => {
    expect(Math.abs(db(measure(2000).gain))).toBeLessThan(2)
  })

  it('attenuates a 6 kHz tone (which would alias to 2 kHz) by more than 20 dB', () => {
    expect(db(measure(6000).gain)).toBeLessThan(-20)
  })

  it('attenuates a 10 kHz tone by more than 60 dB', () => {
    expect(db(measure(10000).gain)).toBeLessThan(-60)
  })
})
