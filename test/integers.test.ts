import { describe, expect, it } from 'vitest'
import { integerIn } from '../src/integers.js'

describe('integerIn', () => {
  it('takes integers within the bounds, both ends included', () => {
    expect([1, 3, 5].map((x) => integerIn(x, 1, 5))).toEqual([true, true, true])
    expect(integerIn(2 ** 40, 0, Infinity)).toBe(true)
  })
  it('refuses what is outside, fractional, not finite or not a number', () => {
    for (const x of [0, 6, 2.5, NaN, Infinity, -Infinity, '3', null, undefined, 3n, [3], { valueOf: () => 3 }]) {
      expect(integerIn(x, 1, 5)).toBe(false)
    }
    expect(integerIn(Infinity, 0, Infinity)).toBe(false)
  })
})
