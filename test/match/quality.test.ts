import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, checkQuality, fingerprint, type EditionQuality, type Fingerprint } from '../../src/index.js'
import { expectCode } from '../support/errors.js'
import { forge } from '../support/forge.js'
import { excerpt, synthMusic } from '../support/synth.js'

/** Quality metadata is checked by one function (checkQuality) for add, fromBytes and editions files. */
const bad: [string, unknown][] = [
  ['a number for codec', { codec: 5 }],
  ['an array', []],
  ['a Set', new Set(['flac'])],
  ['a Map', new Map([['codec', 'flac']])],
  ['a class instance', new (class Q { codec = 'flac' })()],
  ['null', null],
  ['a string', 'flac'],
  ['a negative bitrate', { bitrateKbps: -1 }],
  ['a zero sample rate', { sampleRate: 0 }],
  ['NaN bit depth', { bitDepth: NaN }],
  ['an infinite bitrate', { bitrateKbps: Infinity }],
  ['a bitrate as a string', { bitrateKbps: '320' }],
  ['a BigInt sample rate', { sampleRate: 44100n }],
  ['lossless as a string', { lossless: 'yes' }],
  ['an unknown (misspelt) field', { codec: 'mp3', bitrate: 320 }],
  ['a codec name of 65 characters', { codec: 'x'.repeat(65) }],
]

describe('checkQuality', () => {
  it.each(bad)('refuses %s with INVALID_OPTIONS', (_, q) => {
    expectCode(() => checkQuality(q), 'INVALID_OPTIONS')
  })

  it('accepts every known field and returns a copy with only the fields present', () => {
    const q = { codec: 'flac', lossless: true, bitrateKbps: 900.5, sampleRate: 96000, bitDepth: 24, extra: undefined }
    delete (q as { extra?: unknown }).extra
    const out = checkQuality({ ...q, bitrateKbps: undefined })
    expect(out).toEqual({ codec: 'flac', lossless: true, sampleRate: 96000, bitDepth: 24 })
    expect(checkQuality({})).toEqual({})
    expect(checkQuality(Object.assign(Object.create(null), { codec: 'mp3' }))).toEqual({ codec: 'mp3' })
  })

  it('names the field and the source in its message', () => {
    expect(expectCode(() => checkQuality({ codec: 5 }, '"a.flac".quality'), 'INVALID_OPTIONS').message).toMatch(/"a\.flac"\.quality\.codec/)
  })
})

describe('Catalog: quality is checked on add and on load alike', () => {
  let fp: Fingerprint
  let query: Fingerprint
  beforeAll(() => {
    const audio = synthMusic(41, 20)
    fp = fingerprint(audio)
    query = fingerprint(excerpt(audio, 4, 10))
  })

  it.each(bad)('add refuses %s and leaves the catalog as it was', (_, q) => {
    const c = new Catalog()
    expectCode(() => c.add('t', fp, undefined, { quality: q as EditionQuality }), 'INVALID_OPTIONS')
    expect(c.size).toBe(0)
    c.add('t', fp, undefined, { quality: { codec: 'flac' } })
    expect(c.size).toBe(1)
  })

  it('keeps its own copy: changing the object after add changes nothing', () => {
    const c = new Catalog()
    const q: EditionQuality = { codec: 'mp3', bitrateKbps: 320 }
    c.add('t', fp, undefined, { quality: q })
    q.codec = 5 as never
    expect(c.track('t')?.quality).toEqual({ codec: 'mp3', bitrateKbps: 320 })
    expect(c.identify(fp).status).toBe('matched')
  })

  it('whatever add accepts, fromBytes loads back (undefined fields included)', () => {
    const c = new Catalog()
    c.add('t', fp, { title: 't' }, { recordingId: 'r', quality: { codec: 'aac', bitrateKbps: undefined, sampleRate: 44100 } })
    const back = Catalog.fromBytes(c.toBytes())
    expect(back.track('t')).toEqual(c.track('t'))
    expect(back.identify(fp).edition?.quality).toEqual({ codec: 'aac', sampleRate: 44100 })
  })

  describe('a forged catalog (valid CRC) with bad quality or ids is CORRUPT_INDEX, not a later TypeError', () => {
    let bytes: Uint8Array
    beforeAll(() => {
      const c = new Catalog()
      c.add('t', fp, { n: 1 }, { quality: { codec: 'flac' } })
      bytes = c.toBytes()
    })
    // What msgpack can carry of the list (a BigInt becomes a number on the way: see below).
    const packable = bad.filter(([name]) => !/Set|Map|class|BigInt|null/.test(name))  // null: the format's "no quality"
    it.each(packable)(
      'quality: %s', (_, q) => {
        const e = expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.tracks[0]![6] = q })), 'CORRUPT_INDEX')
        expect(e.message).toMatch(/quality/)
      })
    it('a 10 MB track id, as add refuses it', () => {
      expectCode(() => new Catalog().add('x'.repeat(10 << 20), fp), 'INVALID_TRACK_ID')
      expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.tracks[0]![0] = 'x'.repeat(10 << 20) })), 'CORRUPT_INDEX')
    })
    it('a recording id that is too long, empty or not a string', () => {
      for (const r of ['y'.repeat(4097), '', 7, null]) expectCode(() => Catalog.fromBytes(forge(bytes, (b) => { b.tracks[0]![5] = r })), 'CORRUPT_INDEX')
    })
    it('64-bit integers in metadata come back as numbers: results stay JSON-serialisable', () => {
      const c = Catalog.fromBytes(forge(bytes, (b) => { b.tracks[0]![4] = [{ big: 2n ** 60n, small: -(2n ** 40n) }] }))
      const m = c.match(query)
      expect(m[0]?.metadata).toEqual({ big: 2 ** 60, small: -(2 ** 40) })
      expect(() => JSON.stringify(m)).not.toThrow()
      expect(() => JSON.stringify(c.identify(fp))).not.toThrow()
    })
  })
})
