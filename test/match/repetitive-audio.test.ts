import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { MAX_KEY_VOTES, emptyHits } from '../../src/match/hash-index.js'
import { loopPrint, maxVotesPerKey } from '../support/loop.js'
import { excerpt, synthMusic } from '../support/synth.js'

/**
 * Issue 7 item 9: a looped pattern repeats every landmark R times in the file and R times in a
 * track made of it, R² votes per landmark; identify was quadratic in the file's length and
 * called the file "unmatched" against itself. The work is asserted on counters (hits, votes per
 * key), never on time.
 */
function identifyLoop(seconds: number, query?: Fingerprint) {
  const fp = loopPrint(seconds)
  const catalog = new Catalog()
  catalog.add('loop', fp)
  const q = query ?? fp
  const id = catalog.identify(q)
  return { id, hits: internals(catalog).scratch.hits.count, maxVotes: maxVotesPerKey(catalog, q) }
}

describe('identify on a looped 2 s pattern, against a catalog holding the same file', () => {
  const runs: Record<number, ReturnType<typeof identifyLoop>> = {}
  beforeAll(() => {
    for (const minutes of [1, 8, 16]) runs[minutes] = identifyLoop(minutes * 60)
  }, 120_000)

  it.each([1, 8, 16])('%i min: matched, whole coverage, at offset 0', (minutes) => {
    const { id } = runs[minutes]!
    expect(id.status).toBe('matched')
    expect(id.recordingId).toBe('loop')
    expect(id.coverage).toBeGreaterThan(0.95)
    expect(Math.abs(id.offsetSeconds)).toBeLessThan(0.05)
  })

  it('the work is bounded: no (key, track) pair casts more than MAX_KEY_VOTES, and twice the loop casts no more', () => {
    for (const m of [1, 8, 16]) expect(runs[m]!.maxVotes).toBeLessThanOrEqual(MAX_KEY_VOTES)
    // 8 min is far past the cap (each landmark ~240 times on each side: 57 600 votes a pair).
    expect(runs[16]!.hits).toBeLessThanOrEqual(runs[8]!.hits * 1.02)
    // About one capped pair per distinct landmark of the pattern.
    expect(runs[16]!.hits).toBeLessThan(200 * MAX_KEY_VOTES)
  })

  it('a 3 min stretch from the middle of a 16 min loop track: matched (any loop offset is the same audio)', () => {
    const fp = loopPrint(16 * 60)
    const from = fp.times.findIndex((t) => t * fp.frameSeconds >= 300)
    const to = fp.times.findIndex((t) => t * fp.frameSeconds >= 480)
    const t0 = fp.times[from]!
    const part: Fingerprint = { ...fp, hashes: fp.hashes.slice(from, to), times: fp.times.slice(from, to).map((t) => t - t0), ranks: fp.ranks!.slice(from, to), durationSeconds: 180 }
    const catalog = new Catalog()
    catalog.add('loop', fp)
    const id = catalog.identify(part)
    expect(id.status).toBe('matched')
    expect(id.coverage).toBeGreaterThan(0.95)
    expect(internals(catalog).scratch.hits.count).toBeLessThan(200 * MAX_KEY_VOTES)
  }, 60_000)

  it('an unrelated piece is not matched against the loop', () => {
    const catalog = new Catalog()
    catalog.add('loop', loopPrint(4 * 60))
    expect(catalog.identify(fingerprint(synthMusic(12, 40))).status).toBe('unmatched')
  })
})

describe('HashIndex.aligned: a targeted search equal to filtering every hit (its naive twin)', () => {
  it('on a catalog of 6 pieces, for a query and each candidate offset range', () => {
    const catalog = new Catalog()
    const pieces = Array.from({ length: 6 }, (_, i) => synthMusic(300 + i, 25))
    pieces.forEach((p, i) => catalog.add(`p${i}`, fingerprint(p)))
    catalog.stats()
    const { index } = internals(catalog)
    const q = fingerprint(excerpt(pieces[3]!, 5, 12))
    const hits = emptyHits()
    index.lookup(q.hashes, q.times, false, hits)
    const flags = new Uint8Array(q.hashes.length)
    for (const [slot, first, last] of [[3, 310, 314], [3, -5, 5], [0, 0, 40000], [5, -100000, 100000]] as const) {
      const naive = new Uint8Array(q.hashes.length)
      for (let i = 0; i < hits.count; i++) if (hits.track[i] === slot && hits.offset[i]! >= first && hits.offset[i]! <= last) naive[hits.query[i]!] = 1
      index.aligned(q.hashes, q.times, slot, first, last, flags)
      expect(flags).toEqual(naive)
    }
  })
})
