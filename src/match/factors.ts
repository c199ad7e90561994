import { DF_BITS, DT_BITS, DT_MAX, F1_BITS } from '../options.js'

/**
 * Speed, pitch and tempo changes, undone on the query's hashes (issue 11). A speed change by r
 * multiplies every peak frequency by r and divides every time by r; a pitch change multiplies
 * frequencies only, a tempo change divides times only. So a query's landmark (f1, f2, dt) at anchor frame t becomes, for a factor
 * (freq a, time b) to undo: (round(f1 / a), round(f2 / a), round(dt · b)) at round(t · b), and
 * the ordinary speed pass (±1 bin, wider window: query.ts) takes up the rounding and what is left
 * of the change between two factors of the grid. No audio is fingerprinted again.
 */

/** One factor of the grid: what to undo (freq, time), and what the match reports (speed, pitch, tempo). */
export interface Factor {
  /** Frequencies of the query are divided by this. */
  readonly freq: number
  /** Times (anchor frames and dt) of the query are multiplied by this. */
  readonly time: number
  /** Speed change found (1: none): freq = time = speed. */
  readonly speed: number
  /** Pitch change found, as a frequency factor (1: none; 2^(1/12) is a semitone up). */
  readonly pitch: number
  /** Tempo change found (1: none): time = tempo, freq = 1. */
  readonly tempo: number
}

/**
 * The grid, nearest first: factors e^(±k·STEP). The speed pass alone (±1 bin) finds speed
 * ±1–2 % (docs/algorithm.md §6); around a factor it keeps most of a 10 s match up to ±1.5 % off and
 * a 3 s one up to ±1 % (half the peaks sit below bin 80, where 1 % is under a bin), so steps of
 * 2 % leave no gap: speed to ±10.5 % (k ≤ 5), pitch to ±12.7 % (k ≤ 6, past ±2 semitones).
 * Tempo needs one factor a side, ±10.5 % (k = 5): the exact and speed passes already find tempo
 * ±5–7 % (their hashes of short dt survive it), and the tempo pass at ±10.5 % finds ±7 to ±15 %
 * (bench/speed-pitch.ts: with tempo k = 3, 4, 5 the rows came out the same, at 4 more passes).
 * Speed goes before pitch, and pitch before tempo, at each distance.
 */
export const FACTOR_STEP = 0.02
export const FACTORS: readonly Factor[] = makeGrid(5, 6, [5])

/**
 * Once a factor of the grid decides, what is tried next to say which change it was and how
 * much (FACTORS[k] → REFINEMENTS[k]): the other kind at the same factor (a pitch change is often
 * found first under the speed factor beside it, with its offset off by the time it wrongly
 * rescaled), both kinds half a step either side, and its own kind a step either side.
 * search() keeps the one that aligns most.
 * A tempo factor is refined half a step either side only: its answer's line is fitted anyway
 * (tempo.ts), which measures the tempo and corrects the offset.
 */
export const REFINEMENTS: readonly (readonly Factor[])[] = FACTORS.map((f) => {
  const s = f.freq, h = Math.exp(FACTOR_STEP / 2)
  const speed = (x: number): Factor => ({ freq: x, time: x, speed: x, pitch: 1, tempo: 1 })
  const pitch = (x: number): Factor => ({ freq: x, time: 1, speed: 1, pitch: x, tempo: 1 })
  const tempo = (x: number): Factor => ({ freq: 1, time: x, speed: 1, pitch: 1, tempo: x })
  if (f.tempo !== 1) return [tempo(f.tempo * h), tempo(f.tempo / h)]
  const isSpeed = f.time !== 1
  // A step either side of its own kind too: a nearer factor of the grid can decide a change
  // that lies a whole step further out (an index of 3 targets an anchor finds speed 0.94 under
  // 0.961 already), and half a step from there still reports it 1.2 % off.
  const own = isSpeed ? speed : pitch, h2 = h * h
  return [isSpeed ? pitch(s) : speed(s), speed(s * h), speed(s / h), pitch(s * h), pitch(s / h), own(s * h2), own(s / h2)]
})

/**
 * The first refinement of each factor alone: the other kind at the same factor. What 'auto'
 * refines on the triplet path (query.ts AUTO_SCREENS): unrefined, a semitone's pitch change came
 * out as a speed change in 19 of 25 right answers to the dev corpus's 10 s queries at 30 000
 * tracks, with it in 4 (`npx tsx bench/scale-grid.ts FILE --changes`).
 */
export const OTHER_KIND: readonly (readonly Factor[])[] = REFINEMENTS.map((r) => r.slice(0, 1))

function makeGrid(speeds: number, pitches: number, tempos: readonly number[]): Factor[] {
  const grid: { k: number; f: Factor }[] = []
  for (let k = 1; k <= speeds; k++) for (const s of [Math.exp(k * FACTOR_STEP), Math.exp(-k * FACTOR_STEP)]) grid.push({ k, f: { freq: s, time: s, speed: s, pitch: 1, tempo: 1 } })
  for (let k = 1; k <= pitches; k++) for (const s of [Math.exp(k * FACTOR_STEP), Math.exp(-k * FACTOR_STEP)]) grid.push({ k, f: { freq: s, time: 1, speed: 1, pitch: s, tempo: 1 } })
  for (const k of tempos) for (const s of [Math.exp(k * FACTOR_STEP), Math.exp(-k * FACTOR_STEP)]) grid.push({ k, f: { freq: 1, time: s, speed: 1, pitch: 1, tempo: s } })
  return grid.sort((x, y) => x.k - y.k).map((g) => g.f)   // stable: speed up, down, then pitch up, down, then tempo
}

/**
 * What a match says of the change it was found under (Catalog.match and ShardedCatalog.match,
 * which must agree): the speed and pitch of a speed or pitch factor of the grid; on the best
 * match, the tempo its line was fitted to (tempo.ts) when that is not 1, and the speed the plain
 * passes found (`speed`: its line's time factor, told from a tempo change by its frequencies,
 * tempo.ts speedOrTempo) when that is not 1.
 */
export function reportChange(m: { speed?: number; pitch?: number; tempo?: number }, factor: Factor | null, tempo: number, best: boolean, speed = 1): void {
  if (factor !== null && factor.tempo === 1) { m.speed = factor.speed; m.pitch = factor.pitch }
  if (best && factor === null && speed !== 1) { m.speed = speed; m.pitch = 1 }
  if (best && tempo !== 1) m.tempo = tempo
}

/** A rescaled query print: entries [0, count) of the arrays are valid. Grown by doubling, reused. */
export class ScaledPrint {
  hashes = new Uint32Array(1024)
  times = new Uint32Array(1024)
  ranks = new Uint8Array(1024)
  count = 0

  reserve(n: number): void {
    if (this.hashes.length >= n) return
    const size = Math.max(1024, 2 * n)
    this.hashes = new Uint32Array(size)
    this.times = new Uint32Array(size)
    this.ranks = new Uint8Array(size)
  }
}

const DF_SHIFT = DT_BITS, F1_SHIFT = DT_BITS + DF_BITS
const DF_MASK = (1 << DF_BITS) - 1, DF_OFFSET = 1 << (DF_BITS - 1)
const F1_LIMIT = 1 << F1_BITS

/**
 * The query's landmarks with the factor undone, into `out`, in their order: each hash unpacked
 * (options.ts: f1, f2 − f1 + 64, dt), rescaled, rounded and packed again; its time rescaled.
 * Landmarks that leave the layout's ranges (f1 outside 8 bits, f2 − f1 outside ±64, dt outside
 * 1–63) are dropped: the index holds none like them.
 */
export function rescalePrint(hashes: Uint32Array, times: Uint32Array, ranks: Uint8Array | undefined, factor: Factor, out: ScaledPrint): void {
  const n = hashes.length
  out.reserve(n)
  const oh = out.hashes, ot = out.times, or = out.ranks
  const inv = 1 / factor.freq, tb = factor.time
  let m = 0
  for (let i = 0; i < n; i++) {
    const h = hashes[i]!
    const f1 = h >>> F1_SHIFT
    const f2 = f1 + ((h >>> DF_SHIFT) & DF_MASK) - DF_OFFSET
    const g1 = Math.round(f1 * inv), g2 = Math.round(f2 * inv)
    const dt = Math.round((h & DT_MAX) * tb)
    const df = g2 - g1 + DF_OFFSET
    if (g1 < 0 || g1 >= F1_LIMIT || df < 0 || df > DF_MASK || dt < 1 || dt > DT_MAX) continue
    oh[m] = ((g1 << F1_SHIFT) | (df << DF_SHIFT) | dt) >>> 0
    ot[m] = Math.round(times[i]! * tb)
    or[m] = ranks ? ranks[i]! : 0
    m++
  }
  out.count = m
}
