import { describe, expect, it } from 'vitest'
import { entryBitsFor, entryWords, findPacked, lowsWords, packChunk, unpackChunk, unpackEntries } from '../../src/match/packed.js'
import { rng } from '../support/synth.js'

/**
 * The packed chunk's kernels against plain arrays: every (slot, low key) found where a linear
 * scan finds it, every entry width from 1 to 32 bits unpacked exactly, and a code that does not
 * match its directory refused.
 */

/** A plain chunk: `slots` slots, postings per slot drawn from `sizes`, low keys sorted per slot, entries below 2^bits. */
function plainChunk(seed: number, slots: number, lowBits: number, bits: number, sizes: (r: () => number) => number) {
  const r = rng(seed)
  const dir = new Uint32Array(slots + 1)
  const low: number[] = [], entry: number[] = []
  for (let s = 0; s < slots; s++) {
    const n = sizes(r)
    const lows = Array.from({ length: n }, () => Math.floor(r() * 2 ** lowBits)).sort((a, b) => a - b)
    for (const l of lows) { low.push(l); entry.push(Math.floor(r() * 2 ** bits)) }
    dir[s + 1] = dir[s]! + n
  }
  return { dir, low: Uint8Array.from(low), entry: Uint32Array.from(entry) }
}

describe('packed chunks', () => {
  it('entryBitsFor: the bits of the largest entry', () => {
    expect([0, 1, 2, 3, 2 ** 15 - 1, 2 ** 15, 100 * 2 ** 15, 2 ** 32 - 1].map(entryBitsFor)).toEqual([1, 1, 2, 2, 15, 16, 22, 32])
  })

  it.each([
    ['128 postings a slot, 8 low bits, 22-bit entries', 1, 64, 8, 22, (r: () => number) => Math.floor(r() * 256)],
    ['sparse slots (most empty), 8 low bits', 2, 300, 8, 17, (r: () => number) => (r() < 0.8 ? 0 : Math.floor(r() * 5))],
    ['one low bit, 32-bit entries', 3, 100, 1, 32, (r: () => number) => Math.floor(r() * 40)],
    ['5 low bits, 1-bit entries, long runs of one key', 4, 50, 5, 1, (r: () => number) => Math.floor(r() * 400)],
    ['8 low bits, 31-bit entries', 5, 40, 8, 31, (r: () => number) => Math.floor(r() * 300)],
  ] as const)('finds every low key of every slot as a scan does: %s', (_, seed, slots, lowBits, bits, sizes) => {
    const { dir, low, entry } = plainChunk(seed, slots, lowBits, bits, sizes)
    const n = entry.length
    const packed = packChunk(dir, low, entry, lowBits, bits)
    expect(packed.lows.length).toBe(lowsWords(n, slots, lowBits))
    expect(packed.entry.length).toBe(entryWords(n, bits))
    const at = { start: 0 }
    const out = new Uint32Array(n + 1)
    let checked = 0
    for (let s = 0; s < slots; s++) {
      for (let v = 0; v < 2 ** lowBits; v++) {
        let a = dir[s]!
        while (a < dir[s + 1]! && low[a]! < v) a++
        let b = a
        while (b < dir[s + 1]! && low[b] === v) b++
        const count = findPacked(packed.lows, s, dir[s]!, lowBits, v, at)
        if (count !== b - a || (count > 0 && at.start !== a)) throw new Error(`slot ${s} low ${v}: ${count} at ${at.start}, want ${b - a} at ${a}`)
        if (count > 0) {
          unpackEntries(packed.entry, bits, at.start, count, out)
          expect(Array.from(out.subarray(0, count))).toEqual(Array.from(entry.subarray(a, b)))
        }
        checked += count
      }
    }
    expect(checked).toBe(n)
    const back = unpackChunk(dir, packed, lowBits, bits)
    expect(typeof back).not.toBe('string')
    if (typeof back !== 'string') { expect(back.low).toEqual(low); expect(back.entry).toEqual(entry) }
  })

  it('refuses a code that does not match its directory, or arrays of the wrong length', () => {
    const { dir, low, entry } = plainChunk(7, 32, 8, 22, (r) => Math.floor(r() * 200))
    const packed = packChunk(dir, low, entry, 8, 22)
    for (const bit of [0, 5, 31, 32, 1000, 32 * packed.lows.length - 200]) {
      const lows = packed.lows.slice()
      lows[bit >>> 5]! ^= 1 << (bit & 31)
      expect(unpackChunk(dir, { lows, entry: packed.entry }, 8, 22)).toMatch(/unary low keys/)
    }
    expect(unpackChunk(dir, { lows: packed.lows.subarray(1), entry: packed.entry }, 8, 22)).toMatch(/words/)
    expect(unpackChunk(dir, { lows: packed.lows, entry: packed.entry.subarray(1) }, 8, 22)).toMatch(/words/)
    // a directory claiming one posting more than the code holds
    const more = dir.slice(); more[32]!++
    expect(typeof unpackChunk(more, packed, 8, 22)).toBe('string')
  })
})
