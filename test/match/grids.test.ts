import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { excerpt, rng, synthMusic, withNoise, type Audio } from '../support/synth.js'
import { expectCode } from '../support/errors.js'

/**
 * Queries fingerprinted on more than one frame grid (Fingerprint.offGrid): a catalog indexes the
 * first grid only, a query uses the others when the first does not decide (query.ts search()).
 */
let tracks: Audio[]
let catalog: Catalog

beforeAll(() => {
  tracks = Array.from({ length: 8 }, (_, i) => synthMusic(100 + i, 30, 44100, 1))
  catalog = new Catalog()
  tracks.forEach((t, i) => catalog.add(`t${i}`, fingerprint(t)))
}, 60_000)

/** Noisy short excerpts at random offsets (so their frames fall anywhere between the catalog's). */
function noisyQueries(snr: number, seconds: number, n: number, seed: number): { audio: Audio; id: string }[] {
  const r = rng(seed)
  return Array.from({ length: n }, (_, q) => {
    const k = Math.floor(r() * tracks.length), start = 1 + r() * 20
    return { audio: withNoise(excerpt(tracks[k]!, start, seconds), snr, 1000 + q), id: `t${k}` }
  })
}

describe('match with off-grid hashes', () => {
  it('finds more short noisy snippets, loses none, and matches none wrongly', () => {
    let one = 0, two = 0, lost = 0, wrong = 0
    for (const q of noisyQueries(-3, 3, 40, 5)) {
      const a = catalog.match(fingerprint(q.audio))[0], b = catalog.match(fingerprint(q.audio, { grids: 2 }))[0]
      if (a?.trackId === q.id) one++
      if (b?.trackId === q.id) two++
      else if (a?.trackId === q.id) lost++
      if (b && b.trackId !== q.id) wrong++
    }
    // Measured when written: 25 of 40 on one grid, 30 on two (35 without OFF_GRID_LOOKS).
    expect(two).toBeGreaterThanOrEqual(one + 4)
    expect(lost).toBe(0)
    expect(wrong).toBe(0)
  })

  it('a query the first grid decides gets the same answer with or without off-grid hashes', () => {
    for (let i = 0; i < 4; i++) {
      const audio = excerpt(tracks[i]!, 3 + i * 2.3, 10)
      const plain = catalog.match(fingerprint(audio), { limit: 5, minConfidence: 0 })
      expect(plain[0]?.trackId).toBe(`t${i}`)
      expect(catalog.match(fingerprint(audio, { grids: 3 }), { limit: 5, minConfidence: 0 })).toEqual(plain)
    }
  })

  it('out of the catalog stays out: strangers on four grids match nothing', () => {
    for (let s = 0; s < 12; s++) {
      const stranger = withNoise(excerpt(synthMusic(900 + s, 12, 44100, 1), 1, s % 2 ? 10 : 3), s % 3 ? 0 : 20, s)
      expect(catalog.match(fingerprint(stranger, { grids: 4 }))).toEqual([])
    }
  })

  it('a catalog indexes the first grid only: a track added with off-grid hashes indexes as without', () => {
    const a = new Catalog(), b = new Catalog()
    a.add('x', fingerprint(tracks[0]!))
    b.add('x', fingerprint(tracks[0]!, { grids: 4 }))
    expect(b.stats().hashes).toBe(a.stats().hashes)
    expect(b.toBytes()).toEqual(a.toBytes())
  })

  it('a malformed offGrid is INVALID_FINGERPRINT, to match and to add, and the catalog goes on', () => {
    const good = fingerprint(excerpt(tracks[1]!, 2, 5), { grids: 2 })
    const off = good.offGrid!
    const bad: Fingerprint[] = [
      { ...good, offGrid: null as never },
      { ...good, offGrid: { hashes: off.hashes, times: off.times.subarray(1), ranks: off.ranks } },
      { ...good, offGrid: { hashes: Array.from(off.hashes) as never, times: off.times, ranks: off.ranks } },
      { ...good, offGrid: { hashes: Uint32Array.from(off.hashes, (h, i) => (i === 3 ? 2 ** 21 : h)), times: off.times, ranks: off.ranks } },
      { ...good, offGrid: { hashes: off.hashes, times: off.times, ranks: new Uint16Array(off.ranks.length) as never } },
    ]
    const size = catalog.size
    for (const fp of bad) {
      expectCode(() => catalog.match(fp), 'INVALID_FINGERPRINT')
      expectCode(() => catalog.add('bad', fp), 'INVALID_FINGERPRINT')
    }
    expect(catalog.size).toBe(size)
    expect(catalog.match(good)[0]?.trackId).toBe('t1')
  })
})
