/**
 * One HTTP request to the match service, its outcome sorted by what the client should do with
 * it: use the answer, try again (the network, a timeout, a 5xx, a 503 with its Retry-After), or
 * give up on what was asked (a 4xx: the same request would be refused again). Node's own fetch
 * (undici, with keep-alive) does the HTTP: no dependency.
 */
import { retryAfterMs } from './retry.js'

/** The service's error body (service-contract: always `{ error: { code, message } }`). */
export interface ServiceErrorBody { code: string; message: string }

export type Outcome =
  /** A 2xx; `body` is its JSON, undefined when it is not JSON. */
  | { kind: 'answer'; status: number; body: unknown }
  /** Worth another attempt. `unreachable`: no HTTP answer at all (connection, DNS, timeout). */
  | { kind: 'retry'; unreachable: boolean; why: string; retryAfterMs?: number }
  /** A 4xx: asking again would not help. */
  | { kind: 'refused'; status: number; error: ServiceErrorBody }

export interface RequestOptions {
  method: 'GET' | 'POST'
  body?: Uint8Array
  contentType?: string
  /** `gzip` when the body is gzipped. */
  contentEncoding?: string
  timeoutMs: number
  /** Aborts the request (the client is stopping); the outcome is then a `retry` the caller drops. */
  signal?: AbortSignal
}

export async function request(url: URL, options: RequestOptions): Promise<Outcome> {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => { timedOut = true; controller.abort() }, options.timeoutMs)
  const stop = (): void => controller.abort()
  options.signal?.addEventListener('abort', stop, { once: true })
  try {
    const res = await fetch(url, {
      method: options.method,
      headers: { accept: 'application/json', ...(options.contentType ? { 'content-type': options.contentType } : {}), ...(options.contentEncoding ? { 'content-encoding': options.contentEncoding } : {}) },
      // packr.pack's bytes live in an ArrayBuffer (never a SharedArrayBuffer): what fetch's BodyInit asks.
      ...(options.body ? { body: options.body as Uint8Array<ArrayBuffer> } : {}),
      signal: controller.signal,
    })
    // The body is read under the same timeout: a server that stalls mid-answer is no answer.
    const text = await res.text()
    let body: unknown
    try { body = text === '' ? undefined : JSON.parse(text) } catch { body = undefined }
    // A 2xx whose body is not JSON is still an answer (GET /readyz may say just "ok"); the
    // caller checks the body it needs.
    if (res.status >= 200 && res.status < 300) return { kind: 'answer', status: res.status, body }
    const error = errorBody(body, res.status, text)
    if (res.status >= 500 || res.status === 429 || res.status === 408) {
      const after = retryAfterMs(res.headers.get('retry-after'))
      return { kind: 'retry', unreachable: false, why: `HTTP ${res.status} ${error.code}: ${error.message}`, ...(after !== undefined ? { retryAfterMs: after } : {}) }
    }
    return { kind: 'refused', status: res.status, error }
  } catch (e) {
    if (timedOut) return { kind: 'retry', unreachable: true, why: `no answer within ${formatSeconds(options.timeoutMs)} (--timeout-seconds)` }
    if (options.signal?.aborted) return { kind: 'retry', unreachable: true, why: 'stopped' }
    return { kind: 'retry', unreachable: true, why: networkMessage(e) }
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', stop)
  }
}

/** The contract's `{ error: { code, message } }`, or a stand-in naming the status when a proxy answered. */
function errorBody(body: unknown, status: number, text: string): ServiceErrorBody {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return { code: e.code, message: e.message }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 120)
  return { code: `HTTP_${status}`, message: snippet === '' ? 'no error body (not a peakmatch service?)' : `not a peakmatch error body: ${snippet}` }
}

/** fetch's "fetch failed" in words, from the cause's error code. */
export function networkMessage(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } } | undefined)?.cause
  const code = cause?.code ?? (e as { code?: string } | undefined)?.code
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused (is the service running on that host and port?)'
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'host not found (DNS)'
    case 'ECONNRESET': case 'UND_ERR_SOCKET': case 'EPIPE': return 'the connection was closed by the other side'
    case 'ETIMEDOUT': case 'UND_ERR_CONNECT_TIMEOUT': return 'the connection timed out'
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'host unreachable'
    default: return cause?.message ?? (e instanceof Error ? e.message : String(e))
  }
}

const formatSeconds = (ms: number) => `${Math.round(ms / 100) / 10} s`
