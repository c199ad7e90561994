/**
 * The synthetic catalog and the query selection of bench/scale.ts (its header comment says why
 * this model), apart so that bench/scale-probe.ts builds the same catalogs.
 */
import type { Fingerprint } from '../src/index.js'
import { DF_BITS, DF_MAX, DT_BITS, DT_MAX, F1_BITS, packHash } from '../src/options.js'
import type { CorpusPrint } from './corpus-prints.js'
import { rng } from '../test/support/synth.js'

export const BLOCK_SECONDS = 2.5
const F1_LIMIT = 1 << F1_BITS
const F1_SHIFT = DF_BITS + DT_BITS
const DF_MASK = (1 << DF_BITS) - 1
export const QUERY_CLASSES = ['10s', '5s', '3s', 'whole'] as const
export type QueryClass = (typeof QUERY_CLASSES)[number]

// ---------------------------------------------------------------------------------------------
// Synthetic tracks

interface Source { hashes: Uint32Array; times: Uint32Array; ranks: Uint8Array; frames: number }

/**
 * Makes block-bootstrapped tracks (header comment) from real prints into scratch storage it
 * reuses: the Fingerprint it returns is a view that the next call overwrites. Catalog.add
 * copies what it indexes, so nothing of a synthetic track outlives its add.
 */
/**
 * How a block's landmarks are changed on their way into a synthetic track (scale.ts's header says
 * why). Each block draws its own change: `transpose` is the largest transposition in semitones
 * (both peaks' bins × 2^(k/12), k ≠ 0), `shift` the largest move of both peaks by whole bins
 * (k ≠ 0), `stretch` the largest relative change of every pair's time difference; 0 turns each off.
 * A share `copies` of the blocks is copied unchanged all the same.
 */
export interface SynthModel { transpose: number; shift: number; stretch: number; copies: number }
/** The block bootstrap of issue 9's first rounds: hashes copied as they are. */
export const COPY_MODEL: SynthModel = { transpose: 0, shift: 0, stretch: 0, copies: 1 }

/**
 * The model bench/scale.ts uses unless told otherwise: blocks transposed by ±1–2 semitones, one
 * in five copied as it is. Fitted with bench/scale-model.ts so that a real 10 s query's triplet
 * keys meet as many postings per synthetic track as per real other song (scale.ts's header).
 */
export const CALIBRATED_MODEL = '2/0/0/0.2'

/** A model from its `transpose/shift/stretch/copies` spelling (e.g. 2/0/0/0.2), or 'copy' for COPY_MODEL. */
export function parseModel(text: string): SynthModel {
  if (text === 'copy') return COPY_MODEL
  const [transpose = 0, shift = 0, stretch = 0, copies = 0] = text.split('/').map(Number)
  const model = { transpose, shift, stretch, copies }
  if (![transpose, shift, stretch, copies].every((x) => Number.isFinite(x) && x >= 0) || copies > 1) throw new Error(`not a model: ${text} (transpose/shift/stretch/copies, e.g. 2/0/0/0.2, or copy)`)
  return model
}

export function modelText(m: SynthModel): string {
  return isCopy(m) ? 'copy' : `${m.transpose}/${m.shift}/${m.stretch}/${m.copies}`
}

function isCopy(m: SynthModel): boolean {
  return m.copies >= 1 || (m.transpose === 0 && m.shift === 0 && m.stretch === 0)
}

/** A nonzero integer in [−max, −1] ∪ [1, max]. */
function nonzero(max: number, u: number): number {
  const m = Math.floor(u * 2 * max)
  return m < max ? m - max : m - max + 1
}

export class SyntheticTracks {
  private readonly sources: Source[]
  private readonly durations: Float64Array
  private readonly template: Fingerprint
  private readonly blockFrames: number
  private readonly random: () => number
  private hashes = new Uint32Array(1 << 16)
  private times = new Uint32Array(1 << 16)
  private ranks = new Uint8Array(1 << 16)
  private order = new Float64Array(1 << 12)

  constructor(real: Fingerprint[], seed: number, private readonly model: SynthModel = COPY_MODEL) {
    this.template = real[0]!
    this.blockFrames = Math.round(BLOCK_SECONDS / this.template.frameSeconds)
    this.sources = real.map((fp) => {
      const ranks = fp.ranks ?? new Uint8Array(fp.hashes.length)
      for (let i = 1; i < fp.times.length; i++) if (fp.times[i]! < fp.times[i - 1]!) throw new Error('a real print is not in time order')
      return { hashes: fp.hashes, times: fp.times, ranks, frames: Math.ceil(fp.durationSeconds / fp.frameSeconds) }
    })
    this.durations = Float64Array.from(real, (fp) => fp.durationSeconds)
    this.random = rng(seed)   // mulberry32, as the tests' synthetic audio
  }

  next(): Fingerprint {
    const rnd = this.random, B = this.blockFrames
    const durationSeconds = this.durations[Math.floor(rnd() * this.durations.length)]!
    const frames = Math.max(1, Math.floor(durationSeconds / this.template.frameSeconds))
    let n = 0
    for (let start = 0; start < frames; start += B) {
      const len = Math.min(B, frames - start)
      const src = this.sources[Math.floor(rnd() * this.sources.length)]!
      const pos = Math.floor(rnd() * Math.max(1, src.frames - len + 1))
      const lo = lowerBound(src.times, pos), hi = lowerBound(src.times, pos + len)
      const count = hi - lo
      if (count === 0) continue
      this.reserve(n + count)
      // Each anchor (the hashes of one source frame) gets a uniform time in the block, its
      // targets keep sharing it (triplets are made of them); sort (time, index) pairs packed in a double.
      if (this.order.length < count) this.order = new Float64Array(2 * count)
      const order = this.order
      let time = 0
      for (let j = 0; j < count; j++) {
        if (j === 0 || src.times[lo + j] !== src.times[lo + j - 1]) time = Math.floor(rnd() * len)
        order[j] = time * 1048576 + j
      }
      const sorted = order.subarray(0, count).sort()
      const hashes = this.hashes, times = this.times, ranks = this.ranks
      const { transpose: T, shift: S, stretch: R } = this.model
      // Drawn only by a transforming model, so that COPY_MODEL makes the catalogs of earlier
      // rounds from the same seed.
      const transform = !isCopy(this.model) && rnd() >= this.model.copies
      let move = 0, ratio = 1, r = 1
      if (transform) {
        move = S > 0 ? nonzero(S, rnd()) : 0
        ratio = T > 0 ? 2 ** (nonzero(T, rnd()) / 12) : 1
        r = 1 + R * (2 * rnd() - 1)
      }
      for (let k = 0; k < count; k++) {
        const v = sorted[k]!
        const j = v % 1048576
        let h = src.hashes[lo + j]!
        if (transform) {
          // unpackHash's fields, without its object per hash (the synthesis of 100 000 tracks took 140 s with it)
          const a = h >>> F1_SHIFT, b = a + ((h >>> DT_BITS) & DF_MASK) - DF_MAX - 1
          const f1 = Math.round(a * ratio) + move, f2 = Math.round(b * ratio) + move
          if (f1 < 0 || f1 >= F1_LIMIT || f2 < 0 || f2 >= F1_LIMIT || Math.abs(f2 - f1) > DF_MAX) continue
          h = packHash(f1, f2, Math.min(DT_MAX, Math.max(1, Math.round((h & DT_MAX) * r))))
        }
        hashes[n] = h
        times[n] = start + Math.floor(v / 1048576)
        ranks[n++] = src.ranks[lo + j]!
      }
    }
    return {
      ...this.template,
      hashes: this.hashes.subarray(0, n), times: this.times.subarray(0, n), ranks: this.ranks.subarray(0, n), durationSeconds,
    }
  }

  private reserve(n: number): void {
    if (n <= this.hashes.length) return
    const size = Math.max(n, 2 * this.hashes.length)
    const h = new Uint32Array(size); h.set(this.hashes); this.hashes = h
    const t = new Uint32Array(size); t.set(this.times); this.times = t
    const r = new Uint8Array(size); r.set(this.ranks); this.ranks = r
  }
}

function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0, hi = a.length
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid]! < v) lo = mid + 1; else hi = mid }
  return lo
}

// ---------------------------------------------------------------------------------------------
// Queries

export interface Query { print: CorpusPrint; cls: QueryClass }

export function queryClass(p: CorpusPrint): QueryClass | null {
  if (p.kind === 'whole') return 'whole'
  if (p.kind !== 'snippet') return null
  const c = `${p.lengthS}s`
  return (QUERY_CLASSES as readonly string[]).includes(c) ? (c as QueryClass) : null
}

/**
 * At most `perClass` queries of each class: split between in-catalog and out-of-catalog in
 * proportion to their counts, then round-robin over degradations within each, so a subsample
 * keeps every degradation row and the negatives' share.
 */
export function selectQueries(prints: CorpusPrint[], perClass: number, wholeQueries = perClass): Query[] {
  const out: Query[] = []
  for (const cls of QUERY_CLASSES) {
    const groups = [new Map<string, CorpusPrint[]>(), new Map<string, CorpusPrint[]>()]   // in, out of catalog
    let total = 0
    for (const p of prints) {
      if (queryClass(p) !== cls) continue
      const strata = groups[p.expected === null ? 1 : 0]!
      const list = strata.get(p.degradation) ?? []
      list.push(p)
      strata.set(p.degradation, list)
      total++
    }
    const want = Math.min(cls === 'whole' ? wholeQueries : perClass, total)
    const sizes = groups.map((g) => [...g.values()].reduce((s, l) => s + l.length, 0))
    const quotaIn = Math.min(sizes[0]!, Math.max(want - sizes[1]!, Math.round((want * sizes[0]!) / Math.max(1, total))))
    groups.forEach((strata, gi) => {
      const quota = gi === 0 ? quotaIn : want - quotaIn
      const lists = [...strata.keys()].sort().map((k) => strata.get(k)!)
      let taken = 0
      for (let round = 0; taken < quota; round++) {
        let any = false
        for (const l of lists) {
          if (round < l.length && taken < quota) { out.push({ print: l[round]!, cls }); taken++; any = true }
        }
        if (!any) break
      }
    })
  }
  return out
}
