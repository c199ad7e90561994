import { excerpt, synthMusic, withNoise } from '../test/support/synth.js'
import type { Wav } from './wav.js'

export interface CorpusTrack { id: string; load: () => Wav }
export interface CorpusQuery { kind: string; degradation: string; lengthS: number; expected: string | null; offsets: number[]; load: () => Wav }

/** A stand-in corpus when no real one is given: 20 seeded pieces, 5 held out as negatives. */
export function syntheticCorpus(): { tracks: CorpusTrack[]; queries: CorpusQuery[] } {
  const pieces = Array.from({ length: 20 }, (_, i) => ({ id: `synth-${i}`, audio: synthMusic(1000 + i, 60) }))
  const tracks = pieces.slice(0, 15).map((p) => ({ id: p.id, load: () => p.audio }))
  const queries: CorpusQuery[] = []
  pieces.forEach((p, i) => {
    const inCatalog = i < 15
    for (const [deg, make] of [['clean', (a: Wav) => a], ['white-5db', (a: Wav) => withNoise(a, 5, i)], ['white-0db', (a: Wav) => withNoise(a, 0, i)]] as const) {
      const start = 5 + ((i * 7) % 40)
      queries.push({ kind: 'snippet', degradation: deg, lengthS: 10, expected: inCatalog ? p.id : null, offsets: inCatalog ? [start] : [], load: () => make(excerpt(p.audio, start, 10)) })
    }
  })
  return { tracks, queries }
}
