import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, checkQuality, PeakmatchError } from '../../src/index.js'
import { emptyCounts, faultsOf, faultWorld, mutate, probe, rng, type FaultWorld } from '../support/catalog-faults.js'
import { FRAME, HEADER, forge, join, sectionsOf } from '../support/forge.js'

/**
 * A catalog that fromBytes accepts must answer every later call with a result or a
 * PeakmatchError, write JSON-serialisable results, and reload its own toBytes(). The seeded
 * mutations here are a fast sample of bench/faults-core.ts (≥ 100 000 of them, docs/reliability/core.md).
 */
let world: FaultWorld
beforeAll(() => { world = faultWorld() })

describe('mutated catalogs (seeded): typed errors only, and every accepted catalog behaves', () => {
  it('3000 mutations: bit flips, truncations, insertions, header, section- and manifest-level edits behind valid CRCs', () => {
    const counts = emptyCounts()
    const r = rng(7)
    for (let i = 0; i < 3000; i++) {
      const { bytes, kind } = mutate(world.bytes, r)
      probe(bytes, kind, world, counts)
    }
    expect(faultsOf(counts)).toEqual({ failures: [], untyped: 0, noReload: 0, noJson: 0 })
    // The sample means something only if both ways are taken often.
    expect(counts.accepted).toBeGreaterThan(50)
    expect(counts.rejected).toBeGreaterThan(2000)
    // every level was exercised
    for (const kind of ['bit flips', 'truncation', 'header', 'sections', 'msgpack']) expect(counts.byKind[kind]?.cases ?? 0).toBeGreaterThan(50)
  })
})

describe('property: sections (fast-check)', () => {
  const catalog = () => Catalog.fromBytes(world.bytes)

  it('any section size, any cutting of the stream into pieces: the same catalog comes back', () => {
    fc.assert(fc.property(fc.integer({ min: 32, max: 3000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }), fc.boolean(), (sectionBytes, sizes, announce) => {
      const file = join([...catalog().toChunks({ sectionBytes })])
      const pieces: Uint8Array[] = []
      for (let at = 0, i = 0; at < file.length; i++) { const n = sizes[i % sizes.length]!; pieces.push(file.slice(at, at + n)); at += n }
      const back = Catalog.fromChunks(pieces, announce ? { totalBytes: file.length } : {})
      return Buffer.from(back.toBytes()).equals(Buffer.from(world.bytes))
    }), { seed: 44, numRuns: 60 })
  })

  it('any cut of a file in small sections is CORRUPT_INDEX, told by the missing end marker', () => {
    const file = join([...catalog().toChunks({ sectionBytes: 48 })])
    fc.assert(fc.property(fc.integer({ min: 0, max: file.length - 1 }), (n) => {
      try {
        Catalog.fromChunks([file.subarray(0, n)])
        return false
      } catch (e) {
        return e instanceof PeakmatchError && e.code === 'CORRUPT_INDEX'
      }
    }), { seed: 45, numRuns: 300 })
  })

  it('any one byte changed: a typed error, or (only in the header\'s section size) the same catalog', () => {
    const file = join([...catalog().toChunks({ sectionBytes: 100 })])
    const last = sectionsOf(file).at(-1)!
    expect(last.at + FRAME + last.payload.length).toBe(file.length)
    fc.assert(fc.property(fc.integer({ min: 0, max: file.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const b = file.slice()
      b[at]! ^= x
      try {
        const c = Catalog.fromBytes(b)
        // a larger section size than the sections use is harmless; nothing else may pass
        return at >= 12 && at < HEADER && Buffer.from(c.toBytes()).equals(Buffer.from(world.bytes))
      } catch (e) {
        return e instanceof PeakmatchError && (e.code === 'CORRUPT_INDEX' || (e.code === 'UNSUPPORTED_VERSION' && at >= 8 && at < 12))
      }
    }), { seed: 46, numRuns: 1000 })
  })
})

describe('property: any value in a track field or a body key (fast-check)', () => {
  const value = fc.anything({ withBigInt: true, withDate: true, withTypedArray: true, withMap: true, withSet: true, withNullPrototype: true, maxDepth: 3 })

  it('fromBytes accepts or throws PeakmatchError; what it accepts behaves', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }), value, (track, field, v) => {
      let bytes: Uint8Array
      try {
        bytes = forge(world.bytes, (b) => { b.tracks[track]![field] = field === 4 ? [v] : v })
      } catch {
        return true  // msgpack cannot carry it: nothing to load
      }
      const counts = emptyCounts()
      probe(bytes, 'property', world, counts)
      return counts.untyped === 0 && counts.noReload === 0 && counts.noJson === 0
    }), { seed: 42, numRuns: 400 })
  })

  it('checkQuality returns a quality that survives a catalog round trip, or throws INVALID_OPTIONS', () => {
    fc.assert(fc.property(fc.oneof(value, fc.record({ codec: value, lossless: value, bitrateKbps: value, sampleRate: value, bitDepth: value }, { requiredKeys: [] })), (q) => {
      try {
        const ok = checkQuality(q)
        const back = Catalog.fromBytes(forge(world.bytes, (b) => { b.tracks[0]![6] = ok }))
        expect(back.track('t0')?.quality).toEqual(ok)
        return true
      } catch (e) {
        return e instanceof PeakmatchError && e.code === 'INVALID_OPTIONS'
      }
    }), { seed: 43, numRuns: 500 })
  })
})
