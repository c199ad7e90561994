/**
 * The match service for the client's tests: the real one (service/http.ts buildService on a
 * LocalBackend, listening on loopback), behind a thin node:http front that records each batch
 * and lets a test inject what a service, a proxy or a network can do — a 503 with Retry-After,
 * PARTIAL items, a 413, an item error, a dropped connection, answers held back — before the
 * request is passed on unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { unpack } from 'msgpackr'
import type { Catalog } from 'peakmatch'
import { LocalBackend } from '../../packages/node/src/service/backend.js'
import { buildService } from '../../packages/node/src/service/http.js'

export interface BatchItem { op: string; fingerprint: Uint8Array; options: { durationSeconds: number; quality?: any; minConfidence?: number; top?: number } }

/** What the front answers instead of the service: a whole-request status, per-item errors, or a dropped connection. */
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
  /** Takes gzipped bodies (as `peakmatch serve` does); false: the front answers them 415. */
  gzip: boolean
  /** Awaited before a batch is passed on: the test holds the service's answers back. */
  hold?: () => Promise<void>
  /** Rewrites the body of the real service's GET /v1/catalog answer (what a service of another peakmatch would say). */
  catalogAnswer?: (body: any) => any
  close(): Promise<void>
}

export async function startTestService(catalog: Catalog): Promise<TestService> {
  const real = await buildService(new LocalBackend(catalog))
  await real.app.listen({ port: 0, host: '127.0.0.1' })
  const upstream = `http://127.0.0.1:${(real.app.server.address() as AddressInfo).port}`
  const service: TestService = { url: '', requests: [], gzip: true, close: async () => {} }
  const front: Server = createServer((req, res) => { handle(req, res).catch((e) => send(res, 502, { error: { code: 'FRONT', message: String(e) } })) })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    if (req.method === 'POST' && req.url === '/v1/batch') {
      const encoding = req.headers['content-encoding'] ?? 'identity'
      if (encoding === 'gzip' && !service.gzip) return send(res, 415, { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Encoding gzip is not accepted here' } })
      const items = (unpack(encoding === 'gzip' ? gunzipSync(body) : body) as { items: BatchItem[] }).items
      service.requests.push({ at: performance.now(), items, bodyBytes: body.length, encoding })
      await service.hold?.()
      const fault = service.fault?.(items, service.requests.length)
      if (fault && 'destroy' in fault) { req.socket.destroy(); return }
      if (fault && 'status' in fault) {
        if (fault.retryAfter !== undefined) res.setHeader('retry-after', fault.retryAfter)
        return send(res, fault.status, { error: { code: fault.code, message: 'injected by the test' } })
      }
      const answer = await pass(req, body)
      if (fault && 'itemErrors' in fault && answer.status === 200) {
        const json = JSON.parse(answer.text) as { items: unknown[] }
        fault.itemErrors.forEach((e, i) => { if (e) json.items[i] = { ok: false, error: e } })
        return send(res, 200, json)
      }
      res.writeHead(answer.status, answer.headers)
      res.end(answer.text)
      return
    }
    const answer = await pass(req, body)
    if (req.method === 'GET' && req.url === '/v1/catalog' && service.catalogAnswer && answer.status === 200) return send(res, 200, service.catalogAnswer(JSON.parse(answer.text)))
    res.writeHead(answer.status, answer.headers)
    res.end(answer.text)
  }

  /** The request as it came, to the real service. */
  async function pass(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; text: string }> {
    const headers: Record<string, string> = {}
    for (const k of ['content-type', 'content-encoding', 'accept']) if (typeof req.headers[k] === 'string') headers[k] = req.headers[k]
    const r = await fetch(upstream + req.url, { method: req.method!, headers, ...(req.method === 'POST' ? { body: new Uint8Array(body) } : {}) })
    const out: Record<string, string> = { 'content-type': r.headers.get('content-type') ?? 'application/json' }
    const retryAfter = r.headers.get('retry-after')
    if (retryAfter !== null) out['retry-after'] = retryAfter
    return { status: r.status, headers: out, text: await r.text() }
  }

  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  service.url = `http://127.0.0.1:${(front.address() as AddressInfo).port}`
  service.close = async () => {
    await new Promise<void>((resolve) => { front.closeAllConnections(); front.close(() => resolve()) })
    await real.close()
  }
  return service
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
