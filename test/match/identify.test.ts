import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, isUpgrade, qualityRank } from '../../src/index.js'
import { excerpt, synthMusic, withNoise, type Audio } from '../support/synth.js'
import { convertRate } from '../support/reference.js'

/** 6 recordings of 40 s; recording r2 has two editions (the same audio, AAC 256k and 24/96 flac). */
let catalog: Catalog
let pieces: Audio[]

beforeAll(() => {
  pieces = Array.from({ length: 6 }, (_, i) => synthMusic(500 + i, 40))
  catalog = new Catalog()
  pieces.forEach((p, i) => {
    const fp = fingerprint(p)
    if (i === 2) {
      catalog.add('r2-aac', fp, { title: 'two' }, { recordingId: 'r2', quality: { codec: 'aac', bitrateKbps: 256 } })
      catalog.add('r2-hires', fp, { title: 'two' }, { recordingId: 'r2', quality: { codec: 'flac', sampleRate: 96000, bitDepth: 24 } })
    } else {
      catalog.add(`r${i}`, fp, undefined, { quality: { codec: 'flac', bitDepth: 16, sampleRate: 44100 } })
    }
  })
})

/** The file a library holds: trimmed, mono at 22.05 kHz, −6 dB, with 2 s of silence before. */
function libraryCopy(p: Audio, trimStart: number): Audio {
  const mono = excerpt(p, trimStart, 40 - trimStart - 1).channels[0]!
  const rate = 22050
  const resampled = convertRate(mono, 44100, rate)
  const out = new Float32Array(resampled.length + 2 * rate)
  for (let i = 0; i < resampled.length; i++) out[2 * rate + i] = resampled[i]! * 0.5
  return { sampleRate: rate, channels: [out] }
}

describe('Catalog.identify', () => {
  it('matches a trimmed, resampled, quieter, padded copy to its recording, with offset and full coverage', () => {
    const id = catalog.identify(fingerprint(libraryCopy(pieces[4]!, 3)))
    expect(id.status).toBe('matched')
    expect(id.recordingId).toBe('r4')
    expect(id.trackId).toBe('r4')
    expect(id.coverage).toBeGreaterThan(0.9)
    expect(id.confidence).toBeGreaterThan(0.5)
    // the file starts 2 s before the audio, which starts 3 s into the track
    expect(Math.abs(id.offsetSeconds - 1)).toBeLessThanOrEqual(0.1)
    expect(id.windows.withAudio).toBeGreaterThanOrEqual(3)
  })

  it('names the best edition and says whether it is an upgrade over the file', () => {
    const fp = fingerprint(withNoise(pieces[2]!, 20, 1))
    const mp3 = catalog.identify(fp, { quality: { codec: 'mp3', bitrateKbps: 128 } })
    expect(mp3.status).toBe('matched')
    expect(mp3.recordingId).toBe('r2')
    expect(mp3.edition?.trackId).toBe('r2-hires')
    expect(mp3.edition?.quality).toEqual({ codec: 'flac', sampleRate: 96000, bitDepth: 24 })
    expect(mp3.upgrade).toBe(true)
    const hires = catalog.identify(fp, { quality: { codec: 'flac', sampleRate: 96000, bitDepth: 24 } })
    expect(hires.upgrade).toBe(false)
    expect(catalog.identify(fp).upgrade).toBeUndefined()
  })

  it('never calls an unrelated piece, long or short, "matched"', () => {
    for (let s = 600; s < 615; s++) {
      const other = synthMusic(s, 30)
      for (const len of [5, 12, 30]) {
        expect(catalog.identify(fingerprint(excerpt(other, 0, len))).status).not.toBe('matched')
      }
    }
  })

  it('says "unmatched" with zero coverage for silence and empty input', () => {
    const silence = catalog.identify(fingerprint({ sampleRate: 44100, channels: [new Float32Array(44100 * 20)] }))
    expect(silence).toMatchObject({ status: 'unmatched', coverage: 0, alternatives: [] })
    expect(catalog.identify(fingerprint({ sampleRate: 44100, channels: [new Float32Array(0)] })).status).toBe('unmatched')
  })

  it('does not match a file that holds only a short stretch of a recording: ambiguous at most', () => {
    // 8 s of r1 inside 40 s of another piece not in the catalog
    const host = excerpt(synthMusic(777, 40), 0, 40).channels[0]!
    const part = excerpt(pieces[1]!, 10, 8).channels[0]!
    host.set(part, 44100 * 16)
    const id = catalog.identify(fingerprint({ sampleRate: 44100, channels: [host] }))
    expect(id.status).not.toBe('matched')
  })
})

describe('Catalog.identify minConfidence', () => {
  // Half of r3 (20 s) followed by 20 s of a piece not in the catalog: coverage ≈ 0.5.
  const half = (): Audio => {
    const out = excerpt(synthMusic(778, 40), 0, 40).channels[0]!
    out.set(excerpt(pieces[3]!, 0, 20).channels[0]!, 0)
    return { sampleRate: 44100, channels: [out] }
  }

  it('sets the bar of "matched" on the confidence it reports: stricter above it, laxer below', () => {
    const fp = fingerprint(half())
    const base = catalog.identify(fp)
    expect(base.recordingId).toBe('r3')
    expect(base.confidence).toBeGreaterThan(0.2)
    expect(base.confidence).toBeLessThan(0.7)
    expect(catalog.identify(fp, { minConfidence: base.confidence }).status).toBe('matched')
    expect(catalog.identify(fp, { minConfidence: base.confidence + 0.01 }).status).toBe('ambiguous')
    expect(catalog.identify(fp, { minConfidence: 0.1 }).status).toBe('matched')
    // a whole copy passes a strict bar
    expect(catalog.identify(fingerprint(pieces[3]!), { minConfidence: 0.9 }).status).toBe('matched')
  })

  it('never matches an unrelated piece, whatever the bar', () => {
    const other = fingerprint(synthMusic(612, 30))
    expect(catalog.identify(other, { minConfidence: 0 }).status).not.toBe('matched')
  })

  it('refuses a bar outside 0..1 with INVALID_OPTIONS', () => {
    const fp = fingerprint(excerpt(pieces[0]!, 0, 5))
    for (const bad of [-0.1, 1.5, Number.NaN, '0.5' as unknown as number]) {
      expect(() => catalog.identify(fp, { minConfidence: bad })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    }
  })
})

describe('edition quality', () => {
  it('orders lossless above lossy, then by resolution; lossy by mp3-equivalent rate', () => {
    expect(qualityRank({ codec: 'flac' })).toBeGreaterThan(qualityRank({ codec: 'mp3', bitrateKbps: 320 }))
    expect(qualityRank({ codec: 'flac', bitDepth: 24, sampleRate: 96000 })).toBeGreaterThan(qualityRank({ codec: 'alac', bitDepth: 16, sampleRate: 44100 }))
    expect(qualityRank({ codec: 'aac', bitrateKbps: 256 })).toBeGreaterThan(qualityRank({ codec: 'mp3', bitrateKbps: 320 }))
  })

  it('calls an upgrade only what is worth the swap', () => {
    expect(isUpgrade({ codec: 'flac' }, { codec: 'mp3', bitrateKbps: 128 })).toBe(true)
    expect(isUpgrade({ codec: 'aac', bitrateKbps: 256 }, { codec: 'flac' })).toBe(false)
    expect(isUpgrade({ codec: 'aac', bitrateKbps: 256 }, { codec: 'mp3', bitrateKbps: 128 })).toBe(true)
    expect(isUpgrade({ codec: 'mp3', bitrateKbps: 150 }, { codec: 'mp3', bitrateKbps: 128 })).toBe(false)  // < 1.25×
    expect(isUpgrade({ codec: 'flac', bitDepth: 24, sampleRate: 96000 }, { codec: 'flac', bitDepth: 16, sampleRate: 44100 })).toBe(true)
    expect(isUpgrade({ codec: 'flac' }, { codec: 'flac' })).toBe(false)
  })
})
