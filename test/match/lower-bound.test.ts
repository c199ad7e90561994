import { describe, expect, it } from 'vitest'
import { lowerBound } from '../../src/match/partition.js'
import { rng } from '../support/synth.js'

/** The first index in [lo, hi) with a[i] ≥ want, by walking. */
function naive(a: Uint32Array, lo: number, hi: number, want: number): number {
  let i = lo
  while (i < hi && a[i]! < want) i++
  return i
}

describe('lowerBound', () => {
  // Stage 2 (Partition.verify) searches a key's list for a track's first entry, guessing from the
  // partition's range: the answer must not depend on how good that guess is.
  it('finds the first entry ≥ want in any sub-range, with no range, the right one, or a wrong one', () => {
    const r = rng(5)
    let checked = 0
    for (let t = 0; t < 60; t++) {
      const n = 1 + Math.floor(r() * 3000)
      const range = 1 + Math.floor(r() * 2 ** 31)
      // Even spreads, clumps (a run of equal values, one corner of the range) and duplicates.
      const a = Uint32Array.from({ length: n }, () => Math.floor((t % 3 === 0 ? r() ** 4 : r()) * range)).sort()
      if (t % 5 === 0) a.fill(a[n >> 1]!, n >> 2, n >> 1)
      for (let q = 0; q < 40; q++) {
        const lo = Math.floor(r() * n), hi = lo + Math.floor(r() * (n - lo + 1))
        const want = q % 4 === 0 ? a[Math.min(n - 1, lo + Math.floor(r() * (hi - lo)))]! : Math.floor(r() * range * 1.1)
        const expected = naive(a, lo, hi, want)
        for (const guess of [0, range, Math.max(1, range >> 6), range * 16]) {
          expect(lowerBound(a, lo, hi, want, guess)).toBe(expected)
          checked++
        }
      }
    }
    expect(checked).toBe(60 * 40 * 4)
  })
})
