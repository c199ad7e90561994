import { Catalog, fingerprint, type Fingerprint, type Match } from '../../src/index.js'
import { excerpt, synthMusic, type Audio } from './synth.js'

/** One synthetic catalog track: its seed, audio and fingerprint. */
export interface Track {
  id: string
  seed: number
  audio: Audio
  fp: Fingerprint
}

/** Tracks of the given seeds and lengths (seconds), fingerprinted once. */
export function makeTracks(specs: readonly { seed: number; seconds: number }[], sampleRate = 44100, channels = 2): Track[] {
  return specs.map(({ seed, seconds }) => {
    const audio = synthMusic(seed, seconds, sampleRate, channels)
    return { id: `track-${seed}`, seed, audio, fp: fingerprint(audio) }
  })
}

export function catalogOf(tracks: readonly Track[]): Catalog {
  const catalog = new Catalog()
  for (const t of tracks) catalog.add(t.id, t.fp)
  return catalog
}

/** Fingerprint of the mono excerpt [start, start + seconds) of a track. */
export function excerptPrint(track: Track, start: number, seconds = 10): Fingerprint {
  return fingerprint(excerpt(track.audio, start, seconds))
}

/** Match results without the scores, for asserting who was found where. */
export function who(matches: readonly Match[]): { trackId: string; offsetSeconds: number }[] {
  return matches.map((m) => ({ trackId: m.trackId, offsetSeconds: Math.round(m.offsetSeconds * 100) / 100 }))
}
