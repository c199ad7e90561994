/**
 * decide() applies --min-confidence to the confidence as it reports it (3 decimals): a bar set
 * to a reported confidence passes that file. Asked of the library unchanged, a confidence of
 * 0.4567 (reported 0.457) failed a bar of 0.457 — found when the default index fanout moved a
 * test file's confidence across a rounding boundary.
 */
import { describe, expect, it } from 'vitest'
import { fingerprint, type Identification, type IdentifyOptions, type Match, type MatchOptions } from '../../src/index.js'
import { decide, type DecisionSource, type Reading } from '../../packages/node/src/decide.js'
import { synthMusic } from '../support/synth.js'

const CONFIDENCE = 0.4567

/** A source whose one recording covers the file at CONFIDENCE: matched iff the bar is at most that. */
function source(asked: number[]): DecisionSource {
  return {
    identify(_fp, options: IdentifyOptions): Identification {
      asked.push(options.minConfidence ?? NaN)
      const matched = options.minConfidence !== undefined && CONFIDENCE >= options.minConfidence
      return {
        status: matched ? 'matched' : 'ambiguous', recordingId: 'r', trackId: 't', confidence: CONFIDENCE, coverage: 0.4,
        offsetSeconds: 0, alternatives: [{ recordingId: 'r', trackId: 't', coverage: 0.4, confidence: CONFIDENCE, offsetSeconds: 0 }], windows: { total: 8, withAudio: 8 },
      }
    },
    match(_fp, _options: MatchOptions): Match[] { return [] },
    track: () => ({ id: 't', recordingId: 'r', quality: undefined, durationSeconds: 40, metadata: undefined }),
    editions: () => [],
  }
}

const reading: Reading = {
  file: { path: '/music/a.wav', size: 1 } as Reading['file'],
  fp: fingerprint(synthMusic(3, 2)),
  info: { quality: {}, tags: {}, durationSeconds: 40, sampleRate: 44100, channels: 2 } as unknown as NonNullable<Reading['info']>,
  cached: false,
}

describe('decide and --min-confidence', () => {
  it('reports the confidence rounded to 3 decimals, and a bar of that value passes', async () => {
    const asked: number[] = []
    const first = await decide(source(asked), reading, { minConfidence: 0.9 })
    expect(first.status).toBe('ambiguous')
    expect(first.confidence).toBe(0.457)
    expect((await decide(source(asked), reading, { minConfidence: first.confidence! })).status).toBe('matched')
    expect((await decide(source(asked), reading, { minConfidence: 0.458 })).status).toBe('ambiguous')
    expect(asked[1]).toBeCloseTo(0.4565, 9)
  })

  it('keeps a bar of 0 at 0', async () => {
    const asked: number[] = []
    expect((await decide(source(asked), reading, { minConfidence: 0 })).status).toBe('matched')
    expect(asked).toEqual([0])
  })
})
