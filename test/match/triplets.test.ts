import { describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { TRIPLET_KEY_BITS, indexTriplets, queryTriplets, tripletKey, tripletList } from '../../src/match/triplets.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'

const indexed = (fp: Fingerprint) => {
  const out: [number, number][] = []
  indexTriplets(fp.hashes, fp.times, fp.ranks, null, (k, t) => out.push([k, t]), () => {})
  return out
}

describe('triplet keys', () => {
  const fp = fingerprint(synthMusic(3, 20))

  it('one per anchor with targets of rank 0 and 1, in time order, each among the query triplets of its anchor', () => {
    const index = indexed(fp)
    const anchors = new Set<string>()
    for (let i = 0; i < fp.hashes.length; i++) if (fp.ranks![i] === 1) anchors.add(`${fp.times[i]}:${fp.hashes[i]! >>> 13}`)
    expect(index.length).toBe(anchors.size)
    expect(index.every(([, t], i) => i === 0 || t >= index[i - 1]![1])).toBe(true)
    expect(index.every(([k]) => k >= 0 && k < 2 ** TRIPLET_KEY_BITS)).toBe(true)
    const q = tripletList()
    queryTriplets(fp.hashes, fp.times, fp.ranks, 4, 0, q)
    const query = new Set(Array.from({ length: q.count }, (_, i) => `${q.key[i]}:${q.time[i]}`))
    expect(index.filter(([k, t]) => !query.has(`${k}:${t}`))).toEqual([])
    expect(q.count).toBeGreaterThan(2 * index.length)            // six per anchor of four targets
  })

  it('a shifted query forms the triplets of the anchor one bin away', () => {
    const h = (f1: number, df: number, dt: number) => ((f1 << 13) | ((df + 64) << 6) | dt) >>> 0
    const q = tripletList()
    queryTriplets(Uint32Array.of(h(20, 3, 5), h(20, 7, 9)), Uint32Array.of(4, 4), Uint8Array.of(0, 1), 4, 1, q)
    expect(q.count).toBe(1)
    expect(q.key[0]).toBe(tripletKey(h(21, 3, 5), h(21, 7, 9)))
  })
})

describe('a catalog with triplets', () => {
  const tracks = Array.from({ length: 12 }, (_, i) => fingerprint(synthMusic(100 + i, 40)))
  const build = (triplets: boolean) => {
    const c = new Catalog({ tripletIndex: triplets })
    tracks.forEach((fp, i) => c.add(`t${i}`, fp))
    return c
  }
  const queries = tracks.map((_, i) => fingerprint(withNoise(excerpt(synthMusic(100 + i, 40), 12 + i, 8), 10, i)))

  it('answers as the pair vote does below the budget, and finds the same tracks by triplets above it', () => {
    const pairs = build(false), below = build(true), above = build(true)
    internals(above).index.pairBudget = 0
    for (const [i, q] of queries.entries()) {
      const want = pairs.match(q)
      expect(below.match(q)).toEqual(want)
      expect(internals(below).scratch.lastPass).toBe('pairs')
      const got = above.match(q)
      expect(internals(above).scratch.lastPass).toBe('triplets')
      expect(got[0]?.trackId).toBe(`t${i}`)
      expect(Math.abs(got[0]!.offsetSeconds - (12 + i))).toBeLessThan(0.05)
      expect(got[0]!.score).toBeGreaterThanOrEqual(0.8 * want[0]!.score)
    }
  })

  it('keeps its triplets through bytes, removal and compaction', () => {
    const c = build(true)
    for (let i = 0; i < 4; i++) c.remove(`t${i}`)
    const back = Catalog.fromChunks(c.toChunks({ sectionBytes: 4096 }))
    internals(back).index.pairBudget = 0
    expect(internals(back).index.triplets).toBe(true)
    for (const [i, q] of queries.entries()) expect(back.match(q)[0]?.trackId).toBe(i < 4 ? undefined : `t${i}`)
    expect(back.stats().bytes).toBe(c.stats().bytes)
  })

  it('answers alike when its adds sat in runs beside main (a query after every add) as when built at once', () => {
    // Regression: a run made from pending adds alone took the pairs' 21-bit key width.
    const step = new Catalog({ tripletIndex: true })
    internals(step).index.pairBudget = 0
    tracks.forEach((fp, i) => { step.add(`t${i}`, fp); step.match(queries[0]!) })
    expect(internals(step).index.hasDelta).toBe(true)
    const once = build(true)
    internals(once).index.pairBudget = 0
    for (const q of queries) expect(step.match(q)).toEqual(once.match(q))
  })
})
