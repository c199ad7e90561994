import { PeakmatchError } from './errors.js'

/**
 * The fixed front end. Hashes depend on these, so they are part of the index format
 * (FORMAT_VERSION): a catalog refuses fingerprints made with other values.
 */
export const WORK_RATE = 8000          // Hz: the telephone band, and all the landmarks need
export const FFT_SIZE = 512            // 64 ms window, 15.6 Hz bins
export const HOP_SIZE = 128            // 16 ms between frames
export const FRAME_SECONDS = HOP_SIZE / WORK_RATE

/**
 * Landmark hash layout, 21 bits: | f1 (8) | f2 − f1 + 64 (7) | dt (6) |.
 * f1 goes first so that hashes of one anchor frequency sit together; the index permutes
 * them anyway (postings.ts), so the order is for reading, not for speed.
 */
export const F1_BITS = 8, DF_BITS = 7, DT_BITS = 6
export const HASH_BITS = F1_BITS + DF_BITS + DT_BITS
export const DT_MAX = (1 << DT_BITS) - 1               // 63 frames ≈ 1 s
export const DF_MAX = (1 << (DF_BITS - 1)) - 1         // ±63 bins ≈ ±1 kHz
const DF_SHIFT = DT_BITS, F1_SHIFT = DT_BITS + DF_BITS

/** Packs a landmark (anchor bin, target bin, frame distance) into its 21-bit hash. */
export function packHash(f1: number, f2: number, dt: number): number {
  return ((f1 << F1_SHIFT) | ((f2 - f1 + DF_MAX + 1) << DF_SHIFT) | dt) >>> 0
}

/** The inverse of packHash, for tests and tools. */
export function unpackHash(hash: number): { f1: number; f2: number; dt: number } {
  const f1 = hash >>> F1_SHIFT
  const df = ((hash >>> DF_SHIFT) & ((1 << DF_BITS) - 1)) - DF_MAX - 1
  return { f1, f2: f1 + df, dt: hash & DT_MAX }
}

/** Tunables of peak picking and pairing. Defaults were chosen on the dev corpus (docs/algorithm.md). */
export interface FingerprintOptions {
  /**
   * Lowest and highest frequency (Hz) a peak may have. The default band survives the
   * telephone band (300–3400 Hz) in part and keeps the bass that carries most music.
   * @default 150, 3700
   */
  minFrequency?: number
  maxFrequency?: number
  /**
   * Half-size of the peak neighbourhood in bins and frames: a peak is the largest value
   * within ±bins × ±frames. Larger = fewer, sturdier peaks and a smaller index.
   * @default 10, 8
   */
  neighborhoodBins?: number
  neighborhoodFrames?: number
  /**
   * A peak must exceed this fraction of its frame's mean (tilt-compensated) power.
   * Higher = fewer peaks in noisy or quiet passages.
   * @default 0.5
   */
  threshold?: number
  /**
   * Targets paired with each anchor peak. More = more query hashes (query time) and more
   * chances that one survives a degradation. A catalog indexes only the nearest
   * `indexFanout` of them (CatalogOptions), which sets the index size.
   * @default 5
   */
  fanout?: number
}

export interface ResolvedOptions {
  readonly minBin: number
  readonly maxBin: number
  readonly neighborhoodBins: number
  readonly neighborhoodFrames: number
  readonly threshold: number
  readonly fanout: number
}

export const DEFAULT_OPTIONS = {
  minFrequency: 150,
  maxFrequency: 3700,
  neighborhoodBins: 10,
  neighborhoodFrames: 8,
  threshold: 0.5,
  fanout: 5,
} as const

/**
 * Targets of each anchor a catalog indexes (CatalogOptions.indexFanout), 3 of the fingerprint's
 * 5. Short noisy snippets need more aligned landmarks, not other peaks: on 2 660 dev-catalog
 * queries of 3/5/10 s (docs/algorithm.md §7) index/query fanout 3/5 missed 115 where 2/4 missed
 * 200 (5 s white 0 dB 80 → 88 %, 3 s 65 → 78 %), no row lost, for 1.38 MB per audio hour
 * instead of 0.92; sparser peaks at the old size gained a fifth of that and lost tempo and
 * clipped rows, and query fanout alone (2/6) gained 5.
 */
export const DEFAULT_INDEX_FANOUT = 3
/**
 * The same for a catalog with a triplet index (a large one, docs/algorithm.md §9): there a query
 * finds its candidates by triplets of ranks 0–1, and pair postings only check them. At 100 000
 * tracks index fanout 3 found 1 more of 267 10 s queries than 2 (and 8 more of 200 3 s ones),
 * for +36 % CPU at the median (15.0 vs 11.0 ms), +32 % index (5.91 vs 4.48 GiB) and a load of
 * 14.9 s instead of 8.6 (bench:scale, both with fanout-5 fingerprints).
 */
export const TRIPLET_INDEX_FANOUT = 2

function num(options: FingerprintOptions, name: keyof FingerprintOptions, lo: number, hi: number, integer: boolean): number {
  const value = options[name] ?? DEFAULT_OPTIONS[name]
  if (typeof value !== 'number' || !(value >= lo && value <= hi) || (integer && !Number.isInteger(value))) {
    throw new PeakmatchError('INVALID_OPTIONS', `option ${name} must be ${integer ? 'an integer' : 'a number'} in [${lo}, ${hi}], got ${String(value)}`)
  }
  return value
}

/** Validates options once, into the frozen values the kernels read. */
export function resolveOptions(options: FingerprintOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new PeakmatchError('INVALID_OPTIONS', `options must be an object, got ${String(options)}`)
  }
  const binHz = WORK_RATE / FFT_SIZE
  const minFrequency = num(options, 'minFrequency', 0, WORK_RATE / 2, false)
  const maxFrequency = num(options, 'maxFrequency', 0, WORK_RATE / 2, false)
  const minBin = Math.max(1, Math.round(minFrequency / binHz))
  const maxBin = Math.min(FFT_SIZE / 2 - 1, Math.round(maxFrequency / binHz))
  if (maxBin - minBin < 8) {
    throw new PeakmatchError('INVALID_OPTIONS', `minFrequency ${minFrequency} and maxFrequency ${maxFrequency} leave fewer than 8 bins`)
  }
  return Object.freeze({
    minBin,
    maxBin,
    neighborhoodBins: num(options, 'neighborhoodBins', 1, 64, true),
    neighborhoodFrames: num(options, 'neighborhoodFrames', 1, 64, true),
    threshold: num(options, 'threshold', 0, 1000, false),
    fanout: num(options, 'fanout', 1, 16, true),
  })
}
