import { describe, expect, it } from 'vitest'
import { Unpackr } from 'msgpackr/unpack'
import { Packr } from 'msgpackr'
import { packValue } from '../../src/match/pack.js'
import { rng } from '../support/synth.js'

// As codec.ts reads a manifest.
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, int64AsType: 'number' })
const back = (v: unknown) => unpackr.unpack(packValue(v))

/** A random character, any plane, but no lone surrogate (not well-formed text). */
const validChar = (r: () => number) => { const c = Math.floor(r() ** 4 * 0x10ffd0) + 32; return String.fromCodePoint(c >= 0xd800 && c < 0xe000 ? c + 0x800 : c) }

/** A random JSON-like value: what track metadata may be. */
function randomValue(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 3 ? 6 : 9))
  const int = () => Math.round((r() - 0.5) * 2 ** [7, 8, 16, 31, 32, 40, 53][Math.floor(r() * 7)]!)
  switch (k) {
    case 0: return null
    case 1: return r() < 0.5
    case 2: return int()
    case 3: return (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10)
    case 4: return Array.from({ length: Math.floor(r() ** 3 * 300) }, () => validChar(r)).join('')
    case 5: return Uint8Array.from({ length: Math.floor(r() ** 3 * 3000) }, () => Math.floor(r() * 256))
    case 6: return Array.from({ length: Math.floor(r() ** 2 * 20) }, () => randomValue(r, depth + 1))
    case 7: return Object.fromEntries(Array.from({ length: Math.floor(r() ** 2 * 20) }, (_, i) => [`k${i}${validChar(r)}`, randomValue(r, depth + 1)]))
    default: return new Date(Math.round((r() - 0.3) * 4e12))
  }
}

describe('packValue (the manifest writer)', () => {
  it('writes what msgpackr reads back as the same value: 1 000 random JSON-like values', () => {
    const r = rng(5)
    for (let i = 0; i < 1000; i++) {
      const v = randomValue(r, 0)
      // toStrictEqual on each value: a failure names the first that differs.
      expect(back(v)).toStrictEqual(v)
    }
  })

  it('each integer range, the floats that are not integers, undefined and -0', () => {
    const edges = [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1,
      0.5, -1e-300, 1e300, Infinity, -Infinity, 2 ** 53 + 2]
    for (const x of edges) expect(back(x), String(x)).toBe(x)
    expect(Number.isNaN(back(NaN))).toBe(true)
    expect(Object.is(back(-0), -0)).toBe(true)
    expect(back([undefined, { a: undefined }])).toEqual([undefined, { a: undefined }])
    // msgpackr's own packer agrees with it on these values, byte for byte where the encoding is the smallest.
    const packr = new Packr({ useRecords: false, moreTypes: false })
    // (msgpackr writes every map with a 16-bit length; a fixmap reads the same.)
    for (const v of [0, 300, -40000, 'é', 'x'.repeat(40), '\u{1f3b5} x', [1, 2, 3], new Uint8Array([1, 2, 3]), null, true]) expect(packValue(v)).toEqual(new Uint8Array(packr.pack(v)))
    // A lone surrogate (not text; a file name can make one) is written as U+FFFD, as msgpackr's packer did.
    expect(packValue('a\udc00b\ud800')).toEqual(new Uint8Array(packr.pack('a\udc00b\ud800')))
    expect(back('a\udc00b')).toBe('a\ufffdb')
  })

  it('long strings, arrays, maps and byte strings take their 16- and 32-bit length forms', () => {
    for (const n of [31, 32, 255, 256, 65535, 65536, 70000]) {
      expect(back('a'.repeat(n))).toBe('a'.repeat(n))
      expect(back(new Array(n).fill(7))).toHaveLength(n)
      expect(back(new Uint8Array(n))).toHaveLength(n)
    }
    const big = Object.fromEntries(Array.from({ length: 70000 }, (_, i) => [`k${i}`, i]))
    expect(back(big)).toEqual(big)
  })

  it('refuses what is not plain JSON-like (a TypeError the codec turns into INVALID_OPTIONS), cycles included', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const bad of [2n ** 70n, new Map([[1, 2]]), new Set([1]), () => 1, Symbol('s'), new Float32Array(2), new (class Song { title = 'x' })(), cyclic, new Date(NaN)]) {
      expect(() => packValue({ meta: bad }), String(typeof bad)).toThrow(TypeError)
    }
  })
})
