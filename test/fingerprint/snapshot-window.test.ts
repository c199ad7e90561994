import { describe, expect, it } from 'vitest'
import { Fingerprinter, type Fingerprint } from '../../src/index.js'
import { rng, synthMusic } from '../support/synth.js'
import { expectCode } from '../support/errors.js'

/** Index of the first hash anchored at or after `since` seconds (linear: the naive twin of the search). */
function firstAtOrAfter(fp: Fingerprint, since: number): number {
  let i = 0
  while (i < fp.times.length && fp.times[i]! * fp.frameSeconds < since) i++
  return i
}

describe('Fingerprinter.snapshot(sinceSeconds)', () => {
  const rate = 48000
  const music = synthMusic(41, 24, rate, 2)
  const [l, r] = music.channels as [Float32Array, Float32Array]
  const CHUNK = 12000                                   // 0.25 s

  it('is exactly the slice of finish() anchored in [sinceSeconds, …), and each window only grows', () => {
    const f = new Fingerprinter({ sampleRate: rate })
    const draw = rng(7)
    const taken: { since: number; fp: Fingerprint }[] = []
    for (let i = 0; i < l.length; i += CHUNK) {
      f.push([l.subarray(i, i + CHUNK), r.subarray(i, i + CHUNK)])
      if ((i / CHUNK) % 8 !== 7) continue                 // every 2 s
      const pushed = Math.min(l.length, i + CHUNK) / rate
      const whole = f.snapshot()
      // Windows from the stream's start to past its end, on and off frame boundaries.
      for (const since of [0, 20 * whole.frameSeconds, pushed - 5, pushed - 5 + draw() * 0.05, pushed - 1, pushed + 1]) {
        if (since < 0) continue
        const w = f.snapshot(since)
        const from = firstAtOrAfter(whole, since)
        expect(Array.from(w.hashes)).toEqual(Array.from(whole.hashes.subarray(from)))
        expect(Array.from(w.times)).toEqual(Array.from(whole.times.subarray(from)))
        expect(Array.from(w.ranks!)).toEqual(Array.from(whole.ranks!.subarray(from)))
        expect(w.durationSeconds).toBe(whole.durationSeconds)
        expect(w.frameSeconds).toBe(whole.frameSeconds)
        // Only the window was copied: the arrays own buffers of exactly their length.
        expect(w.hashes.buffer.byteLength).toBe(w.hashes.length * 4)
        expect(w.times.buffer.byteLength).toBe(w.times.length * 4)
        taken.push({ since, fp: w })
      }
    }
    const all = f.finish()
    // The search relies on this: hashes come out in anchor-time order.
    for (let i = 1; i < all.times.length; i++) expect(all.times[i]!).toBeGreaterThanOrEqual(all.times[i - 1]!)
    let nonEmpty = 0
    for (const { since, fp } of taken) {
      // A window is a contiguous slice of the final fingerprint: [from, from + its length).
      const from = firstAtOrAfter(all, since)
      expect(Array.from(fp.hashes)).toEqual(Array.from(all.hashes.subarray(from, from + fp.hashes.length)))
      expect(Array.from(fp.times)).toEqual(Array.from(all.times.subarray(from, from + fp.times.length)))
      for (let i = 0; i < fp.times.length; i++) expect(fp.times[i]! * fp.frameSeconds).toBeGreaterThanOrEqual(since)
      if (fp.hashes.length > 0) nonEmpty++
    }
    expect(nonEmpty).toBeGreaterThan(taken.length / 2)
    // Later windows with the same start extend earlier ones (the prefix property, windowed).
    for (let a = 0; a < taken.length; a++) {
      for (let b = a + 1; b < taken.length; b++) {
        if (taken[a]!.since !== taken[b]!.since) continue
        const p = taken[a]!.fp, q = taken[b]!.fp
        expect(q.hashes.length).toBeGreaterThanOrEqual(p.hashes.length)
        expect(Array.from(q.hashes.subarray(0, p.hashes.length))).toEqual(Array.from(p.hashes))
      }
    }
  })

  it('starts at the first anchor whose time is ≥ sinceSeconds, counting an anchor exactly on it', () => {
    const f = new Fingerprinter({ sampleRate: rate })
    f.push([l.subarray(0, 10 * rate), r.subarray(0, 10 * rate)])
    const whole = f.snapshot()
    const k = whole.times.length >> 1
    const t = whole.times[k]!
    const on = f.snapshot(t * whole.frameSeconds)
    expect(on.times[0]).toBe(t)
    expect(on.hashes.length).toBe(whole.times.length - whole.times.indexOf(t))
    const after = f.snapshot(t * whole.frameSeconds + 1e-6)
    expect(after.times[0]).toBeGreaterThan(t)
    expect(f.snapshot(0).hashes).toEqual(whole.hashes)
    expect(f.snapshot(1e6).hashes.length).toBe(0)
    expect(f.snapshot(1e6).durationSeconds).toBe(10)
  })

  it('rejects a window start that is not a finite number ≥ 0 with INVALID_OPTIONS', () => {
    const f = new Fingerprinter({ sampleRate: 8000 })
    f.push(new Float32Array(8000))
    for (const bad of [NaN, -1, -1e-9, Infinity, -Infinity, '3', null]) {
      const e = expectCode(() => f.snapshot(bad as number), 'INVALID_OPTIONS')
      expect(e.message).toContain('sinceSeconds')
    }
    f.finish()
    expectCode(() => f.snapshot(0), 'STREAM_FINISHED')
  })
})
