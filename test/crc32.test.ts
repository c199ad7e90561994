import { describe, expect, it } from 'vitest'
import { crc32 } from '../src/crc32.js'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('crc32 (IEEE)', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xe8b7be43],
    ['123456789', 0xcbf43926],
    ['The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('crc32(%j) = %i', (text, crc) => {
    expect(crc32(bytes(text))).toBe(crc)
  })

  it('is an unsigned 32-bit value and sees every single-bit change', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 131) & 0xff)
    const base = crc32(data)
    expect(base).toBeGreaterThanOrEqual(0)
    expect(base).toBeLessThan(2 ** 32)
    for (const at of [0, 1, 499, 999]) {
      for (let bit = 0; bit < 8; bit++) {
        const d = data.slice()
        d[at]! ^= 1 << bit
        expect(crc32(d)).not.toBe(base)
      }
    }
  })

  it('reads only the view it is given', () => {
    const big = bytes('xx123456789yy')
    expect(crc32(big.subarray(2, 11))).toBe(0xcbf43926)
  })
})
