// dedupe's span: the seconds two files share, from where one starts in the other (identify's
// offsetSeconds) and both durations. Hand-computed cases.
import { describe, expect, it } from 'vitest'
import { shared } from '../../packages/node/src/dedupe.js'

describe('shared(querySeconds, trackSeconds, offsetSeconds)', () => {
  it('is the intersection of [offset, offset + query] with [0, track]', () => {
    expect(shared(100, 100, 0)).toBe(100)          // a re-encode
    expect(shared(96, 100, 3)).toBe(96)            // trimmed by 3 s at the start, 1 s at the end
    expect(shared(102, 100, -2)).toBe(100)         // 2 s of silence before the song
    expect(shared(12, 6, 0)).toBe(6)               // A then B (6 s each), against A: half the file
    expect(shared(12, 6, -6)).toBe(6)              // the same file against B, which starts 6 s in
    expect(shared(6, 6, 3)).toBe(3)                // the second half of A then the first half of B
    expect(shared(30, 240, 60)).toBe(30)           // a 30 s excerpt: all of it, an eighth of the song
    expect(shared(10, 100, 95)).toBe(5)            // overhanging the end
    expect(shared(10, 100, 120)).toBe(0)           // past the end: nothing, not negative
    expect(shared(10, 100, -20)).toBe(0)
  })
})
