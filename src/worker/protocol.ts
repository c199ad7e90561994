import type { Fingerprint, GridOptions } from '../fingerprint/fingerprinter.js'
import type { FingerprintOptions } from '../options.js'

/**
 * The messages between FingerprintWorker (main thread) and serveFingerprinting (worker).
 * Audio goes in as planar Float32Array channels and fingerprints come back, both with their
 * buffers transferred, not copied. Requests that expect an answer carry an `id`.
 */
export type Request =
  | { type: 'fingerprint'; id: number; sampleRate: number; channels: Float32Array[]; options: FingerprintOptions & GridOptions }
  | { type: 'open'; id: number; stream: number; sampleRate: number; options: FingerprintOptions & GridOptions; windowSeconds: number }
  | { type: 'push'; stream: number; channels: Float32Array[] }
  | { type: 'snapshot'; id: number; stream: number }
  | { type: 'finish'; id: number; stream: number }
  | { type: 'close'; stream: number }

/**
 * A stream's snapshot: the settled hashes (all but about the last 1.2 s, which finish() adds)
 * of the last `windowSeconds` pushed, which start at `startSeconds` in the stream. Times and
 * durationSeconds count from startSeconds, a whole frame, so a snapshot matches like the
 * fingerprint of the window, and its hashes are the ones finish() returns from startSeconds on.
 */
export interface StreamSnapshot extends Fingerprint {
  readonly startSeconds: number
}

/** An error crossing the thread boundary: PeakmatchError keeps its code. */
export interface ErrorData { name: string; message: string; code?: string }

export type Reply =
  | { type: 'done'; id: number }
  | { type: 'fingerprint'; id: number; fingerprint: Fingerprint }
  | { type: 'snapshot'; id: number; snapshot: StreamSnapshot }
  | { type: 'error'; id: number; error: ErrorData }

/**
 * The few pieces of a Worker / DedicatedWorkerGlobalScope used here, declared so that the
 * core compiles without the DOM library. A Web Worker and a worker's `self` both fit.
 */
export interface MessageEndpoint {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
}

/** The buffers of a fingerprint's arrays, for a transfer list. */
export function fingerprintBuffers(fp: Fingerprint): ArrayBuffer[] {
  const out = [fp.hashes.buffer, fp.times.buffer] as ArrayBuffer[]
  if (fp.ranks) out.push(fp.ranks.buffer as ArrayBuffer)
  const off = fp.offGrid
  if (off) out.push(off.hashes.buffer as ArrayBuffer, off.times.buffer as ArrayBuffer, off.ranks.buffer as ArrayBuffer)
  return out
}
