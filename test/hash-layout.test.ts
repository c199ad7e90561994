import { describe, expect, it } from 'vitest'
import { DEFAULT_OPTIONS, fingerprint, packHash, unpackHash, WORK_RATE } from '../src/index.js'
import { DF_MAX, DT_MAX, FFT_SIZE, HASH_BITS } from '../src/options.js'
import { synthMusic } from './support/synth.js'

const BIN_HZ = WORK_RATE / FFT_SIZE

describe('packHash / unpackHash', () => {
  it('the layout is 21 bits: f1 (8) | f2 − f1 + 64 (7) | dt (6)', () => {
    expect(HASH_BITS).toBe(21)
    expect(DT_MAX).toBe(63)
    expect(DF_MAX).toBe(63)
    // Hand-computed: f1 = 1, f2 = 1, dt = 1 → 1 << 13 | 64 << 6 | 1
    expect(packHash(1, 1, 1)).toBe(8192 + 4096 + 1)
    expect(packHash(0, -64, 1)).toBe(1)
    expect(packHash(255, 255 + 63, 63)).toBe(2 ** 21 - 1)
    expect(unpackHash(8192 + 4096 + 1)).toEqual({ f1: 1, f2: 1, dt: 1 })
  })

  it('round-trips every landmark in range, and distinct landmarks get distinct hashes below 2^21', () => {
    const seen = new Uint8Array(2 ** 21)
    let count = 0, bad = 0
    for (let f1 = 0; f1 <= 255; f1++) {
      for (let df = -64; df <= 63; df++) {
        for (let dt = 1; dt <= 63; dt++) {
          const h = packHash(f1, f1 + df, dt)
          if (!(h >= 0 && h < 2 ** 21) || seen[h]) { bad++; continue }
          seen[h] = 1
          const u = unpackHash(h)
          if (u.f1 !== f1 || u.f2 !== f1 + df || u.dt !== dt) bad++
          count++
        }
      }
    }
    expect(bad).toBe(0)
    expect(count).toBe(256 * 128 * 63)
  })
})

describe('hashes from fingerprint()', () => {
  const audio = synthMusic(11, 15, 44100, 2)

  it.each([
    ['defaults', {}],
    ['fanout 1', { fanout: 1 }],
    ['fanout 8, narrow band', { fanout: 8, minFrequency: 400, maxFrequency: 2000 }],
    ['small neighbourhood, low threshold', { neighborhoodBins: 2, neighborhoodFrames: 2, threshold: 0.1 }],
  ])('with %s: every hash is < 2^21 and decodes to a landmark the options allow', (_, options) => {
    const fp = fingerprint(audio, options)
    const o = { ...DEFAULT_OPTIONS, ...options }
    const minBin = Math.max(1, Math.round(o.minFrequency / BIN_HZ))
    const maxBin = Math.min(FFT_SIZE / 2 - 1, Math.round(o.maxFrequency / BIN_HZ))
    expect(fp.hashes.length).toBeGreaterThan(100)
    expect(fp.times.length).toBe(fp.hashes.length)
    const problems: string[] = []
    const perAnchor = new Map<string, number>()
    const ranks = fp.ranks
    for (let i = 0; i < fp.hashes.length; i++) {
      const h = fp.hashes[i]!, t = fp.times[i]!
      const { f1, f2, dt } = unpackHash(h)
      if (h >= 2 ** 21) problems.push(`hash ${i} = ${h}`)
      if (f1 < minBin || f1 > maxBin || f2 < minBin || f2 > maxBin) problems.push(`hash ${i} bins ${f1}, ${f2} outside [${minBin}, ${maxBin}]`)
      if (dt < 1 || dt > DT_MAX) problems.push(`hash ${i} dt ${dt}`)
      if (i > 0 && t < fp.times[i - 1]!) problems.push(`times not in order at ${i}`)
      if ((t + dt) * fp.frameSeconds > fp.durationSeconds + 0.1) problems.push(`hash ${i} target beyond the end`)
      const anchor = `${t}:${f1}`
      const seen = perAnchor.get(anchor) ?? 0
      // A hash's rank is its target's place among its anchor's targets: 0, 1, 2… in order.
      if (ranks && ranks[i] !== seen) problems.push(`hash ${i} has rank ${ranks[i]}, expected ${seen}`)
      perAnchor.set(anchor, seen + 1)
    }
    expect(problems.slice(0, 5)).toEqual([])
    // Each anchor peak (frame, bin) is paired with at most `fanout` targets.
    expect(Math.max(...perAnchor.values())).toBeLessThanOrEqual(o.fanout)
  })

  it('a larger fanout gives more hashes from the same peaks', () => {
    const n1 = fingerprint(audio, { fanout: 1 }).hashes.length
    const n3 = fingerprint(audio, { fanout: 3 }).hashes.length
    const n8 = fingerprint(audio, { fanout: 8 }).hashes.length
    expect(n1).toBeLessThan(n3)
    expect(n3).toBeLessThan(n8)
    expect(n3).toBeLessThanOrEqual(3 * n1)
  })
})
