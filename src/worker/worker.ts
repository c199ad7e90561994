import { Fingerprinter, fingerprint, type Fingerprint } from '../fingerprint/fingerprinter.js'
import { PeakmatchError } from '../errors.js'
import type { FingerprintOptions } from '../options.js'
import { fingerprintBuffers, type ErrorData, type MessageEndpoint, type Reply, type Request } from './protocol.js'

/** One live stream: the Fingerprinter, and the recent chunks that snapshot() fingerprints. */
interface Stream {
  sampleRate: number
  options: FingerprintOptions
  fingerprinter: Fingerprinter
  windowSamples: number
  chunks: Float32Array[][]
  retained: number
  pushed: number
  failure: unknown
}

/**
 * Runs fingerprinting requests from FingerprintWorker in this worker. A worker script is:
 *
 *   import { serveFingerprinting } from 'peakmatch/worker'
 *   serveFingerprinting()
 *
 * `scope` defaults to the worker's global scope (`self`).
 */
export function serveFingerprinting(scope: MessageEndpoint = globalThis as unknown as MessageEndpoint): void {
  const streams = new Map<number, Stream>()
  const reply = (message: Reply, transfer: ArrayBuffer[] = []) => scope.postMessage(message, transfer)
  const sendPrint = (id: number, fp: Fingerprint) => reply({ type: 'fingerprint', id, fingerprint: fp }, fingerprintBuffers(fp))

  scope.addEventListener('message', (event) => {
    const request = event.data as Request
    const id = 'id' in request ? request.id : -1
    try {
      switch (request.type) {
        case 'fingerprint':
          sendPrint(id, fingerprint({ sampleRate: request.sampleRate, channels: request.channels }, request.options))
          break
        case 'open': {
          const fingerprinter = new Fingerprinter({ ...request.options, sampleRate: request.sampleRate })
          const windowSamples = Math.ceil(request.windowSeconds * request.sampleRate)
          streams.set(request.stream, {
            sampleRate: request.sampleRate, options: request.options, fingerprinter, windowSamples,
            chunks: [], retained: 0, pushed: 0, failure: undefined,
          })
          reply({ type: 'done', id })
          break
        }
        case 'push': {
          const s = streams.get(request.stream)
          if (!s || s.failure !== undefined) break
          try {
            s.fingerprinter.push(request.channels)
          } catch (error) {
            s.failure = error          // reported by the next snapshot() or finish()
            break
          }
          retain(s, request.channels)
          break
        }
        case 'snapshot': {
          const s = openStream(streams, request.stream)
          const fp = snapshot(s)
          sendPrint(id, fp)
          break
        }
        case 'finish': {
          const s = openStream(streams, request.stream)
          streams.delete(request.stream)
          sendPrint(id, s.fingerprinter.finish())
          break
        }
        case 'close':
          streams.delete(request.stream)
          break
        default:
          throw new PeakmatchError('INVALID_OPTIONS', `unknown worker request ${JSON.stringify((request as { type?: unknown }).type)}`)
      }
    } catch (error) {
      if (id >= 0) reply({ type: 'error', id, error: errorData(error) })
    }
  })
}

function openStream(streams: Map<number, Stream>, stream: number): Stream {
  const s = streams.get(stream)
  if (!s) throw new PeakmatchError('STREAM_FINISHED', `stream ${stream} is finished or closed`)
  if (s.failure !== undefined) {
    streams.delete(stream)
    throw s.failure
  }
  return s
}

/** Keeps the chunks that cover the last windowSamples samples. Chunks are kept, not copied. */
function retain(s: Stream, channels: Float32Array[]): void {
  const length = channels[0]!.length
  s.chunks.push(channels)
  s.retained += length
  s.pushed += length
  while (s.chunks.length > 1 && s.retained - s.chunks[0]![0]!.length >= s.windowSamples) {
    s.retained -= s.chunks.shift()![0]!.length
  }
}

/** The fingerprint of the retained window, with where it starts in the stream. */
function snapshot(s: Stream): Fingerprint & { startSeconds: number } {
  const count = s.chunks[0]?.length ?? 1
  const channels: Float32Array[] = []
  for (let c = 0; c < count; c++) {
    const out = new Float32Array(s.retained)
    let at = 0
    for (const chunk of s.chunks) {
      // A chunk with fewer channels than the first repeats its last one (mono into stereo).
      const src = chunk[Math.min(c, chunk.length - 1)]!
      out.set(src, at)
      at += src.length
    }
    channels.push(out)
  }
  const fp = fingerprint({ sampleRate: s.sampleRate, channels }, s.options)
  return { ...fp, startSeconds: (s.pushed - s.retained) / s.sampleRate }
}

function errorData(error: unknown): ErrorData {
  if (error instanceof PeakmatchError) return { name: error.name, message: error.message, code: error.code }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: String(error) }
}
