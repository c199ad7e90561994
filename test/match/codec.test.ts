import { Packr } from 'msgpackr'
import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, FORMAT_VERSION, fingerprint, type Fingerprint } from '../../src/index.js'
import { crc32 } from '../../src/crc32.js'
import { excerptPrint, makeTracks, type Track } from '../support/corpus.js'
import { expectCode } from '../support/errors.js'
import { rng, synthMusic } from '../support/synth.js'

/** The body codec of codec.ts (msgpack map after a 16-byte header), to forge damaged catalogs. */
const packr = new Packr({ useRecords: false, moreTypes: false })
const HEADER = 16

/** A copy of `bytes` whose msgpack body is `edit`ed (or replaced), with a CRC that passes. */
function forge(bytes: Uint8Array, edit: (body: Record<string, unknown>) => unknown): Uint8Array {
  const body = packr.unpack(bytes.slice(HEADER)) as Record<string, unknown>
  const replaced = edit(body)
  return withBody(bytes, packr.pack(replaced === undefined ? body : replaced))
}

/** The header of `bytes` (magic, version) with `packed` as its body and a matching CRC. */
function withBody(bytes: Uint8Array, packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + packed.length)
  out.set(bytes.subarray(0, HEADER))
  out.set(packed, HEADER)
  new DataView(out.buffer).setUint32(12, crc32(out.subarray(HEADER)), true)
  return out
}

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

function setU32(field: unknown, index: number, value: number): Uint8Array {
  const b = (field as Uint8Array).slice()
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(4 * index, value, true)
  return b
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

  it('starts with the magic and the format version', () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe('PEAKMTCH')
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(FORMAT_VERSION)
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

  it('an empty catalog round-trips', () => {
    const empty = new Catalog().toBytes()
    const loaded = Catalog.fromBytes(empty)
    expect(loaded.size).toBe(0)
    expect(loaded.stats()).toMatchObject({ tracks: 0, hashes: 0, seconds: 0 })
    expect(loaded.match(queries[0]!)).toEqual([])
    expect(loaded.toBytes()).toEqual(empty)
  })

  it('keeps indexFanout: tracks added after reloading are indexed as before', () => {
    const c3 = new Catalog({ indexFanout: 3 })
    c3.add(tracks[0]!.id, tracks[0]!.fp)
    const loaded = Catalog.fromBytes(c3.toBytes())
    c3.add(tracks[1]!.id, tracks[1]!.fp)
    loaded.add(tracks[1]!.id, tracks[1]!.fp)
    expect(loaded.stats()).toEqual(c3.stats())
    // More postings than the default indexFanout (2) gives for the same two tracks.
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
  })
})

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
    ['the CRC field changed', () => { const b = bytes.slice(); b[12]! ^= 0x01; return b }],
    ['a byte appended', () => { const b = new Uint8Array(bytes.length + 1); b.set(bytes); return b }],
  ])('%s: CORRUPT_INDEX', (_, make) => {
    expectCode(() => Catalog.fromBytes(make()), 'CORRUPT_INDEX')
  })

  it.each([
    ['a string', 'PEAKMTCH'],
    ['a Float32Array', new Float32Array(16)],
    ['null', null],
  ])('input that is %s: CORRUPT_INDEX', (_, input) => {
    expectCode(() => Catalog.fromBytes(input as never), 'CORRUPT_INDEX')
  })

  it.each([99, 0, 2 ** 32 - 1])('version field %i: UNSUPPORTED_VERSION', (version) => {
    const b = bytes.slice()
    new DataView(b.buffer).setUint32(8, version, true)
    expectCode(() => Catalog.fromBytes(b), 'UNSUPPORTED_VERSION')
  })

  it('a body made with other fingerprint parameters (CRC valid): UNSUPPORTED_VERSION', () => {
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
    expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.indexFanout = 5 })), 'CORRUPT_INDEX')
  })

  it('a version 1 file (no front end recorded) still loads, as the default front end, and answers alike', () => {
    const v1 = forge(bytes, (b) => { delete b.frontEnd })
    new DataView(v1.buffer).setUint32(8, 1, true)
    const c = Catalog.fromBytes(v1)
    expect(resultsOf(c)).toEqual(resultsOf(Catalog.fromBytes(bytes)))
    expect(new DataView(c.toBytes().buffer).getUint32(8, true)).toBe(FORMAT_VERSION)
  })
})

describe('fromBytes on a damaged body whose CRC was recomputed: CORRUPT_INDEX, never a crash', () => {
  type Body = Record<string, unknown> & { tracks: unknown[][] }
  const cases: [string, (b: Body) => unknown][] = [
    ['an entry pointing to a segment that does not exist', (b) => { b.entry = setU32(b.entry, 0, 0xffff_0000) }],
    ['an entry in the segment just past the last', (b) => { b.entry = setU32(b.entry, 5, (b.tracks.reduce((n, t) => n + (t[3] as number), 0)) << 15) }],
    ['a track claiming one posting more than it has', (b) => { b.tracks[0]![2] = (b.tracks[0]![2] as number) + 1 }],
    ['two tracks swapping their posting counts', (b) => { const t = b.tracks[0]![2]; b.tracks[0]![2] = b.tracks[1]![2]; b.tracks[1]![2] = t }],
    ['a track with 0 segments', (b) => { b.tracks[2]![3] = 0 }],
    ['a track with 10^9 segments', (b) => { b.tracks[2]![3] = 1e9 }],
    ['a track with a negative duration', (b) => { b.tracks[1]![1] = -5 }],
    ['a track with a string for a duration', (b) => { b.tracks[1]![1] = '5' }],
    ['a track with a fractional posting count', (b) => { b.tracks[1]![2] = 10.5 }],
    ['two tracks with one id', (b) => { b.tracks[1]![0] = b.tracks[0]![0] }],
    ['a track with an empty id', (b) => { b.tracks[3]![0] = '' }],
    ['a track that is not a list', (b) => { b.tracks[0] = { id: 'x' } as never }],
    ['a track list that is a string', (b) => { b.tracks = 'tracks' as never }],
    ['no tracks field', (b) => { delete (b as Record<string, unknown>).tracks }],
    ['a track dropped (its postings orphaned)', (b) => { b.tracks.pop() }],
    ['a directory one slot short', (b) => { b.dir = (b.dir as Uint8Array).slice(4) }],
    ['a directory whose length is not a multiple of 4', (b) => { b.dir = (b.dir as Uint8Array).slice(1) }],
    ['a directory that goes backwards', (b) => { b.dir = setU32(b.dir, 100, 0xffff_fff0) }],
    ['a directory that does not start at 0', (b) => { b.dir = setU32(b.dir, 0, 1) }],
    ['low keys out of order within a slot', (b) => { b.low = unsortSlot(b.dir as Uint8Array, b.low as Uint8Array) }],
    ['one low key missing', (b) => { b.low = (b.low as Uint8Array).slice(1) }],
    ['low keys that are a list, not bytes', (b) => { b.low = Array.from(b.low as Uint8Array) }],
    ['entries that are a string', (b) => { b.entry = 'entries' }],
    ['no postings at all', (b) => { delete b.dir; delete b.low; delete b.entry }],
    ['indexFanout 0', (b) => { b.indexFanout = 0 }],
    ['a body that is a number', () => 42],
    ['a body that is a string', () => 'PEAKMTCH'],
    ['a body that is nil', () => null],
    ['a body that is an empty map', () => ({})],
    ['a body that is an empty list', () => []],
  ]

  it.each(cases)('%s', (_, edit) => {
    const forged = forge(bytes, edit as (b: Record<string, unknown>) => unknown)
    expect(forged).not.toEqual(bytes)
    expectCode(() => Catalog.fromBytes(forged), 'CORRUPT_INDEX')
  })

  it.each([
    ['not msgpack at all', () => Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 0xc1) & 0xff)],
    ['msgpack cut short', () => bytes.slice(HEADER, bytes.length - 100)],
    ['valid msgpack followed by a stray byte', () => { const b = new Uint8Array(bytes.length - HEADER + 1); b.set(bytes.subarray(HEADER)); return b }],
  ])('a body that is %s', (_, body) => {
    expectCode(() => Catalog.fromBytes(withBody(bytes, body())), 'CORRUPT_INDEX')
  })

  it('a directory slot that claims 4·10^8 postings is rejected at once, not after scanning them', () => {
    // Slot 8190 is made to end at 4·10^8 (its postings, and all after it, sorted). A check that
    // walks a slot before checking where the next one starts reads 4·10^8 missing low keys
    // first: over a second here, and 90 s for a slot ending near 2^32 (a 60 KB file).
    const forged = forge(bytes, (b) => {
      const dir = new DataView((b.dir as Uint8Array).slice().buffer)
      const low = (b.low as Uint8Array).slice()
      low.subarray(dir.getUint32(4 * 8190, true)).sort()
      dir.setUint32(4 * 8191, 4e8, true)
      b.dir = new Uint8Array(dir.buffer)
      b.low = low
    })
    const t0 = performance.now()
    expectCode(() => Catalog.fromBytes(forged), 'CORRUPT_INDEX')
    expect(performance.now() - t0).toBeLessThan(200)
  })

  it('the forging helper itself produces loadable catalogs when nothing is changed', () => {
    expect(resultsOf(Catalog.fromBytes(forge(bytes, () => undefined)))).toEqual(resultsOf(catalog))
  })
})
