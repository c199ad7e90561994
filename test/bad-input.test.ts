import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, Fingerprinter, type Fingerprint, type Match } from '../src/index.js'
import { expectCode } from './support/errors.js'
import { catalogOf, excerptPrint, makeTracks, type Track } from './support/corpus.js'
import { excerpt, synthMusic } from './support/synth.js'

/** 1 s of stereo music at 44100 Hz with `value` written at `index` of channel `channel`. */
function poisoned(value: number, channel: number, index: number, channels = 2) {
  const audio = synthMusic(5, 1, 44100, channels)
  audio.channels[channel]![index] = value
  return audio
}

describe('fingerprint(): bad samples are INVALID_AUDIO', () => {
  it.each([
    ['NaN', NaN, 0, 1234, 1],
    ['+Infinity', Infinity, 0, 1234, 1],
    ['-Infinity', -Infinity, 0, 1234, 1],
    ['NaN in channel 1 of stereo', NaN, 1, 4321, 2],
    ['+Infinity in channel 1 of stereo', Infinity, 1, 4321, 2],
    ['-Infinity in channel 1 of stereo', -Infinity, 1, 4321, 2],
    ['NaN in channel 2 of three', NaN, 2, 999, 3],
    ['NaN as the last sample', NaN, 0, 44099, 2],
    ['NaN past the first internal block (2^15 samples)', NaN, 1, 40_000, 2],
  ])('%s', (_, value, channel, index, channels) => {
    const e = expectCode(() => fingerprint(poisoned(value, channel, index, channels)), 'INVALID_AUDIO')
    // The message names the position in the stream, so the bad sample can be found.
    expect(e.message).toContain(String(index))
  })

  it('+Infinity in one channel and −Infinity in the other, at the same sample', () => {
    const audio = poisoned(Infinity, 0, 500)
    audio.channels[1]![500] = -Infinity
    expectCode(() => fingerprint(audio), 'INVALID_AUDIO')
  })

  it('in a stream, the position is counted from the start of the stream', () => {
    const f = new Fingerprinter({ sampleRate: 44100 })
    f.push(new Float32Array(10_000))
    const chunk = new Float32Array(100)
    chunk[37] = NaN
    expect(expectCode(() => f.push(chunk), 'INVALID_AUDIO').message).toContain('10037')
  })
})

describe('fingerprint(): bad shapes and rates', () => {
  const mono = (n: number) => new Float32Array(n)

  it.each([0, -1, NaN, Infinity, 1e9, 1000, 7999, 384_001])('sampleRate %s is INVALID_SAMPLE_RATE', (rate) => {
    expectCode(() => fingerprint({ sampleRate: rate, channels: [mono(1000)] }), 'INVALID_SAMPLE_RATE')
    expectCode(() => new Fingerprinter({ sampleRate: rate }), 'INVALID_SAMPLE_RATE')
  })

  it('a sampleRate that is not a number is INVALID_SAMPLE_RATE', () => {
    expectCode(() => fingerprint({ sampleRate: '44100' as unknown as number, channels: [mono(1000)] }), 'INVALID_SAMPLE_RATE')
  })

  it.each([8000, 384_000])('sampleRate %i (a limit) is accepted', (rate) => {
    expect(fingerprint({ sampleRate: rate, channels: [mono(1000)] }).hashes).toHaveLength(0)
  })

  it.each([
    ['channels of unequal length', { sampleRate: 44100, channels: [mono(1000), mono(999)] }],
    ['no channels', { sampleRate: 44100, channels: [] }],
    ['a Float64Array channel', { sampleRate: 44100, channels: [new Float64Array(1000)] }],
    ['a plain-array channel', { sampleRate: 44100, channels: [[0, 0, 0]] }],
    ['a second channel that is not a Float32Array', { sampleRate: 44100, channels: [mono(3), new Int16Array(3)] }],
    ['channels that is not an array', { sampleRate: 44100, channels: mono(1000) }],
    ['no channels field', { sampleRate: 44100 }],
    ['an AudioBuffer-like with 0 channels', { sampleRate: 44100, numberOfChannels: 0, getChannelData: () => mono(10) }],
    ['an AudioBuffer-like whose channels differ in length', { sampleRate: 44100, numberOfChannels: 2, getChannelData: (c: number) => mono(10 + c) }],
    ['null', null],
    ['a number', 44100],
  ])('%s is INVALID_AUDIO', (_, audio) => {
    expectCode(() => fingerprint(audio as never), 'INVALID_AUDIO')
  })

  it.each([
    ['fanout 0', { fanout: 0 }],
    ['fanout 17', { fanout: 17 }],
    ['fanout 2.5', { fanout: 2.5 }],
    ['fanout "3"', { fanout: '3' }],
    ['neighborhoodBins 0', { neighborhoodBins: 0 }],
    ['neighborhoodFrames 65', { neighborhoodFrames: 65 }],
    ['threshold −1', { threshold: -1 }],
    ['threshold NaN', { threshold: NaN }],
    ['maxFrequency above the working Nyquist', { maxFrequency: 5000 }],
    ['minFrequency negative', { minFrequency: -10 }],
    ['minFrequency above maxFrequency', { minFrequency: 3000, maxFrequency: 1000 }],
    ['a band of fewer than 8 bins', { minFrequency: 1000, maxFrequency: 1050 }],
  ])('option %s is INVALID_OPTIONS, in fingerprint() and in the Fingerprinter', (_, options) => {
    const audio = { sampleRate: 44100, channels: [mono(1000)] }
    const e = expectCode(() => fingerprint(audio, options as never), 'INVALID_OPTIONS')
    expect(e.message).toMatch(/fanout|neighborhood|threshold|Frequency/)
    expectCode(() => new Fingerprinter({ sampleRate: 44100, ...(options as object) }), 'INVALID_OPTIONS')
  })

  it('Fingerprinter without options is INVALID_OPTIONS', () => {
    expectCode(() => new Fingerprinter(null as never), 'INVALID_OPTIONS')
  })
})

describe('Fingerprinter.push is atomic: a chunk with a bad sample is not consumed at all', () => {
  const music = synthMusic(11, 6, 44100, 2)
  const piece = (c: Float32Array, from: number, to: number) => c.subarray(Math.floor(from * 44100), Math.floor(to * 44100))
  const clean = () => {
    const f = new Fingerprinter({ sampleRate: 44100 })
    f.push(music.channels.map((c) => piece(c, 0, 2)))
    f.push(music.channels.map((c) => piece(c, 4, 6)))
    return f.finish()
  }

  it.each([
    ['NaN as the last sample of a chunk of many blocks', 2, -1, NaN],
    ['+Infinity in the last block of a long chunk, channel 1', 1, -5, Infinity],
    ['NaN as the last sample of a chunk of one block', 0, -1, NaN],
  ])('%s', (_, channel, fromEnd, value) => {
    const f = new Fingerprinter({ sampleRate: 44100 })
    f.push(music.channels.map((c) => piece(c, 0, 2)))
    // 2 s of 44.1 kHz is 88 200 samples: about three internal blocks of 2^15; the one-block case is 0.5 s.
    const bad = music.channels.map((c) => piece(c, 2, channel === 0 ? 2.5 : 4).slice())
    const at = bad[0]!.length + fromEnd
    bad[channel === 1 ? 1 : 0]![at] = value
    expectCode(() => f.push(bad), 'INVALID_AUDIO')
    f.push(music.channels.map((c) => piece(c, 4, 6)))
    const fp = f.finish()
    const want = clean()
    expect(fp.durationSeconds).toBe(want.durationSeconds)
    expect(fp.hashes).toEqual(want.hashes)
    expect(fp.times).toEqual(want.times)
    expect(fp.ranks).toEqual(want.ranks)
  })
})

describe('Fingerprinter: stream misuse', () => {
  it('push after finish is STREAM_FINISHED, and so is a second finish; reset() reopens', () => {
    const f = new Fingerprinter({ sampleRate: 8000 })
    f.push(new Float32Array(8000))
    f.finish()
    expectCode(() => f.push(new Float32Array(10)), 'STREAM_FINISHED')
    expectCode(() => f.push([new Float32Array(10), new Float32Array(10)]), 'STREAM_FINISHED')
    expectCode(() => f.finish(), 'STREAM_FINISHED')
    f.reset()
    f.push(new Float32Array(10))
    expect(f.finish().durationSeconds).toBeCloseTo(10 / 8000, 12)
  })

  it.each([
    ['no channels', []],
    ['unequal channels', [new Float32Array(4), new Float32Array(5)]],
    ['a Float64Array', new Float64Array(10)],
    ['an Int16Array channel', [new Int16Array(10)]],
    ['null', null],
  ])('push(%s) is INVALID_AUDIO', (_, chunk) => {
    const f = new Fingerprinter({ sampleRate: 8000 })
    expectCode(() => f.push(chunk as never), 'INVALID_AUDIO')
  })
})

describe('Catalog: bad adds and queries', () => {
  let tracks: Track[]
  let catalog: Catalog
  let query: Fingerprint
  let before: { size: number; ids: string[]; stats: unknown; matches: Match[] }

  const snapshot = () => ({ size: catalog.size, ids: catalog.ids(), stats: catalog.stats(), matches: catalog.match(query, { minConfidence: 0 }) })
  const good = (): Fingerprint => tracks[0]!.fp
  /** The first track's fingerprint with some fields replaced (undefined: left out). */
  const withFields = (fields: Partial<Record<keyof Fingerprint, unknown>>): Fingerprint => {
    const out: Record<string, unknown> = { ...good(), ...fields }
    for (const k of Object.keys(fields)) if (fields[k as keyof Fingerprint] === undefined) delete out[k]
    return out as unknown as Fingerprint
  }
  const frontEnd = (fields: Record<string, unknown>) => ({ ...good().frontEnd, ...fields })

  beforeAll(() => {
    tracks = makeTracks([{ seed: 31, seconds: 20 }, { seed: 32, seconds: 20 }, { seed: 33, seconds: 20 }], 22050)
    catalog = catalogOf(tracks.slice(1))
    query = excerptPrint(tracks[1]!, 4, 10)
    before = snapshot()
    expect(before.matches[0]?.trackId).toBe(tracks[1]!.id)
  })

  const badHashes = () => {
    const h = good().hashes.slice()
    h[h.length - 1] = 2 ** 21                      // only the last one: a half-done add would show
    return h
  }

  it.each([
    ['an empty id', () => catalog.add('', good()), 'INVALID_TRACK_ID'],
    ['an id that is not a string', () => catalog.add(42 as never, good()), 'INVALID_TRACK_ID'],
    ['an id of 4097 characters', () => catalog.add('x'.repeat(4097), good()), 'INVALID_TRACK_ID'],
    ['a duplicate id', () => catalog.add(tracks[1]!.id, tracks[0]!.fp), 'DUPLICATE_TRACK'],
    ['hashes and times of different length', () => catalog.add('new', withFields({ times: good().times.subarray(1) })), 'INVALID_FINGERPRINT'],
    ['a hash ≥ 2^21', () => catalog.add('new', withFields({ hashes: badHashes() })), 'INVALID_FINGERPRINT'],
    ['hashes that are not a Uint32Array', () => catalog.add('new', withFields({ hashes: Array.from(good().hashes) })), 'INVALID_FINGERPRINT'],
    ['a negative duration', () => catalog.add('new', withFields({ durationSeconds: -1 })), 'INVALID_FINGERPRINT'],
    ['a NaN duration', () => catalog.add('new', withFields({ durationSeconds: NaN })), 'INVALID_FINGERPRINT'],
    ['null', () => catalog.add('new', null as never), 'INVALID_FINGERPRINT'],
    ['ranks of the wrong length', () => catalog.add('new', withFields({ ranks: new Uint8Array(3) })), 'INVALID_FINGERPRINT'],
    ['ranks that are not a Uint8Array', () => catalog.add('new', withFields({ ranks: new Uint32Array(good().hashes.length) })), 'INVALID_FINGERPRINT'],
    ['another frameSeconds', () => catalog.add('new', withFields({ frameSeconds: good().frameSeconds * 1.25 })), 'INCOMPATIBLE_FINGERPRINT'],
    ['anchors beyond the last segment the catalog can address', () => catalog.add('new', withFields({ hashes: new Uint32Array([1]), times: new Uint32Array([0xffff_ffff]), ranks: new Uint8Array(1) })), 'CATALOG_FULL'],
    // Fingerprints say how they were made (issue 8): nothing indexes silently what it cannot read.
    ['no ranks (every hash would be indexed)', () => catalog.add('new', withFields({ ranks: undefined })), 'INVALID_FINGERPRINT'],
    ['no front-end stamp', () => catalog.add('new', withFields({ frontEnd: undefined })), 'INVALID_FINGERPRINT'],
    ['a malformed front-end stamp', () => catalog.add('new', withFields({ frontEnd: frontEnd({ minBin: -3 }) })), 'INVALID_FINGERPRINT'],
    ['another front-end version', () => catalog.add('new', withFields({ frontEnd: frontEnd({ version: 2 }) })), 'INCOMPATIBLE_FINGERPRINT'],
    ['other peak options than the catalog\'s', () => catalog.add('new', withFields({ frontEnd: frontEnd({ threshold: 0.7 }) })), 'INCOMPATIBLE_FINGERPRINT'],
    ['a fanout below the catalog\'s indexFanout', () => catalog.add('new', withFields({ frontEnd: frontEnd({ fanout: 1 }) })), 'INCOMPATIBLE_FINGERPRINT'],
  ] as const)('add with %s throws %s and leaves the catalog as it was', (_, add, code) => {
    expectCode(add, code)
    expect(snapshot()).toEqual(before)
    expect(catalog.has('new')).toBe(false)
  })

  it('the catalog still takes a good add after the failed ones', () => {
    const c = catalogOf(tracks.slice(1))
    expectCode(() => c.add('t0', withFields({ hashes: badHashes() })), 'INVALID_FINGERPRINT')
    expectCode(() => c.add(tracks[1]!.id, good()), 'DUPLICATE_TRACK')
    const postings = c.stats().hashes
    c.add('t0', good())
    expect(c.ids()).toEqual([tracks[1]!.id, tracks[2]!.id, 't0'])
    expect(c.match(excerptPrint(tracks[0]!, 3))[0]?.trackId).toBe('t0')
    // The same postings as adding the three tracks to a new catalog.
    expect(c.stats().hashes).toBeGreaterThan(postings)
    expect(c.stats().hashes).toBe(catalogOf([tracks[1]!, tracks[2]!, tracks[0]!]).stats().hashes)
  })

  it.each([
    ['hashes and times of different length', () => ({ ...query, ranks: undefined, hashes: query.hashes.subarray(1) }), 'INVALID_FINGERPRINT'],
    ['a hash ≥ 2^21', () => ({ ...query, hashes: Uint32Array.from(query.hashes, (h, i) => (i === 5 ? h | (1 << 22) : h)) }), 'INVALID_FINGERPRINT'],
    ['another frameSeconds', () => ({ ...query, frameSeconds: 0.02 + query.frameSeconds }), 'INCOMPATIBLE_FINGERPRINT'],
    ['no front-end stamp', () => ({ ...query, frontEnd: undefined }), 'INVALID_FINGERPRINT'],
    ['another front-end version', () => ({ ...query, frontEnd: { ...query.frontEnd, version: 0 } }), 'INCOMPATIBLE_FINGERPRINT'],
    ['other peak options than the catalog\'s', () => ({ ...query, frontEnd: { ...query.frontEnd, neighborhoodBins: 12 } }), 'INCOMPATIBLE_FINGERPRINT'],
    ['a fanout out of range', () => ({ ...query, frontEnd: { ...query.frontEnd, fanout: 99 } }), 'INVALID_FINGERPRINT'],
  ] as const)('match with %s throws %s', (_, make, code) => {
    expectCode(() => catalog.match(make() as Fingerprint), code)
    expectCode(() => catalog.identify(make() as Fingerprint), code)
    expect(snapshot()).toEqual(before)
  })

  it('a query made with another fanout is fine: fanout only adds or drops pairs of the same peaks', () => {
    const q8 = fingerprint(excerpt(tracks[1]!.audio, 4, 10), { fanout: 8 })
    expect(q8.frontEnd.fanout).toBe(8)
    expect(catalog.match(q8)[0]?.trackId).toBe(tracks[1]!.id)
  })

  it.each([
    ['limit 0', { limit: 0 }],
    ['limit 1.5', { limit: 1.5 }],
    ['minConfidence 2', { minConfidence: 2 }],
    ['minConfidence −0.1', { minConfidence: -0.1 }],
    ['minConfidence NaN', { minConfidence: NaN }],
  ])('match with %s is INVALID_OPTIONS', (_, options) => {
    expectCode(() => catalog.match(query, options), 'INVALID_OPTIONS')
  })

  it.each([0, 17, 1.5, NaN])('new Catalog({ indexFanout: %s }) is INVALID_OPTIONS', (indexFanout) => {
    expectCode(() => new Catalog({ indexFanout }), 'INVALID_OPTIONS')
  })
})
