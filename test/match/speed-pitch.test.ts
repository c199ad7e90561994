import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { FACTORS, FACTOR_STEP, REFINEMENTS, rescalePrint, ScaledPrint } from '../../src/match/factors.js'
import { packHash, unpackHash } from '../../src/options.js'
import { AUTO_SCREENS, SCREENED_CATALOG_POSTINGS, gridPasses, screenVotes } from '../../src/match/query.js'
import { catalogOf, makeTracks, type Track } from '../support/corpus.js'
import { convertRate } from '../support/reference.js'
import { excerpt, stretched, synthMusic, type Audio } from '../support/synth.js'

/** 8 pieces of 40–57.5 s at 44100 Hz, seeds 301..308 (the speed and pitch grid: factors.ts). */
const SPECS = Array.from({ length: 8 }, (_, i) => ({ seed: 301 + i, seconds: 40 + 2.5 * i }))
const RATE = 44100

let tracks: Track[]
let catalog: Catalog

beforeAll(() => {
  tracks = makeTracks(SPECS)
  catalog = catalogOf(tracks)
})

/** `seconds` of the mono excerpt from `start`, played `r` times faster (resampled: pitch and tempo × r). */
function sped(audio: Audio, start: number, seconds: number, r: number): Audio {
  const mono = excerpt(audio, start, seconds * r).channels[0]!
  return { sampleRate: RATE, channels: [convertRate(mono, RATE, Math.round(RATE / r))] }
}

/**
 * The excerpt with its pitch × p and its tempo kept: sped up by p, then stretched back by
 * overlap-adding Hann grains of 2048 samples taken every 1024 / p samples and laid every 1024
 * (a plain granular stretch: its phase jumps smear the peaks a little, as real pitch shifters do).
 */
function pitched(audio: Audio, start: number, seconds: number, p: number): Audio {
  const y = sped(audio, start, seconds, p).channels[0]!
  const N = 2048, hop = 1024, n = Math.floor(seconds * RATE)
  const out = new Float32Array(n)
  for (let k = 0; k * hop + N <= n; k++) {
    const from = Math.round((k * hop) / p)
    if (from + N > y.length) break
    for (let i = 0; i < N; i++) out[k * hop + i] = out[k * hop + i]! + 0.5 * (1 - Math.cos((2 * Math.PI * i) / N)) * y[from + i]!
  }
  return { sampleRate: RATE, channels: [out] }
}

describe('rescalePrint', () => {
  it('undoes a factor on each landmark, drops those that leave the layout, and keeps the order', () => {
    const hashes = Uint32Array.from([packHash(100, 120, 20), packHash(250, 255, 3), packHash(50, 40, 62), packHash(10, 12, 1)])
    const times = Uint32Array.from([0, 10, 100, 1000])
    const out = new ScaledPrint()
    // Speed 1.05 undone: frequencies / 1.05, times × 1.05. dt 62 → 65 leaves the 6 bits, dt 1 stays 1.
    rescalePrint(hashes, times, undefined, { freq: 1.05, time: 1.05, speed: 1.05, pitch: 1, tempo: 1 }, out)
    expect(out.count).toBe(3)
    expect(unpackHash(out.hashes[0]!)).toEqual({ f1: 95, f2: 114, dt: 21 })
    expect(unpackHash(out.hashes[1]!)).toEqual({ f1: 238, f2: 243, dt: 3 })
    expect(unpackHash(out.hashes[2]!)).toEqual({ f1: 10, f2: 11, dt: 1 })
    expect([...out.times.subarray(0, 3)]).toEqual([0, 11, 1050])
    // Pitch 0.9 undone: frequencies / 0.9 (250 → 278 leaves the 8 bits), times kept.
    rescalePrint(hashes, times, Uint8Array.from([0, 1, 2, 3]), { freq: 0.9, time: 1, speed: 1, pitch: 0.9, tempo: 1 }, out)
    expect(out.count).toBe(3)
    expect(unpackHash(out.hashes[0]!)).toEqual({ f1: 111, f2: 133, dt: 20 })
    expect(unpackHash(out.hashes[1]!)).toEqual({ f1: 56, f2: 44, dt: 62 })
    expect([...out.times.subarray(0, 3)]).toEqual([0, 100, 1000])
    expect([...out.ranks.subarray(0, 3)]).toEqual([0, 2, 3])
  })

  it('the grid is nearest first, reaches speed ±10 % and pitch ±2 semitones, and each factor has its refinements', () => {
    const dist = FACTORS.map((f) => Math.max(Math.abs(Math.log(f.freq)), Math.abs(Math.log(f.time))))
    for (let i = 1; i < dist.length; i++) expect(dist[i]!).toBeGreaterThanOrEqual(dist[i - 1]! - 1e-12)
    const speeds = FACTORS.filter((f) => f.pitch === 1).map((f) => f.speed)
    const pitches = FACTORS.filter((f) => f.speed === 1).map((f) => f.pitch)
    expect(Math.max(...speeds)).toBeGreaterThanOrEqual(1.1 / Math.exp(FACTOR_STEP / 2))
    expect(Math.min(...speeds)).toBeLessThanOrEqual(0.9 * Math.exp(FACTOR_STEP / 2))
    expect(Math.max(...pitches)).toBeGreaterThanOrEqual(2 ** (2 / 12))
    expect(Math.min(...pitches)).toBeLessThanOrEqual(2 ** (-2 / 12))
    const tempos = FACTORS.filter((f) => f.freq === 1).map((f) => f.tempo)
    expect(Math.max(...tempos)).toBeGreaterThanOrEqual(1.1)
    expect(Math.min(...tempos)).toBeLessThanOrEqual(0.91)
    expect(REFINEMENTS.length).toBe(FACTORS.length)
    // One kind a factor: speed (freq = time), pitch (time 1) or tempo (freq 1); each refines (a sharded catalog asks ≥ 1 pass).
    for (const f of FACTORS) expect([f.speed, f.pitch, f.tempo].filter((x) => x !== 1).length).toBe(1)
    for (const r of REFINEMENTS) expect(r.length).toBeGreaterThan(0)
  })
})

describe('a query played faster, slower or higher', () => {
  it.each([[0, 12.3, 1.05], [3, 20.0, 1.05], [5, 8.8, 0.94], [6, 30.1, 1.09]])('track %i from %f s at speed %f: found, with its speed and offset', (i, start, r) => {
    const track = tracks[i]!
    const matches = catalog.match(fingerprint(sped(track.audio, start, 10, r)))
    expect(matches.length).toBeGreaterThan(0)
    expect(matches[0]!.trackId).toBe(track.id)
    expect(matches[0]!.pitch).toBe(1)
    expect(Math.abs(Math.log(matches[0]!.speed! / r))).toBeLessThanOrEqual(FACTOR_STEP / 2 + 1e-9)
    expect(Math.abs(matches[0]!.offsetSeconds - start)).toBeLessThanOrEqual(0.25)
  })

  it('a +5 % speed excerpt of 5 s is found too', () => {
    const matches = catalog.match(fingerprint(sped(tracks[2]!.audio, 15, 5, 1.05)))
    expect(matches[0]?.trackId).toBe(tracks[2]!.id)
    expect(matches[0]!.speed).toBeCloseTo(1.05, 1)
  })

  it('a semitone higher, tempo kept: found, with its pitch', () => {
    const track = tracks[4]!
    const matches = catalog.match(fingerprint(pitched(track.audio, 10, 10, 2 ** (1 / 12))))
    expect(matches.length).toBeGreaterThan(0)
    expect(matches[0]!.trackId).toBe(track.id)
    expect(matches[0]!.speed).toBe(1)
    expect(Math.abs(Math.log(matches[0]!.pitch! / 2 ** (1 / 12)))).toBeLessThanOrEqual(FACTOR_STEP)
    expect(Math.abs(matches[0]!.offsetSeconds - 10)).toBeLessThanOrEqual(0.25)
  })

  it('an unchanged excerpt reports no factor', () => {
    const matches = catalog.match(fingerprint(excerpt(tracks[1]!.audio, 5, 10)))
    expect(matches[0]?.trackId).toBe(tracks[1]!.id)
    expect(matches[0]!.speed).toBeUndefined()
    expect(matches[0]!.pitch).toBeUndefined()
    expect(internals(catalog).scratch.tempo).toBe(1)
  })

  it.each([[1, 6.0, 10, 1.05], [2, 20.5, 10, 0.95], [7, 11.0, 5, 1.05]])('track %i from %f s, %f s at tempo %f (pitch kept): its offset at the query\'s start and its tempo', (i, start, seconds, t) => {
    const track = tracks[i]!
    const matches = catalog.match(fingerprint(stretched(track.audio, start, seconds, t)))
    expect(matches[0]?.trackId).toBe(track.id)
    // The vote's window sits where the line crosses it, up to (t − 1) · seconds = 0.5 s off the start.
    expect(Math.abs(matches[0]!.offsetSeconds - start)).toBeLessThanOrEqual(0.25)
    expect(Math.abs(internals(catalog).scratch.tempo / t - 1)).toBeLessThanOrEqual(0.02)
    // A tempo change, not a speed change: the pitch was kept (tempo.ts speedOrTempo).
    expect(matches[0]!.speed).toBeUndefined()
    expect(internals(catalog).scratch.speed).toBe(1)
  })

  // Speed changes of 2.5–3 % that the plain passes find (no factor of the grid undone, the query
  // on one or two frame grids): their line drifts as a tempo change's would, and its frequencies
  // say which (tempo.ts speedOrTempo). Before, these reported tempo 1.03 and no speed.
  it.each([[0, 1.03, 2], [0, 0.97, 1], [0, 0.975, 1], [3, 0.975, 2], [0, 1.025, 2]])('track %i at speed %f (%i grids), found by the plain passes: reported as its speed, not a tempo', (i, r, grids) => {
    const track = tracks[i]!
    const matches = catalog.match(fingerprint(sped(track.audio, 10, 10, r), { grids }))
    expect(matches[0]?.trackId).toBe(track.id)
    expect(internals(catalog).scratch.factor).toBeNull()
    expect(Math.abs(Math.log(matches[0]!.speed! / r))).toBeLessThanOrEqual(0.01)
    expect(matches[0]!.pitch).toBe(1)
    expect(matches[0]!.tempo).toBeUndefined()
    expect(Math.abs(matches[0]!.offsetSeconds - 10)).toBeLessThanOrEqual(0.25)
  })

  it.each([[4, 14.0, 10, 1.1], [5, 3.0, 10, 0.9], [7, 8.0, 5, 1.1], [6, 20.0, 10, 1.1]])('track %i from %f s, %f s at tempo %f: found under the grid\'s tempo factor, its offset and tempo', (i, start, seconds, t) => {
    const track = tracks[i]!
    const fp = fingerprint(stretched(track.audio, start, seconds, t))
    const matches = catalog.match(fp)
    expect(matches[0]?.trackId).toBe(track.id)
    expect(Math.abs(matches[0]!.offsetSeconds - start)).toBeLessThanOrEqual(0.25)
    expect(Math.abs(internals(catalog).scratch.tempo / t - 1)).toBeLessThanOrEqual(0.02)
    expect(internals(catalog).scratch.factor?.tempo).not.toBe(1)
  })

  it.each([[401, 1], [402, 1.05], [403, 0.95], [404, 1.08]])('an unrelated piece (seed %i) at speed %f is not matched', (seed, r) => {
    const piece = synthMusic(seed, 30)
    expect(catalog.match(fingerprint(sped(piece, 10, 10, r)))).toEqual([])
    expect(catalog.match(fingerprint(sped(piece, 2, 3, r)))).toEqual([])
  })

  it('through a large catalog\'s triplet pass too when asked (factorSearch: true)', () => {
    const big = new Catalog({ tripletIndex: true })
    for (const t of tracks) big.add(t.id, t.fp)
    internals(big).index.pairBudget = 0
    const fast = fingerprint(sped(tracks[0]!.audio, 12, 10, 1.05))
    expect(big.match(fast, { factorSearch: false })).toEqual([])
    expect(internals(big).scratch.lastPass).toBe('triplets')
    expect(catalog.match(fast, { factorSearch: false })).toEqual([])   // nor in a small catalog when off
    expect(catalog.match(fast)[0]?.trackId).toBe(tracks[0]!.id)        // which runs it by default
    expect(() => catalog.match(fast, { factorSearch: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
    for (const [i, r] of [[0, 1.05], [3, 0.93]] as const) {
      const matches = big.match(fingerprint(sped(tracks[i]!.audio, 12, 10, r)), { factorSearch: true })
      expect(internals(big).scratch.lastPass).toBe('triplets')
      expect(matches[0]?.trackId).toBe(tracks[i]!.id)
      expect(Math.abs(Math.log(matches[0]!.speed! / r))).toBeLessThanOrEqual(FACTOR_STEP)
      expect(Math.abs(matches[0]!.offsetSeconds - 12)).toBeLessThanOrEqual(0.25)
    }
    expect(big.match(fingerprint(sped(synthMusic(402, 30), 5, 10, 1.05)), { factorSearch: true })).toEqual([])
  })

  it('through a large catalog\'s triplet pass with factorSearch \'screened\': the same finds, a full pass only where a factor\'s screen finds votes', () => {
    const big = new Catalog({ tripletIndex: true })
    for (const t of tracks) big.add(t.id, t.fp)
    const { index } = internals(big)
    index.pairBudget = 0
    // Full passes plan their pairs (query.ts takesTriplets); screens do not.
    let planned = 0
    const planPairs = index.planPairs.bind(index)
    index.planPairs = (...a: Parameters<typeof planPairs>) => { planned++; return planPairs(...a) }
    const passes = (fp: ReturnType<typeof fingerprint>, factorSearch: true | 'screened') => {
      planned = 0
      const m = big.match(fp, { factorSearch })
      return { m, planned }
    }
    for (const [i, r] of [[0, 1.05], [3, 0.93]] as const) {
      const fp = fingerprint(sped(tracks[i]!.audio, 12, 10, r))
      const screened = passes(fp, 'screened'), whole = passes(fp, true)
      expect(internals(big).scratch.lastPass).toBe('triplets')
      expect(screened.m[0]?.trackId).toBe(tracks[i]!.id)
      expect(Math.abs(Math.log(screened.m[0]!.speed! / r))).toBeLessThanOrEqual(FACTOR_STEP)
      expect(Math.abs(screened.m[0]!.offsetSeconds - 12)).toBeLessThanOrEqual(0.25)
      // The factors before the one that finds it, and all but one refinement, are screened out.
      expect(screened.planned).toBeLessThan(whole.planned)
    }
    // Out of the catalog: every factor screened, (almost) none passed on to a full pass.
    const unrelated = fingerprint(sped(synthMusic(402, 30), 5, 10, 1.05))
    const screened = passes(unrelated, 'screened'), whole = passes(unrelated, true)
    expect(screened.m).toEqual([])
    expect(whole.m).toEqual([])
    expect(whole.planned - screened.planned).toBeGreaterThanOrEqual(FACTORS.length - 2)
    expect(() => big.match(unrelated, { factorSearch: 'some' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS' }))
  })

  it('\'auto\' on the triplet path: the grid\'s AUTO_SCREENS nearest factors screened, only the kind refined, up to SCREENED_CATALOG_POSTINGS postings; none past it', () => {
    const big = new Catalog({ tripletIndex: true })
    for (const t of tracks) big.add(t.id, t.fp)
    const { index, scratch } = internals(big)
    index.pairBudget = 0
    let planned = 0   // full passes plan their pairs; screens do not
    const planPairs = index.planPairs.bind(index)
    index.planPairs = (...a: Parameters<typeof planPairs>) => { planned++; return planPairs(...a) }
    const near = FACTORS.slice(0, AUTO_SCREENS)
    for (const [i, r] of [[0, 1.05], [3, 0.96]] as const) {
      const fp = fingerprint(sped(tracks[i]!.audio, 12, 10, r))
      planned = 0
      const auto = big.match(fp)
      const autoPlanned = planned
      expect(scratch.lastPass).toBe('triplets')
      expect(auto[0]?.trackId).toBe(tracks[i]!.id)
      expect(Math.abs(auto[0]!.offsetSeconds - 12)).toBeLessThanOrEqual(0.25)
      // Not refined but for the kind: the change reported is one of the nearest factors', within a step of the truth.
      expect(near.some((f) => f.speed === auto[0]!.speed && f.pitch === auto[0]!.pitch)).toBe(true)
      expect(Math.abs(Math.log(auto[0]!.speed! * auto[0]!.pitch! / r))).toBeLessThanOrEqual(FACTOR_STEP)
      planned = 0
      expect(big.match(fp, { factorSearch: 'screened' })[0]?.trackId).toBe(tracks[i]!.id)
      // 'screened' screens all 7 refinements and passes the best one on: at least as many full passes.
      expect(autoPlanned).toBeLessThanOrEqual(planned)
    }
    // A pitch change is often first found under the speed factor beside it: 'auto' refines the
    // kind (factors.ts OTHER_KIND), so it reports the pitch, and the offset that goes with it.
    for (const [i, p] of [[1, 2 ** (1 / 12)], [1, 2 ** (-1 / 12)], [5, 2 ** (-1 / 12)]] as const) {
      const m = big.match(fingerprint(pitched(tracks[i]!.audio, 10, 10, p)))[0]
      expect(m?.trackId).toBe(tracks[i]!.id)
      expect(m!.speed).toBe(1)
      expect(Math.abs(Math.log(m!.pitch! / p))).toBeLessThanOrEqual(FACTOR_STEP)
      expect(Math.abs(m!.offsetSeconds - 10)).toBeLessThanOrEqual(0.25)
    }
    // Beyond the nearest factors (−7 %: the 14th), 'auto' finds nothing and 'screened' still does.
    const slow = fingerprint(sped(tracks[3]!.audio, 12, 10, 0.93))
    expect(big.match(slow)).toEqual([])
    expect(big.match(slow, { factorSearch: 'screened' })[0]?.trackId).toBe(tracks[3]!.id)
    expect(big.match(fingerprint(sped(synthMusic(402, 30), 5, 10, 1.05)))).toEqual([])
    // Past SCREENED_CATALOG_POSTINGS, no factor at all.
    Object.defineProperty(index, 'postingCount', { value: SCREENED_CATALOG_POSTINGS + 1 })
    expect(big.match(fingerprint(sped(tracks[0]!.audio, 12, 10, 1.05)))).toEqual([])
  })

  it('gridPasses: how many factors each mode searches, by path and catalog size', () => {
    expect(gridPasses('auto', true, SCREENED_CATALOG_POSTINGS, 1)).toBe(AUTO_SCREENS)
    expect(gridPasses('auto', true, SCREENED_CATALOG_POSTINGS + 1, 1)).toBe(0)
    expect(gridPasses('screened', true, 2 ** 40, 1)).toBe(FACTORS.length)
    expect(gridPasses(true, false, 2 ** 40, 2 ** 30)).toBe(FACTORS.length)
    expect(gridPasses(false, false, 0, 0)).toBe(0)
    expect(gridPasses(false, true, 0, 0)).toBe(0)
    // On the pair path, 'auto' takes as many as 2^20 postings walked allow, none past 3 × 2^22 in the catalog.
    expect(gridPasses('auto', false, 1000, 1 << 16)).toBe(16)
    expect(gridPasses('auto', false, 1000, 1)).toBe(FACTORS.length)
    expect(gridPasses('auto', false, (3 << 22) + 1, 1)).toBe(0)
  })

  it('screens a query shorter than 7.5 s at one vote less: its screen counts one more than its best alignment', () => {
    const big = new Catalog({ tripletIndex: true })
    for (const t of tracks) big.add(t.id, t.fp)
    big.stats()   // the index prepared, as a match prepares it
    const { index, scratch } = internals(big)
    const factor = FACTORS.find((f) => f.time !== 1 && Math.abs(Math.log(f.speed / 1.05)) < FACTOR_STEP)!
    for (const [seconds, more] of [[5, 1], [7, 1], [8, 0], [10, 0]] as const) {
      const votes = screenVotes(index, fingerprint(sped(tracks[0]!.audio, 12, seconds, 1.05)), factor, scratch)
      expect(scratch.alignments.count).toBeGreaterThan(0)
      expect(votes).toBe(scratch.alignments.items[0]!.votes + more)
    }
  })
})
