/**
 * A catalog behind a match service (`peakmatch scan --server URL`): each file's fingerprint goes
 * to POST /v1/batch as a 'decide' item, and the service's decision — decide.ts's, run there on
 * its catalog — is the file's result, with the file's own path, size, cache flag, tags, quality
 * and length put back. Only fingerprints leave the machine, never audio.
 *
 * Why a FileDecider and not a DecisionSource: decide() asks up to five questions in a row per
 * file (identify, track, match, editions, track); over HTTP each would be a round trip, and a
 * catalog swapped between two of them would mix catalogs in one decision. The service runs the
 * whole decision in one item instead, and the local path keeps calling the Catalog directly.
 */
import { PeakmatchError, fingerprintToBytes, type CatalogSettings, type CatalogStats, type FrontEnd } from 'peakmatch'
import { catalogFrontEnd } from '../front-end.js'
import { decide, type DecideOptions, type DecisionSource, type FileDecider, type Reading, type ScanFileResult, type ScanStatus } from '../decide.js'
import { DecideBatcher, type BatcherStats, type DecideItemOptions, type LostService } from './batcher.js'
import { ServiceError } from './errors.js'
import { request, type Outcome } from './http.js'
import { DEFAULT_RETRY, backoffMs, sleep, type RetryPolicy } from './retry.js'
import { fingerprintToSend } from './send.js'

export interface RemoteOptions {
  /** Items per request at most (--batch). @default 32 */
  batchSize?: number
  /** Retries of a failed request (--retries). @default 4 */
  retries?: number
  /** Per request, connecting and reading the answer included (--timeout-seconds). @default 60 */
  timeoutSeconds?: number
  /** A batch leaves when its first item has waited this long, full or not. @default 50 */
  lingerMs?: number
  /** Batches on the wire at once. @default 3 */
  maxInFlight?: number
  /** Bytes of fingerprints per request at most (the service takes 16 MiB by default). @default 4 MiB */
  maxBatchBytes?: number
  /** Gzip request bodies (a service that refuses them with 415 gets plain ones). @default true */
  gzip?: boolean
  /** The first retry's wait (doubling after). @default 500 */
  retryBaseMs?: number
  /** Called once when the service is given up mid-scan (the scan should stop: RemoteCatalog.lost says why). */
  onLost?: (lost: LostService) => void
}

/** What GET /v1/catalog says of the service's catalog. */
export interface RemoteCatalogInfo {
  url: string
  stats?: CatalogStats
  settings: CatalogSettings
  shards?: number
}

export const DEFAULT_BATCH = 32
export const DEFAULT_TIMEOUT_SECONDS = 60
/** Statuses a service's decision may have; anything else in an answer is not a decision. */
const DECIDED: ReadonlySet<ScanStatus> = new Set(['matched', 'snippet', 'unmatched', 'ambiguous'])

// Unreadable files are decided here, as by a local scan: decide() answers them before asking anything.
const NOTHING_ASKED: DecisionSource = {
  identify: () => { throw new Error('not asked for an unreadable file') },
  match: () => { throw new Error('not asked for an unreadable file') },
  track: () => undefined,
  editions: () => [],
}

export class RemoteCatalog implements FileDecider {
  readonly info: RemoteCatalogInfo
  /**
   * What files are fingerprinted with for this service: its catalog's stamped front end (the
   * defaults while its catalog is empty), which this peakmatch has been checked to be able to make.
   */
  readonly frontEnd: FrontEnd
  readonly #batcher: DecideBatcher

  private constructor(info: RemoteCatalogInfo, frontEnd: FrontEnd, batcher: DecideBatcher) {
    this.info = info
    this.frontEnd = frontEnd
    this.#batcher = batcher
  }

  /** The service's catalog settings as GET /v1/catalog gave them (scanLibrary fingerprints with their front end). */
  settings(): CatalogSettings { return this.info.settings }

  /**
   * Checks the service before anything is decoded — GET /readyz (retried while it answers 503:
   * a catalog still loading), then GET /v1/catalog for its front end — so a wrong URL or a
   * service down fails at once (ServiceError), not after a library's worth of decoding. Files are
   * then fingerprinted with that front end (`frontEnd`); ServiceError 'incompatible' when it is
   * one this peakmatch cannot make (another front-end version: a newer or older peakmatch).
   */
  static async connect(server: string | URL, options: RemoteOptions = {}): Promise<RemoteCatalog> {
    const base = serviceBase(server)
    const retry: RetryPolicy = { ...DEFAULT_RETRY, ...(options.retries !== undefined ? { retries: options.retries } : {}), ...(options.retryBaseMs !== undefined ? { baseMs: options.retryBaseMs } : {}) }
    const timeoutMs = (options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
    const where = base.href.replace(/\/$/, '')
    await getReady(new URL('readyz', base), retry, timeoutMs, where)
    const catalog = await request(new URL('v1/catalog', base), { method: 'GET', timeoutMs })
    const body = answerOf(catalog, where, 'GET /v1/catalog')
    const info = catalogInfo(body, where)
    // A catalog with tracks refuses a fingerprint of other peak options (INCOMPATIBLE_FINGERPRINT):
    // files are fingerprinted with its own, and one this peakmatch cannot make is said once, here.
    let frontEnd: FrontEnd
    try { frontEnd = catalogFrontEnd(info.settings) } catch (e) {
      if (!(e instanceof PeakmatchError)) throw e
      throw new ServiceError('incompatible', `the catalog at ${where} was fingerprinted with a front end this peakmatch cannot make (${e.message}): use the peakmatch that built it`, { cause: e })
    }
    const limits = (body as { limits?: Record<string, unknown> }).limits
    const maxItems = typeof limits?.maxItems === 'number' && limits.maxItems >= 1 ? limits.maxItems : Infinity
    // The service's body limit holds after gzip is undone; a tenth is left for msgpack's framing.
    const maxBody = typeof limits?.maxBodyBytes === 'number' && limits.maxBodyBytes > 0 ? Math.floor(limits.maxBodyBytes * 0.9) : Infinity
    const batcher = new DecideBatcher({
      url: new URL('v1/batch', base),
      batchSize: Math.min(options.batchSize ?? DEFAULT_BATCH, maxItems),
      lingerMs: options.lingerMs ?? 50,
      maxInFlight: options.maxInFlight ?? 3,
      maxBatchBytes: Math.min(options.maxBatchBytes ?? 4 << 20, maxBody),
      timeoutMs,
      retry,
      gzip: options.gzip ?? true,
      ...(options.onLost ? { onLost: options.onLost } : {}),
    })
    return new RemoteCatalog(info, frontEnd, batcher)
  }

  /** Requests and bytes sent so far. */
  get stats(): Readonly<BatcherStats> { return this.#batcher.stats }

  /** Why the service was given up mid-scan, if it was (every later file fails the same way). */
  get lost(): LostService | undefined { return this.#batcher.lost }

  admit(): Promise<void> | undefined { return this.#batcher.admit() }

  async decideFile(r: Reading, options: DecideOptions): Promise<ScanFileResult> {
    if (r.error || !r.fp || !r.info) return decide(NOTHING_ASKED, r, options)
    const seconds = r.info.durationSeconds
    const item: DecideItemOptions = {
      durationSeconds: seconds,
      ...(r.info.quality ? { quality: r.info.quality } : {}),
      ...(options.minConfidence !== undefined ? { minConfidence: options.minConfidence } : {}),
      ...(options.top ? { top: options.top } : {}),
    }
    const fp = fingerprintToSend(r.fp, seconds, options, this.info.settings)
    const answer = await this.#batcher.submit(fingerprintToBytes(fp), item)
    // The file's own fields, as decide() sets them, in the same order in the report.
    const own = { path: r.file.path, sizeBytes: r.file.size, cached: r.cached }
    const local = { durationSeconds: round(seconds), quality: r.info.quality, tags: r.info.tags }
    if (answer.ok) {
      const result = answer.result as Partial<ScanFileResult> | null
      if (result !== null && typeof result === 'object' && DECIDED.has(result.status as ScanStatus)) return { ...own, ...result, ...own, ...local } as ScanFileResult
      return { ...own, status: 'failed', reason: 'server-error', error: `the service's answer is not a decision (status ${JSON.stringify(result?.status)})`, ...local }
    }
    return { ...own, status: 'failed', reason: answer.reason, error: answer.message, ...local }
  }

  /** Stops the batcher (requests under way are aborted). Not needed after a scan that finished. */
  close(): void { this.#batcher.close() }
}

/** The service's base URL (a path prefix kept, with a trailing slash); ServiceError for what is not http(s). */
export function serviceBase(server: string | URL): URL {
  let url: URL
  try { url = new URL(server) } catch { throw new ServiceError('not-service', `${JSON.stringify(String(server))} is not a URL (e.g. http://localhost:8080)`) }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ServiceError('not-service', `${url.href}: only http:// and https:// services are supported`)
  if (url.search || url.hash) throw new ServiceError('not-service', `${url.href}: give the service's base URL, without a query or fragment`)
  if (!url.pathname.endsWith('/')) url.pathname += '/'
  return url
}

async function getReady(url: URL, retry: RetryPolicy, timeoutMs: number, where: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const out = await request(url, { method: 'GET', timeoutMs })
    // No HTTP answer at all: a wrong host or port, a service down. Said at once: nothing is lost
    // by stopping here, and a user who typed a wrong URL should not wait out the retries.
    if (out.kind === 'retry' && out.unreachable) throw new ServiceError('unreachable', `cannot reach the service at ${where}: ${out.why}`)
    if (out.kind === 'retry') {
      if (attempt >= retry.retries) throw new ServiceError('not-ready', `the service at ${where} is not ready (GET /readyz: ${out.why}, ${attempt + 1} attempts)`)
      await sleep(Math.min(retry.capMs, Math.max(backoffMs(attempt, retry), out.retryAfterMs ?? 0)))
      continue
    }
    answerOf(out, where, 'GET /readyz')
    return
  }
}

function answerOf(out: Outcome, where: string, what: string): unknown {
  if (out.kind === 'answer') return out.body
  if (out.kind === 'retry') throw new ServiceError(out.unreachable ? 'unreachable' : 'not-ready', `the service at ${where} did not answer ${what}: ${out.why}`)
  throw new ServiceError('not-service', `${where} does not look like a peakmatch service (${what}: HTTP ${out.status} ${out.error.code}: ${out.error.message})`)
}

function catalogInfo(body: unknown, where: string): RemoteCatalogInfo {
  const b = body as { stats?: CatalogStats; settings?: { frontEnd?: unknown; indexFanout?: unknown; tripletIndex?: unknown }; shards?: unknown } | null
  const s = b?.settings
  if (!s || typeof s !== 'object' || typeof s.indexFanout !== 'number' || (s.frontEnd !== null && typeof s.frontEnd !== 'object')) {
    throw new ServiceError('not-service', `${where} does not look like a peakmatch service (GET /v1/catalog has no settings { indexFanout, frontEnd })`)
  }
  const settings: CatalogSettings = { indexFanout: s.indexFanout, tripletIndex: s.tripletIndex === true, frontEnd: (s.frontEnd ?? null) as FrontEnd | null }
  return { url: where, settings, ...(b!.stats ? { stats: b!.stats } : {}), ...(typeof b!.shards === 'number' ? { shards: b!.shards } : {}) }
}

const round = (x: number) => Math.round(x * 1000) / 1000
