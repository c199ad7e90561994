import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Match } from '../../src/index.js'
import { catalogOf, makeTracks, type Track } from '../support/corpus.js'
import { convertRate } from '../support/reference.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'

/** 8 pieces of 40–57.5 s, made at 44100 Hz stereo from seeds 101..108. */
const SPECS = Array.from({ length: 8 }, (_, i) => ({ seed: 101 + i, seconds: 40 + 2.5 * i }))

let tracks: Track[]
let catalog: Catalog

beforeAll(() => {
  tracks = makeTracks(SPECS)
  catalog = catalogOf(tracks)
})

function expectFoundAt(matches: Match[], track: Track, start: number): void {
  expect(matches.length).toBeGreaterThan(0)
  expect(matches[0]!.trackId).toBe(track.id)
  expect(Math.abs(matches[0]!.offsetSeconds - start)).toBeLessThanOrEqual(0.1)
  expect(matches[0]!.confidence).toBeGreaterThanOrEqual(0.5)
  expect(matches[0]!.confidence).toBeLessThanOrEqual(1)
  expect(matches[0]!.score).toBeGreaterThan(0)
}

// [track index, start seconds]: starts at 0, off the frame grid, mid-track and near the end.
const EXCERPTS: [number, number][] = [[0, 0], [0, 29.99], [1, 7.3], [2, 12.345], [3, 25.55], [4, 3.01], [5, 41.2], [6, 18.8], [7, 47.4]]

describe('a 10 s excerpt of a catalog track', () => {
  it.each(EXCERPTS)('track %i from %f s: found first, at its offset ±0.1 s', (i, start) => {
    const track = tracks[i]!
    expectFoundAt(catalog.match(fingerprint(excerpt(track.audio, start, 10))), track, start)
  })

  it.each(EXCERPTS)('track %i from %f s with white noise at 5 dB SNR: still found first', (i, start) => {
    const track = tracks[i]!
    const noisy = withNoise(excerpt(track.audio, start, 10), 5, 1000 + i)
    expectFoundAt(catalog.match(fingerprint(noisy)), track, start)
  })

  it.each([48000, 22050, 16000, 8000])('resampled to %i Hz: still found first, at its offset', (rate) => {
    const track = tracks[2]!
    const start = 14.2
    const mono = excerpt(track.audio, start, 10).channels[0]!
    const query = { sampleRate: rate, channels: [convertRate(mono, 44100, rate)] }
    expectFoundAt(catalog.match(fingerprint(query)), track, start)
  })

  it('a stereo excerpt passed as an AudioBuffer-like is found too', () => {
    const track = tracks[4]!
    const s0 = 20 * 44100, n = 10 * 44100
    const channels = track.audio.channels.map((c) => c.slice(s0, s0 + n))
    const buffer = { sampleRate: 44100, numberOfChannels: 2, getChannelData: (c: number) => channels[c]! }
    expectFoundAt(catalog.match(fingerprint(buffer)), track, 20)
  })

  it('a whole track matches itself at offset 0, and the results are sorted best first', () => {
    const matches = catalog.match(tracks[5]!.fp, { minConfidence: 0, limit: 8 })
    expectFoundAt(matches, tracks[5]!, 0)
    for (let i = 1; i < matches.length; i++) expect(matches[i]!.score).toBeLessThanOrEqual(matches[i - 1]!.score)
  })

  it('limit caps the results; minConfidence 0 lets weaker candidates through', () => {
    const fp = fingerprint(excerpt(tracks[1]!.audio, 5, 10))
    const all = catalog.match(fp, { minConfidence: 0, limit: 8 })
    expect(all.length).toBeGreaterThan(1)          // chance alignments with other tracks exist
    expect(catalog.match(fp, { minConfidence: 0, limit: 1 })).toEqual(all.slice(0, 1))
    expect(catalog.match(fp)).toEqual(all.filter((m) => m.confidence >= 0.5).slice(0, 5))
  })
})

describe('a piece that is not in the catalog', () => {
  it.each([201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212])('seed %i, 10 s excerpt: match gives []', (seed) => {
    const other = synthMusic(seed, 25, 44100, 2)
    expect(catalog.match(fingerprint(excerpt(other, 5, 10)))).toEqual([])
  })

  it.each([207, 208])('seed %i, whole 25 s piece: match gives []', (seed) => {
    expect(catalog.match(fingerprint(synthMusic(seed, 25, 44100, 2)))).toEqual([])
  })

  it('white noise gives []', () => {
    const noise = withNoise({ sampleRate: 44100, channels: [new Float32Array(441_000).fill(0.1)] }, -40, 3)
    expect(catalog.match(fingerprint(noise))).toEqual([])
  })
})
