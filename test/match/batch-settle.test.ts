import { describe, expect, it } from 'vitest'
import { HashIndex, emptyHits, type Hits } from '../../src/match/hash-index.js'
import { rng } from '../support/synth.js'

/**
 * A bulk batch (adds that fill pending on their own, so add() flushes them into runs) is folded
 * into main by the prepare() that ends it, so that a catalog just built answers from main alone,
 * as the same catalog loaded from its file does; adds that never fill pending (one add between
 * queries) still go to runs. Pending is lowered to 64 postings here, as 2^22 would take a big
 * catalog.
 */
const LIMIT = 64

/**
 * A seeded print of n anchors, one a frame, each with two targets (ranks 0 and 1: one triplet),
 * over few anchor bins and target values, so that keys repeat across tracks.
 */
function randomPrint(seed: number, n: number) {
  const r = rng(seed)
  const hashes = new Uint32Array(2 * n), times = new Uint32Array(2 * n), ranks = new Uint8Array(2 * n)
  for (let i = 0; i < n; i++) {
    const f1 = Math.floor(r() * 16)
    for (let k = 0; k < 2; k++) { hashes[2 * i + k] = (f1 << 13) | Math.floor(r() * 64); times[2 * i + k] = i; ranks[2 * i + k] = k }
  }
  return { hashes, times, ranks }
}

function hitsOf(index: HashIndex, q: { hashes: Uint32Array; times: Uint32Array }): string[] {
  const out: Hits = emptyHits()
  index.lookup(q.hashes, q.times, false, out)
  const rows: string[] = []
  for (let i = 0; i < out.count; i++) rows.push(`${out.track[i]}:${out.offset[i]}:${out.query[i]}`)
  return rows.sort()
}

const runsOf = (index: HashIndex) => (index as unknown as { partitions: { pairs: { runs: unknown[] }; triplets: { runs: unknown[] } | null }[] }).partitions.map((p) => [p.pairs.runs.length, p.triplets?.runs.length ?? 0])

describe('a bulk batch is folded into main when it ends', () => {
  for (const triplets of [false, true]) {
    it(`${triplets ? 'with' : 'without'} triplets: runs while adding, none after prepare(), the same hits as built at once; single adds still go to runs`, () => {
      const index = new HashIndex({ pendingLimit: LIMIT, triplets })
      const prints = Array.from({ length: 40 }, (_, i) => randomPrint(100 + i, 30))
      for (const p of prints) index.add(p, 2)
      // 40 × 60 postings past a limit of 64: add() flushed into runs by itself.
      expect(index.hasDelta).toBe(true)
      expect(index.prepare()).toBe(false)
      expect(index.hasDelta).toBe(false)
      expect(runsOf(index)).toEqual([[0, 0]])
      const once = new HashIndex({ triplets })
      for (const p of prints) once.add(p, 2)
      once.prepare()
      const q = randomPrint(7, 50)
      expect(hitsOf(index, q)).toEqual(hitsOf(once, q))
      // One add, then a query: it did not fill pending, so it waits in a run beside main.
      const extra = randomPrint(999, 20)
      index.add(extra, 2); once.add(extra, 2)
      index.prepare(); once.prepare()
      expect(runsOf(index)).toEqual([[1, triplets ? 1 : 0]])
      expect(hitsOf(index, q)).toEqual(hitsOf(once, q))
      expect(index.postingCount).toBe(40 * 60 + 40)
    })
  }

  it('a catalog in service (a prepare after every add) keeps at most two runs, and the hits of one built at once', () => {
    for (const triplets of [false, true]) {
      const index = new HashIndex({ pendingLimit: LIMIT, triplets })
      const base = Array.from({ length: 60 }, (_, i) => randomPrint(300 + i, 30))   // main of 3 600 pair postings: runs may hold 450
      for (const p of base) index.add(p, 2)
      index.prepare()
      const q = randomPrint(8, 50)
      let most = 0
      const added = [...base]
      for (let i = 0; i < 40; i++) {
        const p = randomPrint(500 + i, 10)      // 20 postings: a run fills after 3 adds, a new one starts (8 runs without consolidating)
        index.add(p, 2)
        added.push(p)
        index.prepare()
        for (const [pairs, trips] of runsOf(index)) most = Math.max(most, pairs!, trips!)
        if (i % 7 === 6) {
          const once = new HashIndex({ triplets })
          for (const a of added) once.add(a, 2)
          once.prepare()
          expect(hitsOf(index, q)).toEqual(hitsOf(once, q))
        }
      }
      expect(most).toBe(2)
    }
  })
})
