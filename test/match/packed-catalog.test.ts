import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, PeakmatchError, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { catalogFromBytes, catalogToBytes } from '../../src/match/codec.js'
import { expectCode } from '../support/errors.js'
import { emptyCounts, faultsOf, probe } from '../support/catalog-faults.js'
import { forge, toVersion5Lengths } from '../support/forge.js'
import { rng, synthMusic } from '../support/synth.js'
import { unpackedParts } from '../support/unpacked.js'

/**
 * Packed postings (packed.ts) in whole catalogs: a catalog large enough to pack answers every
 * query exactly as the same catalog with plain chunks, through saves, loads, adds and removals;
 * a catalog with triplets keeps its pairs plain; a version 5 file (plain) still loads; damaged
 * packed arrays are CORRUPT_INDEX.
 */
const RATE = 50, FRAMES_PER_SECOND = 62.5

function randomPrint(template: Fingerprint, seed: number, seconds: number): Fingerprint {
  // Anchors of three targets each (ranks 0, 1, 2 at one time and anchor bin): the index keeps
  // the pairs of rank < 2 and one triplet an anchor (triplets.ts).
  const rand = rng(seed)
  const anchors = Math.round((seconds * RATE) / 3)
  const at = Uint32Array.from({ length: anchors }, () => Math.floor(rand() * seconds * FRAMES_PER_SECOND)).sort()
  const hashes = new Uint32Array(3 * anchors), times = new Uint32Array(3 * anchors), ranks = new Uint8Array(3 * anchors)
  for (let a = 0; a < anchors; a++) {
    const f1 = Math.floor(rand() * 256)
    for (let k = 0; k < 3; k++) { hashes[3 * a + k] = (f1 << 13) | Math.floor(rand() * 2 ** 13); times[3 * a + k] = at[a]!; ranks[3 * a + k] = k }
  }
  return { ...template, hashes, times, ranks, durationSeconds: seconds }
}

/** Seconds [from, from + seconds) of a print, its times from 0. */
function excerpt(fp: Fingerprint, from: number, seconds: number): Fingerprint {
  const a = Math.round(from * FRAMES_PER_SECOND), b = Math.round((from + seconds) * FRAMES_PER_SECOND)
  const keep: number[] = []
  fp.times.forEach((t, i) => { if (t >= a && t < b) keep.push(i) })
  return {
    ...fp,
    hashes: Uint32Array.from(keep, (i) => fp.hashes[i]!),
    times: Uint32Array.from(keep, (i) => fp.times[i]! - a),
    ranks: Uint8Array.from(keep, (i) => fp.ranks![i]!),
    durationSeconds: seconds,
  }
}

/** The catalog's chunks, its adds made searchable first (as a query would). */
const chunksOf = (c: Catalog) => (internals(c).index.prepare(), internals(c).index).parts().partitions.flatMap((p) => [p.postings, ...(p.triplets ? [p.triplets] : [])]).flatMap((p) => p.chunks)

let template: Fingerprint
let prints: Fingerprint[]
let queries: Fingerprint[]

beforeAll(() => {
  template = fingerprint(synthMusic(3, 2))
  // 80 tracks of 3 minutes, 6 000 postings each indexed: 480 000 postings, which pack (a few tracks would not).
  prints = Array.from({ length: 80 }, (_, i) => randomPrint(template, 500 + i, 180))
  queries = [
    ...[0, 7, 19, 33, 39].map((t, i) => excerpt(prints[t]!, 20 + 30 * i, 10)),
    excerpt(prints[12]!, 100, 3),
    randomPrint(template, 9999, 10),   // not in the catalog
  ]
})

function build(options: { tripletIndex?: boolean } = {}): Catalog {
  const c = new Catalog({ indexFanout: 2, ...options })
  prints.forEach((fp, i) => c.add(`t${i}`, fp))
  return c
}

const answers = (c: Catalog) => queries.map((q) => c.match(q, { minConfidence: 0, limit: 10 }))

describe('a catalog with packed postings', () => {
  it('packs its pairs, and answers as the same catalog plain, saved, loaded and saved again', () => {
    const c = build()
    const packed = chunksOf(c)
    expect(packed.length).toBeGreaterThan(0)
    expect(packed.every((ch) => ch.lows !== null && ch.bits < 32)).toBe(true)
    const want = answers(c)
    expect(want.slice(0, 6).map((m) => m[0]?.trackId)).toEqual(['t0', 't7', 't19', 't33', 't39', 't12'])
    const plain = Catalog.fromBytes(catalogToBytes(unpackedParts(catalogFromBytes(c.toBytes()))))
    expect(chunksOf(plain).every((ch) => ch.lows === null)).toBe(true)
    expect(answers(plain)).toEqual(want)
    expect(plain.identify(prints[5]!)).toEqual(c.identify(prints[5]!))
    const bytes = c.toBytes()
    const loaded = Catalog.fromBytes(bytes)
    expect(chunksOf(loaded).every((ch) => ch.lows !== null)).toBe(true)
    expect(answers(loaded)).toEqual(want)
    expect(loaded.toBytes()).toEqual(bytes)
    // Packed only because it is at most 3/4 of plain (PACK_SHARE): 480 000 postings in 2^21 keys
    // (1 + 4.4 bits of unary low keys a posting) of 22-bit entries (80 segments): 3.4 bytes a
    // posting and the directory, instead of 5.
    // In memory as in the file (stats counted a packed chunk's entries but not its unary low keys:
    // the dev catalog's index read 0.76 MB/h in memory against 0.87 in its file).
    const memory = c.stats().bytes
    expect(memory / bytes.length).toBeGreaterThan(0.97)
    expect(memory / bytes.length).toBeLessThan(1.03)
    const ratio = bytes.length / plain.toBytes().length
    expect(ratio).toBeGreaterThan(0.6)
    expect(ratio).toBeLessThan(0.75)
  })

  it('answers as plain after adds and removals (merges read packed sources), and after compacting them away', () => {
    const c = build(), plain = Catalog.fromBytes(catalogToBytes(unpackedParts(catalogFromBytes(c.toBytes()))))
    for (const x of [c, plain]) {
      x.add('extra', randomPrint(template, 777, 120))
      x.remove('t7')
      x.remove('t20')
    }
    expect(answers(c)).toEqual(answers(plain))
    expect(c.match(excerpt(prints[7]!, 50, 10), { minConfidence: 0 }).map((m) => m.trackId)).not.toContain('t7')
    const fresh = new Catalog({ indexFanout: 2 })
    prints.forEach((fp, i) => { if (i !== 7 && i !== 20) fresh.add(`t${i}`, fp) })
    fresh.add('extra', randomPrint(template, 777, 120))
    const again = Catalog.fromBytes(c.toBytes())   // saving compacts
    expect(chunksOf(again).every((ch) => ch.lows !== null)).toBe(true)
    expect(answers(again)).toEqual(answers(fresh))
  })

  it('with triplets, keeps its pairs plain (stage 2 plans from references to them), and a file with packed ones is CORRUPT_INDEX', () => {
    const c = build({ tripletIndex: true })
    const parts = internals(c).index.parts().partitions
    expect(parts.every((p) => p.postings.chunks.every((ch) => ch.lows === null))).toBe(true)
    internals(c).index.pairBudget = 0   // every query takes the triplet path
    expect(answers(c).slice(0, 5).map((m) => m[0]?.trackId)).toEqual(['t0', 't7', 't19', 't33', 't39'])
    // The same pairs packed, beside triplets, in a file: refused.
    const packedPairs = catalogFromBytes(build().toBytes()).index.partitions[0]!.postings
    const withTriplets = catalogFromBytes(c.toBytes())
    const forged = { ...withTriplets, index: { partitions: [{ ...withTriplets.index.partitions[0]!, postings: packedPairs }] } }
    expect(packedPairs.chunks[0]!.lows).not.toBeNull()
    const e = expectCode(() => Catalog.fromBytes(catalogToBytes(forged)), 'CORRUPT_INDEX')
    expect(e.message).toMatch(/triplets and packed pairs/)
  })

  it('a version 5 file (plain chunks, three lengths each) still loads and answers alike', () => {
    const c = build()
    const want = answers(c)
    const v5 = forge(catalogToBytes(unpackedParts(catalogFromBytes(c.toBytes()))), (body) => { toVersion5Lengths(body) })
    new DataView(v5.buffer, v5.byteOffset).setUint32(8, 5, true)
    const old = Catalog.fromBytes(v5)
    expect(answers(old)).toEqual(want)
    // It stays plain until its postings are merged again: a removal, then a save (which compacts).
    expect(chunksOf(old).every((ch) => ch.lows === null)).toBe(true)
    old.remove('t3')
    expect(chunksOf(Catalog.fromBytes(old.toBytes())).every((ch) => ch.lows !== null)).toBe(true)
  })

  it('damaged packed arrays or claims are CORRUPT_INDEX, never a wrong answer or a crash', () => {
    const bytes = build().toBytes()
    // arrays: [dir, unary low keys, entries] of the one chunk
    const flips = [0, 1000, 77_777].map((bit) => forge(bytes, (_, arrays) => { arrays[1]![bit >>> 3]! ^= 1 << (bit & 7) }))
    for (const f of flips) expectCode(() => Catalog.fromBytes(f), 'CORRUPT_INDEX')
    // an entry past the last segment (its high bits set)
    expectCode(() => Catalog.fromBytes(forge(bytes, (_, arrays) => { arrays[2]!.fill(0xff, 400, 404) })), 'CORRUPT_INDEX')
    // the claims: entry bits, unary words, postings
    for (const edit of [(c: number[]) => { c[3] = 33 }, (c: number[]) => { c[3] = 1.5 }, (c: number[]) => { c[1] = c[1]! + 1 }, (c: number[]) => { c[2] = c[2]! + 1 }, (c: number[]) => { c[1] = null as never }]) {
      const e = expectCode(() => Catalog.fromBytes(forge(bytes, (body) => { edit(body.partitions[0]![3][0]! as number[]) })), 'CORRUPT_INDEX')
      expect(e).toBeInstanceOf(PeakmatchError)
    }
  })

  it('mutated packed arrays behind valid checksums (seeded): typed errors only, and every accepted catalog behaves', () => {
    const bytes = build().toBytes()
    const world = { bytes, queries: [queries[0]!, queries[5]!, queries[6]!], extra: randomPrint(template, 4242, 60) }
    const counts = emptyCounts()
    const r = rng(77)
    for (let i = 0; i < 120; i++) {
      // arrays: [dir, unary low keys, entries]; one to three bits flipped in one of them, or a word set at random
      const which = 1 + Math.floor(r() * 2.2) % 3
      const mutated = forge(bytes, (_, arrays) => {
        const a = arrays[which === 3 ? 0 : which]!
        if (r() < 0.7) for (let k = 0, flips = 1 + Math.floor(r() * 3); k < flips; k++) { const bit = Math.floor(r() * a.length * 8); a[bit >>> 3]! ^= 1 << (bit & 7) }
        else { const at = 4 * Math.floor(r() * (a.length / 4)); for (let k = 0; k < 4; k++) a[at + k] = Math.floor(r() * 256) }
      })
      probe(mutated, ['dir', 'lows', 'entries'][which === 3 ? 0 : which]!, world, counts)
    }
    expect(faultsOf(counts)).toEqual({ failures: [], untyped: 0, noReload: 0, noJson: 0 })
    // Both ways taken: measured 99 refused (every change to the unary code among them), 21 loaded
    // (entries changed but in range and in order: they answer, as a plain file's would).
    expect(counts.rejected).toBeGreaterThan(60)
    expect(counts.accepted).toBeGreaterThan(10)
  })
})
