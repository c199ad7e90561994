import { Fingerprinter, fingerprint, type Fingerprint } from '../fingerprint/fingerprinter.js'
import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HOP_SIZE, WORK_RATE } from '../options.js'
import { fingerprintBuffers, type ErrorData, type MessageEndpoint, type Reply, type Request, type StreamSnapshot } from './protocol.js'

const FRAMES_PER_SECOND = WORK_RATE / HOP_SIZE

/**
 * One live stream. Every chunk goes through one Fingerprinter as it arrives; a snapshot is its
 * windowed snapshot(), so nothing is kept or computed twice and a snapshot's hashes are the
 * ones finish() will return, whatever the chunks' channel counts.
 */
interface Stream {
  sampleRate: number
  fingerprinter: Fingerprinter
  windowSeconds: number
  pushed: number                   // samples per channel pushed so far
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
          streams.set(request.stream, {
            sampleRate: request.sampleRate, fingerprinter, windowSeconds: request.windowSeconds, pushed: 0, failure: undefined,
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
          s.pushed += request.channels[0]!.length
          break
        }
        case 'snapshot': {
          const snap = snapshot(openStream(streams, request.stream))
          reply({ type: 'snapshot', id, snapshot: snap }, fingerprintBuffers(snap))
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

/**
 * The settled hashes of the last windowSeconds, with times counted from the window's start:
 * the first frame at or after (pushed − windowSeconds), so the rebased times are whole frames
 * and the snapshot matches like a fingerprint of the window. Costs a binary search and a copy
 * of the window's hashes: 5–25 µs for 20 s after 1 min or 1 h of streaming, where fingerprinting
 * the window again took 40–80 ms (bench/snapshot.ts, docs/browser.md).
 */
function snapshot(s: Stream): StreamSnapshot {
  const pushedSeconds = s.pushed / s.sampleRate
  // Frames per second is exact (62.5); the epsilon absorbs the rounding of pushed / sampleRate.
  const startFrame = Math.max(0, Math.ceil((pushedSeconds - s.windowSeconds) * FRAMES_PER_SECOND - 1e-6))
  const startSeconds = startFrame * FRAME_SECONDS
  const fp = s.fingerprinter.snapshot(startSeconds)
  const times = fp.times                        // a fresh copy of the window: rebased in place
  for (let i = 0; i < times.length; i++) times[i] = times[i]! - startFrame
  // Off-grid hashes (StreamOptions.grids) are on the first grid's frames, from startFrame on too.
  const offTimes = fp.offGrid?.times
  if (offTimes) for (let i = 0; i < offTimes.length; i++) offTimes[i] = offTimes[i]! - startFrame
  return { ...fp, times, durationSeconds: Math.max(0, fp.durationSeconds - startSeconds), startSeconds }
}

function errorData(error: unknown): ErrorData {
  if (error instanceof PeakmatchError) return { name: error.name, message: error.message, code: error.code }
  if (error instanceof Error) return { name: error.name, message: error.message }
  return { name: 'Error', message: String(error) }
}
