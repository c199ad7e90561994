/**
 * One file's answer against a catalog, as scan, identify and their reports give it: the whole-file
 * decision (Catalog.identify), a snippet's (Catalog.match) for files much shorter than what they
 * are found in, and the catalog's own tags of the answer.
 */
import { DECISION_CONFIDENCE, qualityRank, type CatalogSettings, type EditionQuality, type Fingerprint, type Identification, type IdentifyOptions, type Match, type MatchOptions, type TrackInfo } from 'peakmatch'
import type { FileError, FileErrorReason } from './errors.js'
import type { FileInfo, Tags } from './read.js'
import type { AudioFile, SkipReason } from './walk.js'

/**
 * `snippet`: the file is an excerpt of a catalog recording (identified, with its offset): shorter
 * than half of the track it was found in, so neither mirrored as the recording nor uploaded.
 * `skipped`: met by the walk but not read (a dangling link, a FIFO, an unreadable directory…: see SkipReason).
 */
export type ScanStatus = 'matched' | 'snippet' | 'unmatched' | 'ambiguous' | 'unreadable' | 'skipped' | 'failed'

/**
 * Why a file that was read fine got no decision (status `failed`; only when a match service
 * decides, `scan --server`). Never `unmatched` instead: unmatched means "upload it".
 *   partial       the service's catalog is split into shards and one did not answer (after retries)
 *   rejected      the service refused the file's request (a 4xx; the message has its code)
 *   server-error  the service kept failing (5xx, overloaded, no answer in time) after the retries
 *   unreachable   the service could not be reached any more: the scan stopped (exit code 6)
 */
export type DecisionFailure = 'partial' | 'rejected' | 'server-error' | 'unreachable'

/** One of the `--top N` candidates: a track the file's landmarks line up with, strong or not. */
export interface Candidate {
  trackId: string
  recordingId: string
  /** Distinct landmarks aligned at the best offset. */
  score: number
  /** The probability that the file holds this track (Match.confidence). */
  confidence: number
  offsetSeconds: number
  catalogTags?: Tags
}

export interface ScanFileResult {
  path: string
  sizeBytes: number
  status: ScanStatus
  /** Served from the fingerprint cache (not decoded again). */
  cached: boolean
  reason?: FileErrorReason | SkipReason | DecisionFailure
  error?: string
  recordingId?: string
  trackId?: string
  /** The catalog's title, artist and album of the track found (its metadata at build time). */
  catalogTags?: Tags
  edition?: Identification['edition']
  upgrade?: boolean
  /**
   * What the decision was made on: for a whole file, the share of its audio that lines up with
   * the recording (Identification.confidence); for a snippet found by its landmarks alone, the
   * probability that the answer is right (Match.confidence).
   */
  confidence?: number
  coverage?: number
  offsetSeconds?: number
  /**
   * A snippet found at another speed or pitch: the factors (Match.speed, Match.pitch; 1.05 = 5 %
   * faster or higher). Absent at the original speed and pitch.
   */
  speed?: number
  pitch?: number
  /** A snippet whose tempo differs from the track's, pitch kept (Match.tempo; 1.05 = 5 % faster). */
  tempo?: number
  /** Other recordings the file partly aligned with (ambiguous files). */
  alternatives?: { recordingId: string; trackId: string; coverage: number }[]
  /** The best `top` candidates, whatever their confidence (identify --top). */
  candidates?: Candidate[]
  durationSeconds?: number
  quality?: EditionQuality
  tags?: Tags
}

export interface DecideOptions {
  /** The bar of a match (Catalog.identify's and Catalog.match's minConfidence). @default their rules */
  minConfidence?: number
  /** Candidates to list (ScanFileResult.candidates). @default 0 */
  top?: number
}

/**
 * A file at most this share of the track it is found in is an excerpt of it, not a copy: a 30 s
 * preview of a 4 min song, a ringtone. A radio edit keeps more than half of the album version.
 */
export const SNIPPET_SHARE = 0.5
/**
 * Files up to this long that the whole-file decision does not match are asked as snippets
 * (Catalog.match: calibrated for short noisy queries, where identify's 5 s windows have too
 * little audio to pass). Longer unknown files stay with the whole-file rule, which made no false
 * match on real music (docs/benchmarks.md).
 */
export const SNIPPET_MAX_SECONDS = 60

/** A reading of one file (scan.ts readFiles): its fingerprint and info, or why it failed. */
export interface Reading { file: AudioFile; fp?: Fingerprint; info?: FileInfo; cached: boolean; error?: FileError }

/**
 * What a decision asks of a catalog: a local Catalog is one as it is; a catalog behind a service
 * (a sharded one, or one reached over HTTP) answers the same four questions asynchronously, and
 * the decision — the same code — comes out the same.
 */
export interface DecisionSource {
  identify(fp: Fingerprint, options: IdentifyOptions): Identification | Promise<Identification>
  match(fp: Fingerprint, options: MatchOptions): Match[] | Promise<Match[]>
  track(trackId: string): TrackInfo | undefined | Promise<TrackInfo | undefined>
  editions(recordingId: string): TrackInfo[] | Promise<TrackInfo[]>
  /**
   * The catalog's settings: files are fingerprinted with its front end (scan.ts sourceFrontEnd).
   * A source without it gets fingerprints of the defaults.
   */
  settings?(): CatalogSettings
}

/**
 * A source that decides a whole file by itself, in one request (a match service: POST /v1/batch
 * 'decide'), instead of answering decide()'s four questions: over a network each question would
 * be a round trip, up to five in a row per file, and a catalog reloaded between them could mix
 * two catalogs in one decision. scanLibrary hands it each reading as it is read, without waiting.
 */
export interface FileDecider {
  decideFile(r: Reading, options: DecideOptions): Promise<ScanFileResult>
  /**
   * Undefined when the decider can take another file now, else a promise that resolves when it
   * can: scanLibrary waits on it before reading the next file, so fingerprints waiting for a slow
   * service do not pile up in memory.
   */
  admit?(): Promise<void> | undefined
  /** As DecisionSource.settings: whose front end the files are fingerprinted with. */
  settings?(): CatalogSettings
}

export async function decide(catalog: DecisionSource, r: Reading, options: DecideOptions = {}): Promise<ScanFileResult> {
  const base = { path: r.file.path, sizeBytes: r.file.size, cached: r.cached }
  if (r.error || !r.fp || !r.info) {
    return { ...base, status: 'unreadable', reason: r.error?.reason ?? 'corrupt', error: r.error?.message ?? 'unknown' }
  }
  // The bar applies to the confidence as reported (rounded to 3 decimals): `--min-confidence`
  // given a reported confidence must pass it. Asked of the library as is, a confidence of
  // 0.4567, reported 0.457, failed a bar of 0.457.
  const minConfidence = options.minConfidence === undefined ? undefined : Math.max(0, options.minConfidence - 0.5 / DECIMALS)
  const seconds = r.info.durationSeconds
  const id = await catalog.identify(r.fp, { quality: r.info.quality, ...(minConfidence !== undefined ? { minConfidence } : {}) })
  const res: ScanFileResult = { ...base, status: id.status, confidence: round(id.confidence), coverage: round(id.coverage), durationSeconds: round(seconds), quality: r.info.quality, tags: r.info.tags }
  if (id.status !== 'unmatched') {
    res.recordingId = id.recordingId!
    res.trackId = id.trackId!
    res.offsetSeconds = round(id.offsetSeconds)
    if (id.edition) res.edition = id.edition
    if (id.upgrade !== undefined) res.upgrade = id.upgrade
  }
  if (id.status === 'ambiguous' || id.alternatives.length > 1) {
    res.alternatives = id.alternatives.map((a) => ({ recordingId: a.recordingId, trackId: a.trackId, coverage: round(a.coverage) }))
  }
  // One search serves the snippet decision and --top: match() ranks the same candidates whatever
  // its minConfidence, which only cuts the list.
  const top = options.top ?? 0
  let ranked: Match[] | undefined
  const matches = async (): Promise<Match[]> => (ranked ??= await catalog.match(r.fp!, { limit: Math.max(1, top), minConfidence: 0 }))
  if (id.status === 'matched' && await isExcerpt(catalog, seconds, id.trackId!)) res.status = 'snippet'
  else if (id.status !== 'matched' && seconds <= SNIPPET_MAX_SECONDS) {
    const m = (await matches())[0]
    if (m && m.confidence >= (minConfidence ?? DECISION_CONFIDENCE) && await isExcerpt(catalog, seconds, m.trackId)) {
      const track = (await catalog.track(m.trackId))!
      Object.assign(res, { status: 'snippet', recordingId: m.recordingId, trackId: m.trackId, confidence: round(m.confidence), offsetSeconds: round(m.offsetSeconds) })
      if (m.speed !== undefined && m.pitch !== undefined) { res.speed = round(m.speed); res.pitch = round(m.pitch) }
      if (m.tempo !== undefined) res.tempo = round(m.tempo)
      const edition = await bestEdition(catalog, track.recordingId)
      if (edition) res.edition = edition
      delete res.alternatives
      delete res.upgrade
    }
  }
  if (res.trackId !== undefined) {
    const tags = catalogTags((await catalog.track(res.trackId))?.metadata)
    if (tags) res.catalogTags = tags
  }
  if (top > 0) {
    res.candidates = (await matches()).map((m) => {
      const c: Candidate = { trackId: m.trackId, recordingId: m.recordingId, score: m.score, confidence: round(m.confidence), offsetSeconds: round(m.offsetSeconds) }
      const tags = catalogTags(m.metadata)
      if (tags) c.catalogTags = tags
      return c
    })
  }
  return res
}

async function isExcerpt(catalog: DecisionSource, seconds: number, trackId: string): Promise<boolean> {
  const track = await catalog.track(trackId)
  return track !== undefined && seconds <= SNIPPET_SHARE * track.durationSeconds
}

/** The highest-quality edition of a recording, as Identification.edition gives it. */
async function bestEdition(catalog: DecisionSource, recordingId: string): Promise<Identification['edition']> {
  const editions = await catalog.editions(recordingId)
  if (editions.length === 0) return undefined
  // As identify.ts picks it: the first of the highest rank.
  const t = editions.reduce((a, b) => (qualityRank(b.quality ?? {}) > qualityRank(a.quality ?? {}) ? b : a))
  return { trackId: t.id, ...(t.quality ? { quality: t.quality } : {}), ...(t.metadata !== undefined ? { metadata: t.metadata } : {}) }
}

/** Title, artist and album of a track's metadata when they are strings (what `catalog build` stores). */
export function catalogTags(metadata: unknown): Tags | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined
  const m = metadata as Record<string, unknown>
  const t: Tags = {}
  for (const k of ['title', 'artist', 'album'] as const) if (typeof m[k] === 'string' && m[k] !== '') t[k] = m[k] as string
  return Object.keys(t).length ? t : undefined
}

/** Reported numbers are rounded to 1 / DECIMALS. */
const DECIMALS = 1000
const round = (x: number) => Math.round(x * DECIMALS) / DECIMALS
