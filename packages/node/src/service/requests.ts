/**
 * What a request asks, checked: fingerprint bytes within the service's limits, query strings as
 * MatchOptions / IdentifyOptions, and the msgpack batch body with each item's options. Every
 * failure is a ServiceError with a 4xx code; nothing here trusts a field it has not checked.
 */
import { Unpackr } from 'msgpackr'
import { fingerprintFromBytes, type EditionQuality, type Fingerprint, type IdentifyOptions, type MatchOptions } from 'peakmatch'
import type { DecideOptions } from '../decide.js'
import { ServiceError, toServiceError } from './errors.js'
import { MAX_LIST } from './schemas.js'

export interface Limits {
  /** Largest request body, bytes (after gzip is undone, too). */
  maxBodyBytes: number
  /** Most items in a batch. */
  maxItems: number
  /** Longest fingerprint, seconds of audio: bounds a request's memory and compute. */
  maxFingerprintSeconds: number
}

/**
 * Hashes a second the limit allows: the default front end makes ≈ 53 a second on music and up to
 * ≈ 62 on dense pieces (src/fingerprint/bytes.ts), so this leaves room and still bounds a body.
 */
const MAX_HASHES_PER_SECOND = 100

/**
 * Fingerprint bytes as a Fingerprint, or 400 with the core's code (INVALID_FINGERPRINT,
 * UNSUPPORTED_VERSION, INCOMPATIBLE_FINGERPRINT), or 413 FINGERPRINT_TOO_LONG past the limit:
 * the identify windows are allocated by the span of the times, so a forged time far out would
 * cost memory that its few bytes do not.
 */
export function parseFingerprint(bytes: unknown, limits: Limits): Fingerprint {
  if (!(bytes instanceof Uint8Array)) throw new ServiceError('INVALID_FINGERPRINT', 'the fingerprint must be bytes (msgpack bin), got ' + describe(bytes))
  let fp: Fingerprint
  try {
    fp = fingerprintFromBytes(bytes)
  } catch (e) {
    throw toServiceError(e)
  }
  const max = limits.maxFingerprintSeconds
  const n = fp.hashes.length
  const span = n === 0 ? 0 : fp.times[n - 1]! * fp.frameSeconds
  if (fp.durationSeconds > max || span > max) {
    throw new ServiceError('FINGERPRINT_TOO_LONG', `the fingerprint covers ${Math.round(Math.max(fp.durationSeconds, span))} s of audio; this service takes at most ${max} s`)
  }
  if (n > MAX_HASHES_PER_SECOND * max) {
    throw new ServiceError('FINGERPRINT_TOO_LONG', `the fingerprint has ${n} hashes; this service takes at most ${MAX_HASHES_PER_SECOND * max} (${max} s of audio)`)
  }
  return fp
}

/** /v1/identify's query string (already typed by its schema) as IdentifyOptions. */
export function identifyOptionsOf(q: Record<string, unknown>): IdentifyOptions {
  const o: IdentifyOptions = {}
  if (q.alternatives !== undefined) o.alternatives = q.alternatives as number
  if (q.minConfidence !== undefined) o.minConfidence = q.minConfidence as number
  const quality = qualityOf(q, 'query')
  if (quality) o.quality = quality
  return o
}

/** /v1/match's query string (already typed by its schema) as MatchOptions. */
export function matchOptionsOf(q: Record<string, unknown>): MatchOptions {
  const o: MatchOptions = {}
  if (q.limit !== undefined) o.limit = q.limit as number
  if (q.minConfidence !== undefined) o.minConfidence = q.minConfidence as number
  if (q.factorSearch !== undefined) o.factorSearch = q.factorSearch === 'auto' || q.factorSearch === 'screened' ? q.factorSearch : q.factorSearch === 'true'
  return o
}

// ---------------------------------------------------------------- batch

export type BatchOp = 'identify' | 'match' | 'decide'

/** One batch item: its fingerprint and options checked, or why it cannot be run. */
export type BatchItem =
  | { op: 'identify'; fp: Fingerprint; options: IdentifyOptions }
  | { op: 'match'; fp: Fingerprint; options: MatchOptions }
  | { op: 'decide'; fp: Fingerprint; options: DecideOptions & { durationSeconds: number; quality: EditionQuality } }
  | { op: 'invalid'; error: ServiceError }

// Maps as plain objects, no records or structures carried over between requests (a request
// must not change how the next one decodes), bins as Buffers that fingerprintFromBytes copies.
const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false, moreTypes: false })

/**
 * The batch body: `{ v: 1, items: [...] }`. The body as a whole is INVALID_REQUEST (not msgpack,
 * wrong shape, wrong version) or TOO_MANY_ITEMS; an item that is wrong fails that item only.
 */
export function parseBatch(body: Uint8Array, limits: Limits): BatchItem[] {
  let doc: unknown
  try {
    doc = unpackr.unpack(body)
  } catch (e) {
    throw new ServiceError('INVALID_REQUEST', `the batch body is not valid msgpack: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (!isPlain(doc)) throw new ServiceError('INVALID_REQUEST', `the batch body must be a msgpack map { v: 1, items: [...] }, got ${describe(doc)}`)
  if (doc.v !== 1) throw new ServiceError('INVALID_REQUEST', `batch version v must be 1, got ${describe(doc.v)}`)
  const items = doc.items
  if (!Array.isArray(items)) throw new ServiceError('INVALID_REQUEST', `batch items must be an array, got ${describe(items)}`)
  if (items.length > limits.maxItems) throw new ServiceError('TOO_MANY_ITEMS', `the batch has ${items.length} items; this service takes at most ${limits.maxItems} a request`)
  return items.map((item, i) => {
    try {
      return parseItem(item, limits)
    } catch (e) {
      const error = toServiceError(e)
      if (error.code === 'INTERNAL') throw e
      error.message = `item ${i}: ${error.message}`
      return { op: 'invalid', error }
    }
  })
}

function parseItem(item: unknown, limits: Limits): BatchItem {
  if (!isPlain(item)) throw new ServiceError('INVALID_REQUEST', `an item must be a map { op, fingerprint, options? }, got ${describe(item)}`)
  const op = item.op
  if (op !== 'identify' && op !== 'match' && op !== 'decide') throw new ServiceError('INVALID_REQUEST', `op must be identify, match or decide, got ${describe(op)}`)
  const raw = item.options ?? {}
  if (!isPlain(raw)) throw new ServiceError('INVALID_REQUEST', `options must be a map, got ${describe(raw)}`)
  const fields = new Set(Object.keys(raw))
  const take = (k: string): unknown => { fields.delete(k); return raw[k] }
  let parsed: BatchItem
  if (op === 'identify') {
    const options: IdentifyOptions = {}
    const alternatives = intOption(take('alternatives'), 'alternatives', 0, MAX_LIST)
    if (alternatives !== undefined) options.alternatives = alternatives
    const mc = confidenceOption(take('minConfidence'))
    if (mc !== undefined) options.minConfidence = mc
    const quality = qualityOf(take('quality') ?? {}, 'quality')
    if (quality) options.quality = quality
    parsed = { op, fp: undefined!, options }
  } else if (op === 'match') {
    const options: MatchOptions = {}
    const limit = intOption(take('limit'), 'limit', 1, MAX_LIST)
    if (limit !== undefined) options.limit = limit
    const mc = confidenceOption(take('minConfidence'))
    if (mc !== undefined) options.minConfidence = mc
    const fs = take('factorSearch')
    if (fs !== undefined) {
      if (fs !== true && fs !== false && fs !== 'auto' && fs !== 'screened') throw new ServiceError('INVALID_REQUEST', `factorSearch must be true, false, 'auto' or 'screened', got ${describe(fs)}`)
      options.factorSearch = fs
    }
    parsed = { op, fp: undefined!, options }
  } else {
    const d = take('durationSeconds')
    if (typeof d !== 'number' || !(d >= 0) || d > limits.maxFingerprintSeconds) {
      throw new ServiceError('INVALID_REQUEST', `decide needs options.durationSeconds, a number from 0 to ${limits.maxFingerprintSeconds}, got ${describe(d)}`)
    }
    const options: DecideOptions & { durationSeconds: number; quality: EditionQuality } = { durationSeconds: d, quality: qualityOf(take('quality') ?? {}, 'quality') ?? {} }
    const mc = confidenceOption(take('minConfidence'))
    if (mc !== undefined) options.minConfidence = mc
    const top = intOption(take('top'), 'top', 0, MAX_LIST)
    if (top !== undefined) options.top = top
    parsed = { op, fp: undefined!, options }
  }
  if (fields.size > 0) throw new ServiceError('INVALID_REQUEST', `unknown option ${[...fields][0]} for ${op}`)
  parsed.fp = parseFingerprint(item.fingerprint, limits)
  return parsed
}

function intOption(v: unknown, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new ServiceError('INVALID_REQUEST', `${name} must be an integer from ${min} to ${max}, got ${describe(v)}`)
  return v as number
}

function confidenceOption(v: unknown): number | undefined {
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ServiceError('INVALID_REQUEST', `minConfidence must be a number from 0 to 1, got ${describe(v)}`)
  return v
}

/**
 * The user's file's quality, from a query string (flat fields, typed by the schema) or a batch
 * item's `quality` map (checked here); undefined when none is given.
 */
function qualityOf(v: unknown, where: 'query' | 'quality'): EditionQuality | undefined {
  // A query string is fastify's own object (of a prototype-less class); a batch map is checked.
  if (where === 'query' ? v === null || typeof v !== 'object' : !isPlain(v)) throw new ServiceError('INVALID_REQUEST', `quality must be a map, got ${describe(v)}`)
  const q: EditionQuality = {}
  const m = v as Record<string, unknown>
  const bad = (k: string, what: string) => new ServiceError('INVALID_REQUEST', `quality ${k} must be ${what}, got ${describe(m[k])}`)
  for (const k of Object.keys(m)) {
    const x = m[k]
    if (x === undefined) continue
    switch (k) {
      case 'codec': if (typeof x !== 'string' || x.length > 32) throw bad(k, 'a string of at most 32 characters'); q.codec = x; break
      case 'lossless': if (typeof x !== 'boolean') throw bad(k, 'true or false'); q.lossless = x; break
      case 'bitrateKbps': if (typeof x !== 'number' || !(x >= 0 && x <= 100_000)) throw bad(k, 'a number from 0 to 100000'); q.bitrateKbps = x; break
      case 'sampleRate': if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 10_000_000) throw bad(k, 'an integer from 1 to 10000000'); q.sampleRate = x as number; break
      case 'bitDepth': if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 64) throw bad(k, 'an integer from 1 to 64'); q.bitDepth = x as number; break
      default:
        if (where === 'quality') throw new ServiceError('INVALID_REQUEST', `unknown quality field ${k}`)
    }
  }
  return Object.keys(q).length > 0 ? q : undefined
}

/** A plain object (not an array, a Buffer, a Map, or an object whose prototype a body replaced). */
function isPlain(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (v === undefined) return 'nothing'
  if (Array.isArray(v)) return `an array of ${v.length}`
  if (v instanceof Uint8Array) return `${v.length} bytes`
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v)
  if (typeof v === 'object') return `a ${v.constructor?.name ?? 'null-prototype'} object`
  return `${typeof v} ${String(v)}`
}
