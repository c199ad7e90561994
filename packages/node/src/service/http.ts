/**
 * The match service's HTTP API v1 (docs/service.md) over a Backend: a fastify app that
 * `peakmatch serve` listens with, and that tests drive with inject(). Every answer is JSON; every
 * error is `{ error: { code, message } }` with a 4xx for what the client sent (errors.ts); every
 * request is bounded in body size, items, fingerprint length and time (its deadline in the
 * compute queue, queue.ts).
 */
import { timingSafeEqual } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import swagger from '@fastify/swagger'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { FINGERPRINT_FORMAT_VERSION, FORMAT_VERSION, FRONT_END_VERSION, type EditionQuality, type Fingerprint } from 'peakmatch'
import { decide, type Reading } from '../decide.js'
import type { Backend } from './backend.js'
import { ServiceError, errorBody, toServiceError, type ErrorBody } from './errors.js'
import { makeMetrics, type ServiceMetrics } from './metrics.js'
import { ComputeQueue } from './queue.js'
import { identifyOptionsOf, matchOptionsOf, parseBatch, parseFingerprint, type BatchItem, type Limits } from './requests.js'
import * as S from './schemas.js'

export const FINGERPRINT_TYPE = 'application/octet-stream'
export const BATCH_TYPE = 'application/vnd.peakmatch.batch+msgpack'
/** The version of the answers' JSON (`schemaVersion`): changes only when a field is renamed, removed or changes meaning. */
export const API_SCHEMA_VERSION = 1

export interface ServiceOptions {
  /** Largest request body in bytes (also after gzip is undone). @default 16 MiB */
  maxBodyBytes?: number
  /** Most items in a batch. @default 256 */
  maxItems?: number
  /** A request not answered this long after it arrived is told DEADLINE_EXCEEDED instead of being computed. @default 10 000 */
  deadlineMs?: number
  /** Most requests waiting for their turn to compute; past it, OVERLOADED. @default 64 */
  maxQueue?: number
  /** Longest fingerprint taken, seconds of audio. @default 3 h */
  maxFingerprintSeconds?: number
  /** The admin routes' bearer token; without one they do not exist (404). */
  adminToken?: string
  /** Where the service's sparse log lines go (reloads, admin changes, internal errors). @default nowhere */
  log?: (line: string) => void
}

export interface Service {
  app: FastifyInstance
  queue: ComputeQueue
  metrics: ServiceMetrics
  /**
   * Loads the catalog file again and swaps it in (admin route, SIGHUP); requests under way finish
   * on the catalog they started with. A failed reload keeps the old catalog and throws
   * RELOAD_FAILED saying why. Calls during a reload share it.
   */
  reload(reason: string): Promise<{ tracks: number }>
  /** Stop taking requests, finish those under way, close the backend. */
  close(): Promise<void>
}

export const DEFAULTS = { maxBodyBytes: 16 * 2 ** 20, maxItems: 256, deadlineMs: 10_000, maxQueue: 64, maxFingerprintSeconds: 3 * 3600 } as const

/** Per-request state: arrival time (the deadline counts from it) and whether in-flight was counted down. */
interface Timing { start: number; done: boolean }
const TIMING = Symbol('peakmatch.timing')
type TimedRequest = FastifyRequest & { [TIMING]?: Timing }

export async function buildService(backend: Backend, options: ServiceOptions = {}): Promise<Service> {
  const limits: Limits = {
    maxBodyBytes: options.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    maxItems: options.maxItems ?? DEFAULTS.maxItems,
    maxFingerprintSeconds: options.maxFingerprintSeconds ?? DEFAULTS.maxFingerprintSeconds,
  }
  const deadlineMs = options.deadlineMs ?? DEFAULTS.deadlineMs
  const log = options.log ?? (() => {})
  const queue = new ComputeQueue({ maxWaiting: options.maxQueue ?? DEFAULTS.maxQueue })
  const metrics = makeMetrics(backend, queue)
  let closing = false

  const app = Fastify({
    logger: false,
    bodyLimit: limits.maxBodyBytes,
    // Track ids are paths ("album/03 Old Mix.flac"): longer than find-my-way's 100 by default.
    routerOptions: { maxParamLength: 1024 },
    // A slow client may not hold a connection (and its body buffer) for ever.
    requestTimeout: Math.max(60_000, 2 * deadlineMs),
    // Unknown query fields are errors (a misspelt `limt=3` must not be ignored); types are coerced from the query string.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: false, allErrors: false } },
    // A request that arrives on a kept-alive connection while closing is answered NOT_READY by
    // our handlers (the service's error form, Retry-After), not by fastify's own 503 text.
    return503OnClosing: false,
    // Router-level failures (a URL that does not decode) in the service's error form.
    frameworkErrors: (error, _request, reply) => { sendError(reply, new ServiceError('INVALID_REQUEST', error.message)) },
  })

  // Answers are plain data: JSON.stringify sends every field, the response schemas only document them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'peakmatch match service', version: '1.0.0', description: 'Identify and match audio fingerprints against a catalog (docs/service.md).' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
    },
    // The bodies are binary (fingerprint bytes, msgpack), not JSON that fastify validates: documented here.
    transformObject: (doc) => {
      const spec = (doc as { openapiObject: Record<string, any> }).openapiObject
      for (const [path, body] of Object.entries(S.BODIES)) {
        for (const op of Object.values((spec.paths?.[path] ?? {}) as Record<string, any>)) {
          if (op && typeof op === 'object' && (op.requestBody === undefined)) {
            op.requestBody = { required: true, description: body.description, content: { [body.contentType]: { schema: { type: 'string', format: 'binary' } } } }
          }
        }
      }
      return spec
    },
  })

  // Bodies: fingerprint bytes and msgpack batches only, read as Buffers up to the body limit.
  app.removeAllContentTypeParsers()
  const readBody = (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try { done(null, decodeBody(request, body, limits.maxBodyBytes)) } catch (e) { done(e as Error) }
  }
  app.addContentTypeParser(FINGERPRINT_TYPE, { parseAs: 'buffer' }, readBody)
  app.addContentTypeParser(BATCH_TYPE, { parseAs: 'buffer' }, readBody)

  app.addHook('onRequest', async (request) => {
    ;(request as TimedRequest)[TIMING] = { start: performance.now(), done: false }
    metrics.inFlight.inc()
  })
  const finish = (request: FastifyRequest, status: number) => {
    const t = (request as TimedRequest)[TIMING]
    if (!t || t.done) return
    t.done = true
    metrics.inFlight.dec()
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.requests.inc({ method: request.method, route, status: String(status) })
    metrics.duration.observe({ route }, (performance.now() - t.start) / 1000)
  }
  app.addHook('onResponse', async (request, reply) => { finish(request, reply.statusCode) })
  // While closing, an answer ends its connection: a keep-alive connection that went idle after
  // close() began would otherwise hold the server open until its keep-alive timeout.
  app.addHook('onSend', async (_request, reply) => { if (closing) reply.header('connection', 'close') })
  // A client that hung up before its answer: counted as 499, as nginx does.
  app.addHook('onRequestAbort', async (request) => { finish(request, 499) })

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new ServiceError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]} (see /openapi.json)`))
  })
  app.setErrorHandler((error, request, reply) => {
    const e = fromFastify(error)
    // Only bugs are logged one by one: a 503 under load is counted in /metrics, not written per request.
    if (e.code === 'INTERNAL') log(`${request.method} ${request.url}: ${e.code}: ${describeCause(e)}`)
    sendError(reply, e)
  })

  const deadlineOf = (request: FastifyRequest) => ((request as TimedRequest)[TIMING]?.start ?? performance.now()) + deadlineMs
  const goneOf = (request: FastifyRequest) => () => request.raw.socket?.destroyed === true
  const requireReady = () => {
    if (closing) throw new ServiceError('NOT_READY', 'the service is shutting down', { retryAfterSeconds: 1 })
    if (!backend.ready()) throw new ServiceError('NOT_READY', 'the catalog is not loaded yet', { retryAfterSeconds: 1 })
  }
  const partial = (missing: number[]) => {
    for (const shard of missing) metrics.partialAnswers.inc({ shard: String(shard) })
    return missing.length > 0 ? { partial: { missingShards: missing } } : {}
  }

  // ------------------------------------------------------------ queries

  app.post('/v1/identify', { schema: { summary: 'Identify a whole file by its fingerprint', querystring: S.identifyQuery, response: S.identifyReply } }, async (request) => {
    requireReady()
    const fp = parseFingerprint(bodyOf(request, FINGERPRINT_TYPE), limits)
    const o = identifyOptionsOf(request.query as Record<string, unknown>)
    const a = await queue.run(() => backend.identify(fp, o), deadlineOf(request), goneOf(request))
    return { schemaVersion: API_SCHEMA_VERSION, identification: a.value, ...partial(a.missingShards) }
  })

  app.post('/v1/match', { schema: { summary: 'Match a snippet by its fingerprint', querystring: S.matchQuery, response: S.matchReply } }, async (request) => {
    requireReady()
    const fp = parseFingerprint(bodyOf(request, FINGERPRINT_TYPE), limits)
    const o = matchOptionsOf(request.query as Record<string, unknown>)
    const a = await queue.run(() => backend.match(fp, o), deadlineOf(request), goneOf(request))
    return { schemaVersion: API_SCHEMA_VERSION, matches: a.value, ...partial(a.missingShards) }
  })

  app.post('/v1/batch', { schema: { summary: 'Identify, match or decide many fingerprints in one request', response: S.batchReply } }, async (request) => {
    requireReady()
    const items = parseBatch(bodyOf(request, BATCH_TYPE), limits)
    const deadline = deadlineOf(request)
    const missing = new Set<number>()
    // One turn for the whole batch; its deadline is checked between items, so a batch that runs
    // long answers what it computed and fails the rest rather than holding the queue past it.
    const results = await queue.run(async () => {
      const out: BatchResult[] = []
      for (const item of items) {
        let r: BatchResult
        if (item.op === 'invalid') r = { ok: false, error: errorBody(item.error) }
        else if (performance.now() >= deadline) r = { ok: false, error: { code: 'DEADLINE_EXCEEDED', message: 'the batch reached its deadline before this item' } }
        else {
          try {
            const { value, missingShards } = await runItem(backend, item)
            for (const s of missingShards) missing.add(s)
            r = { ok: true, result: value }
          } catch (e) {
            const se = toServiceError(e)
            if (se.code === 'INTERNAL') log(`batch ${item.op}: INTERNAL: ${describeCause(se)}`)
            for (const s of se.extra.missingShards ?? []) missing.add(s)
            r = { ok: false, error: errorBody(se) }
          }
        }
        metrics.batchItems.inc({ op: item.op, outcome: r.ok ? 'ok' : r.error.code })
        out.push(r)
      }
      return out
    }, deadline, goneOf(request))
    return { schemaVersion: API_SCHEMA_VERSION, items: results, ...partial([...missing].sort((a, b) => a - b)) }
  })

  // ------------------------------------------------------------ catalog, health, metrics, docs

  app.get('/v1/catalog', { schema: { summary: 'The catalog: stats, settings, formats and the service\'s limits', response: S.catalogReply } }, async () => {
    requireReady()
    const info = await backend.info()
    return {
      schemaVersion: API_SCHEMA_VERSION, stats: info.stats, settings: info.settings, shards: info.shards,
      formats: { fingerprint: FINGERPRINT_FORMAT_VERSION, catalog: FORMAT_VERSION, frontEnd: FRONT_END_VERSION },
      limits: { maxBodyBytes: limits.maxBodyBytes, maxItems: limits.maxItems, maxFingerprintSeconds: limits.maxFingerprintSeconds, deadlineMs, maxQueue: options.maxQueue ?? DEFAULTS.maxQueue },
      ...partial(info.missingShards),
    }
  })
  app.get('/healthz', { schema: { summary: 'The process is up', response: S.statusReply } }, async () => ({ status: 'ok' }))
  app.get('/readyz', { schema: { summary: 'The catalog is loaded and requests are taken (else 503 NOT_READY)', response: S.statusReply } }, async () => {
    requireReady()
    return { status: 'ready' }
  })
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)' } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  // ------------------------------------------------------------ admin

  let reloading: Promise<{ tracks: number }> | undefined
  const reload = (reason: string): Promise<{ tracks: number }> => {
    if (!backend.reload) return Promise.reject(new ServiceError('NOT_SUPPORTED', 'this backend cannot reload its catalog'))
    const run = async () => {
      const t0 = performance.now()
      try {
        await backend.reload!()
      } catch (e) {
        metrics.reloads.inc({ outcome: 'failed' })
        const why = e instanceof Error ? e.message : String(e)
        log(`reload (${reason}) failed, still serving the previous catalog: ${why}`)
        throw new ServiceError('RELOAD_FAILED', `reload failed, still serving the previous catalog: ${why}`, {}, { cause: e })
      }
      metrics.reloads.inc({ outcome: 'ok' })
      const tracks = (await backend.info()).stats.tracks
      log(`reload (${reason}): ${tracks} tracks in ${Math.round(performance.now() - t0)} ms`)
      return { tracks }
    }
    return (reloading ??= run().finally(() => { reloading = undefined }))
  }

  if (options.adminToken) {
    const token = Buffer.from(options.adminToken)
    await app.register(async (admin) => {
      // Before the body is read: an unauthenticated request must not make us buffer 16 MiB.
      admin.addHook('onRequest', async (request, reply) => {
        const given = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1]
        const g = Buffer.from(given ?? '')
        if (given === undefined || g.length !== token.length || !timingSafeEqual(g, token)) {
          reply.header('www-authenticate', 'Bearer')
          throw new ServiceError('UNAUTHORIZED', given === undefined ? 'admin routes need Authorization: Bearer <token>' : 'the admin token is wrong')
        }
      })
      const security = [{ admin: [] }]
      admin.put('/v1/admin/tracks/:trackId', { schema: { summary: 'Add a track (fingerprint body; metadata JSON in x-peakmatch-metadata)', security, params: S.trackParams, querystring: S.addQuery, response: S.adminReply } }, async (request, reply) => {
        requireReady()
        if (!backend.add) throw new ServiceError('NOT_SUPPORTED', 'this backend cannot add tracks')
        const { trackId } = request.params as { trackId: string }
        const { recordingId } = request.query as { recordingId?: string }
        const metadata = metadataOf(request.headers['x-peakmatch-metadata'])
        const fp = parseFingerprint(bodyOf(request, FINGERPRINT_TYPE), limits)
        // Through the queue: a change never lands in the middle of a decision's several questions.
        await queue.run(() => backend.add!(trackId, fp, metadata, recordingId), deadlineOf(request), goneOf(request))
        const tracks = (await backend.info()).stats.tracks
        log(`added track ${JSON.stringify(trackId)} (${tracks} tracks)`)
        reply.code(201)
        return { schemaVersion: API_SCHEMA_VERSION, trackId, tracks }
      })
      admin.delete('/v1/admin/tracks/:trackId', { schema: { summary: 'Remove a track', security, params: S.trackParams, response: S.adminReply } }, async (request) => {
        requireReady()
        if (!backend.remove) throw new ServiceError('NOT_SUPPORTED', 'this backend cannot remove tracks')
        const { trackId } = request.params as { trackId: string }
        const removed = await queue.run(() => backend.remove!(trackId), deadlineOf(request), goneOf(request))
        if (!removed) throw new ServiceError('NOT_FOUND', `the catalog holds no track ${JSON.stringify(trackId)}`)
        const tracks = (await backend.info()).stats.tracks
        log(`removed track ${JSON.stringify(trackId)} (${tracks} tracks)`)
        return { schemaVersion: API_SCHEMA_VERSION, trackId, tracks }
      })
      admin.post('/v1/admin/reload', { schema: { summary: 'Load the catalog file again and swap it in', security, response: S.adminReply } }, async () => {
        const { tracks } = await reload('admin')
        return { schemaVersion: API_SCHEMA_VERSION, tracks }
      })
    })
  }

  await app.ready()

  return {
    app, queue, metrics, reload,
    async close() {
      closing = true
      await app.close()
      await backend.close()
    },
  }
}

type BatchResult = { ok: true; result: unknown } | { ok: false; error: ErrorBody }

/** One batch item's answer from the backend (a `decide` item: decide() over its decision source). */
async function runItem(backend: Backend, item: Exclude<BatchItem, { op: 'invalid' }>): Promise<{ value: unknown; missingShards: number[] }> {
  if (item.op === 'identify') { const a = await backend.identify(item.fp, item.options); return { value: a.value, missingShards: a.missingShards } }
  if (item.op === 'match') { const a = await backend.match(item.fp, item.options); return { value: a.value, missingShards: a.missingShards } }
  const { durationSeconds, quality, ...decideOptions } = item.options
  return { value: await decide(backend.decisionSource(), readingOf(item.fp, durationSeconds, quality), decideOptions), missingShards: [] }
}

/**
 * A decide item as the Reading of a file the server never sees: path '', size 0, not cached, no
 * tags (the client puts its own back), and the duration and quality it sent.
 */
function readingOf(fp: Fingerprint, durationSeconds: number, quality: EditionQuality): Reading {
  return {
    file: { path: '', open: '', root: '', size: 0, mtimeMs: 0 },
    fp,
    info: { quality, tags: {}, durationSeconds, sampleRate: 0, channels: 0, format: '' },
    cached: false,
  }
}

/** The parsed body of a request that must be of `type` (a body of the other registered type is 415 too). */
function bodyOf(request: FastifyRequest, type: string): Uint8Array {
  const got = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (got !== type) throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `send the body as ${type}${got ? `, not ${got}` : ' (no Content-Type was given)'}`)
  if (!(request.body instanceof Uint8Array)) throw new ServiceError('INVALID_REQUEST', 'the request has no body')
  return request.body
}

/**
 * A body as read: gzip undone when the client sent it so (bounded: a few kilobytes must not
 * inflate to gigabytes), any other Content-Encoding refused.
 */
function decodeBody(request: FastifyRequest, body: Buffer, maxBytes: number): Buffer {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (encoding === 'identity' || encoding === '') return body
  if (encoding !== 'gzip') throw new ServiceError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not accepted (gzip or none)`)
  try {
    return gunzipSync(body, { maxOutputLength: maxBytes })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ServiceError('BODY_TOO_LARGE', `the body inflates to more than ${maxBytes} bytes`)
    throw new ServiceError('INVALID_REQUEST', `the gzip body does not inflate: ${(e as Error).message}`)
  }
}

/** The x-peakmatch-metadata header: JSON, or absent. */
function metadataOf(header: string | string[] | undefined): unknown {
  if (header === undefined) return undefined
  if (Array.isArray(header)) throw new ServiceError('INVALID_REQUEST', 'x-peakmatch-metadata given more than once')
  try {
    return JSON.parse(header)
  } catch (e) {
    throw new ServiceError('INVALID_REQUEST', `x-peakmatch-metadata is not JSON: ${(e as Error).message}`)
  }
}

/** fastify's own errors (body too large, bad media type, schema validation…) as the service's codes. */
function fromFastify(error: unknown): ServiceError {
  if (error instanceof ServiceError) return error
  const code = (error as { code?: unknown }).code
  const status = (error as { statusCode?: unknown }).statusCode
  const message = error instanceof Error ? error.message : String(error)
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new ServiceError('BODY_TOO_LARGE', `the body is larger than this service takes (${message})`)
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new ServiceError('UNSUPPORTED_MEDIA_TYPE', `${message}; send ${FINGERPRINT_TYPE} (identify, match) or ${BATCH_TYPE} (batch)`)
    case 'FST_ERR_VALIDATION': return new ServiceError('INVALID_REQUEST', message)
    default: break
  }
  // Other fastify errors about the request (a bad Content-Length, a malformed header…).
  if (typeof code === 'string' && code.startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500) return new ServiceError('INVALID_REQUEST', message)
  return toServiceError(error)
}

function sendError(reply: FastifyReply, e: ServiceError): void {
  if (e.extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.extra.retryAfterSeconds))
  reply.code(e.status).type('application/json; charset=utf-8').send({ error: errorBody(e) })
}

function describeCause(e: ServiceError): string {
  const c = e.cause
  return c instanceof Error ? c.stack ?? c.message : e.message
}
