import { describe, expect, it } from 'vitest'
import { fingerprint, Fingerprinter, fingerprinterOptions, FRONT_END_VERSION } from '../../src/index.js'
import {
  checkFrontEnd, DEFAULT_FRONT_END, frontEndMismatch, frontEndOf, type FrontEnd,
} from '../../src/fingerprint/front-end.js'
import { resolveOptions } from '../../src/options.js'
import { expectCode } from '../support/errors.js'
import { rng, synthMusic } from '../support/synth.js'

// Bins are 8000 / 512 = 15.625 Hz wide: 150 Hz → bin 9.6 → 10, 3700 Hz → 236.8 → 237,
// 300 Hz → 19.2 → 19, 3000 Hz → 192.
const DEFAULT: FrontEnd = { version: 1, minBin: 10, maxBin: 237, neighborhoodBins: 10, neighborhoodFrames: 8, threshold: 0.5, fanout: 5 }
const CUSTOM_OPTIONS = { minFrequency: 300, maxFrequency: 3000, neighborhoodBins: 6, neighborhoodFrames: 5, threshold: 0.8, fanout: 8 }
const CUSTOM: FrontEnd = { version: 1, minBin: 19, maxBin: 192, neighborhoodBins: 6, neighborhoodFrames: 5, threshold: 0.8, fanout: 8 }

describe('frontEndOf', () => {
  it('stamps default options with version 1 and the resolved bins', () => {
    expect(FRONT_END_VERSION).toBe(1)
    expect(frontEndOf(resolveOptions())).toEqual(DEFAULT)
    expect(DEFAULT_FRONT_END).toEqual(DEFAULT)
    expect(Object.isFrozen(DEFAULT_FRONT_END)).toBe(true)
  })

  it('stamps custom options with their resolved values', () => {
    const fe = frontEndOf(resolveOptions(CUSTOM_OPTIONS))
    expect(fe).toEqual(CUSTOM)
    expect(Object.isFrozen(fe)).toBe(true)
  })
})

describe('the stamp on fingerprints', () => {
  const music = synthMusic(7, 6, 22050, 1)

  it('is the front end of the options used, on fingerprint() and on streams', () => {
    expect(fingerprint(music).frontEnd).toEqual(DEFAULT)
    expect(fingerprint(music, CUSTOM_OPTIONS).frontEnd).toEqual(CUSTOM)
    // A silent, empty stream is stamped too: an empty fingerprint still says how it was made.
    expect(new Fingerprinter({ sampleRate: 8000, ...CUSTOM_OPTIONS }).finish().frontEnd).toEqual(CUSTOM)
  })

  it('is the same on streaming snapshots, finish() and batch', () => {
    const batch = fingerprint(music, CUSTOM_OPTIONS)
    const f = new Fingerprinter({ sampleRate: music.sampleRate, ...CUSTOM_OPTIONS })
    const samples = music.channels[0]!
    const snaps: FrontEnd[] = []
    for (let i = 0; i < samples.length; i += 10_000) {
      f.push(samples.subarray(i, i + 10_000))
      snaps.push(f.snapshot().frontEnd)
    }
    const streamed = f.finish()
    expect(streamed.frontEnd).toEqual(batch.frontEnd)
    for (const s of snaps) expect(s).toEqual(CUSTOM)
    expect(streamed).toEqual(batch)
  })

  it('survives reset() with the same settings', () => {
    const f = new Fingerprinter({ sampleRate: 8000, fanout: 3 })
    f.push(new Float32Array(100))
    f.reset()
    expect(f.finish().frontEnd).toEqual({ ...DEFAULT, fanout: 3 })
  })
})

describe('frontEndMismatch', () => {
  it('is null for equal front ends, with or without fanout', () => {
    expect(frontEndMismatch(DEFAULT_FRONT_END, { ...DEFAULT }, false)).toBeNull()
    expect(frontEndMismatch(DEFAULT_FRONT_END, { ...DEFAULT, fanout: 8 }, true)).toBeNull()
  })

  it('names a fanout difference unless told to ignore it', () => {
    expect(frontEndMismatch(DEFAULT_FRONT_END, { ...DEFAULT, fanout: 8 }, false)).toBe('fanout 5 vs 8')
  })

  it('names every differing peak parameter, fanout or not', () => {
    expect(frontEndMismatch(DEFAULT_FRONT_END, CUSTOM, true)).toBe(
      'minBin 10 vs 19, maxBin 237 vs 192, neighborhoodBins 10 vs 6, neighborhoodFrames 8 vs 5, threshold 0.5 vs 0.8')
    expect(frontEndMismatch(DEFAULT_FRONT_END, CUSTOM, false)).toBe(
      'minBin 10 vs 19, maxBin 237 vs 192, neighborhoodBins 10 vs 6, neighborhoodFrames 8 vs 5, threshold 0.5 vs 0.8, fanout 5 vs 8')
    expect(frontEndMismatch(DEFAULT_FRONT_END, { ...DEFAULT, threshold: 0.51 }, true)).toBe('threshold 0.5 vs 0.51')
  })

  it('reports a version difference first, as it makes the other fields meaningless', () => {
    expect(frontEndMismatch({ ...DEFAULT, version: 2, fanout: 8 }, DEFAULT_FRONT_END, false)).toBe('front-end version 2 vs 1')
    expect(frontEndMismatch(DEFAULT_FRONT_END, { ...CUSTOM, version: 0 }, true)).toBe('front-end version 1 vs 0')
  })
})

describe('checkFrontEnd', () => {
  it('returns a frozen copy holding only the FrontEnd fields', () => {
    const fe = checkFrontEnd({ ...CUSTOM, extra: 'dropped' }, 'test')
    expect(fe).toEqual(CUSTOM)
    expect(Object.isFrozen(fe)).toBe(true)
  })

  it('accepts the extremes resolveOptions produces and rejects one step beyond', () => {
    const low = frontEndOf(resolveOptions({ minFrequency: 0, maxFrequency: 140, neighborhoodBins: 1, neighborhoodFrames: 1, threshold: 0, fanout: 1 }))
    const high = frontEndOf(resolveOptions({ minFrequency: 3860, maxFrequency: 4000, neighborhoodBins: 64, neighborhoodFrames: 64, threshold: 1000, fanout: 16 }))
    expect(low).toMatchObject({ minBin: 1, maxBin: 9 })
    expect(high).toMatchObject({ minBin: 247, maxBin: 255 })
    expect(checkFrontEnd(low, 'low')).toEqual(low)
    expect(checkFrontEnd(high, 'high')).toEqual(high)
    const beyond: Partial<Record<keyof FrontEnd, number>>[] = [
      { minBin: 0 }, { maxBin: 256 }, { minBin: 248 }, { neighborhoodBins: 0 }, { neighborhoodFrames: 65 },
      { threshold: -0.1 }, { threshold: 1000.5 }, { fanout: 0 }, { fanout: 17 },
    ]
    for (const b of beyond) expectCode(() => checkFrontEnd({ ...(b.minBin === 248 ? high : DEFAULT), ...b }, 'beyond'), 'INVALID_FINGERPRINT')
    // and resolveOptions agrees that those values are out of range
    expectCode(() => resolveOptions({ fanout: 17 }), 'INVALID_OPTIONS')
    expectCode(() => resolveOptions({ neighborhoodFrames: 65 }), 'INVALID_OPTIONS')
    expectCode(() => resolveOptions({ threshold: 1000.5 }), 'INVALID_OPTIONS')
  })

  it('rejects a band narrower than 8 bins', () => {
    const e = expectCode(() => checkFrontEnd({ ...DEFAULT, minBin: 100, maxBin: 107 }, 'narrow'), 'INVALID_FINGERPRINT')
    expect(e.message).toContain('frontEnd.maxBin')
  })

  it('says INCOMPATIBLE_FINGERPRINT for another version, before looking at the other fields', () => {
    const e = expectCode(() => checkFrontEnd({ version: 2 }, 'cached file'), 'INCOMPATIBLE_FINGERPRINT')
    expect(e.message).toContain('cached file')
    expect(e.message).toContain('version 2')
    expectCode(() => checkFrontEnd({ ...DEFAULT, version: 0 }, 'x'), 'INCOMPATIBLE_FINGERPRINT')
  })

  it('says INVALID_FINGERPRINT for anything that is not a FrontEnd', () => {
    for (const v of [null, undefined, 1, 'v1', [], {}, { ...DEFAULT, version: '1' }, { ...DEFAULT, version: 1.5 }, { ...DEFAULT, version: -1 },
      { ...DEFAULT, minBin: 10.5 }, { ...DEFAULT, threshold: Number.NaN }, { ...DEFAULT, threshold: '0.5' }, { ...DEFAULT, fanout: undefined }]) {
      expectCode(() => checkFrontEnd(v, 'value'), 'INVALID_FINGERPRINT')
    }
  })
})

describe('fingerprinterOptions', () => {
  it('gives options that make exactly the front end it was given, defaults and custom', () => {
    expect(frontEndOf(resolveOptions(fingerprinterOptions(DEFAULT_FRONT_END)))).toEqual(DEFAULT)
    expect(frontEndOf(resolveOptions(fingerprinterOptions(CUSTOM)))).toEqual(CUSTOM)
    expect(fingerprinterOptions(CUSTOM)).toEqual({ minFrequency: 19 * 15.625, maxFrequency: 192 * 15.625, neighborhoodBins: 6, neighborhoodFrames: 5, threshold: 0.8, fanout: 8 })
  })

  it('round-trips every bin band and the extremes of each field (seeded)', () => {
    const random = rng(11)
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
    const cases: FrontEnd[] = [
      { version: 1, minBin: 1, maxBin: 9, neighborhoodBins: 1, neighborhoodFrames: 1, threshold: 0, fanout: 1 },
      { version: 1, minBin: 247, maxBin: 255, neighborhoodBins: 64, neighborhoodFrames: 64, threshold: 1000, fanout: 16 },
    ]
    for (let i = 0; i < 300; i++) {
      const minBin = int(1, 247)
      cases.push({ version: 1, minBin, maxBin: int(minBin + 8, 255), neighborhoodBins: int(1, 64), neighborhoodFrames: int(1, 64), threshold: Math.round(random() * 5000) / 1000, fanout: int(1, 16) })
    }
    for (const fe of cases) expect(frontEndOf(resolveOptions(fingerprinterOptions(fe)))).toEqual(fe)
  })

  it('fingerprints the same audio into the same hashes as the options that made the stamp', () => {
    const music = synthMusic(8, 6, 22050, 2)
    const options = { minFrequency: 200, maxFrequency: 3300, neighborhoodBins: 14, neighborhoodFrames: 11, threshold: 0.6, fanout: 5 }
    const made = fingerprint(music, options)
    const again = fingerprint(music, fingerprinterOptions(made.frontEnd))
    expect(again).toEqual(made)
    expect(again.hashes).not.toEqual(fingerprint(music).hashes)   // not the defaults' by accident
    const f = new Fingerprinter({ sampleRate: music.sampleRate, ...fingerprinterOptions(made.frontEnd) })
    f.push(music.channels)
    expect(f.finish()).toEqual(made)
  })

  it('refuses a front end this peakmatch cannot make: another version (INCOMPATIBLE), a malformed one (INVALID)', () => {
    const e = expectCode(() => fingerprinterOptions({ ...DEFAULT, version: 2 }), 'INCOMPATIBLE_FINGERPRINT')
    expect(e.message).toContain('version 2')
    expect(e.message).toContain('makes version 1')
    expectCode(() => fingerprinterOptions({ version: 7 } as unknown as FrontEnd), 'INCOMPATIBLE_FINGERPRINT')
    for (const v of [null, 1, {}, { ...DEFAULT, neighborhoodBins: 0 }, { ...DEFAULT, minBin: 100, maxBin: 107 }, { ...DEFAULT, version: -1 }]) {
      expectCode(() => fingerprinterOptions(v as unknown as FrontEnd), 'INVALID_FINGERPRINT')
    }
  })
})
