import { PeakmatchError } from '../errors.js'
import { checkOffGridShape, checkPrintShape, type Fingerprint } from '../fingerprint/fingerprinter.js'
import { checkFrontEnd, frontEndMismatch, type FrontEnd } from '../fingerprint/front-end.js'
import { HASH_BITS } from '../options.js'
import type { EditionQuality } from './editions.js'
import type { EditionOptions, FactorSearch, MatchOptions } from './types.js'
import { DECISION_CONFIDENCE } from './rank.js'
import { integerIn } from '../integers.js'

/**
 * Checks a fingerprint handed to the catalog: shape, frame rate, hash range, and that it was
 * made by a front end whose hashes mean what the catalog's mean (`against`, null for a catalog
 * that has no tracks yet). Fanout may differ: it only adds or drops pairs of the same peaks.
 * Returns the fingerprint's front end.
 */
export function checkFingerprint(fp: Fingerprint, what: string, against: FrontEnd | null): FrontEnd {
  checkPrintShape(fp, what)
  if (fp.offGrid !== undefined) checkOffGrid(fp.offGrid, what)
  checkHashes(fp.hashes, `${what}: hash`)
  // The common case, a query stamped like the catalog, costs a few compares and no allocation.
  const fe = fp.frontEnd
  if (against !== null && samePeaks(fe, against) && integerIn(fe.fanout, 1, 16)) return fe
  const checked = checkFrontEnd(fe, what)
  const why = against === null ? null : frontEndMismatch(checked, against, true)
  if (why !== null) throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `${what}: made with other fingerprint options than the catalog's (${why}); fingerprint it with the catalog's options`)
  return checked
}

/** Fingerprint.offGrid: three arrays of one length (checkOffGridShape), hashes in range. */
function checkOffGrid(off: unknown, what: string): void {
  checkHashes(checkOffGridShape(off, what).hashes, `${what}: offGrid hash`)
}

/** Every hash below 2^HASH_BITS; `what` names a hash in the message ("query: hash"). */
function checkHashes(hashes: Uint32Array, what: string): void {
  for (let i = 0; i < hashes.length; i++) {
    if (hashes[i]! >= 2 ** HASH_BITS) throw new PeakmatchError('INVALID_FINGERPRINT', `${what} ${i} is ${hashes[i]}, beyond ${HASH_BITS} bits`)
  }
}

function samePeaks(a: FrontEnd | undefined, b: FrontEnd): boolean {
  return typeof a === 'object' && a !== null && a.version === b.version && a.minBin === b.minBin && a.maxBin === b.maxBin &&
    a.neighborhoodBins === b.neighborhoodBins && a.neighborhoodFrames === b.neighborhoodFrames && a.threshold === b.threshold
}

/**
 * What a catalog needs beyond a query's checks to index a fingerprint: the rank of every hash
 * (without ranks it could not tell the nearest targets, the only ones it indexes, from the
 * rest) and a fanout of at least the catalog's indexFanout.
 */
export function checkIndexable(fp: Fingerprint, frontEnd: FrontEnd, indexFanout: number, what: string): void {
  if (fp.ranks === undefined) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: a fingerprint without ranks cannot be indexed (the catalog indexes targets of rank < ${indexFanout} only)`)
  }
  if (frontEnd.fanout < indexFanout) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `${what}: made with fanout ${frontEnd.fanout}, below the catalog's indexFanout ${indexFanout}`)
  }
}

const MAX_ID_LENGTH = 4096

/** A track or recording id: a non-empty string of at most MAX_ID_LENGTH characters. */
export function checkTrackId(id: unknown, what: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new PeakmatchError('INVALID_TRACK_ID', `${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters, got ${typeof id === 'string' ? `${id.length} characters` : String(id)}`)
  }
}

const QUALITY_NUMBERS = ['bitrateKbps', 'sampleRate', 'bitDepth'] as const
const QUALITY_KEYS: ReadonlySet<string> = new Set(['codec', 'lossless', ...QUALITY_NUMBERS])
const MAX_CODEC_LENGTH = 64

/**
 * The one check of an edition's quality, wherever it comes from: Catalog.add, a catalog's bytes
 * (codec.ts) and editions files (peakmatch-node). A plain object ({} or Object.create(null);
 * not an array, Map, Set or class instance) whose fields are all known and well typed: codec a
 * string of at most 64 characters, lossless a boolean, bitrateKbps / sampleRate / bitDepth
 * finite numbers > 0. A field set to undefined counts as absent. Unknown fields are refused,
 * not dropped: a misspelt "bitrate" would otherwise vanish and the edition would rank as the
 * default 128 kbit/s. Returns a fresh object with only the fields present, so that later changes
 * to the caller's object do not reach the catalog. Throws INVALID_OPTIONS naming `what`.
 */
export function checkQuality(value: unknown, what = 'quality'): EditionQuality {
  const bad = (why: string): PeakmatchError => new PeakmatchError('INVALID_OPTIONS', `${what}${why.startsWith('.') ? '' : ' '}${why}`)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(`must be an object, got ${describe(value)}`)
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) throw bad('must be a plain object (not a Map, Set or class instance)')
  const q = value as Record<string, unknown>
  const out: EditionQuality = {}
  for (const key of Object.keys(q)) {
    if (!QUALITY_KEYS.has(key)) throw bad(`has an unknown field ${JSON.stringify(key.slice(0, 64))} (known: ${[...QUALITY_KEYS].join(', ')})`)
  }
  const codec = q.codec, lossless = q.lossless
  if (codec !== undefined) {
    if (typeof codec !== 'string' || codec.length > MAX_CODEC_LENGTH) throw bad(`.codec must be a string of at most ${MAX_CODEC_LENGTH} characters, got ${describe(codec)}`)
    out.codec = codec
  }
  if (lossless !== undefined) {
    if (typeof lossless !== 'boolean') throw bad(`.lossless must be true or false, got ${describe(lossless)}`)
    out.lossless = lossless
  }
  for (const key of QUALITY_NUMBERS) {
    const v = q[key]
    if (v === undefined) continue
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(`.${key} must be a finite number > 0, got ${describe(v)}`)
    out[key] = v
  }
  return out
}

/** A value for a message: short, and never throwing (BigInt, symbols, odd objects). */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'bigint') return `${v}n`
  if (Array.isArray(v)) return 'an array'
  if (v !== null && typeof v === 'object') return 'an object'
  return String(v)
}

/** An edition as the catalog keeps it: recordingId checked, quality checked and copied. */
export function checkEdition(edition: EditionOptions): EditionOptions {
  if (edition === null || typeof edition !== 'object') throw new PeakmatchError('INVALID_OPTIONS', 'edition options must be an object')
  if (edition.recordingId !== undefined) checkTrackId(edition.recordingId, 'recordingId')
  const out: EditionOptions = {}
  if (edition.recordingId !== undefined) out.recordingId = edition.recordingId
  if (edition.quality !== undefined) out.quality = checkQuality(edition.quality)
  return out
}

export function checkFanout(fanout: unknown): number {
  if (!integerIn(fanout, 1, 16)) {
    throw new PeakmatchError('INVALID_OPTIONS', `indexFanout must be an integer from 1 to 16, got ${String(fanout)}`)
  }
  return fanout
}

export function checkMatchOptions(options: MatchOptions): { limit: number; minConfidence: number; factorSearch: FactorSearch } {
  const limit = options.limit ?? 5
  const minConfidence = options.minConfidence ?? DECISION_CONFIDENCE
  const factorSearch = options.factorSearch ?? 'auto'
  if (![true, false, 'auto', 'screened'].includes(factorSearch)) throw new PeakmatchError('INVALID_OPTIONS', `factorSearch must be true, false, 'auto' or 'screened', got ${String(factorSearch)}`)
  if (!integerIn(limit, 1, Infinity)) throw new PeakmatchError('INVALID_OPTIONS', `limit must be a positive integer, got ${String(limit)}`)
  if (typeof minConfidence !== 'number' || !(minConfidence >= 0 && minConfidence <= 1)) {
    throw new PeakmatchError('INVALID_OPTIONS', `minConfidence must be in [0, 1], got ${String(minConfidence)}`)
  }
  return { limit, minConfidence, factorSearch }
}
