import { describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { rng, synthMusic } from '../support/synth.js'

/**
 * Issue 9: chance alignments grow with the catalog, so the decision's background must grow with
 * it. Tracks here are random landmarks with music's skew (some keys very common, as the bass
 * keys of real music are), so that a large catalog offers a query many chance
 * alignments. Out-of-catalog queries must match nothing at every size, and the background they
 * are held to (rank.ts: the 3rd and 4th best recordings) must rise with the catalog.
 */
const SECONDS = 60, RATE = 50, FRAMES_PER_SECOND = 62.5

function skewedKey(rand: () => number): number {
  // Three in ten from 20 000 popular keys, the rest from all 2^21: music's skew, roughly
  // (posting-weighted mean list ~10× uniform; the dev corpus has 39×).
  const popular = rand() < 0.3
  return popular ? Math.imul(Math.floor(rand() * 20_000) + 1, 0x9e3779b1) >>> 11 : Math.floor(rand() * 2 ** 21)
}

function randomPrint(template: Fingerprint, rand: () => number, seconds: number): Fingerprint {
  const n = Math.round(seconds * RATE)
  const times = Uint32Array.from({ length: n }, () => Math.floor(rand() * seconds * FRAMES_PER_SECOND)).sort()
  return { ...template, hashes: Uint32Array.from({ length: n }, () => skewedKey(rand)), times, ranks: new Uint8Array(n), durationSeconds: seconds }
}

describe('the decision against chance as the catalog grows', () => {
  const template = fingerprint(synthMusic(2, 2))
  const queries = Array.from({ length: 40 }, (_, i) => randomPrint(template, rng(10_000 + i), 10))

  const run = (tracks: number) => {
    const rand = rng(tracks)
    const catalog = new Catalog()
    for (let t = 0; t < tracks; t++) catalog.add(`t${t}`, randomPrint(template, rand, SECONDS))
    let matched = 0, background = 0, best = 0
    for (const q of queries) {
      if (catalog.match(q).length > 0) matched++
      const list = internals(catalog).searchPass(q, false)
      const scores = list.items.slice(0, list.count).map((c) => c.score).sort((a, b) => b - a)
      background += ((scores[2] ?? 0) + (scores[3] ?? 0)) / 2
      best += scores[0] ?? 0
    }
    return { matched, background: background / queries.length, best: best / queries.length }
  }

  it('matches no out-of-catalog query at 100 or 3 000 tracks, and the background it is held to grows with the catalog', () => {
    // Measured: background (3rd and 4th best) 1.2 at 100 tracks, 2.0 at 3 000; best chance score 2.0 and 2.2.
    const small = run(100), large = run(3000)
    expect(small.matched).toBe(0)
    expect(large.matched).toBe(0)
    expect(large.background).toBeGreaterThan(1.3 * small.background)
  })
})
