import { PeakmatchError } from '../errors.js'
import { DEFAULT_OPTIONS, FFT_SIZE, WORK_RATE, resolveOptions, type FingerprintOptions, type ResolvedOptions } from '../options.js'
import { integerIn } from '../integers.js'

/**
 * Bump whenever a change to resampling, STFT, peak picking, pairing or the hash layout changes
 * the hashes made from the same audio and options. test/fingerprint/golden.test.ts pins it
 * together with the golden digest.
 */
export const FRONT_END_VERSION = 1

/**
 * How a fingerprint was made: the algorithm version and the resolved options that change its
 * hashes. WORK_RATE, FFT_SIZE, HOP_SIZE and the hash layout are fixed per version, so the
 * version stands for them.
 */
export interface FrontEnd extends ResolvedOptions {
  readonly version: number
}

/** The stamp of fingerprints made with these options (frozen: it is shared by every result). */
export function frontEndOf(o: ResolvedOptions): FrontEnd {
  return Object.freeze({
    version: FRONT_END_VERSION,
    minBin: o.minBin,
    maxBin: o.maxBin,
    neighborhoodBins: o.neighborhoodBins,
    neighborhoodFrames: o.neighborhoodFrames,
    threshold: o.threshold,
    fanout: o.fanout,
  })
}

/** The front end of default options (DEFAULT_OPTIONS). */
export const DEFAULT_FRONT_END: FrontEnd = frontEndOf(resolveOptions(DEFAULT_OPTIONS))

// The fields that decide where peaks are: a difference in any of them means different hashes.
const PEAK_FIELDS = ['minBin', 'maxBin', 'neighborhoodBins', 'neighborhoodFrames', 'threshold'] as const

/**
 * Why `a` cannot be used with `b` (different version, or different peak parameters; fanout is
 * ignored when ignoreFanout), or null when compatible. Fanout only adds or removes pairs of
 * the same peaks, so a caller that matches on low ranks only (a catalog's indexFanout) may
 * ignore it; peak parameters move the peaks themselves.
 */
export function frontEndMismatch(a: FrontEnd, b: FrontEnd, ignoreFanout: boolean): string | null {
  if (a.version !== b.version) return `front-end version ${a.version} vs ${b.version}`
  const diffs: string[] = []
  for (const k of PEAK_FIELDS) if (a[k] !== b[k]) diffs.push(`${k} ${a[k]} vs ${b[k]}`)
  if (!ignoreFanout && a.fanout !== b.fanout) diffs.push(`fanout ${a.fanout} vs ${b.fanout}`)
  return diffs.length === 0 ? null : diffs.join(', ')
}

// The ranges resolveOptions produces (options.ts); test/fingerprint/front-end.test.ts checks
// that its extremes pass and that one step beyond fails.
const MAX_BIN = FFT_SIZE / 2 - 1
const MIN_BINS = 8

function invalid(what: string, message: string): PeakmatchError {
  return new PeakmatchError('INVALID_FINGERPRINT', `${what}: ${message}`)
}

function intIn(v: Record<string, unknown>, name: keyof FrontEnd, lo: number, hi: number, what: string): number {
  const x = v[name]
  if (!integerIn(x, lo, hi)) {
    throw invalid(what, `frontEnd.${name} must be an integer in [${lo}, ${hi}], got ${String(x)}`)
  }
  return x
}

/**
 * Validates an unknown value as a FrontEnd (for decoders): returns a frozen copy of its fields
 * or throws PeakmatchError INVALID_FINGERPRINT / INCOMPATIBLE_FINGERPRINT (wrong version).
 * The version is checked first: another version may have other fields.
 */
export function checkFrontEnd(value: unknown, what: string): FrontEnd {
  if (value === null || typeof value !== 'object') throw invalid(what, `frontEnd must be an object, got ${String(value)}`)
  const v = value as Record<string, unknown>
  const version = intIn(v, 'version', 0, Number.MAX_SAFE_INTEGER, what)
  if (version !== FRONT_END_VERSION) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `${what}: made by front-end version ${version}; this peakmatch makes version ${FRONT_END_VERSION} (fingerprint the audio again)`)
  }
  const minBin = intIn(v, 'minBin', 1, MAX_BIN - MIN_BINS, what)
  const maxBin = intIn(v, 'maxBin', minBin + MIN_BINS, MAX_BIN, what)
  const neighborhoodBins = intIn(v, 'neighborhoodBins', 1, 64, what)
  const neighborhoodFrames = intIn(v, 'neighborhoodFrames', 1, 64, what)
  const threshold = v.threshold
  if (typeof threshold !== 'number' || !(threshold >= 0 && threshold <= 1000)) {
    throw invalid(what, `frontEnd.threshold must be a number in [0, 1000], got ${String(threshold)}`)
  }
  const fanout = intIn(v, 'fanout', 1, 16, what)
  return Object.freeze({ version, minBin, maxBin, neighborhoodBins, neighborhoodFrames, threshold, fanout })
}

/** Width of a frequency bin in Hz (15.625: a power-of-two fraction, so bin × width is exact). */
const BIN_HZ = WORK_RATE / FFT_SIZE

/**
 * The options that make fingerprints of this front end: `new Fingerprinter({ sampleRate,
 * ...fingerprinterOptions(catalog.settings().frontEnd!) })` fingerprints queries (or tracks to
 * add) the way a catalog's tracks were made, whatever this peakmatch's defaults are. The stamped
 * fanout is kept: a catalog indexes its tracks' ranks < indexFanout and a query uses every rank
 * it has, so the tracks' fanout is the query fanout the catalog was made for (the index / query
 * fanout pairs of docs/algorithm.md §7).
 *
 * Bins become frequencies at their exact centre (bin × 15.625 Hz), which resolveOptions rounds
 * back to the same bin. Throws PeakmatchError INCOMPATIBLE_FINGERPRINT for a front end of another
 * version (this peakmatch cannot make it) and INVALID_FINGERPRINT for a malformed one.
 */
export function fingerprinterOptions(frontEnd: FrontEnd): FingerprintOptions {
  const version = (frontEnd as { version?: unknown } | null)?.version
  if (integerIn(version, 0, Infinity) && version !== FRONT_END_VERSION) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `front end of version ${version}: this peakmatch makes version ${FRONT_END_VERSION} only, so it cannot fingerprint that way`)
  }
  const fe = checkFrontEnd(frontEnd, 'front end')
  return {
    minFrequency: fe.minBin * BIN_HZ,
    maxFrequency: fe.maxBin * BIN_HZ,
    neighborhoodBins: fe.neighborhoodBins,
    neighborhoodFrames: fe.neighborhoodFrames,
    threshold: fe.threshold,
    fanout: fe.fanout,
  }
}
