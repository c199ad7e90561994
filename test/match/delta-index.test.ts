import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { excerptPrint, makeTracks, type Track } from '../support/corpus.js'

/**
 * Adds go to a small delta index, merged into the main one when it outgrows 1/8 of it;
 * removals are masked, and compacted away once they are over 1/4 of the live postings
 * (catalog.ts). Whatever the catalog's internal state, its answers must be those of a catalog
 * built afresh from the same tracks in the same order.
 */
let big: Track[]        // 30 s: ~700 postings each
let small: Track[]      // 12 s: ~300 postings each
let byId: Map<string, Track>
let queries: { id: string; fp: Fingerprint }[]    // an 8 s excerpt (from 2 s) of every track

beforeAll(() => {
  big = makeTracks([1, 2, 3, 4, 5, 6].map((s) => ({ seed: 700 + s, seconds: 30 })), 22050, 1)
  small = makeTracks([1, 2, 3, 4, 5].map((s) => ({ seed: 800 + s, seconds: 12 })), 22050, 1)
  byId = new Map([...big, ...small].map((t) => [t.id, t]))
  queries = [...big, ...small].map((t) => ({ id: t.id, fp: excerptPrint(t, 2, 8) }))
})

/** Internal state, read only to make sure the sequence below goes through the delta index. */
const hasDelta = (c: Catalog) => internals(c).index.hasDelta

/** Checks `c` against a fresh catalog of its live tracks, and that each live track is found. */
function expectConsistent(c: Catalog, live: string[]): void {
  expect(c.ids()).toEqual(live)
  expect(c.size).toBe(live.length)
  const fresh = new Catalog()
  for (const id of live) fresh.add(id, byId.get(id)!.fp)
  expect(c.stats().hashes).toBe(fresh.stats().hashes)
  expect(c.stats().seconds).toBeCloseTo(fresh.stats().seconds, 9)
  for (const q of queries) {
    const got = c.match(q.fp, { minConfidence: 0, limit: 10 })
    expect(got).toEqual(fresh.match(q.fp, { minConfidence: 0, limit: 10 }))
    const top = c.match(q.fp)[0]
    if (live.includes(q.id)) {
      expect(top?.trackId).toBe(q.id)
      expect(Math.abs(top!.offsetSeconds - 2)).toBeLessThanOrEqual(0.1)
    } else {
      expect(got.map((m) => m.trackId)).not.toContain(q.id)
    }
  }
}

describe('a catalog that grows and shrinks', () => {
  it('answers as a fresh catalog at every step: main, delta, masked removals, compactions', () => {
    const c = new Catalog()
    const live: string[] = []
    const add = (t: Track) => { c.add(t.id, t.fp); live.push(t.id) }
    const remove = (t: Track) => { expect(c.remove(t.id)).toBe(true); live.splice(live.indexOf(t.id), 1) }

    for (const t of big) add(t)
    expectConsistent(c, live)                     // everything went into main
    expect(hasDelta(c)).toBe(false)

    add(small[0]!)
    expectConsistent(c, live)                     // a small add: into the delta
    expect(hasDelta(c)).toBe(true)

    add(small[1]!)
    add(small[2]!)
    expectConsistent(c, live)                     // delta too big: merged into main
    expect(hasDelta(c)).toBe(false)

    add(small[3]!)
    expectConsistent(c, live)
    expect(hasDelta(c)).toBe(true)

    remove(big[1]!)                               // masked in main
    remove(small[3]!)                             // masked in the delta
    expectConsistent(c, live)

    remove(big[3]!)                               // dead postings over 1/4: compaction
    remove(small[0]!)
    expectConsistent(c, live)
    expect(hasDelta(c)).toBe(false)

    add(big[1]!)                                  // the same id again, after its removal
    add(small[4]!)
    add(small[3]!)
    expectConsistent(c, live)

    const loaded = Catalog.fromBytes(c.toBytes())
    expectConsistent(loaded, live)
    expectConsistent(c, live)
  })

  it('many adds with a query after each keep every track findable', () => {
    const c = new Catalog()
    const all = [...small, ...big]
    all.forEach((t, i) => {
      c.add(t.id, t.fp)
      // The last track added is found, and so is the first one.
      expect(c.match(queries.find((q) => q.id === t.id)!.fp)[0]?.trackId).toBe(t.id)
      expect(c.match(queries.find((q) => q.id === all[0]!.id)!.fp)[0]?.trackId).toBe(all[0]!.id)
      expect(c.size).toBe(i + 1)
    })
    expectConsistent(c, all.map((t) => t.id))
  })

  it('interleaved adds and removes, queried in between, end where a fresh catalog is', () => {
    const c = new Catalog()
    const live: string[] = []
    const all = [...big, ...small]
    for (let step = 0; step < 30; step++) {
      const t = all[(step * 7) % all.length]!
      if (c.has(t.id)) {
        c.remove(t.id)
        live.splice(live.indexOf(t.id), 1)
      } else {
        c.add(t.id, t.fp)
        live.push(t.id)
      }
      if (step % 3 === 2) {
        const q = queries[(step * 5) % queries.length]!
        const top = c.match(q.fp)[0]
        if (live.includes(q.id)) expect(top?.trackId).toBe(q.id)
        else expect(c.match(q.fp, { minConfidence: 0, limit: 20 }).map((m) => m.trackId)).not.toContain(q.id)
      }
    }
    expectConsistent(c, live)
  })
})
