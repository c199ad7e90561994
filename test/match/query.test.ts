import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { DECISION_CONFIDENCE } from '../../src/match/rank.js'
import { catalogOf, excerptPrint, makeTracks, type Track } from '../support/corpus.js'

let tracks: Track[]
let catalog: Catalog

beforeAll(() => {
  tracks = makeTracks([61, 62, 63].map((seed) => ({ seed, seconds: 20 })), 22050, 1)
  catalog = catalogOf(tracks)
})

/** `count` distinct hashes of a track, at its own times shifted by −shift frames: a weak but exact query. */
function weakQuery(track: Track, count: number, shift: number): Fingerprint {
  const { hashes, times } = track.fp
  const seen = new Set<number>()
  const h: number[] = [], t: number[] = []
  for (let i = 0; i < hashes.length && h.length < count; i++) {
    if (times[i]! < shift || seen.has(hashes[i]!)) continue
    seen.add(hashes[i]!)
    h.push(hashes[i]!); t.push(times[i]! - shift)
  }
  return { ...track.fp, hashes: Uint32Array.from(h), times: Uint32Array.from(t), ranks: new Uint8Array(h.length), durationSeconds: 5 }
}

describe('the query', () => {
  it('keeps the more confident pass: a weak exact answer is not replaced by a weaker speed-pass one', () => {
    // 8 aligned hashes: below the exact pass's threshold (9), further below the speed pass's (11).
    const q = weakQuery(tracks[1]!, 8, 100)
    const exact = internals(catalog).searchPass(q, false).items[0]!
    const exactConfidence = exact.confidence, exactTrack = exact.track
    const shifted = internals(catalog).searchPass(q, true).items[0]!
    expect(exactConfidence).toBeLessThan(DECISION_CONFIDENCE)
    expect(shifted.confidence).toBeLessThan(exactConfidence)
    const [best] = catalog.match(q, { minConfidence: 0 })
    expect(best?.trackId).toBe(tracks[exactTrack]!.id)
    expect(best?.confidence).toBe(exactConfidence)
    expect(best?.offsetSeconds).toBeCloseTo(100 * q.frameSeconds, 6)
    // So a threshold between the two finds it (it found nothing when the speed pass replaced the exact one).
    expect(catalog.match(q, { minConfidence: (exactConfidence + shifted.confidence) / 2 }).map((m) => m.trackId)).toEqual([tracks[1]!.id])
  })

  it('allocates its buffers once: a second query of the same size reuses every scratch array', () => {
    const q = excerptPrint(tracks[0]!, 3, 8)
    catalog.match(q)
    const { scratch } = internals(catalog)
    const before = [scratch.hits.track, scratch.hits.offset, scratch.hits.query, scratch.hits.order, scratch.votes.votes, scratch.votes.keys, scratch.votes.slot, ...scratch.exact.items]
    const first = catalog.match(q)
    for (let i = 0; i < 20; i++) expect(catalog.match(q)).toEqual(first)
    const after = [scratch.hits.track, scratch.hits.offset, scratch.hits.query, scratch.hits.order, scratch.votes.votes, scratch.votes.keys, scratch.votes.slot, ...scratch.exact.items]
    expect(after.every((a, i) => a === before[i])).toBe(true)
    expect(first[0]?.trackId).toBe(tracks[0]!.id)
  })

  it('identify and match can interleave in any order and give the same answers (no hidden cache)', () => {
    const q = excerptPrint(tracks[2]!, 1, 10)
    const m1 = catalog.match(q)
    const id1 = catalog.identify(tracks[2]!.fp)
    const m2 = catalog.match(q)
    catalog.match(excerptPrint(tracks[0]!, 1, 10))
    const id2 = catalog.identify(tracks[2]!.fp)
    expect(m2).toEqual(m1)
    expect(id2).toEqual(id1)
    expect(id1.status).toBe('matched')
  })
})
