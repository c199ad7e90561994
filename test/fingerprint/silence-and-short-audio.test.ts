import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, Fingerprinter, FRAME_SECONDS, type Fingerprint } from '../../src/index.js'
import { catalogOf, makeTracks } from '../support/corpus.js'
import { synthMusic } from '../support/synth.js'

const cases: [string, () => { sampleRate: number; channels: Float32Array[] }][] = [
  ['10 s of silence, stereo 44100 Hz', () => ({ sampleRate: 44100, channels: [new Float32Array(441_000), new Float32Array(441_000)] })],
  ['10 s of silence, mono 8000 Hz', () => ({ sampleRate: 8000, channels: [new Float32Array(80_000)] })],
  ['10 s of near-silence (1e-7 noise)', () => ({ sampleRate: 22050, channels: [Float32Array.from({ length: 220_500 }, (_, i) => 1e-7 * Math.sin(i * 1.3))] })],
  ['100 samples of music', () => ({ sampleRate: 44100, channels: synthMusic(3, 1, 44100, 2).channels.map((c) => c.slice(0, 100)) })],
  ['0 samples', () => ({ sampleRate: 48000, channels: [new Float32Array(0)] })],
]

describe('silence and very short audio', () => {
  let catalog: Catalog
  beforeAll(() => {
    catalog = catalogOf(makeTracks([{ seed: 21, seconds: 20 }, { seed: 22, seconds: 20 }], 22050))
  })

  it.each(cases)('%s: an empty fingerprint, no throw', (_, make) => {
    const audio = make()
    const fp = fingerprint(audio)
    expect(fp.hashes).toHaveLength(0)
    expect(fp.times).toHaveLength(0)
    expect(fp.hashes).toBeInstanceOf(Uint32Array)
    expect(fp.times).toBeInstanceOf(Uint32Array)
    expect(fp.frameSeconds).toBe(FRAME_SECONDS)
    expect(fp.durationSeconds).toBeCloseTo(audio.channels[0]!.length / audio.sampleRate, 12)
  })

  it.each(cases)('%s: match gives [] even with minConfidence 0', (_, make) => {
    const fp = fingerprint(make())
    expect(catalog.match(fp)).toEqual([])
    expect(catalog.match(fp, { minConfidence: 0, limit: 100 })).toEqual([])
  })

  it('a stream finished without any push is empty too', () => {
    const fp: Fingerprint = new Fingerprinter({ sampleRate: 44100 }).finish()
    expect(fp.hashes).toHaveLength(0)
    expect(fp.durationSeconds).toBe(0)
    expect(catalog.match(fp)).toEqual([])
  })

  it('music followed by silence has landmarks only where the music is', () => {
    const music = synthMusic(23, 5, 8000, 1).channels[0]!
    const padded = new Float32Array(8000 * 15)
    padded.set(music)
    const fp = fingerprint({ sampleRate: 8000, channels: [padded] })
    expect(fp.hashes.length).toBeGreaterThan(30)
    // Anchors lie within the music (plus one analysis window and neighbourhood of spill-over).
    expect(Math.max(...fp.times) * fp.frameSeconds).toBeLessThan(5.5)
  })

  it('an empty fingerprint can be added as a track: it counts, has no hashes, matches nothing', () => {
    const c = new Catalog()
    c.add('silence', fingerprint(cases[0]![1]()))
    expect(c.size).toBe(1)
    expect(c.has('silence')).toBe(true)
    expect(c.stats()).toMatchObject({ tracks: 1, hashes: 0, seconds: 10 })
    expect(c.match(fingerprint(synthMusic(21, 10, 22050)))).toEqual([])
  })
})
