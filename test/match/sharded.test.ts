import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, PeakmatchError, fingerprint, type Fingerprint, type Match } from '../../src/index.js'
import { ShardedCatalog, shardAlign, shardOf, shardPasses, type ShardLink } from '../../src/sharded.js'
import { internals } from '../../src/match/catalog.js'
import { mergeReplies } from '../../src/match/sharded-catalog.js'
import { AUTO_SCREENS } from '../../src/match/query.js'
import { REFINEMENTS } from '../../src/match/factors.js'
import { makeTracks, type Track } from '../support/corpus.js'
import { convertRate } from '../support/reference.js'
import { excerpt, rng, stretched, withNoise } from '../support/synth.js'

/**
 * Issue 10: a catalog split by recording into shards, queried through ShardedCatalog, must answer
 * as one catalog of the same tracks: the same ranked candidates with the same scores, offsets
 * and confidences for match (every pass: exact, speed, the factor grid), the same identification
 * for whole files. The shards are reached through links that copy every request and reply
 * through JSON, as a wire would.
 */
const SHARDS = 3
const RATE = 44100

let tracks: Track[]
let whole: Catalog
let shards: Catalog[]
let sharded: ShardedCatalog

/** Random landmarks with music's skew (decision-scale.test.ts): the background a real catalog offers. */
function filler(template: Fingerprint, seed: number, seconds: number): Fingerprint {
  const rand = rng(seed)
  const n = Math.round(seconds * 50)
  const key = () => (rand() < 0.3 ? Math.imul(Math.floor(rand() * 20_000) + 1, 0x9e3779b1) >>> 11 : Math.floor(rand() * 2 ** 21))
  const times = Uint32Array.from({ length: n }, () => Math.floor(rand() * seconds * 62.5)).sort()
  return { ...template, hashes: Uint32Array.from({ length: n }, key), times, ranks: Uint8Array.from({ length: n }, () => Math.floor(rand() * template.frontEnd.fanout)), durationSeconds: seconds }
}

/**
 * Candidates exactly tied (same confidence and score) in id order: one catalog breaks such ties by
 * the order tracks were added, a sharded one by (shard, order in the shard); either order is right.
 */
function tiesSorted(ms: readonly Match[]): Match[] {
  return [...ms].sort((a, b) => b.confidence - a.confidence || b.score - a.score || (a.trackId < b.trackId ? -1 : 1))
}

const wire = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T

function link(c: Catalog): ShardLink {
  return {
    passes: async (fp, r) => wire(shardPasses(c, fp, wire(r))),
    align: async (fp, r) => wire(shardAlign(c, fp, wire(r))),
    track: async (id) => { const t = c.track(id); return t && wire(t) },
    editions: async (rid) => wire(c.editions(rid)),
    stats: async () => c.stats(),
  }
}

/**
 * The test tracks as one catalog and as SHARDS, all on the triplet path (pair budget 0), the shards
 * behind links that count what they are asked: screens, factor passes, and rounds of screens.
 */
function tripletCluster() {
  const big = new Catalog({ tripletIndex: true })
  const parts = Array.from({ length: SHARDS }, () => new Catalog({ tripletIndex: true }))
  for (const t of tracks) { big.add(t.id, t.fp); parts[shardOf(t.id, SHARDS)]!.add(t.id, t.fp) }
  for (const c of [big, ...parts]) internals(c).index.pairBudget = 0
  const asked = { screen: 0, factor: 0, rounds: 0 }
  const many = new ShardedCatalog(parts.map((c): ShardLink => ({
    ...link(c),
    passes: async (fp, r) => {
      if (r[0]?.pass === 'screen') asked.rounds++
      for (const x of r) { if (x.pass === 'screen') asked.screen++; else if (x.factor) asked.factor++ }
      return wire(shardPasses(c, fp, wire(r)))
    },
  })))
  return { big, parts, many, asked }
}

beforeAll(() => {
  tracks = makeTracks(Array.from({ length: 10 }, (_, i) => ({ seed: 501 + i, seconds: 30 })))
  whole = new Catalog()
  shards = Array.from({ length: SHARDS }, () => new Catalog())
  const add = (id: string, fp: Fingerprint, recordingId: string, metadata: unknown) => {
    whole.add(id, fp, metadata, { recordingId })
    shards[shardOf(recordingId, SHARDS)]!.add(id, fp, metadata, { recordingId })
  }
  for (const t of tracks) add(t.id, t.fp, t.id, { title: t.id })
  // A second edition of one recording: its editions must come out of one shard.
  add('track-501-remaster', tracks[0]!.fp, tracks[0]!.id, { title: 'remaster' })
  for (let i = 0; i < 300; i++) add(`filler-${i}`, filler(tracks[0]!.fp, 9000 + i, 60), `filler-${i}`, undefined)
  sharded = new ShardedCatalog(shards.map(link), { frontEnd: whole.settings().frontEnd })
}, 60_000)

function sped(t: Track, start: number, seconds: number, r: number): Fingerprint {
  const mono = excerpt(t.audio, start, seconds * r).channels[0]!
  return fingerprint({ sampleRate: RATE, channels: [convertRate(mono, RATE, Math.round(RATE / r))] })
}

describe('a sharded catalog answers as one catalog', () => {
  it('puts each recording in one shard, and every shard gets some', () => {
    expect(shards.map((s) => s.size).reduce((a, b) => a + b)).toBe(whole.size)
    for (const s of shards) expect(s.size).toBeGreaterThan(50)
    expect(shards.filter((s) => s.has('track-501-remaster') && s.has('track-501'))).toHaveLength(1)
    expect(shardOf('track-501', 3)).toBe(shardOf('track-501', 3))
    expect(() => shardOf('x', 0)).toThrow(PeakmatchError)
  })

  it('match: the same ranked candidates, scores, offsets, confidences and factors, clean, noisy, short, sped up, stretched and out of the catalog', async () => {
    const queries: [string, Fingerprint][] = []
    tracks.slice(0, 6).forEach((t, i) => {
      queries.push([`${t.id} 10 s clean`, fingerprint(excerpt(t.audio, 5 + i, 10))])
      queries.push([`${t.id} 5 s at 0 dB`, fingerprint(withNoise(excerpt(t.audio, 8, 5), 0, 70 + i))])
      queries.push([`${t.id} 3 s`, fingerprint(excerpt(t.audio, 12, 3))])
    })
    queries.push(['speed +6 %', sped(tracks[1]!, 4, 10, 1.06)], ['speed −4 %', sped(tracks[2]!, 6, 10, 0.96)])
    // ±3 %: the plain passes find them, and the winner's shard tells their line a speed change (ShardCandidate.fit's third element).
    queries.push(['speed +3 %', sped(tracks[0]!, 10, 10, 1.03)], ['speed −3 %', sped(tracks[5]!, 10, 10, 0.97)], ['speed −2.5 %', sped(tracks[3]!, 20, 10, 0.975)])
    // Tempo: the answer's line is fitted on the winner's shard (ShardCandidate.line), its offset and tempo as one catalog's.
    queries.push(['tempo +5 %', fingerprint(stretched(tracks[3]!.audio, 6, 10, 1.05))], ['tempo −5 %', fingerprint(stretched(tracks[4]!.audio, 9, 10, 0.95))])
    for (let i = 0; i < 4; i++) queries.push([`out of catalog ${i}`, filler(tracks[0]!.fp, 77_000 + i, 10)])
    let found = 0, factors = 0, tempos = 0, plainSpeeds = 0
    for (const [what, q] of queries) {
      for (const options of [{ limit: 16, minConfidence: 0 }, {}]) {
        const one = whole.match(q, options)
        const many = await sharded.match(q, options)
        expect(many.missingShards, what).toEqual([])
        expect(tiesSorted(many.matches), what).toEqual(tiesSorted(one))
      }
      const top = whole.match(q)[0]
      if (top) found++
      if (top?.speed !== undefined) factors++
      if (top?.tempo !== undefined) tempos++
      if (top?.speed !== undefined && internals(whole).scratch.factor === null) plainSpeeds++
    }
    // The comparison is not vacuous: most queries are found, and the factor grid ran.
    expect(found).toBeGreaterThanOrEqual(18)
    expect(factors).toBeGreaterThanOrEqual(1)
    expect(tempos).toBeGreaterThanOrEqual(1)
    expect(plainSpeeds).toBeGreaterThanOrEqual(1)
  })

  // 'screened' asks every factor's screen, 'auto' the nearest AUTO_SCREENS' and for a found one the other kind's (factors.ts OTHER_KIND).
  it.each([
    ['screened', (found: boolean) => SHARDS * (24 + (found ? REFINEMENTS[0]!.length : 0))],
    ['auto', (found: boolean) => SHARDS * (AUTO_SCREENS + (found ? 1 : 0))],
  ] as const)('factorSearch %s on shards that take the triplet path: one catalog\'s answers and factors, the factors\' screens in one round', async (factorSearch, screens) => {
    const { big, parts, many, asked } = tripletCluster()
    const queries: [string, Fingerprint, string | null][] = [
      ['speed +5 %', sped(tracks[2]!, 8, 10, 1.05), tracks[2]!.id],
      // −7 % lies past 'auto''s nearest factors (to ±6.2 %), and −6 % finds it here (factors.ts REFINEMENTS says why).
      ['speed −7 %', sped(tracks[6]!, 5, 10, 0.93), tracks[6]!.id],
      // Under 7.5 s a screen passes at one vote less (query.ts screenVotes): the shards' screens say so too.
      ['speed +5 %, 6 s', sped(tracks[2]!, 8, 6, 1.05), tracks[2]!.id],
      ['out of catalog', filler(tracks[0]!.fp, 88_001, 10), null],
    ]
    for (const [what, q, expected] of queries) {
      Object.assign(asked, { screen: 0, factor: 0, rounds: 0 })
      const one = big.match(q, { factorSearch })
      expect(internals(big).scratch.lastPass, what).toBe('triplets')
      const got = await many.match(q, { factorSearch })
      expect(got.missingShards, what).toEqual([])
      const shape = (ms: readonly Match[]) => ms.map((m) => [m.trackId, m.speed, m.pitch, m.offsetSeconds])
      expect(shape(got.matches), what).toEqual(shape(one))
      expect(one[0]?.trackId ?? null, what).toBe(expected)
      // Every shard was asked the factors' screens in one round (and a found one's refinements' in a second), and a full pass only for a few.
      expect(asked.screen, what).toBe(screens(expected !== null))
      expect(asked.rounds, what).toBe(SHARDS * (expected === null ? 1 : 2))
      expect(asked.factor, what).toBeLessThanOrEqual(SHARDS * 4)
    }
    expect(() => shardPasses(parts[0]!, queries[0]![1], [{ pass: 'screen' }])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(shardPasses(parts[0]!, queries[0]![1], [{ pass: 'screen', factor: [1] }])[0]).toMatchObject({ candidates: [], votes: expect.any(Number) })
  })

  it('match with off-grid hashes (two frame grids): the same answers, and the off-grid passes decide some', async () => {
    let plain = 0, grids = 0
    for (let i = 0; i < 10; i++) {
      const t = tracks[i]!
      const audio = withNoise(excerpt(t.audio, 4 + 1.37 * i, 3), -3, 300 + i)
      const q = fingerprint(audio, { grids: 2 })
      for (const options of [{ limit: 16, minConfidence: 0 }, {}]) {
        const many = await sharded.match(q, options)
        expect(many.missingShards).toEqual([])
        expect(tiesSorted(many.matches), `${t.id}`).toEqual(tiesSorted(whole.match(q, options)))
      }
      if (whole.match(fingerprint(audio))[0]?.trackId === t.id) plain++
      if (whole.match(q)[0]?.trackId === t.id) grids++
    }
    // Not vacuous: the off-grid passes found some that the first grid alone did not.
    expect(grids).toBeGreaterThan(plain)
  })

  it('each pass, merged, is one catalog\u2019s pass: the same candidates cut, scored and decided', () => {
    const qs = [filler(tracks[0]!.fp, 424_242, 10), fingerprint(withNoise(excerpt(tracks[2]!.audio, 3, 5), 0, 9)), fingerprint(excerpt(tracks[7]!.audio, 1, 3))]
    let many = 0
    for (const q of qs) {
      for (const shift of [false, true]) {
        const one = internals(whole).searchPass(q, shift)
        const expected = one.items.slice(0, one.count).map((c) => ({ trackId: whole.ids()[c.track]!, score: c.score, votes: c.votes, hits: c.hits, offset: c.offset, confidence: c.confidence }))
        const request = { pass: shift ? 'shifted' as const : 'exact' as const }
        const merged = mergeReplies(shards.map((s) => wire(shardPasses(s, q, [request])[0]!)), request)
        const got = merged.items.slice(0, merged.count).map((c) => ({ trackId: c.trackId, score: c.score, votes: c.votes, hits: c.hits, offset: c.offset, confidence: c.confidence }))
        // Tracks tied on votes at the cut may differ (one catalog keeps the first added, the merge the
        // first by shard): what they bring, their scores and confidences, may not.
        const floor = one.count === 16 ? Math.min(...expected.map((c) => c.votes)) : -1
        const numbers = (l: typeof got) => l.map((c) => [c.confidence, c.score, c.votes]).sort((a, b) => b[0]! - a[0]! || b[1]! - a[1]! || b[2]! - a[2]!)
        const above = (l: typeof got) => l.filter((c) => c.votes > floor).sort((a, b) => (a.trackId! < b.trackId! ? -1 : 1))
        expect(numbers(got)).toEqual(numbers(expected))
        expect(above(got)).toEqual(above(expected))
        if (one.count === 16) many++
      }
    }
    // The cut to the best 16 was exercised: some passes had more candidates than that.
    expect(many).toBeGreaterThan(0)
  })

  it('identify: the same identification for whole files, excerpts, a second edition and strangers', async () => {
    const files: [string, Fingerprint, object][] = [
      ['whole track', tracks[3]!.fp, {}],
      ['a track with two editions', tracks[0]!.fp, { quality: { codec: 'mp3', bitrateKbps: 128 } }],
      ['20 s excerpt', fingerprint(excerpt(tracks[4]!.audio, 5, 20)), {}],
      ['noisy copy', fingerprint(withNoise(tracks[5]!.audio, 5, 3)), { alternatives: 2 }],
      ['stranger', filler(tracks[0]!.fp, 5150, 40), {}],
    ]
    for (const [what, fp, options] of files) {
      const one = whole.identify(fp, options)
      const many = await sharded.identify(fp, options)
      expect(many.missingShards, what).toEqual([])
      expect(many.identification, what).toEqual(one)
    }
    expect(whole.identify(tracks[3]!.fp).status).toBe('matched')
  })

  it('names the shards that did not answer, and fails the query for a bad fingerprint', async () => {
    const target = tracks.find((t) => shardOf(t.id, SHARDS) !== 0)!
    const down: ShardLink = { ...link(shards[0]!), passes: () => Promise.reject(new Error('timeout')), align: () => Promise.reject(new Error('timeout')) }
    const partial = new ShardedCatalog([down, link(shards[1]!), link(shards[2]!)])
    const q = fingerprint(excerpt(target.audio, 5, 10))
    const got = await partial.match(q)
    expect(got.missingShards).toEqual([0])
    expect(got.matches[0]?.trackId).toBe(target.id)
    const id = await partial.identify(target.fp)
    expect(id.missingShards).toEqual([0])
    const short: ShardLink = { ...link(shards[0]!), passes: async () => [] }
    expect((await new ShardedCatalog([short, link(shards[1]!), link(shards[2]!)]).match(q)).missingShards).toEqual([0])
    const refusing: ShardLink = { ...link(shards[0]!), passes: () => Promise.reject(new PeakmatchError('INCOMPATIBLE_FINGERPRINT', 'no')) }
    await expect(new ShardedCatalog([refusing, link(shards[1]!)]).match(q)).rejects.toMatchObject({ code: 'INCOMPATIBLE_FINGERPRINT' })
    const other = { ...q, frontEnd: { ...q.frontEnd, minBin: q.frontEnd.minBin + 1 } }
    await expect(sharded.match(other)).rejects.toMatchObject({ code: 'INCOMPATIBLE_FINGERPRINT' })
  })

  it('refuses malformed pass and align requests with INVALID_OPTIONS', () => {
    const q = fingerprint(excerpt(tracks[0]!.audio, 5, 5))
    const bad: unknown[] = [{ pass: 'nope' }, { pass: 'exact', factor: [0] }, { pass: 'shifted', factor: [99] }, { pass: 'shifted', factor: [0, 9] }, { pass: 'shifted', factor: 'x' }, { pass: 'screen', factor: 5 }, { pass: 'screen', factor: null }, { pass: 'screen', factor: {} }, { pass: 'shifted', factor: [1.5] }, null]
    for (const r of bad) expect(() => shardPasses(shards[0]!, q, [r as never]), JSON.stringify(r)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    expect(() => shardAlign(shards[0]!, q, [{ trackId: 5 } as never])).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    for (const many of [[], Array.from({ length: 33 }, () => ({ pass: 'exact' as const })), 'exact']) {
      expect(() => shardPasses(shards[0]!, q, many as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    }
    expect(shardPasses(shards[0]!, q, [{ pass: 'exact' }, { pass: 'shifted', factor: [3] }])).toHaveLength(2)
    expect(shardAlign(shards[0]!, q, [{ trackId: 'gone', first: 0, last: 3 }])).toEqual([{ trackId: 'gone', recordingId: '', aligned: [], editions: [] }])
  })

  it('sums the shards\u2019 stats', async () => {
    const { stats, missingShards } = await sharded.stats()
    expect(missingShards).toEqual([])
    expect(stats.tracks).toBe(whole.size)
    expect(stats.hashes).toBe(whole.stats().hashes)
    expect(await sharded.editions('track-501')).toHaveLength(2)
    expect((await sharded.track('track-502'))?.metadata).toEqual({ title: 'track-502' })
  })
})
