/**
 * A minimal stand-in for `peakmatch serve` (test-only, node:http): GET /readyz, GET /v1/catalog
 * and POST /v1/batch 'decide' items as the service contract says, each decided by decide() on a
 * LocalBackend's DecisionSource — the decision the real service runs. Faults are injected by
 * the test through `fault`, which sees each batch before it is answered.
 * TODO(lead): once the fastify app is merged, run these tests against it instead.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { unpack } from 'msgpackr'
import { fingerprintFromBytes, type Catalog } from 'peakmatch'
import { decide, type Reading } from '../../packages/node/src/decide.js'
import { LocalBackend } from '../../packages/node/src/service/backend.js'

export interface BatchItem { op: string; fingerprint: Uint8Array; options: { durationSeconds: number; quality?: any; minConfidence?: number; top?: number } }

/** What a fault hook may answer instead of the service: a whole-request status, or per-item errors. */
export type Fault =
  | { status: number; code: string; retryAfter?: string }
  | { destroy: true }
  | { itemErrors: (undefined | { code: string; message: string })[] }
  | undefined

export interface Request { at: number; items: BatchItem[]; bodyBytes: number; encoding: string }

export interface TestService {
  url: string
  /** Every POST /v1/batch received, in order. */
  requests: Request[]
  fault?: (items: BatchItem[], n: number) => Fault
  /** Takes gzipped bodies (as `peakmatch serve` does); false: answers them 415. */
  gzip: boolean
  /** Awaited before a batch is answered: the test holds the service's answers back. */
  hold?: () => Promise<void>
  close(): Promise<void>
}

export async function startTestService(catalog: Catalog): Promise<TestService> {
  const backend = new LocalBackend(catalog)
  const service: TestService = { url: '', requests: [], gzip: true, close: async () => {} }
  const server: Server = createServer((req, res) => { handle(req, res).catch((e) => send(res, 500, { error: { code: 'INTERNAL', message: String(e) } })) })
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    if (req.method === 'GET' && req.url === '/readyz') return send(res, 200, { status: 'ready' })
    if (req.method === 'GET' && req.url === '/v1/catalog') {
      const info = await backend.info()
      return send(res, 200, { schemaVersion: 1, stats: info.stats, settings: info.settings, shards: info.shards, formats: { fingerprint: 1 } })
    }
    if (req.method !== 'POST' || req.url !== '/v1/batch') return send(res, 404, { error: { code: 'NOT_FOUND', message: `${req.method} ${req.url}` } })
    if (req.headers['content-type'] !== 'application/vnd.peakmatch.batch+msgpack') return send(res, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: String(req.headers['content-type']) } })
    const encoding = req.headers['content-encoding'] ?? 'identity'
    if (encoding !== 'identity' && (encoding !== 'gzip' || !service.gzip)) return send(res, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Encoding ${encoding}` } })
    const batch = unpack(encoding === 'gzip' ? gunzipSync(body) : body) as { v: number; items: BatchItem[] }
    service.requests.push({ at: performance.now(), items: batch.items, bodyBytes: body.length, encoding })
    await service.hold?.()
    const fault = service.fault?.(batch.items, service.requests.length)
    if (fault && 'destroy' in fault) { req.socket.destroy(); return }
    if (fault && 'status' in fault) {
      if (fault.retryAfter !== undefined) res.setHeader('retry-after', fault.retryAfter)
      return send(res, fault.status, { error: { code: fault.code, message: 'injected by the test' } })
    }
    const source = backend.decisionSource()
    const items = []
    for (let i = 0; i < batch.items.length; i++) {
      const it = batch.items[i]!
      const err = fault && 'itemErrors' in fault ? fault.itemErrors[i] : undefined
      if (err) { items.push({ ok: false, error: err }); continue }
      try {
        const fp = fingerprintFromBytes(it.fingerprint)
        const o = it.options
        const reading: Reading = {
          file: { path: '', open: '', root: '', size: 0, mtimeMs: 0 }, fp, cached: false,
          info: { durationSeconds: o.durationSeconds, quality: o.quality, tags: {}, sampleRate: 0, channels: 0, format: '' },
        }
        const result = await decide(source, reading, { ...(o.minConfidence !== undefined ? { minConfidence: o.minConfidence } : {}), ...(o.top !== undefined ? { top: o.top } : {}) })
        items.push({ ok: true, result })
      } catch (e) {
        items.push({ ok: false, error: { code: (e as { code?: string }).code ?? 'INVALID_REQUEST', message: String(e) } })
      }
    }
    send(res, 200, { schemaVersion: 1, items })
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  service.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) })
  return service
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
