import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FINGERPRINT_FORMAT_VERSION, fingerprint, fingerprintFromBytes, fingerprintToBytes, Fingerprinter, FRAME_SECONDS,
  PeakmatchError, type Fingerprint, type FrontEnd,
} from '../../src/index.js'
import type { OffGridHashes } from '../../src/fingerprint/fingerprinter.js'
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

/**
 * Every prefix of `b` (CRC made to match) and `b` with a byte more: INVALID_FINGERPRINT each.
 * Returns the lengthened one's error, for its message.
 */
function expectCutsRefused(b: Uint8Array): PeakmatchError {
  for (let cut = 0; cut < b.length; cut++) {
    expectCode(() => fingerprintFromBytes(withCrc(b.subarray(0, cut))), 'INVALID_FINGERPRINT')
  }
  const longer = new Uint8Array(b.length + 1)
  longer.set(b)
  return expectCode(() => fingerprintFromBytes(withCrc(longer)), 'INVALID_FINGERPRINT')
}

/** Every single-bit flip of `b`: a typed error (bytes 4..5, the format version, are read before the checksum). */
function expectBitFlipsRefused(b: Uint8Array): void {
  for (let at = 0; at < b.length; at++) {
    for (let bit = 0; bit < 8; bit++) {
      const d = b.slice()
      d[at]! ^= 1 << bit
      expectCode(() => fingerprintFromBytes(d), at === 4 || at === 5 ? 'UNSUPPORTED_VERSION' : 'INVALID_FINGERPRINT')
    }
  }
}

function withoutRanks(fp: Fingerprint): Fingerprint {
  const { ranks: _, ...rest } = fp
  return rest
}

function withoutOffGrid(fp: Fingerprint): Fingerprint {
  const { offGrid: _, ...rest } = fp
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
  // An empty offGrid is written as none, and read back as none.
  const off = expected.offGrid
  if (off === undefined || off.hashes.length === 0) expect('offGrid' in actual).toBe(false)
  else {
    const got = actual.offGrid!
    expect(got.hashes).toBeInstanceOf(Uint32Array)
    expect(got.times).toBeInstanceOf(Uint32Array)
    expect(got.ranks).toBeInstanceOf(Uint8Array)
    expect(Array.from(got.hashes)).toEqual(Array.from(off.hashes))
    expect(Array.from(got.times)).toEqual(Array.from(off.times))
    expect(Array.from(got.ranks)).toEqual(Array.from(off.ranks))
  }
}

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
    expect(view.getUint16(4, true)).toBe(1)                                    // no offGrid: version 1
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
    // and trailing bytes are not ignored either
    expectCutsRefused(small)
  })

  it('catches every single-bit flip with a typed error', () => {
    expectBitFlipsRefused(fingerprintToBytes(fingerprint(synthMusic(8, 3))))
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
    for (const version of [0, 3, 0xffff]) {
      const d = bytes.slice()
      new DataView(d.buffer).setUint16(4, version, true)
      const e = expectCode(() => fingerprintFromBytes(d), 'UNSUPPORTED_VERSION')
      expect(e.message).toContain(`version ${version}`)
    }
    const header = bytes.slice(0, 10)
    new DataView(header.buffer).setUint16(4, 3, true)
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
      ['flags', (d) => { d[19] = 5 }, 'unknown bits'],
      ['flag bit 1 in version 1', (d) => { d[19] = 3 }, 'need format version 2'],
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

describe('off-grid hashes (format version 2)', () => {
  const gridded = fingerprint(music, { grids: 2 })
  const off = gridded.offGrid!
  const b2 = fingerprintToBytes(gridded)
  /** Where the off-grid section starts: right after the first section, which is version 1's. */
  const offAt = fingerprintToBytes(withoutOffGrid(gridded)).length
  const small = fingerprint(synthMusic(8, 3), { grids: 2 })
  const small2 = fingerprintToBytes(small)

  it('round-trips a fingerprint made on two grids bit-exactly, as version 2', () => {
    expect(FINGERPRINT_FORMAT_VERSION).toBe(2)
    expect(off.hashes.length).toBeGreaterThan(500)
    expect(new DataView(b2.buffer).getUint16(4, true)).toBe(2)
    expect(b2[19]).toBe(3)                                  // ranks and off-grid hashes
    const back = fingerprintFromBytes(b2)
    expectSame(back, gridded)
    expect(sameBytes(fingerprintToBytes(back), b2)).toBe(true)
    expect(small.offGrid!.hashes.length).toBeGreaterThan(50)
    expectSame(fingerprintFromBytes(small2), small)
    // Without the first section's ranks too.
    const bare = withoutRanks(gridded)
    const b = fingerprintToBytes(bare)
    expect(b[19]).toBe(2)
    expectSame(fingerprintFromBytes(b), bare)
    expect(sameBytes(fingerprintToBytes(fingerprintFromBytes(b)), b)).toBe(true)
  })

  it('leaves a fingerprint without off-grid hashes, or with none, as version 1 with the same bytes', () => {
    // The first grid is the one-grid fingerprint, so the bytes are the one-grid print's.
    expect(sameBytes(fingerprintToBytes(withoutOffGrid(gridded)), bytes)).toBe(true)
    const empty: OffGridHashes = { hashes: new Uint32Array(0), times: new Uint32Array(0), ranks: new Uint8Array(0) }
    const withEmpty = fingerprintToBytes({ ...fp, offGrid: empty })
    expect(sameBytes(withEmpty, bytes)).toBe(true)
    expect(new DataView(withEmpty.buffer).getUint16(4, true)).toBe(1)
    expect(withEmpty[19]).toBe(1)
    expect('offGrid' in fingerprintFromBytes(withEmpty)).toBe(false)
    // Version 2 is version 1 with bit 1 set and the off-grid section after the first.
    expect(Array.from(b2.subarray(10, 19))).toEqual(Array.from(bytes.subarray(10, 19)))
    expect(sameBytes(b2.subarray(20, offAt), bytes.subarray(20))).toBe(true)
    expect(new DataView(b2.buffer).getUint32(offAt, true)).toBe(off.hashes.length)
  })

  it('costs about 4 bytes an off-grid hash', () => {
    const perHash = (b2.length - bytes.length - 4) / off.hashes.length
    expect(perHash).toBeGreaterThanOrEqual(4)              // one varint byte and a 3-byte hash at least
    expect(perHash).toBeLessThan(4.1)                      // 4.018 measured (docs/format.md)
  })

  it('writes the documented layout (docs/format.md), checked by hand', () => {
    const fe: FrontEnd = { version: 1, minBin: 10, maxBin: 237, neighborhoodBins: 10, neighborhoodFrames: 8, threshold: 0.5, fanout: 4 }
    const first: Fingerprint = {
      hashes: Uint32Array.of(0x1abcde, 0x000001, 0x1fffff, 0x012345),
      times: Uint32Array.of(0, 0, 5, 300),
      ranks: Uint8Array.of(0, 1, 0, 2),
      frameSeconds: FRAME_SECONDS,
      durationSeconds: 5,
      frontEnd: fe,
    }
    const hand: Fingerprint = {
      ...first,
      offGrid: { hashes: Uint32Array.of(0x000002, 0x1fffff, 0x054321), times: Uint32Array.of(1, 1, 130), ranks: Uint8Array.of(3, 0, 1) },
    }
    const v1 = fingerprintToBytes(first)
    const b = fingerprintToBytes(hand)
    const view = new DataView(b.buffer)
    expect(b.length).toBe(65 + 4 + 4 + 9)
    expect(Array.from(b.subarray(0, 4))).toEqual([0x50, 0x4d, 0x46, 0x50])
    expect(view.getUint16(4, true)).toBe(2)
    expect(view.getUint32(6, true)).toBe(crc32(b.subarray(10)))
    expect(Array.from(b.subarray(10, 20))).toEqual([1, 0, 10, 0, 237, 0, 10, 8, 4, 3])
    expect(Array.from(b.subarray(20, 65))).toEqual(Array.from(v1.subarray(20)))
    expect(Array.from(b.subarray(65))).toEqual([
      3, 0, 0, 0,                                           // offCount
      // dt × fanout + rank: 1 × 4 + 3 = 7, 0, 129 × 4 + 1 = 517 = 0x85 + 4 × 128
      0x07, 0x00, 0x85, 0x04,
      0x02, 0x00, 0x00, 0xff, 0xff, 0x1f, 0x21, 0x43, 0x05,
    ])
    expectSame(fingerprintFromBytes(b), hand)
  })

  it('returns off-grid arrays that own aligned memory', () => {
    const padded = new Uint8Array(b2.length + 1)
    padded.set(b2, 1)
    const back = fingerprintFromBytes(padded.subarray(1))
    for (const a of [back.offGrid!.hashes, back.offGrid!.times, back.offGrid!.ranks]) {
      expect(a.byteOffset).toBe(0)
      expect(a.buffer.byteLength).toBe(a.byteLength)
      expect(a.buffer).not.toBe(padded.buffer)
    }
    expectSame(back, gridded)
  })

  describe('on damaged or forged bytes', () => {
    afterEach(() => {
      vi.unstubAllGlobals()
    })

    it('says INVALID_FINGERPRINT when truncated at any position, even with the CRC made to match, or lengthened', () => {
      expect(expectCutsRefused(small2).message).toContain('bytes run to')
    })

    it('catches every single-bit flip with a typed error', () => {
      expectBitFlipsRefused(small2)
    })

    it('fails on a forged offCount that cannot fit before allocating for it', () => {
      const room = b2.length - offAt - 4
      for (const count of [2 ** 32 - 1, 2 ** 28, Math.floor(room / 4) + 1]) {
        const d = b2.slice()
        new DataView(d.buffer).setUint32(offAt, count, true)
        let error: PeakmatchError | undefined
        const largest = largestAllocation(() => { error = expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT') })
        expect(error!.message).toContain(`off-grid count ${count} cannot fit`)
        expect(largest).toBe(gridded.hashes.length)         // the first section's arrays, nothing more
      }
      // One that could fit allocates no more than the bytes can hold, then fails.
      const d = b2.slice()
      const count = Math.floor(room / 4)
      new DataView(d.buffer).setUint32(offAt, count, true)
      const largest = largestAllocation(() => { expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT') })
      expect(largest).toBe(Math.max(count, gridded.hashes.length))
      expect(largest).toBeLessThanOrEqual(d.length / 4)
    })

    it('fails on a forged first count that leaves no room for the off-grid section, before allocating', () => {
      const count = Math.floor((b2.length - HEADER - 8) / 4) + 1      // fits in the bytes, not with an off-grid section after
      const d = b2.slice()
      new DataView(d.buffer).setUint32(44, count, true)
      let error: PeakmatchError | undefined
      const largest = largestAllocation(() => { error = expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT') })
      expect(error!.message).toContain(`count ${count} cannot fit`)
      expect(largest).toBe(0)
    })

    it('rejects malformed off-grid sections with their own messages', () => {
      // v2 header and first section of `small`, then the given off-grid count, varints and zero hashes.
      const first = fingerprintToBytes(withoutOffGrid(small))
      const make = (offCount: number, varints: number[], hashes = offCount) => {
        const d = new Uint8Array(first.length + 4 + varints.length + 3 * hashes)
        d.set(first)
        const view = new DataView(d.buffer)
        view.setUint16(4, 2, true)
        d[19] = 3
        view.setUint32(first.length, offCount, true)
        d.set(varints, first.length + 4)
        return withCrc(d)
      }
      const fanout = small.frontEnd.fanout
      const ok = fingerprintFromBytes(make(1, [5 * fanout + 1]))
      expect(Array.from(ok.offGrid!.times)).toEqual([5])
      expect(Array.from(ok.offGrid!.ranks)).toEqual([1])
      expect(Array.from(ok.offGrid!.hashes)).toEqual([0])
      const message = (d: Uint8Array) => expectCode(() => fingerprintFromBytes(d), 'INVALID_FINGERPRINT').message
      expect(message(make(0, [0x00], 1))).toContain('off-grid count is 0')       // room for one entry, but none
      expect(message(make(0, []))).toContain(`count ${small.hashes.length} cannot fit`)   // no room for any: refused earlier
      expect(message(make(1, [0x85, 0x00]))).toContain('off-grid entry 0 has an overlong encoding')
      expect(message(make(1, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]))).toContain('off-grid entry 0 is longer than 6')
      expect(message(make(1, [0x80, 0x80, 0x80, 0x80, 0x10 * fanout]))).toContain('off-grid time 0 is 4294967296, beyond 32 bits')
      expect(message(make(2, [0x01, 0x81]))).toContain('off-grid entry 1 runs past')
      expect(message(make(1, [0x01, 0x00]))).toContain('off-grid hashes end at byte')   // a byte left over
      const high = make(1, [0x01])
      high[high.length - 1] = 0x20
      expect(message(withCrc(high))).toContain('off-grid hash 0 is 2097152, beyond 21 bits')
    })

    it('says INVALID_FINGERPRINT for an off-grid hash past 21 bits in a real print', () => {
      const d = b2.slice()
      d[d.length - 1] = 0x20
      expect(expectCode(() => fingerprintFromBytes(withCrc(d)), 'INVALID_FINGERPRINT').message)
        .toContain(`off-grid hash ${off.hashes.length - 1} is ${(off.hashes[off.hashes.length - 1]! & 0xffff) | 0x200000}, beyond 21 bits`)
    })

    it('refuses flag bit 1 in version 1 and its absence in version 2', () => {
      const v1 = b2.slice()
      new DataView(v1.buffer).setUint16(4, 1, true)         // a whole version-2 body under a version-1 header
      expect(expectCode(() => fingerprintFromBytes(withCrc(v1)), 'INVALID_FINGERPRINT').message).toContain('need format version 2, not 1')
      const bit = bytes.slice()
      bit[19] = 3                                           // a version-1 body with the flag
      expect(expectCode(() => fingerprintFromBytes(withCrc(bit)), 'INVALID_FINGERPRINT').message).toContain('need format version 2')
      const clear = b2.slice()
      clear[19] = 1
      expect(expectCode(() => fingerprintFromBytes(withCrc(clear)), 'INVALID_FINGERPRINT').message).toContain('written only with off-grid hashes')
      const v2 = bytes.slice()                              // a version-1 body under a version-2 header
      new DataView(v2.buffer).setUint16(4, 2, true)
      expect(expectCode(() => fingerprintFromBytes(withCrc(v2)), 'INVALID_FINGERPRINT').message).toContain('written only with off-grid hashes')
    })

    it('says UNSUPPORTED_VERSION for version 3, before the checksum', () => {
      const d = b2.slice()
      new DataView(d.buffer).setUint16(4, 3, true)
      expect(expectCode(() => fingerprintFromBytes(d), 'UNSUPPORTED_VERSION').message).toContain('version 3; this peakmatch reads versions 1 and 2')
    })
  })

  it('refuses to encode a bad offGrid, with INVALID_FINGERPRINT naming it', () => {
    const one = (hashes: number[], times: number[], ranks: number[]): Fingerprint =>
      ({ ...fp, offGrid: { hashes: Uint32Array.from(hashes), times: Uint32Array.from(times), ranks: Uint8Array.from(ranks) } })
    const fanout = fp.frontEnd.fanout
    const bad: [string, Fingerprint, string][] = [
      ['decreasing times', one([1, 1, 1], [4, 9, 8], [0, 0, 0]), 'offGrid times must not decrease: time 2 is 8, after 9'],
      ['hash ≥ 2^21', one([1, 2 ** 21], [0, 0], [0, 0]), 'offGrid hash 1 is 2097152, beyond 21 bits'],
      ['rank ≥ fanout', one([1], [0], [fanout]), `offGrid rank 0 is ${fanout}, not below its fanout ${fanout}`],
      ['lengths differ', one([1, 2], [0], [0, 0]), 'offGrid has 2 hashes, 1 times and 2 ranks'],
      ['ranks missing', { ...fp, offGrid: { hashes: Uint32Array.of(1), times: Uint32Array.of(0) } as unknown as OffGridHashes }, 'offGrid must hold'],
      ['ranks an Array', { ...fp, offGrid: { ...one([1], [0], [0]).offGrid!, ranks: [0] as unknown as Uint8Array } }, 'offGrid must hold'],
      ['empty but mistyped', { ...fp, offGrid: { hashes: [], times: [], ranks: [] } as unknown as OffGridHashes }, 'offGrid must hold'],
      ['null', { ...fp, offGrid: null as unknown as OffGridHashes }, 'offGrid must hold'],
    ]
    for (const [name, f, word] of bad) expect(expectCode(() => fingerprintToBytes(f), 'INVALID_FINGERPRINT').message, name).toContain(word)
    // The first grid's values stay checked with their own messages.
    expect(expectCode(() => fingerprintToBytes({ ...gridded, times: Uint32Array.of(5, 4), hashes: Uint32Array.of(1, 1), ranks: Uint8Array.of(0, 0) }), 'INVALID_FINGERPRINT').message)
      .toContain('fingerprint times must not decrease')
  })

  it('throws nothing but PeakmatchError on random damage behind a matching CRC, and what decodes re-encodes to the same bytes', () => {
    const rand = rng(78)
    const smallOffAt = fingerprintToBytes(withoutOffGrid(small)).length
    let decoded = 0
    for (let trial = 0; trial < 3000; trial++) {
      const d = small2.slice()
      const flips = 1 + Math.floor(rand() * 4)
      for (let k = 0; k < flips; k++) {
        const at = smallOffAt + Math.floor(rand() * (d.length - smallOffAt))   // in the off-grid section
        d[at]! ^= 1 << Math.floor(rand() * 8)
      }
      const r = decodeOrCode(withCrc(d))
      if (typeof r === 'string') expect(r).toBe('INVALID_FINGERPRINT')
      else {
        decoded++
        expect(sameBytes(fingerprintToBytes(r), withCrc(d))).toBe(true)
      }
    }
    expect(decoded).toBeGreaterThan(0)
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

const arbEntries = (maxLength: number) => fc.array(fc.tuple(
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
  fc.integer({ min: 0, max: 2 ** 21 - 1 }),
  fc.integer({ min: 0, max: 15 }),
), { maxLength })

/** Sorted times from deltas, hashes, ranks below the fanout. */
function arrays(entries: [number, number, number][], fanout: number): OffGridHashes {
  const n = entries.length
  const times = new Uint32Array(n), hashes = new Uint32Array(n), ranks = new Uint8Array(n)
  let t = 0
  for (let i = 0; i < n; i++) {
    const [dt, h, r] = entries[i]!
    t = Math.min(2 ** 32 - 1, t + dt)
    times[i] = t
    hashes[i] = h
    ranks[i] = r % fanout
  }
  return { hashes, times, ranks }
}

// With off-grid hashes half the time (some of them empty, which is written as none).
const arbFingerprint = fc.tuple(
  arbFrontEnd,
  arbEntries(300),
  fc.boolean(),
  fc.double({ min: 0, max: 1e9, noNaN: true }),
  fc.option(arbEntries(100), { freq: 2 }),
).map(([frontEnd, entries, hasRanks, durationSeconds, offEntries]): Fingerprint => {
  const { hashes, times, ranks } = arrays(entries, frontEnd.fanout)
  const base = { hashes, times, frameSeconds: FRAME_SECONDS, durationSeconds, frontEnd }
  const fp = hasRanks ? { ...base, ranks } : base
  return offEntries === null ? fp : { ...fp, offGrid: arrays(offEntries, frontEnd.fanout) }
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

  it('does the same behind a valid version-2 header, with sections of about the right size', () => {
    const v2 = fingerprintToBytes(fingerprint(synthMusic(8, 3), { grids: 2 }))
    let decoded = 0, refused = 0
    const sizes = fc.record({
      count: fc.integer({ min: 0, max: 4 }),
      offCount: fc.integer({ min: 0, max: 4 }),
      slack: fc.integer({ min: -3, max: 3 }),                // off by a few bytes, or exact
      oneByte: fc.boolean(),                                 // all bytes < 128: one-byte varints
    })
    fc.assert(fc.property(fc.uint8Array({ minLength: 40, maxLength: 40 }), sizes, (pool, { count, offCount, slack, oneByte }) => {
      const length = Math.max(0, 4 * (count + offCount) + 4 + slack)
      const body = pool.slice(0, length).map((b) => (oneByte ? b & 127 : b))
      const d = new Uint8Array(HEADER + length)
      d.set(v2.subarray(0, 44))                              // version 2, flags 3, a valid front end
      const view = new DataView(d.buffer)
      view.setUint32(44, count, true)
      d.set(body, HEADER)
      if (HEADER + 4 * count + 4 <= d.length) view.setUint32(HEADER + 4 * count, offCount, true)
      const forged = withCrc(d)
      const r = decodeOrCode(forged)
      if (typeof r === 'string') refused++
      else {
        decoded++
        expect(r.hashes.length).toBe(count)
        expect(r.offGrid!.hashes.length).toBe(offCount)
        expect(sameBytes(fingerprintToBytes(r), forged)).toBe(true)
      }
    }), { numRuns: 3000, seed: 5 })
    expect(decoded).toBeGreaterThan(10)                    // 16 with this seed: a hash's top byte must be < 0x20
    expect(refused).toBeGreaterThan(1000)
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
