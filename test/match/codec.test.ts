import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, FORMAT_VERSION, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { catalogChunks, catalogFromBytes, catalogFromChunks, catalogToBytes, CatalogReader, type CatalogParts } from '../../src/match/codec.js'
import { HashIndex } from '../../src/match/hash-index.js'
import { HASH_BITS } from '../../src/options.js'
import { excerptPrint, makeTracks, type Track } from '../support/corpus.js'
import { expectCode } from '../support/errors.js'
import { FRAME, HEADER, KIND, decode, encode, fixCrc, forge, join, legacyOf, packr, section, sectionsOf, withManifest, type Body } from '../support/forge.js'
import { rng, synthMusic } from '../support/synth.js'

/** Low keys with the first two different keys of one directory slot swapped. */
function unsortSlot(dirBytes: Uint8Array, lowBytes: Uint8Array): Uint8Array {
  const dir = new DataView(dirBytes.slice().buffer)
  const low = lowBytes.slice()
  for (let slot = 0; 4 * (slot + 1) < dir.byteLength; slot++) {
    const start = dir.getUint32(4 * slot, true), end = dir.getUint32(4 * (slot + 1), true)
    for (let i = start; i + 1 < end; i++) {
      if (low[i] !== low[i + 1]) {
        ;[low[i], low[i + 1]] = [low[i + 1]!, low[i]!]
        return low
      }
    }
  }
  throw new Error('no slot with two different low keys')
}

function setU32(field: Uint8Array, index: number, value: number): Uint8Array {
  const b = field.slice()
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(4 * index, value, true)
  return b
}

/** `bytes` cut into pieces of the given sizes in turn (the last piece takes what is left). */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const out: Uint8Array[] = []
  for (let at = 0, i = 0; at < bytes.length; i++) { const n = sizes[i % sizes.length]!; out.push(bytes.slice(at, at + n)); at += n }
  return out
}

let tracks: Track[]
let catalog: Catalog
let bytes: Uint8Array
let queries: Fingerprint[]

beforeAll(() => {
  tracks = makeTracks([{ seed: 61, seconds: 30 }, { seed: 62, seconds: 25 }, { seed: 63, seconds: 30 }, { seed: 64, seconds: 20 }], 22050)
  catalog = new Catalog()
  catalog.add(tracks[0]!.id, tracks[0]!.fp, { title: 'One', tags: ['a', 'b'], year: 1999, nested: { x: 1.5 } })
  catalog.add(tracks[1]!.id, tracks[1]!.fp, 'just a string')
  catalog.add(tracks[2]!.id, tracks[2]!.fp)
  catalog.add(tracks[3]!.id, tracks[3]!.fp, 42)
  queries = [
    excerptPrint(tracks[0]!, 3),
    excerptPrint(tracks[1]!, 12.5),
    excerptPrint(tracks[2]!, 19),
    excerptPrint(tracks[3]!, 0, 5),
    fingerprint(synthMusic(69, 10, 22050)),          // not in the catalog
  ]
  bytes = catalog.toBytes()
})

const resultsOf = (c: Catalog) => queries.map((q) => c.match(q, { minConfidence: 0, limit: 10 }))

describe('toBytes / fromBytes round trip', () => {
  it('keeps ids, stats, metadata and every match result', () => {
    const loaded = Catalog.fromBytes(bytes)
    expect(loaded.ids()).toEqual(catalog.ids())
    expect(loaded.size).toBe(4)
    expect(loaded.stats()).toEqual(catalog.stats())
    for (const id of catalog.ids()) expect(loaded.metadata(id)).toEqual(catalog.metadata(id))
    const before = resultsOf(catalog)
    expect(before.slice(0, 4).map((r) => r[0]?.trackId)).toEqual(tracks.map((t) => t.id))
    expect(resultsOf(loaded)).toEqual(before)
  })

  it('the reloaded catalog serialises to the same bytes; so does a second toBytes', () => {
    expect(catalog.toBytes()).toEqual(bytes)
    expect(Catalog.fromBytes(bytes).toBytes()).toEqual(bytes)
  })

  it('starts with the magic, the format version and the section size', () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('PEAKMTCH')
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    expect(view.getUint32(8, true)).toBe(FORMAT_VERSION)
    expect(FORMAT_VERSION).toBe(7)
    expect(view.getUint32(12, true)).toBe(64 << 20)
  })

  it('reads an ArrayBuffer, and a Uint8Array that sits at an odd offset in a larger buffer', () => {
    expect(resultsOf(Catalog.fromBytes(bytes.slice().buffer))).toEqual(resultsOf(catalog))
    const big = new Uint8Array(bytes.length + 8)
    big.set(bytes, 3)
    expect(resultsOf(Catalog.fromBytes(big.subarray(3, 3 + bytes.length)))).toEqual(resultsOf(catalog))
  })

  it('the reloaded catalog keeps working: adds and removes behave as on the original', () => {
    const original = Catalog.fromBytes(bytes)
    const loaded = Catalog.fromBytes(bytes)
    const extra = makeTracks([{ seed: 65, seconds: 15 }], 22050)[0]!
    for (const c of [original, loaded]) {
      c.add(extra.id, extra.fp)
      expect(c.remove(tracks[1]!.id)).toBe(true)
    }
    expect(loaded.ids()).toEqual([tracks[0]!.id, tracks[2]!.id, tracks[3]!.id, extra.id])
    expect(loaded.match(excerptPrint(extra, 2))[0]?.trackId).toBe(extra.id)
    expect(loaded.match(queries[1]!).map((m) => m.trackId)).not.toContain(tracks[1]!.id)
    expect(loaded.toBytes()).toEqual(original.toBytes())
  })

  it('with its size known, arrays are views into shared buffers (a few collections, not one a buffer); without it, each its own', () => {
    const arrays = (parts: CatalogParts) => parts.index.partitions.flatMap((p) => p.postings.chunks.flatMap((c) => [c.dir, c.entry, ...(c.low ? [c.low] : [])]))
    const pooled = arrays(catalogFromBytes(bytes))
    expect(new Set(pooled.map((a) => a.buffer)).size).toBe(1)
    expect(pooled.every((a) => a.byteOffset % 4 === 0)).toBe(true)
    const own = arrays(catalogFromChunks([bytes]))
    expect(new Set(own.map((a) => a.buffer)).size).toBe(own.length)
    expect(Catalog.fromChunks([bytes]).toBytes()).toEqual(bytes)
  })

  it('an empty catalog round-trips', () => {
    const empty = new Catalog().toBytes()
    const loaded = Catalog.fromBytes(empty)
    expect(loaded.size).toBe(0)
    expect(loaded.stats()).toMatchObject({ tracks: 0, hashes: 0, seconds: 0 })
    expect(loaded.match(queries[0]!)).toEqual([])
    expect(loaded.toBytes()).toEqual(empty)
    expect(Catalog.fromChunks(new Catalog().toChunks({ sectionBytes: 32 })).toBytes()).toEqual(empty)
  })

  it('defaults to index fanout 3, or 2 with a triplet index, and keeps it through a save', () => {
    expect(new Catalog().settings().indexFanout).toBe(3)
    const large = new Catalog({ tripletIndex: true })
    expect(large.settings().indexFanout).toBe(2)
    large.add(tracks[0]!.id, tracks[0]!.fp)
    expect(Catalog.fromBytes(large.toBytes()).settings()).toMatchObject({ indexFanout: 2, tripletIndex: true })
    expect(new Catalog({ tripletIndex: true, indexFanout: 3 }).settings().indexFanout).toBe(3)
  })

  it('keeps indexFanout: tracks added after reloading are indexed as before', () => {
    const c3 = new Catalog({ indexFanout: 4 })
    c3.add(tracks[0]!.id, tracks[0]!.fp)
    const loaded = Catalog.fromBytes(c3.toBytes())
    c3.add(tracks[1]!.id, tracks[1]!.fp)
    loaded.add(tracks[1]!.id, tracks[1]!.fp)
    expect(loaded.stats()).toEqual(c3.stats())
    // More postings than the default indexFanout (3) gives for the same two tracks.
    const c2 = new Catalog()
    c2.add(tracks[0]!.id, tracks[0]!.fp)
    c2.add(tracks[1]!.id, tracks[1]!.fp)
    expect(loaded.stats().hashes).toBeGreaterThan(c2.stats().hashes)
    expect(loaded.toBytes()).toEqual(c3.toBytes())
  })

  it('null metadata comes back as null (not dropped)', () => {
    const c = new Catalog()
    c.add('with-null', tracks[3]!.fp, null)
    const loaded = Catalog.fromBytes(c.toBytes())
    expect(loaded.metadata('with-null')).toBe(c.metadata('with-null'))
    expect(loaded.match(queries[3]!)).toEqual(c.match(queries[3]!))
  })

  it('does not keep a view of the caller\'s bytes: reusing the input buffer afterwards changes nothing', () => {
    // Node hands file contents over as a Buffer; msgpackr returns Buffer views into it.
    for (const input of [Buffer.from(bytes), bytes.slice()]) {
      const loaded = Catalog.fromBytes(input)
      input.fill(0)
      expect(resultsOf(loaded)).toEqual(resultsOf(catalog))
    }
    // Pieces pushed into fromChunks may be one buffer, refilled for each piece (as loadCatalog reads a file).
    const shared = new Uint8Array(1000)
    function* refilled(): Generator<Uint8Array> {
      for (let at = 0; at < bytes.length; at += shared.length) {
        const n = Math.min(shared.length, bytes.length - at)
        shared.set(bytes.subarray(at, at + n))
        yield shared.subarray(0, n)
      }
      shared.fill(0xee)
    }
    expect(resultsOf(Catalog.fromChunks(refilled()))).toEqual(resultsOf(catalog))
  })
})

describe('sections: toChunks / fromChunks', () => {
  it('toChunks gives the bytes of toBytes, in a header and sections no larger than asked', () => {
    const chunks = [...catalog.toChunks()]
    expect(join(chunks)).toEqual(bytes)
    for (const sectionBytes of [32, 64, 1000, 65536]) {
      const small = [...catalog.toChunks({ sectionBytes })]
      expect(small[0]!.length).toBe(HEADER)
      for (const s of small.slice(1)) expect(s.length).toBeLessThanOrEqual(sectionBytes)
      const joined = join(small)
      expect(new DataView(joined.buffer).getUint32(12, true)).toBe(sectionBytes)
      // manifest sections, then arrays, then one end marker
      const kinds = sectionsOf(joined).map((s) => String.fromCharCode(s.kind)).join('')
      expect(kinds).toMatch(/^M+A+E$/)
      if (sectionBytes === 64) expect(kinds.replace(/[^M]/g, '').length).toBeGreaterThan(5)   // the track list spans sections
      const loaded = Catalog.fromChunks(small)
      expect(loaded.toBytes()).toEqual(bytes)
      expect(resultsOf(loaded)).toEqual(resultsOf(catalog))
    }
  })

  it('reads pieces of any size: 1 byte, 7, a section and a half, mixed, the whole file', () => {
    const tiny = join([...catalog.toChunks({ sectionBytes: 64 })])
    for (const sizes of [[1], [7], [96], [3, 200, 1, 64, 5000], [tiny.length]]) {
      const pieces = cut(tiny, sizes)
      expect(Catalog.fromChunks(pieces).toBytes()).toEqual(bytes)
      expect(Catalog.fromChunks(pieces, { totalBytes: tiny.length }).toBytes()).toEqual(bytes)
    }
    const reader = new CatalogReader()
    reader.push(new Uint8Array(0))
    for (const p of cut(tiny, [33])) { reader.push(p); reader.push(new Uint8Array(0)) }
    expect(reader.finish().tracks.map((t) => t.id)).toEqual(catalog.ids())
  })

  it('makes sections only as they are asked for, and throws bad metadata before the first', () => {
    const it1 = catalog.toChunks({ sectionBytes: 64 })[Symbol.iterator]()
    const header = it1.next().value as Uint8Array
    expect(header.subarray(0, 12)).toEqual(bytes.subarray(0, 12))
    expect((it1.next().value as Uint8Array)[FRAME]).toBe(KIND.manifest)
    const c = new Catalog()
    c.add('x', tracks[3]!.fp, { big: 2n ** 70n })
    expectCode(() => c.toChunks(), 'INVALID_OPTIONS')
    for (const sectionBytes of [0, 31, 2 ** 30 + 1, 100.5, NaN]) expectCode(() => catalog.toChunks({ sectionBytes }), 'INVALID_OPTIONS')
  })

  it('a catalog of several partitions round-trips in tiny sections, and answers alike', () => {
    // Partitions of at most 800 postings: each of the 6 tracks (more than that each) opens a new one. Catalog has no
    // option for it, so the parts are built on a small-partition index directly.
    const more = [...tracks, ...makeTracks([{ seed: 66, seconds: 20 }, { seed: 67, seconds: 15 }], 22050)]
    const index = new HashIndex({ partitionPostings: 800 })
    const records = more.map((t, i) => {
      const { postings } = index.add(t.fp, 2)
      return { id: t.id, recordingId: t.id, quality: undefined, durationSeconds: t.fp.durationSeconds, postings, metadata: i % 2 === 0 ? { i } : undefined }
    })
    index.compact()
    expect(index.partitionCount).toBe(6)
    const parts: CatalogParts = { indexFanout: 2, frontEnd: tracks[0]!.fp.frontEnd, tracks: records, index: index.parts() }
    const tiny = [...catalogChunks(parts, 64)]
    expect(tiny.length).toBeGreaterThan(1000)
    const loaded = Catalog.fromChunks(tiny)
    expect(internals(loaded).index.partitionCount).toBe(index.partitionCount)
    expect(join([...loaded.toChunks({ sectionBytes: 64 })])).toEqual(join(tiny))
    expect(catalogFromChunks(tiny)).toEqual(catalogFromBytes(catalogToBytes(parts)))
    // The same tracks in one partition answer the same.
    const single = new Catalog({ indexFanout: 2 })
    for (const [i, t] of more.entries()) single.add(t.id, t.fp, i % 2 === 0 ? { i } : undefined)
    const qs = [...queries, excerptPrint(more[4]!, 4), excerptPrint(more[5]!, 1, 8)]
    for (const q of qs) expect(loaded.match(q, { minConfidence: 0, limit: 10 })).toEqual(single.match(q, { minConfidence: 0, limit: 10 }))
    expect(loaded.identify(more[5]!.fp)).toEqual(single.identify(more[5]!.fp))
  })

  it('round-trips every directory layout: 2^13 to 2^21 slots, 1 to 256 chunks, with and without low keys', () => {
    const r = rng(11)
    for (const [dirBits, chunkBits] of [[13, 0], [13, 8], [17, 2], [21, 0], [21, 8]] as const) {
      const n = 5000
      const pairs = Array.from({ length: n }, () => [Math.floor(r() * 2 ** HASH_BITS), Math.floor(r() * 2 ** 15)] as const)
        .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      const parts = handParts(dirBits, chunkBits, pairs)
      const back = catalogFromChunks(catalogChunks(parts, dirBits === 21 ? 4096 : 64))
      expect(sameIndex(back.index, parts.index)).toBe(true)
      expect(back.tracks).toEqual(parts.tracks)
    }
  })

  it('toBytes refuses a catalog larger than one array, naming toChunks (CATALOG_FULL)', () => {
    const parts = catalogFromBytes(bytes)
    expect(catalogToBytes(parts, bytes.length)).toEqual(bytes)
    const e = expectCode(() => catalogToBytes(parts, bytes.length - 1), 'CATALOG_FULL')
    expect(e.message).toMatch(/toChunks/)
  })
})

/** Whether two indexes hold the same layout and bytes (typed arrays compared as bytes: toEqual walks them element by element, slowly). */
function sameIndex(a: CatalogParts['index'], b: CatalogParts['index']): boolean {
  const same = (x: ArrayBufferView | null, y: ArrayBufferView | null) => x === null || y === null ? x === y
    : x.constructor === y.constructor && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength))
  return a.partitions.length === b.partitions.length && a.partitions.every((p, k) => {
    const q = b.partitions[k]!
    return same(p.segmentCounts, q.segmentCounts) && p.postings.dirBits === q.postings.dirBits && p.postings.chunkBits === q.postings.chunkBits &&
      p.postings.count === q.postings.count && p.postings.chunks.length === q.postings.chunks.length &&
      p.postings.chunks.every((c, j) => same(c.dir, q.postings.chunks[j]!.dir) && same(c.low, q.postings.chunks[j]!.low) && same(c.entry, q.postings.chunks[j]!.entry))
  })
}

/** Valid parts of one track whose postings are `pairs` (key, frame), sorted, in a hand-made layout. */
function handParts(dirBits: number, chunkBits: number, pairs: readonly (readonly [number, number])[]): CatalogParts {
  const lowBits = HASH_BITS - dirBits, localBits = dirBits - chunkBits
  const chunks = Array.from({ length: 2 ** chunkBits }, () => ({ dir: new Uint32Array(2 ** localBits + 1), low: [] as number[], entry: [] as number[] }))
  for (const [key, frame] of pairs) {
    const slot = key >>> lowBits
    const c = chunks[slot >>> localBits]!
    c.dir[(slot & (2 ** localBits - 1)) + 1]!++
    c.low.push(key & (2 ** lowBits - 1))
    c.entry.push(frame)
  }
  const postingChunks = chunks.map((c) => {
    for (let s = 1; s < c.dir.length; s++) c.dir[s]! += c.dir[s - 1]!
    return { dir: c.dir, low: lowBits === 0 ? null : Uint8Array.from(c.low), lows: null, entry: Uint32Array.from(c.entry), bits: 32 }
  })
  return {
    indexFanout: 2, frontEnd: tracks[0]!.fp.frontEnd,
    tracks: [{ id: 'hand', recordingId: 'hand', quality: undefined, durationSeconds: 60, postings: pairs.length, metadata: undefined }],
    index: { partitions: [{ postings: { keyBits: 21, dirBits, chunkBits, chunks: postingChunks, count: pairs.length }, triplets: null, segmentCounts: Uint32Array.of(1), filter: null }] },
  }
}

describe('fromBytes on damaged or foreign bytes', () => {
  it.each([
    ['empty bytes', () => new Uint8Array(0)],
    ['fewer bytes than the header', () => bytes.slice(0, 15)],
    ['random bytes', () => { const r = rng(5); return Uint8Array.from({ length: 5000 }, () => Math.floor(r() * 256)) }],
    ['the magic alone', () => bytes.slice(0, 8)],
    ['a wrong magic', () => { const b = bytes.slice(); b[0] = 0x51; return b }],
    ['truncated by 1 byte', () => bytes.slice(0, bytes.length - 1)],
    ['truncated to half', () => bytes.slice(0, bytes.length >> 1)],
    ['truncated to the header', () => bytes.slice(0, HEADER)],
    ['1 byte flipped just after the header', () => { const b = bytes.slice(); b[HEADER + 3]! ^= 0x01; return b }],
    ['1 byte flipped in the middle', () => { const b = bytes.slice(); b[bytes.length >> 1]! ^= 0x40; return b }],
    ['1 byte flipped at the end', () => { const b = bytes.slice(); b[bytes.length - 1]! ^= 0xff; return b }],
    ['a section length changed', () => { const b = bytes.slice(); b[HEADER]! ^= 0x01; return b }],
    ['a section CRC changed', () => { const b = bytes.slice(); b[HEADER + 4]! ^= 0x01; return b }],
    ['a section size below the sections it has', () => { const b = bytes.slice(); new DataView(b.buffer).setUint32(12, 64, true); return b }],
    ['a section size of 0', () => { const b = bytes.slice(); new DataView(b.buffer).setUint32(12, 0, true); return b }],
    ['a section size of 2^32 − 1', () => { const b = bytes.slice(); new DataView(b.buffer).setUint32(12, 2 ** 32 - 1, true); return b }],
    ['a byte appended', () => { const b = new Uint8Array(bytes.length + 1); b.set(bytes); return b }],
    ['a second end marker appended', () => join([bytes, bytes.subarray(bytes.length - FRAME - 5)])],
  ])('%s: CORRUPT_INDEX', (_, make) => {
    expectCode(() => Catalog.fromBytes(make()), 'CORRUPT_INDEX')
  })

  it.each([
    ['a string', 'PEAKMTCH'],
    ['a Float32Array', new Float32Array(16)],
    ['null', null],
  ])('input that is %s: CORRUPT_INDEX', (_, input) => {
    expectCode(() => Catalog.fromBytes(input as never), 'CORRUPT_INDEX')
    expectCode(() => Catalog.fromChunks([input as never]), 'CORRUPT_INDEX')
  })

  it.each([99, 8, 0, 2 ** 32 - 1])('version field %i: UNSUPPORTED_VERSION, saying how to rebuild', (version) => {
    const b = bytes.slice()
    new DataView(b.buffer).setUint32(8, version, true)
    const e = expectCode(() => Catalog.fromBytes(b), 'UNSUPPORTED_VERSION')
    expect(e.message).toMatch(/rebuild the catalog with this version: peakmatch catalog build/)
    // known from the header alone: a reader says so on the first 16 bytes
    expectCode(() => new CatalogReader().push(b.subarray(0, HEADER)), 'UNSUPPORTED_VERSION')
  })

  it('a manifest made with other fingerprint parameters (CRC valid): UNSUPPORTED_VERSION', () => {
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.frameSeconds = (b.frameSeconds as number) * 2 })), 'UNSUPPORTED_VERSION')
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.hashBits = 22 })), 'UNSUPPORTED_VERSION')
  })

  it('records the front end: a loaded catalog refuses queries and adds made with other peak options', () => {
    const c = Catalog.fromBytes(bytes)
    const other = fingerprint(synthMusic(5, 12, 22050, 1), { threshold: 0.8 })
    expectCode(() => c.match(other), 'INCOMPATIBLE_FINGERPRINT')
    expectCode(() => c.add('other', other), 'INCOMPATIBLE_FINGERPRINT')
    expect(c.match(queries[0]!)[0]?.trackId).toBe(tracks[0]!.id)
  })

  it('a front end of another version: UNSUPPORTED_VERSION that says to rebuild; a malformed one: CORRUPT_INDEX', () => {
    const e = expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { (b.frontEnd as Record<string, unknown>).version = 7 })), 'UNSUPPORTED_VERSION')
    expect(e.message).toMatch(/rebuild/)
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { (b.frontEnd as Record<string, unknown>).maxBin = 'x' })), 'CORRUPT_INDEX')
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { delete b.frontEnd })), 'CORRUPT_INDEX')
    // indexFanout above the tracks' fanout: the index would hold ranks the tracks never had
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.indexFanout = tracks[0]!.fp.frontEnd.fanout + 1 })), 'CORRUPT_INDEX')
  })
})

describe('versions 1 and 2 (one msgpack body) are no longer read', () => {
  it('a version 1 or 2 file, whole or in pieces, damaged or not: UNSUPPORTED_VERSION, saying how to rebuild', () => {
    for (const version of [1, 2] as const) {
      const old = legacyOf(bytes, version)
      expect(new DataView(old.buffer).getUint32(8, true)).toBe(version)
      const e = expectCode(() => Catalog.fromBytes(old), 'UNSUPPORTED_VERSION')
      expect(e.message).toMatch(/version \d; this peakmatch reads versions 3 to 7 \(rebuild the catalog with this version: peakmatch catalog build\)/)
      expectCode(() => Catalog.fromChunks(cut(old, [5, 1000])), 'UNSUPPORTED_VERSION')
      expectCode(() => Catalog.fromBytes(old.slice(0, old.length - 1)), 'UNSUPPORTED_VERSION')
    }
  })
})

describe('truncation and damage in a catalog of tiny sections', () => {
  let tiny: Uint8Array
  beforeAll(() => { tiny = join([...catalog.toChunks({ sectionBytes: 64 })]) })

  it('cut at every section boundary, and inside every section (frame and payload): CORRUPT_INDEX', () => {
    const sections = sectionsOf(tiny)
    expect(sections.length).toBeGreaterThan(500)
    let cases = 0
    for (const s of sections) {
      for (const at of [s.at, s.at + 3, s.at + FRAME, s.at + FRAME + 1, s.at + FRAME + s.payload.length - 1]) {
        const cutShort = tiny.subarray(0, at)
        expectCode(() => Catalog.fromBytes(cutShort), 'CORRUPT_INDEX')
        // without the total size known, the missing end marker is what tells
        expectCode(() => Catalog.fromChunks([cutShort]), 'CORRUPT_INDEX')
        cases++
      }
    }
    expect(cases).toBe(5 * sections.length)
  })

  it('a flipped byte in any section (frame or payload): CORRUPT_INDEX', () => {
    const r = rng(3)
    for (const s of sectionsOf(tiny)) {
      for (const at of [s.at + Math.floor(r() * FRAME), s.at + FRAME + Math.floor(r() * s.payload.length)]) {
        const b = tiny.slice()
        b[at]! ^= 1 << Math.floor(r() * 8)
        expectCode(() => Catalog.fromBytes(b), 'CORRUPT_INDEX')
      }
    }
  })

  it('a flipped byte in a section read in pieces smaller than it (checked as it streams into its arrays): CORRUPT_INDEX', () => {
    const r = rng(4)
    const sections = sectionsOf(tiny)
    // Eight sections across the file (each read costs the whole file in small pieces).
    for (let k = 0; k < 8; k++) {
      const s = sections[Math.floor((k * sections.length) / 8)]!
      const at = s.at + FRAME + Math.floor(r() * s.payload.length)
      const b = tiny.slice()
      b[at]! ^= 1 << Math.floor(r() * 8)
      for (const sizes of [[7], [s.at + FRAME + 1, 3]]) expectCode(() => Catalog.fromChunks(cut(b, sizes)), 'CORRUPT_INDEX')
    }
  })

  it('whole sections dropped, repeated or swapped (each CRC valid): CORRUPT_INDEX', () => {
    const sections = sectionsOf(tiny)
    const frames = sections.map((s) => tiny.subarray(s.at, s.at + FRAME + s.payload.length))
    const head = tiny.subarray(0, HEADER)
    const manifestCount = sections.filter((s) => s.kind === KIND.manifest).length
    for (const i of [0, 1, manifestCount - 1, manifestCount, manifestCount + 1, sections.length - 2, sections.length - 1]) {
      const dropped = frames.filter((_, k) => k !== i)
      expectCode(() => Catalog.fromBytes(join([head, ...dropped])), 'CORRUPT_INDEX')
      const repeated = [...frames.slice(0, i + 1), frames[i]!, ...frames.slice(i + 1)]
      expectCode(() => Catalog.fromBytes(join([head, ...repeated])), 'CORRUPT_INDEX')
    }
    // two array sections swapped: same count, same kinds, the end marker agrees; the postings checks refuse it
    const swapped = frames.slice()
    ;[swapped[manifestCount + 2], swapped[manifestCount + 40]] = [swapped[manifestCount + 40]!, swapped[manifestCount + 2]!]
    expectCode(() => Catalog.fromBytes(join([head, ...swapped])), 'CORRUPT_INDEX')
    // a manifest section moved among the arrays
    const moved = [...frames.slice(1, manifestCount + 3), frames[0]!, ...frames.slice(manifestCount + 3)]
    expectCode(() => Catalog.fromBytes(join([head, ...moved])), 'CORRUPT_INDEX')
  })

  it('sections that are malformed behind a valid CRC: CORRUPT_INDEX', () => {
    const d = decode(tiny)
    const head = tiny.subarray(0, HEADER)
    const good = sectionsOf(tiny).map((s) => tiny.subarray(s.at, s.at + FRAME + s.payload.length))
    const emptySection = new Uint8Array(FRAME)   // length 0, CRC of nothing = 0
    const unknown = section(0x5a, new Uint8Array(4))
    const cases: [string, Uint8Array][] = [
      ['an empty section', join([head, emptySection, ...good])],
      ['a section of an unknown kind', join([head, good[0]!, unknown, ...good.slice(1)])],
      ['no manifest at all', join([head, ...good.filter((_, i) => sectionsOf(tiny)[i]!.kind !== KIND.manifest)])],
      ['an end marker counting one section more', encode(d, { endCount: good.length })],
      ['an end marker counting one section less', encode(d, { endCount: good.length - 2 })],
      ['an end marker of 6 bytes', join([head, ...good.slice(0, -1), section(KIND.end, new Uint8Array(5))])],
      ['a section longer than the section size', encode({ ...d, sectionBytes: 128 }).map((v, i) => i >= 12 && i < 16 ? [64, 0, 0, 0][i - 12]! : v)],
      ['arrays with 4 bytes more than the manifest says', encode({ ...d, arrays: [...d.arrays, new Uint8Array(4)] })],
      ['arrays with 4 bytes less than the manifest says', encode({ ...d, arrays: [...d.arrays.slice(0, -1), d.arrays.at(-1)!.subarray(4)] })],
    ]
    for (const [what, b] of cases) {
      expect(b, what).not.toEqual(tiny)
      expectCode(() => Catalog.fromBytes(b), 'CORRUPT_INDEX')
      expectCode(() => Catalog.fromChunks(cut(b, [10])), 'CORRUPT_INDEX')
    }
  })

  it('a reader that failed stays failed: later pushes and finish throw the same error', () => {
    const b = tiny.slice()
    b[HEADER + FRAME + 2]! ^= 1
    const reader = new CatalogReader()
    let first: unknown
    try { reader.push(b) } catch (e) { first = e }
    expect(first).toBeDefined()
    expect(() => reader.push(new Uint8Array(1))).toThrow(first as Error)
    expect(() => reader.finish()).toThrow(first as Error)
    // and one that finished cannot be finished again
    const ok = new CatalogReader()
    ok.push(tiny)
    ok.finish()
    expectCode(() => ok.finish(), 'CORRUPT_INDEX')
  })
})

describe('hostile manifests (CRC valid): CORRUPT_INDEX before anything big is allocated', () => {
  type Edit = (b: ReturnType<typeof decode>['body']) => void
  const chunk = (b: ReturnType<typeof decode>['body']) => b.partitions[0]![3][0]!
  const cases: [string, Edit][] = [
    ['entries claiming 2^32 − 1 postings', (b) => { chunk(b)[1] = 2 ** 32 - 1; chunk(b)[2] = 2 ** 32 - 1 }],
    ['entries claiming 2^32 postings (more than a chunk may hold)', (b) => { chunk(b)[1] = 2 ** 32; chunk(b)[2] = 2 ** 32 }],
    ['entries claiming 2^53 postings', (b) => { chunk(b)[1] = 2 ** 53; chunk(b)[2] = 2 ** 53 }],
    ['a directory of 2^30 slots', (b) => { chunk(b)[0] = 2 ** 30 }],
    ['256 chunks of 2^21-slot directories', (b) => { b.partitions[0] = [b.partitions[0]![0], 21, 8, Array.from({ length: 256 }, () => [2 ** 13 + 1, null, 0]), null] }],
    ['10 000 partitions', (b) => { b.partitions = [b.partitions[0]!, ...Array.from({ length: 10000 }, () => [0, 13, 0, [[2 ** 13 + 1, 0, 0]], null] as Body['partitions'][number])] }],
    ['a negative length', (b) => { chunk(b)[2] = -4 }],
    ['a fractional length', (b) => { chunk(b)[2] = 10.5 }],
    ['a string length', (b) => { chunk(b)[2] = '10' as never }],
    ['low keys claimed for a 2^21-slot directory', (b) => { b.partitions[0]![1] = 21 }],
    ['no low keys claimed for a 2^13-slot directory', (b) => { chunk(b)[1] = null }],
    ['directory bits 22', (b) => { b.partitions[0]![1] = 22 }],
    ['chunk bits 9', (b) => { b.partitions[0]![2] = 9 }],
    ['chunk bits 1 with one chunk listed', (b) => { b.partitions[0]![2] = 1 }],
    ['a partition claiming more tracks than the catalog lists', (b) => { b.partitions[0]![0] = 5 }],
    ['a partition claiming fewer', (b) => { b.partitions[0]![0] = 3 }],
    ['a partition that is a map', (b) => { b.partitions[0] = { tracks: 4 } as never }],
    ['partitions that are a string', (b) => { b.partitions = 'p' as never }],
    ['no partitions field', (b) => { delete (b as Record<string, unknown>).partitions }],
    ['a track claiming 10^9 segments', (b) => { b.tracks[2]![3] = 1e9 }],
  ]

  it.each(cases)('%s', (_, edit) => {
    const forged = forge(bytes, (b) => { edit(b) })
    const before = process.memoryUsage().arrayBuffers
    const t0 = performance.now()
    expectCode(() => Catalog.fromBytes(forged), 'CORRUPT_INDEX')
    expectCode(() => Catalog.fromChunks(cut(forged, [4096]), { totalBytes: forged.length }), 'CORRUPT_INDEX')
    expect(performance.now() - t0).toBeLessThan(500)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20)
  })

  it('without the total size, claimed arrays are allocated only as their bytes arrive: a claim with no bytes behind it allocates nothing', () => {
    // The manifest claims 2^32 − 1 entries, and the file ends right after it (end marker, no arrays).
    const d = decode(bytes)
    const c = d.body.partitions[0]![3][0]!
    c[1] = 2 ** 32 - 1; c[2] = 2 ** 32 - 1
    const forged = encode({ ...d, arrays: [] })
    const before = process.memoryUsage().arrayBuffers
    expectCode(() => Catalog.fromChunks([forged]), 'CORRUPT_INDEX')
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20)
  })

  it('a manifest that is not msgpack, or msgpack of the wrong shape: CORRUPT_INDEX', () => {
    for (const packed of [
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 0xc1) & 0xff),
      packr.pack(42), packr.pack('PEAKMTCH'), packr.pack(null), packr.pack({}), packr.pack([]),
      join([packr.pack(decode(bytes).body), new Uint8Array([0xc0])]),   // a stray byte after the map
    ]) {
      expectCode(() => Catalog.fromBytes(withManifest(bytes, packed)), 'CORRUPT_INDEX')
    }
  })
})

describe('fromBytes on damaged manifest or arrays whose CRCs were recomputed: CORRUPT_INDEX, never a crash', () => {
  // The catalog has one partition, of 2^13 slots in one chunk: arrays are [dir, low, entry].
  type Edit = (b: ReturnType<typeof decode>['body'], a: Uint8Array[]) => unknown
  const segments = (b: ReturnType<typeof decode>['body']) => b.tracks.reduce((n, t) => n + (t[3] as number), 0)
  const cases: [string, Edit][] = [
    ['an entry pointing to a segment that does not exist', (_, a) => { a[2] = setU32(a[2]!, 0, 0xffff_0000) }],
    ['an entry in the segment just past the last', (b, a) => { a[2] = setU32(a[2]!, 5, segments(b) << 15) }],
    ['a track claiming one posting more than it has', (b) => { b.tracks[0]![2] = (b.tracks[0]![2] as number) + 1 }],
    ['two tracks swapping their posting counts', (b) => { const t = b.tracks[0]![2]; b.tracks[0]![2] = b.tracks[1]![2]; b.tracks[1]![2] = t }],
    ['a track with 0 segments', (b) => { b.tracks[2]![3] = 0 }],
    ['a track with a negative duration', (b) => { b.tracks[1]![1] = -5 }],
    ['a track with a string for a duration', (b) => { b.tracks[1]![1] = '5' }],
    ['a track with a fractional posting count', (b) => { b.tracks[1]![2] = 10.5 }],
    ['two tracks with one id', (b) => { b.tracks[1]![0] = b.tracks[0]![0] }],
    ['a track with an empty id', (b) => { b.tracks[3]![0] = '' }],
    ['a track that is not a list', (b) => { b.tracks[0] = { id: 'x' } as never }],
    ['a track list that is a string', (b) => { b.tracks = 'tracks' as never }],
    ['no tracks field', (b) => { delete (b as Record<string, unknown>).tracks }],
    ['a track dropped (its postings orphaned)', (b) => { b.tracks.pop(); b.partitions[0]![0] = 3 }],
    ['a directory that goes backwards', (_, a) => { a[0] = setU32(a[0]!, 100, 0xffff_fff0) }],
    ['a directory that does not start at 0', (_, a) => { a[0] = setU32(a[0]!, 0, 1) }],
    ['a directory that does not end at the postings', (_, a) => { a[0] = setU32(a[0]!, 2 ** 13, a[2]!.length / 4 - 1) }],
    ['low keys out of order within a slot', (_, a) => { a[1] = unsortSlot(a[0]!, a[1]!) }],
    ['entries of one key out of order', (_, a) => {
      const low = a[1]!, e = new DataView(a[2]!.slice().buffer)
      for (let i = 0; i + 1 < low.length; i++) {
        if (low[i] === low[i + 1] && e.getUint32(4 * i, true) !== e.getUint32(4 * i + 4, true)) {
          const x = e.getUint32(4 * i, true); e.setUint32(4 * i, e.getUint32(4 * i + 4, true), true); e.setUint32(4 * i + 4, x, true)
          a[2] = new Uint8Array(e.buffer)
          return
        }
      }
      throw new Error('no key with two entries')
    }],
    ['indexFanout 0', (b) => { b.indexFanout = 0 }],
  ]

  it.each(cases)('%s', (_, edit) => {
    const forged = forge(bytes, edit as Parameters<typeof forge>[1])
    expect(forged).not.toEqual(bytes)
    expectCode(() => Catalog.fromBytes(forged), 'CORRUPT_INDEX')
  })

  it('a directory slot that claims 4·10^8 postings is rejected at once, not after scanning them', () => {
    // Slot 8190 is made to end at 4·10^8 (its postings, and all after it, sorted). A check that
    // walks a slot before checking where the next one starts reads 4·10^8 missing low keys
    // first: over a second here, and 90 s for a slot ending near 2^32 (a 60 KB file).
    const forged = forge(bytes, (_, a) => {
      const dir = new DataView(a[0]!.slice().buffer)
      const low = a[1]!.slice()
      low.subarray(dir.getUint32(4 * 8190, true)).sort()
      dir.setUint32(4 * 8191, 4e8, true)
      a[0] = new Uint8Array(dir.buffer)
      a[1] = low
    })
    const t0 = performance.now()
    expectCode(() => Catalog.fromBytes(forged), 'CORRUPT_INDEX')
    expect(performance.now() - t0).toBeLessThan(200)
  })

  it('the forging helpers themselves produce loadable catalogs when nothing is changed', () => {
    expect(forge(bytes, () => undefined)).toEqual(bytes)
    expect(resultsOf(Catalog.fromBytes(forge(bytes, () => undefined)))).toEqual(resultsOf(catalog))
    expect(fixCrc(bytes.slice())).toEqual(bytes)
    expect(encode({ ...decode(bytes), sectionBytes: 64 })).toEqual(join([...catalog.toChunks({ sectionBytes: 64 })]))
  })
})

describe('the sections\' checksum', () => {
  it('changes with any one byte, a swap of two words, and truncation; and does not depend on alignment', async () => {
    const { checksum } = await import('../../src/checksum.js')
    const bytes = Uint8Array.from({ length: 1001 }, (_, i) => (i * 131 + 7) & 255)
    const base = checksum(bytes)
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.slice(); b[i] = b[i]! ^ (1 << (i % 8))
      expect(checksum(b)).not.toBe(base)
    }
    const swapped = bytes.slice(); swapped.set(bytes.subarray(4, 8), 0); swapped.set(bytes.subarray(0, 4), 4)
    expect(checksum(swapped)).not.toBe(base)
    for (let n = 0; n < bytes.length; n += 97) expect(checksum(bytes.subarray(0, n))).not.toBe(base)
    const shifted = new Uint8Array(bytes.length + 1); shifted.set(bytes, 1)
    expect(checksum(shifted.subarray(1))).toBe(base)
  })

  it('given in pieces (Checksum), of any sizes and alignments, equals checksum() of the whole', async () => {
    const { Checksum, checksum } = await import('../../src/checksum.js')
    const r = rng(5)
    const sum = new Checksum()
    for (let t = 0; t < 200; t++) {
      const n = Math.floor(r() * 300)
      const buffer = Uint8Array.from({ length: n + 3 }, () => Math.floor(r() * 256))
      const bytes = buffer.subarray(t % 3, (t % 3) + n)
      sum.reset()
      for (let at = 0; at < n;) { const k = Math.floor(r() * 40); sum.update(bytes.subarray(at, Math.min(n, at + k))); at += k }
      expect(sum.digest()).toBe(checksum(bytes))
    }
  })
})
