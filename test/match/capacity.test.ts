import { describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { MAX_SEGMENTS } from '../../src/match/postings.js'
import { rng, synthMusic } from '../support/synth.js'

/**
 * Issue 9: a catalog is not capped at the 131 072 segments one partition addresses. Tracks
 * here are tiny (12 landmarks each, so 150 000 of them fit in a test), but each takes a
 * segment like a real one, so the catalog needs two partitions.
 */
const TRACKS = 150_000
const HASHES = 12

describe(`a catalog of ${TRACKS} tiny tracks (more than the ${MAX_SEGMENTS} segments of one partition)`, () => {
  const template = fingerprint(synthMusic(1, 2))
  const rand = rng(9)
  const hashesOf: Uint32Array[] = []
  const print = (hashes: Uint32Array): Fingerprint => ({
    ...template, hashes, times: Uint32Array.from({ length: HASHES }, (_, j) => 10 * j), ranks: new Uint8Array(HASHES), durationSeconds: 2,
  })
  const catalog = new Catalog()
  for (let t = 0; t < TRACKS; t++) {
    const hashes = Uint32Array.from({ length: HASHES }, () => Math.floor(rand() * 2 ** 21))
    if (t % 10_000 === 7 || t === TRACKS - 1) hashesOf[t] = hashes
    catalog.add(`t${t}`, print(hashes))
  }

  it('holds them all, in two partitions, and finds tracks on both sides of the boundary', () => {
    expect(catalog.size).toBe(TRACKS)
    expect(catalog.stats().tracks).toBe(TRACKS)
    expect(internals(catalog).index.partitionCount).toBe(2)
    for (const [t, hashes] of hashesOf.entries()) {
      if (!hashes) continue
      const m = catalog.match(print(hashes))
      expect(m[0]?.trackId).toBe(`t${t}`)
      expect(m[0]?.offsetSeconds).toBe(0)
    }
  })

  it('removes, compacts and round-trips through bytes with every answer kept', () => {
    for (let t = 0; t < 40_000; t++) catalog.remove(`t${t}`)    // 40 000 removed: > 1/4 of the live postings, so it compacts
    expect(catalog.size).toBe(TRACKS - 40_000)
    const back = Catalog.fromBytes(catalog.toBytes())
    expect(back.size).toBe(TRACKS - 40_000)
    for (const [t, hashes] of hashesOf.entries()) {
      if (!hashes) continue
      const want = t < 40_000 ? undefined : `t${t}`
      expect(catalog.match(print(hashes))[0]?.trackId).toBe(want)
      expect(back.match(print(hashes))[0]?.trackId).toBe(want)
    }
  })
})
