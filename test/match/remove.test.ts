import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { catalogOf, excerptPrint, makeTracks, type Track } from '../support/corpus.js'

let tracks: Track[]
let queries: Fingerprint[]          // a 10 s excerpt of each track
let postingsOf: number[]            // postings each track adds to a catalog
let catalog: Catalog

beforeAll(() => {
  tracks = makeTracks([41, 42, 43, 44, 45].map((seed, i) => ({ seed, seconds: 20 + 5 * i })), 22050)
  queries = tracks.map((t, i) => excerptPrint(t, 2 + 2 * i))
  postingsOf = tracks.map((t) => { const c = new Catalog(); c.add(t.id, t.fp); return c.stats().hashes })
})

beforeEach(() => {
  catalog = catalogOf(tracks)
})

const idsFound = (c: Catalog, q: Fingerprint) => c.match(q, { minConfidence: 0, limit: 10 }).map((m) => m.trackId)

describe('Catalog.remove', () => {
  it('every track is found before any removal', () => {
    expect(queries.map((q) => catalog.match(q)[0]?.trackId)).toEqual(tracks.map((t) => t.id))
    expect(postingsOf.every((n) => n > 100)).toBe(true)
  })

  it('really removes: no match, has() false, size and stats go down by that track', () => {
    const before = catalog.stats()
    const victim = tracks[2]!
    expect(catalog.remove(victim.id)).toBe(true)
    expect(catalog.has(victim.id)).toBe(false)
    expect(catalog.size).toBe(4)
    expect(catalog.ids()).toEqual(tracks.filter((t) => t !== victim).map((t) => t.id))
    expect(catalog.metadata(victim.id)).toBeUndefined()
    const after = catalog.stats()
    expect(after.tracks).toBe(before.tracks - 1)
    expect(after.hashes).toBe(before.hashes - postingsOf[2]!)
    expect(after.seconds).toBeCloseTo(before.seconds - victim.fp.durationSeconds, 9)
    // Not even a weak candidate: its postings no longer vote.
    expect(idsFound(catalog, queries[2]!)).not.toContain(victim.id)
    expect(catalog.match(queries[2]!)).toEqual([])
    // The others are untouched.
    for (const i of [0, 1, 3, 4]) expect(catalog.match(queries[i]!)[0]?.trackId).toBe(tracks[i]!.id)
  })

  it('an unknown id returns false and changes nothing; a second remove returns false', () => {
    const stats = catalog.stats()
    expect(catalog.remove('no-such-track')).toBe(false)
    expect(catalog.remove('')).toBe(false)
    expect(catalog.stats()).toEqual(stats)
    expect(catalog.remove(tracks[0]!.id)).toBe(true)
    expect(catalog.remove(tracks[0]!.id)).toBe(false)
    expect(catalog.size).toBe(4)
  })

  it('the same id can be added again, with another fingerprint, and is found as the new one', () => {
    catalog.remove(tracks[1]!.id)
    const replacement = makeTracks([{ seed: 49, seconds: 20 }], 22050)[0]!
    catalog.add(tracks[1]!.id, replacement.fp, { version: 2 })
    expect(catalog.has(tracks[1]!.id)).toBe(true)
    expect(catalog.size).toBe(5)
    expect(catalog.ids()[4]).toBe(tracks[1]!.id)               // it moves to the end
    const m = catalog.match(excerptPrint(replacement, 6))
    expect(m[0]).toMatchObject({ trackId: tracks[1]!.id, metadata: { version: 2 } })
    expect(Math.abs(m[0]!.offsetSeconds - 6)).toBeLessThanOrEqual(0.1)
    // The old audio is gone: its excerpt no longer finds the id (chance candidates aside).
    expect(catalog.match(queries[1]!).map((m) => m.trackId)).not.toContain(tracks[1]!.id)
  })

  it('removing every track leaves an empty catalog that matches nothing, and takes adds', () => {
    for (const t of tracks) expect(catalog.remove(t.id)).toBe(true)
    expect(catalog.size).toBe(0)
    expect(catalog.stats()).toMatchObject({ tracks: 0, hashes: 0 })
    expect(catalog.stats().seconds).toBeCloseTo(0, 9)
    for (const q of queries) expect(catalog.match(q, { minConfidence: 0 })).toEqual([])
    catalog.add(tracks[3]!.id, tracks[3]!.fp)
    expect(catalog.match(queries[3]!)[0]?.trackId).toBe(tracks[3]!.id)
  })

  it('removed tracks stay gone after toBytes / fromBytes', () => {
    catalog.remove(tracks[0]!.id)
    catalog.remove(tracks[3]!.id)
    const loaded = Catalog.fromBytes(catalog.toBytes())
    expect(loaded.ids()).toEqual([tracks[1]!.id, tracks[2]!.id, tracks[4]!.id])
    expect(loaded.has(tracks[0]!.id)).toBe(false)
    expect(loaded.stats().hashes).toBe(postingsOf[1]! + postingsOf[2]! + postingsOf[4]!)
    for (const i of [0, 3]) expect(idsFound(loaded, queries[i]!)).not.toContain(tracks[i]!.id)
    for (const i of [1, 2, 4]) expect(loaded.match(queries[i]!)[0]?.trackId).toBe(tracks[i]!.id)
  })

  it('a removed track with no hashes (silence) stays gone through toBytes / fromBytes', () => {
    const silence = fingerprint({ sampleRate: 8000, channels: [new Float32Array(80_000)] })
    expect(catalog.match(queries[0]!)[0]?.trackId).toBe(tracks[0]!.id)     // the index is built
    catalog.add('silence', silence)
    expect(catalog.size).toBe(6)
    expect(catalog.remove('silence')).toBe(true)
    const loaded = Catalog.fromBytes(catalog.toBytes())
    expect(loaded.ids()).toEqual(tracks.map((t) => t.id))
    expect(loaded.has('silence')).toBe(false)
  })

  it('a fresh catalog with only the silent track, removed, serialises as empty', () => {
    const c = new Catalog()
    c.add('silence', fingerprint({ sampleRate: 8000, channels: [new Float32Array(8000)] }))
    c.remove('silence')
    expect(Catalog.fromBytes(c.toBytes()).size).toBe(0)
  })
})
