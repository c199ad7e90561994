import { describe, expect, it } from 'vitest'
import { Catalog, Fingerprinter, fingerprint } from '../../src/index.js'
import { excerpt, synthMusic } from '../support/synth.js'
import { expectCode } from '../support/errors.js'

describe('Fingerprinter.snapshot', () => {
  const music = synthMusic(31, 20, 48000, 2)

  it('is always a prefix of what finish() returns, and grows as audio arrives', () => {
    const f = new Fingerprinter({ sampleRate: 48000 })
    const [l, r] = music.channels as [Float32Array, Float32Array]
    const snaps: number[] = []
    const prefixes: { hashes: Uint32Array; times: Uint32Array }[] = []
    for (let i = 0; i < l.length; i += 24000) {
      f.push([l.subarray(i, i + 24000), r.subarray(i, i + 24000)])
      const s = f.snapshot()
      snaps.push(s.hashes.length)
      prefixes.push(s)
      expect(s.durationSeconds).toBeCloseTo(Math.min(l.length, i + 24000) / 48000, 9)
    }
    const all = f.finish()
    expect(all).toEqual(fingerprint(music))
    for (const p of prefixes) {
      expect(Array.from(p.hashes)).toEqual(Array.from(all.hashes.subarray(0, p.hashes.length)))
      expect(Array.from(p.times)).toEqual(Array.from(all.times.subarray(0, p.times.length)))
    }
    for (let i = 1; i < snaps.length; i++) expect(snaps[i]!).toBeGreaterThanOrEqual(snaps[i - 1]!)
    expect(snaps.at(-1)!).toBeGreaterThan(0)
    expect(snaps.at(-1)!).toBeLessThan(all.hashes.length)     // the last second is not settled yet
  })

  it('lets a listener match before the end: 8 s in, the track is found', () => {
    const track = synthMusic(32, 40)
    const catalog = new Catalog()
    catalog.add('t', fingerprint(track))
    catalog.add('other', fingerprint(synthMusic(33, 40)))
    const live = excerpt(track, 12, 8)
    const f = new Fingerprinter({ sampleRate: 44100 })
    f.push(live.channels[0]!)
    const [best] = catalog.match(f.snapshot())
    expect(best?.trackId).toBe('t')
    expect(Math.abs(best!.offsetSeconds - 12)).toBeLessThanOrEqual(0.1)
  })

  it('throws STREAM_FINISHED after finish()', () => {
    const f = new Fingerprinter({ sampleRate: 8000 })
    f.finish()
    expectCode(() => f.snapshot(), 'STREAM_FINISHED')
  })
})
