import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FINGERPRINT_FORMAT_VERSION, fingerprint, fingerprintFromBytes, fingerprintToBytes, Fingerprinter, FRAME_SECONDS,
  PeakmatchError, type Fingerprint, type FrontEnd,
} from '../../src/index.js'
import { crc32 } from '../../src/crc32.js'
import { DEFAULT_FRONT_END } from '../../src/fingerprint/front-end.js'
import { expectCode } from '../support/errors.js'
import { rng, synthMusic, withNoise } from '../support/synth.js'

const HEADER = 48

/** Recomputes the CRC, so that a forged or damaged body reaches the parser behind it. */
function withCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice()
  if (out.length >= 10) new DataView(out.buffer).setUint32(6, crc32(out.subarray(10)), true)
  return out
}

function withoutRanks(fp: Fingerprint): Fingerprint {
  const { ranks: _, ...rest } = fp
  return rest
}

/** Decodes, and returns the error code if it failed; anything but a PeakmatchError fails the test. */
function decodeOrCode(bytes: Uint8Array): Fingerprint | string {
  try {
    return fingerprintFromBytes(bytes)
  } catch (e) {
    if (!(e instanceof PeakmatchError)) throw new Error(`untyped error ${String(e)}`, { cause: e })
    return e.code
  }
}

/** Byte equality without vitest's element-by-element diff, which is slow on kilobytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function expectSame(actual: Fingerprint, expected: Fingerprint): void {
  expect(Array.from(actual.hashes)).toEqual(Array.from(expected.hashes))
  expect(Array.from(actual.times)).toEqual(Array.from(expected.times))
  if (expected.ranks === undefined) expect('ranks' in actual).toBe(false)
  else expect(Array.from(actual.ranks!)).toEqual(Array.from(expected.ranks))
  expect(actual.frontEnd).toEqual(expected.frontEnd)
  expect(Object.is(actual.durationSeconds, expected.durationSeconds)).toBe(true)
  expect(actual.frameSeconds).toBe(expected.frameSeconds)
}

const music = synthMusic(5, 30, 44100, 2)
const fp = fingerprint(music)
const bytes = fingerprintToBytes(fp)

describe('fingerprintToBytes / fingerprintFromBytes round trip', () => {
  it('is bit-exact on real music, with ranks', () => {
    expect(fp.hashes.length).toBeGreaterThan(500)
    const back = fingerprintFromBytes(bytes)
    expectSame(back, fp)
    expect(back.ranks).toBeInstanceOf(Uint8Array)
    expect(sameBytes(fingerprintToBytes(back), bytes)).toBe(true)
  })

  it('is bit-exact with another fanout, noisy audio and custom options', () => {
    const custom = fingerprint(withNoise(music, 5, 9), { fanout: 16, minFrequency: 300, threshold: 0.8 })
    expect(Math.max(...custom.ranks!)).toBe(15)
    expectSame(fingerprintFromBytes(fingerprintToBytes(custom)), custom)
  })

  it('keeps a fingerprint without ranks without ranks, and it is smaller', () => {
    const bare = withoutRanks(fp)
    const b = fingerprintToBytes(bare)
    expect(b[19]).toBe(0)
    expect(bytes[19]).toBe(1)
    const back = fingerprintFromBytes(b)
    expectSame(back, bare)
    expect(back.ranks).toBeUndefined()
    expect(b.length).toBeLessThan(bytes.length)
  })

  it('encodes an empty fingerprint as the 48-byte header alone', () => {
    const empty = new Fingerprinter({ sampleRate: 8000, fanout: 2 }).finish()
    expect(empty.hashes.length).toBe(0)
    const b = fingerprintToBytes(empty)
    expect(b.length).toBe(HEADER)
    expectSame(fingerprintFromBytes(b), empty)
    expectSame(fingerprintFromBytes(fingerprintToBytes(withoutRanks(empty))), withoutRanks(empty))
  })

  it('returns arrays that own aligned memory, even from an unaligned view or an ArrayBuffer', () => {
    const padded = new Uint8Array(bytes.length + 3)
    padded.set(bytes, 3)
    for (const input of [padded.subarray(3), bytes.slice().buffer]) {
      const back = fingerprintFromBytes(input)
      for (const a of [back.hashes, back.times, back.ranks!]) {
        expect(a.byteOffset).toBe(0)
        expect(a.buffer.byteLength).toBe(a.byteLength)
        expect(a.buffer).not.toBe(padded.buffer)
      }
      expectSame(back, fp)
    }
    padded.fill(0)                                  // the decoded copy does not see this
    expectSame(fingerprintFromBytes(bytes), fp)
  })

  it('writes the documented layout (docs/format.md), checked by hand', () => {
    const fe: FrontEnd = { version: 1, minBin: 10, maxBin: 237, neighborhoodBins: 10, neighborhoodFrames: 8, threshold: 0.5, fanout: 4 }
    const small: Fingerprint = {
      hashes: Uint32Array.of(0x1abcde, 0x000001, 0x1fffff, 0x012345),
      times: Uint32Array.of(0, 0, 5, 300),
      ranks: Uint8Array.of(0, 1, 0, 2),
      frameSeconds: FRAME_SECONDS,
      durationSeconds: 5,
      frontEnd: fe,
    }
    const b = fingerprintToBytes(small)
    const view = new DataView(b.buffer)
    expect(Array.from(b.subarray(0, 4))).toEqual([0x50, 0x4d, 0x46, 0x50])     // "PMFP"
    expect(view.getUint16(4, true)).toBe(FINGERPRINT_FORMAT_VERSION)
    expect(view.getUint32(6, true)).toBe(crc32(b.subarray(10)))
    expect(Array.from(b.subarray(10, 20))).toEqual([1, 0, 10, 0, 237, 0, 10, 8, 4, 1])
    expect(view.getFloat64(20, true)).toBe(0.5)
    expect(view.getFloat64(28, true)).toBe(0.016)
    expect(view.getFloat64(36, true)).toBe(5)
    expect(view.getUint32(44, true)).toBe(4)
    // dt × fanout + rank: 0, 1, 5 × 4 + 0 = 20, 295 × 4 + 2 = 1182 = 0x9e + 9 × 128
    expect(Array.from(b.subarray(48, 53))).toEqual([0x00, 0x01, 0x14, 0x9e, 0x09])
    expect(Array.from(b.subarray(53))).toEqual([0xde, 0xbc, 0x1a, 0x01, 0x00, 0x00, 0xff, 0xff, 0x1f, 0x45, 0x23, 0x01])
    expectSame(fingerprintFromBytes(b), small)
  })

  it('carries the largest times, hashes and ranks', () => {
    const edge: Fingerprint = {
      hashes: Uint32Array.of(0, 2 ** 21 - 1, 2 ** 21 - 1),
      times: Uint32Array.of(0, 2 ** 32 - 1, 2 ** 32 - 1),
      ranks: Uint8Array.of(15, 15, 0),
      frameSeconds: FRAME_SECONDS,
      durationSeconds: 1e12,
      frontEnd: { ...DEFAULT_FRONT_END, fanout: 16 },
    }
    const b = fingerprintToBytes(edge)
    expect(b.length).toBe(HEADER + 1 + 6 + 1 + 3 * 3)    // (2^32 − 1) × 16 + 15 takes 6 varint bytes
    expectSame(fingerprintFromBytes(b), edge)
  })
})

describe('size', () => {
  it('is about 4 bytes a hash, and well under 300 bytes per second of music', () => {
    // Measured on synthMusic seeds 1–8 × 30 s (half with noise at 10 dB SNR), default options:
    // 4.00 bytes a hash + 48, 213 bytes per second of audio (docs/format.md).
    let total = 0, hashes = 0, seconds = 0
    for (const seed of [1, 2, 3, 4]) {
      const a = synthMusic(seed, 30)
      const f = fingerprint(seed % 2 ? a : withNoise(a, 10, seed))
      total += fingerprintToBytes(f).length
      hashes += f.hashes.length
      seconds += f.durationSeconds
    }
    expect((total - 4 * HEADER) / hashes).toBeLessThan(4.1)
    expect(total / seconds).toBeLessThan(300)
    // A 4-byte word per hash plus a varint per time would be 5 bytes a hash.
    expect(total).toBeLessThan(0.85 * (4 * HEADER + 5 * hashes))
  })
})

describe('fingerprintFromBytes on damaged input', () => {
  it('says INVALID_FINGERPRINT when truncated at any byte position', () => {
    for (let cut = 0; cut < bytes.length; cut++) {
      expectCode(() => fingerprintFromBytes(bytes.subarray(0, cut)), 'INVALID_FINGERPRINT')
    }
  })

  it('says INVALID_FINGERPRINT when truncated at any position even with the CRC made to match', () => {
    const small = fingerprintToBytes(fingerprint(synthMusic(8, 3)))
    expect(small.length).toBeGreaterThan(HEADER + 40)
    for (let cut = 0; cut < small.length; cut++) {
      expectCode(() => fingerprintFromBytes(withCrc(small.subarray(0, cut))), 'INVALID_FINGERPRINT')
    }
    // and trailing bytes are not ignored either
    const longer = new Uint8Array(small.length + 1)
    longer.set(small)
    expectCode(() => fingerprintFromBytes(withCrc(longer)), 'INVALID_FINGERPRINT')
  })

  it('catches every single-bit flip with a typed error', () => {
    const small = fingerprintToBytes(fingerprint(synthMusic(8, 3)))
    for (let at = 0; at < small.length; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const d = small.slice()
        d[at]! ^= 1 << bit
        // bytes 4..5 are the format version, read before the checksum; the rest is magic or CRC'd
        expectCode(() => fingerprintFromBytes(d), at === 4 || at === 5 ? 'UNSUPPORTED_VERSION' : 'INVALID_FINGERPRINT')
      }
    }
  })

  it('never throws an untyped error on random damage, with or without a matching CRC', () => {
    const rand = rng(77)
    let decoded = 0
    for (let trial = 0; trial < 3000; trial++) {
      const d = bytes.slice()
      const flips = 1 + Math.floor(rand() * 8)
      for (let k = 0; k < flips; k++) {
        const at = 10 + Math.floor(rand() * (d.length - 10))   // anywhere after the CRC
        d[at]! ^= 1 << Math.floor(rand() * 8)
      }
      const plain = decodeOrCode(d)
      expect(plain).toBe('INVALID_FINGERPRINT')                   // the CRC sees it
      const forged = withCrc(d)
      const r = decodeOrCode(forged)
      if (typeof r === 'string') expect(['INVALID_FINGERPRINT', 'INCOMPATIBLE_FINGERPRINT']).toContain(r)
      else {
        decoded++
        expect(sameBytes(fingerprintToBytes(r), forged)).toBe(true)   // one encoding per fingerprint
      }
    }
    expect(decoded).toBeGreaterThan(0)                           // flips in hashes or ranks can decode
  })

  describe('a forged count', () => {
    afterEach(() => {
      vi.unstubAllGlobals()
    })

    /** Runs fn with Uint32Array replaced by a subclass that records the largest length asked for. */
    function largestAllocation(fn: () => void): number {
      let largest = 0
      const Real = Uint32Array
      class Spy extends Real {
        constructor(length: number) {
          if (typeof length === 'number') largest = Math.max(largest, length)
          super(length)
        }
      }
      vi.stubGlobal('Uint32Array', Spy)
      try {
        fn()
      } finally {
        vi.unstubAllGlobals()
      }
      return largest
    }

    it('fails before allocating when it cannot fit in the bytes', () => {
      for (const count of [2 ** 32 - 1, 2 ** 28, Math.floor((bytes.length - HEADER) / 4) + 1]) {
        const d = bytes.slice()
        new DataView(d.buffer).setUint32(44, count, true)
        let error: PeakmatchError | undefined
        const largest = largestAllocation(() => { error = expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT') })
        expect(error!.message).toContain(`count ${count} cannot fit`)
        expect(largest).toBe(0)
      }
    })

    it('that could fit allocates no more than the bytes can hold, then fails', () => {
      const d = bytes.slice()
      const count = Math.floor((d.length - HEADER) / 4)
      new DataView(d.buffer).setUint32(44, count, true)
      const largest = largestAllocation(() => { expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT') })
      expect(largest).toBe(count)                      // the spy sees the decoder's allocations
      expect(largest).toBeLessThanOrEqual(d.length / 4)
    })
  })
})

describe('fingerprintFromBytes on foreign input', () => {
  it('says INVALID_FINGERPRINT for bad magic and for things that are not bytes', () => {
    const d = bytes.slice()
    d[0] = 0x51
    expect(expectCode(() => fingerprintFromBytes(d), 'INVALID_FINGERPRINT').message).toContain('magic')
    expectCode(() => fingerprintFromBytes(new TextEncoder().encode('PEAKMTCH catalog')), 'INVALID_FINGERPRINT')
    for (const v of [null, undefined, 'PMFP', [0x50, 0x4d, 0x46, 0x50], new Uint32Array(16), {}]) {
      expectCode(() => fingerprintFromBytes(v as unknown as Uint8Array), 'INVALID_FINGERPRINT')
    }
    expectCode(() => fingerprintFromBytes(new ArrayBuffer(0)), 'INVALID_FINGERPRINT')
  })

  it('says INVALID_FINGERPRINT for a detached ArrayBuffer, not a TypeError', () => {
    const buf = bytes.slice().buffer
    structuredClone(buf, { transfer: [buf] })
    expect(buf.byteLength).toBe(0)
    expectCode(() => fingerprintFromBytes(buf), 'INVALID_FINGERPRINT')
  })

  it('says UNSUPPORTED_VERSION for another format version, before checking anything else', () => {
    for (const version of [0, 2, 0xffff]) {
      const d = bytes.slice()
      new DataView(d.buffer).setUint16(4, version, true)
      const e = expectCode(() => fingerprintFromBytes(d), 'UNSUPPORTED_VERSION')
      expect(e.message).toContain(`version ${version}`)
    }
    const header = bytes.slice(0, 10)
    new DataView(header.buffer).setUint16(4, 2, true)
    expectCode(() => fingerprintFromBytes(header), 'UNSUPPORTED_VERSION')
  })

  it('says INCOMPATIBLE_FINGERPRINT for another front-end version or frame rate', () => {
    const d = bytes.slice()
    new DataView(d.buffer).setUint16(10, 2, true)
    expect(expectCode(() => fingerprintFromBytes(withCrc(d)), 'INCOMPATIBLE_FINGERPRINT').message).toContain('front-end version 2')
    const e = bytes.slice()
    new DataView(e.buffer).setFloat64(28, 0.032, true)
    expectCode(() => fingerprintFromBytes(withCrc(e)), 'INCOMPATIBLE_FINGERPRINT')
  })

  it('says INVALID_FINGERPRINT for each malformed field behind a good CRC', () => {
    const cases: [string, (d: Uint8Array, v: DataView) => void, string][] = [
      ['flags', (d) => { d[19] = 3 }, 'flags'],
      ['fanout 0', (d) => { d[18] = 0 }, 'fanout'],
      ['fanout 17', (d) => { d[18] = 17 }, 'fanout'],
      ['minBin', (_, v) => v.setUint16(12, 0, true), 'minBin'],
      ['maxBin', (_, v) => v.setUint16(14, 256, true), 'maxBin'],
      ['threshold NaN', (_, v) => v.setFloat64(20, Number.NaN, true), 'threshold'],
      ['duration negative', (_, v) => v.setFloat64(36, -1, true), 'durationSeconds'],
      ['duration infinite', (_, v) => v.setFloat64(36, Infinity, true), 'durationSeconds'],
      ['duration NaN', (_, v) => v.setFloat64(36, Number.NaN, true), 'durationSeconds'],
      ['hash ≥ 2^21', (d) => { d[d.length - 1] = 0x20 }, 'beyond 21 bits'],
    ]
    for (const [name, damage, word] of cases) {
      const d = bytes.slice()
      damage(d, new DataView(d.buffer))
      const e = expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT')
      expect(e.message, name).toContain(word)
    }
  })

  it('rejects overlong varints, varints past 6 bytes and times past 32 bits', () => {
    const make = (varints: number[], count: number) => {
      const d = new Uint8Array(HEADER + varints.length + 3 * count)
      d.set(fingerprintToBytes(withoutRanks({ ...fp, hashes: new Uint32Array(0), times: new Uint32Array(0), ranks: undefined })).subarray(0, HEADER))
      new DataView(d.buffer).setUint32(44, count, true)
      d.set(varints, HEADER)
      return withCrc(d)
    }
    expectSame(fingerprintFromBytes(make([0x05], 1)), { ...withoutRanks(fp), hashes: Uint32Array.of(0), times: Uint32Array.of(5) })
    expect(expectCode(() => fingerprintFromBytes(make([0x85, 0x00], 1)), 'INVALID_FINGERPRINT').message).toContain('overlong')
    expect(expectCode(() => fingerprintFromBytes(make([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 1)), 'INVALID_FINGERPRINT').message).toContain('longer than 6')
    expect(expectCode(() => fingerprintFromBytes(make([0x80, 0x80, 0x80, 0x80, 0x10], 1)), 'INVALID_FINGERPRINT').message).toContain('beyond 32 bits')   // 2^32
    expect(expectCode(() => fingerprintFromBytes(make([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01], 2)), 'INVALID_FINGERPRINT').message).toContain('beyond 32 bits')
    expect(expectCode(() => fingerprintFromBytes(make([0x01, 0x81], 2)), 'INVALID_FINGERPRINT').message).toContain('runs past')
  })
})

describe('fingerprintToBytes on bad fingerprints', () => {
  it('refuses what fingerprintFromBytes would refuse', () => {
    const bad: [string, Fingerprint][] = [
      ['decreasing times', { ...fp, times: Uint32Array.of(5, 4), hashes: Uint32Array.of(1, 1), ranks: Uint8Array.of(0, 0) }],
      ['hash ≥ 2^21', { ...fp, times: Uint32Array.of(0), hashes: Uint32Array.of(2 ** 21), ranks: Uint8Array.of(0) }],
      ['rank ≥ fanout', { ...fp, times: Uint32Array.of(0), hashes: Uint32Array.of(1), ranks: Uint8Array.of(fp.frontEnd.fanout) }],
      ['lengths differ', { ...fp, times: fp.times.subarray(1) }],
      ['ranks length', { ...fp, ranks: fp.ranks!.subarray(1) }],
      ['ranks type', { ...fp, ranks: Array.from(fp.ranks!) as unknown as Uint8Array }],
      ['hashes type', { ...fp, hashes: Array.from(fp.hashes) as unknown as Uint32Array }],
      ['negative duration', { ...fp, durationSeconds: -1 }],
      ['NaN duration', { ...fp, durationSeconds: Number.NaN }],
      ['infinite duration', { ...fp, durationSeconds: Infinity }],
      ['no front end', { ...fp, frontEnd: undefined as unknown as FrontEnd }],
      ['bad front end', { ...fp, frontEnd: { ...fp.frontEnd, fanout: 0 } }],
    ]
    for (const [name, f] of bad) expect(expectCode(() => fingerprintToBytes(f), 'INVALID_FINGERPRINT').message, name).not.toBe('')
    expectCode(() => fingerprintToBytes(null as unknown as Fingerprint), 'INVALID_FINGERPRINT')
    expectCode(() => fingerprintToBytes({ ...fp, frontEnd: { ...fp.frontEnd, version: 2 } }), 'INCOMPATIBLE_FINGERPRINT')
    expectCode(() => fingerprintToBytes({ ...fp, frameSeconds: 0.032 }), 'INCOMPATIBLE_FINGERPRINT')
  })
})

// Arbitrary valid fingerprints: any front end resolveOptions can make, sorted 32-bit times,
// 21-bit hashes, ranks below the fanout or none.
const arbFrontEnd = fc.record({
  minBin: fc.integer({ min: 1, max: 247 }),
  width: fc.integer({ min: 8, max: 254 }),
  neighborhoodBins: fc.integer({ min: 1, max: 64 }),
  neighborhoodFrames: fc.integer({ min: 1, max: 64 }),
  threshold: fc.double({ min: 0, max: 1000, noNaN: true }),
  fanout: fc.integer({ min: 1, max: 16 }),
}).map(({ minBin, width, ...rest }): FrontEnd => ({ version: 1, minBin, maxBin: Math.min(255, minBin + width), ...rest }))

const arbFingerprint = fc.tuple(
  arbFrontEnd,
  fc.array(fc.tuple(
    fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
    fc.integer({ min: 0, max: 2 ** 21 - 1 }),
    fc.integer({ min: 0, max: 15 }),
  ), { maxLength: 300 }),
  fc.boolean(),
  fc.double({ min: 0, max: 1e9, noNaN: true }),
).map(([frontEnd, entries, hasRanks, durationSeconds]): Fingerprint => {
  const n = entries.length
  const times = new Uint32Array(n), hashes = new Uint32Array(n), ranks = new Uint8Array(n)
  let t = 0
  for (let i = 0; i < n; i++) {
    const [dt, h, r] = entries[i]!
    t = Math.min(2 ** 32 - 1, t + dt)
    times[i] = t
    hashes[i] = h
    ranks[i] = r % frontEnd.fanout
  }
  const base = { hashes, times, frameSeconds: FRAME_SECONDS, durationSeconds, frontEnd }
  return hasRanks ? { ...base, ranks } : base
})

describe('properties (fast-check)', () => {
  it('round-trips every valid fingerprint bit-exactly', () => {
    fc.assert(fc.property(arbFingerprint, (f) => {
      const b = fingerprintToBytes(f)
      const back = fingerprintFromBytes(b)
      expectSame(back, f)
      expect(sameBytes(fingerprintToBytes(back), b)).toBe(true)
    }), { numRuns: 500, seed: 1 })
  })

  it('throws nothing but PeakmatchError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      expect(typeof decodeOrCode(b)).toBe('string')
    }), { numRuns: 2000, seed: 2 })
  })

  it('throws nothing but PeakmatchError on arbitrary bodies behind a valid header and CRC, and what decodes re-encodes to the same bytes', () => {
    const header = bytes.subarray(0, 10)
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 120 }), fc.integer({ min: 0, max: 40 }), fc.boolean(), (body, count, keepFrontEnd) => {
      const d = new Uint8Array(HEADER + body.length)
      d.set(header)
      // Keep the front end and flags valid half the time, so the arrays are reached.
      d.set(keepFrontEnd ? bytes.subarray(10, 44) : body.subarray(0, 34), 10)
      new DataView(d.buffer).setUint32(44, count, true)
      d.set(body, HEADER)
      const forged = withCrc(d)
      const r = decodeOrCode(forged)
      if (typeof r !== 'string') expect(sameBytes(fingerprintToBytes(r), forged)).toBe(true)
    }), { numRuns: 3000, seed: 3 })
  })

  it('throws nothing but PeakmatchError on valid fingerprints with bytes changed, cut or inserted behind a matching CRC', () => {
    const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('set', 'insert', 'delete'), value: fc.integer({ min: 0, max: 255 }) })
    let decoded = 0, refused = 0
    fc.assert(fc.property(arbFingerprint, fc.array(edit, { minLength: 1, maxLength: 3 }), (f, edits) => {
      let d = Array.from(fingerprintToBytes(f))
      for (const e of edits) {
        const at = 10 + (e.at % Math.max(1, d.length - 10))            // behind the CRC
        if (e.kind === 'set') d[at] = e.value
        else if (e.kind === 'insert') d.splice(at, 0, e.value)
        else d.splice(at, 1)
      }
      const forged = withCrc(Uint8Array.from(d))
      const r = decodeOrCode(forged)
      if (typeof r === 'string') refused++
      else {
        decoded++
        expect(sameBytes(fingerprintToBytes(r), forged)).toBe(true)
      }
    }), { numRuns: 3000, seed: 4 })
    // Both paths are exercised: some edits still parse (a hash or a rank changed), most do not.
    expect(decoded).toBeGreaterThan(100)
    expect(refused).toBeGreaterThan(100)
  })
})
