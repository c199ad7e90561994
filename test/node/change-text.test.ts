import { describe, expect, it } from 'vitest'
import { changeText } from '../../packages/node/src/report.js'

describe('changeText: the change a snippet was found under, in words', () => {
  it('says speed, pitch and tempo changes, and nothing at the original ones', () => {
    expect(changeText({})).toBe('')
    expect(changeText({ speed: 1, pitch: 1 })).toBe('')
    expect(changeText({ speed: 1.0513, pitch: 1 })).toBe(', 5 % faster')
    expect(changeText({ speed: 1, pitch: 2 ** (-2 / 12) })).toBe(', 2 semitones lower')
    expect(changeText({ tempo: 1.1 })).toBe(', tempo 10 % faster')
    expect(changeText({ speed: 1, pitch: 1, tempo: 0.95 })).toBe(', tempo 5 % slower')
    expect(changeText({ speed: 1, pitch: 2 ** (1 / 12), tempo: 0.97 })).toBe(', 1 semitone higher, tempo 3 % slower')
  })
})
