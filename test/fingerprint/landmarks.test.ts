import { describe, expect, it } from 'vitest'
import { LandmarkPairer } from '../../src/fingerprint/landmarks.js'
import { packHash, unpackHash } from '../../src/options.js'

/** Feeds peaks (frame, bin) in order, settling each frame, and returns [time, f1, f2, dt] tuples. */
function pair(peaks: [number, number][], fanout: number, settleEach = true): [number, number, number, number][] {
  const p = new LandmarkPairer(fanout)
  let frame = 0
  const last = peaks.length > 0 ? peaks[peaks.length - 1]![0] : 0
  for (const [f, b] of peaks) {
    if (settleEach) for (; frame < f; frame++) p.settled(frame)
    p.pushPeak(f, b)
  }
  if (settleEach) for (; frame <= last; frame++) p.settled(frame)
  p.finish()
  const out: [number, number, number, number][] = []
  for (let i = 0; i < p.out.count; i++) {
    const { f1, f2, dt } = unpackHash(p.out.hash[i]!)
    out.push([p.out.time[i]!, f1, f2, dt])
  }
  return out
}

describe('LandmarkPairer, hand-computed', () => {
  const peaks: [number, number][] = [[0, 50], [2, 60], [2, 70], [3, 200], [5, 40], [70, 50], [80, 52]]

  it('pairs each anchor with the next `fanout` peaks 1..63 frames later and within ±63 bins', () => {
    expect(pair(peaks, 2)).toEqual([
      [0, 50, 60, 2], [0, 50, 70, 2],          // (3, 200) would be 150 bins up: never paired
      [2, 60, 40, 3],                          // (2, 70) is the same frame; (70, 50) is 68 frames later
      [2, 70, 40, 3],
      // (3, 200): (5, 40) is 160 bins down, (70, 50) 67 frames later. (5, 40): nothing within 63 frames.
      [70, 50, 52, 10],
    ])
  })

  it('fanout 1 keeps only the nearest target in time, then the lower bin', () => {
    expect(pair(peaks, 1)).toEqual([[0, 50, 60, 2], [2, 60, 40, 3], [2, 70, 40, 3], [70, 50, 52, 10]])
  })

  it('the hashes are packHash(f1, f2, dt)', () => {
    const p = new LandmarkPairer(3)
    p.pushPeak(10, 100)
    p.pushPeak(73, 37)                        // dt 63, df −63: both at the limit
    p.pushPeak(74, 100)                       // dt 64 from the first: too far
    p.finish()
    expect(Array.from(p.out.hash.subarray(0, p.out.count))).toEqual([packHash(100, 37, 63), packHash(37, 100, 1)])
    expect(Array.from(p.out.time.subarray(0, p.out.count))).toEqual([10, 73])
  })

  it('settling as it goes gives the same pairs as pairing everything at the end', () => {
    const many: [number, number][] = []
    for (let f = 0; f < 2000; f += 1 + (f % 3)) many.push([f, 20 + ((f * 37) % 200)], [f, 20 + ((f * 53) % 200) + 1])
    const sorted = many.sort((a, b) => a[0] - b[0] || a[1] - b[1]).filter((p, i, a) => i === 0 || p[0] !== a[i - 1]![0] || p[1] !== a[i - 1]![1])
    const streamed = pair(sorted, 3, true)
    expect(streamed.length).toBeGreaterThan(1000)
    expect(streamed).toEqual(pair(sorted, 3, false))
  })
})
