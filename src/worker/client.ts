import { PeakmatchError, type ErrorCode } from '../errors.js'
import type { AudioChunk, AudioInput } from '../fingerprint/audio.js'
import type { Fingerprint, GridOptions } from '../fingerprint/fingerprinter.js'
import type { FingerprintOptions } from '../options.js'
import type { Reply, Request, StreamSnapshot } from './protocol.js'

export type { StreamSnapshot } from './protocol.js'

/** A Web Worker as FingerprintWorker uses it (a DOM `Worker` fits); declared here so the core needs no DOM types. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: { data?: unknown; message?: string }) => void): void
  terminate(): void
}

export interface TransferOptions {
  /**
   * Hand the audio's buffers over to the worker instead of copying them: the arrays passed in
   * become unusable (length 0) afterwards. An AudioBuffer's channels are copied once either
   * way, since the AudioBuffer owns them. Views into part of a larger buffer are copied.
   * @default true
   */
  transfer?: boolean
}

export interface StreamOptions extends FingerprintOptions, GridOptions {
  /** Sample rate of the chunks, as in Fingerprinter. */
  sampleRate: number
  /**
   * Seconds of the most recent audio that snapshot() returns. Longer = a snapshot sees more of
   * the stream and carries more hashes to match. The stream is fingerprinted once, as chunks
   * arrive; a snapshot only copies its window's hashes, so its cost follows the window, not
   * the stream's length (5–25 µs in the worker for 20 s, docs/browser.md). Infinity: the
   * whole stream.
   * @default 20
   */
  windowSeconds?: number
}

interface Pending { resolve: (value: unknown) => void; reject: (error: unknown) => void }

/**
 * Fingerprinting off the main thread: wraps a Worker that runs serveFingerprinting(), with a
 * promise API. Audio and fingerprints cross the thread boundary as transferred buffers.
 *
 *   const fw = new FingerprintWorker(new Worker(new URL('./fp-worker.js', import.meta.url), { type: 'module' }))
 *   const fp = await fw.fingerprint(audioBuffer)
 */
export class FingerprintWorker {
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private nextStream = 1
  private failure: Error | null = null

  constructor(readonly worker: WorkerLike) {
    worker.addEventListener('message', (event) => this.receive(event.data as Reply))
    worker.addEventListener('error', (event) => this.fail(new Error(`fingerprint worker failed: ${event.message ?? 'script error'}`)))
    worker.addEventListener('messageerror', () => this.fail(new Error('fingerprint worker sent a message that could not be read')))
  }

  /** The fingerprint of a whole piece of audio, computed in the worker. */
  fingerprint(audio: AudioInput, options: FingerprintOptions & GridOptions & TransferOptions = {}): Promise<Fingerprint> {
    const { transfer = true, ...fpOptions } = options
    const { sampleRate, channels, buffers } = portable(audio, transfer)
    return this.request<Fingerprint>({ type: 'fingerprint', id: 0, sampleRate, channels, options: fpOptions }, buffers)
  }

  /** A streaming session: push() chunks as they come, snapshot() while it runs, finish() at the end. */
  stream(options: StreamOptions): FingerprintStream {
    const { sampleRate, windowSeconds = 20, ...fpOptions } = options
    if (typeof windowSeconds !== 'number' || !(windowSeconds > 0)) {
      throw new PeakmatchError('INVALID_OPTIONS', `windowSeconds must be a positive number, got ${String(windowSeconds)}`)
    }
    const stream = this.nextStream++
    const opened = this.request<void>({ type: 'open', id: 0, stream, sampleRate, options: fpOptions, windowSeconds }, [])
    return new FingerprintStream(this, stream, opened)
  }

  /** Stops the worker; pending requests reject. */
  terminate(): void {
    this.worker.terminate()
    this.fail(new Error('fingerprint worker terminated'))
  }

  /** @internal */
  request<T>(message: Request, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject })
      this.worker.postMessage({ ...message, id }, transfer)
    })
  }

  /** @internal */
  post(message: Request, transfer: ArrayBuffer[]): void {
    if (!this.failure) this.worker.postMessage(message, transfer)
  }

  private receive(reply: Reply): void {
    const p = this.pending.get(reply.id)
    if (!p) return
    this.pending.delete(reply.id)
    if (reply.type === 'error') {
      const { name, message, code } = reply.error
      p.reject(name === 'PeakmatchError' && code ? new PeakmatchError(code as ErrorCode, message) : Object.assign(new Error(message), { name }))
    } else {
      p.resolve(reply.type === 'fingerprint' ? reply.fingerprint : reply.type === 'snapshot' ? reply.snapshot : undefined)
    }
  }

  private fail(error: Error): void {
    this.failure ??= error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }
}

/** One streaming fingerprint in a FingerprintWorker (the worker-side twin of Fingerprinter). */
export class FingerprintStream {
  private done = false

  constructor(private readonly owner: FingerprintWorker, private readonly id: number, private readonly opened: Promise<void>) {
    opened.catch(() => {})       // surfaced by snapshot() / finish()
  }

  /** Sends a chunk: a mono Float32Array or one per channel. Errors surface at snapshot() or finish(). */
  push(chunk: AudioChunk, options: TransferOptions = {}): void {
    if (this.done) throw new PeakmatchError('STREAM_FINISHED', 'push() after finish() or close()')
    const channels = chunk instanceof Float32Array ? [chunk] : [...chunk]
    const buffers = options.transfer === false ? copyAll(channels) : ownBuffers(channels)
    this.owner.post({ type: 'push', stream: this.id, channels }, buffers)
  }

  /**
   * The settled hashes of the recent audio (StreamOptions.windowSeconds), without ending the
   * stream: the slice of what finish() will return from `startSeconds` on, with times counted
   * from there. The last ~1.2 s pushed are not settled yet (Fingerprinter.snapshot).
   */
  async snapshot(): Promise<StreamSnapshot> {
    if (this.done) throw new PeakmatchError('STREAM_FINISHED', 'snapshot() after finish() or close()')
    await this.opened
    return this.owner.request<StreamSnapshot>({ type: 'snapshot', id: 0, stream: this.id }, [])
  }

  /** Ends the stream: the fingerprint of everything pushed, as Fingerprinter.finish() gives it. */
  async finish(): Promise<Fingerprint> {
    if (this.done) throw new PeakmatchError('STREAM_FINISHED', 'finish() called twice or after close()')
    this.done = true
    await this.opened
    return this.owner.request<Fingerprint>({ type: 'finish', id: 0, stream: this.id }, [])
  }

  /** Drops the stream without a result. */
  close(): void {
    if (this.done) return
    this.done = true
    this.owner.post({ type: 'close', stream: this.id }, [])
  }
}

/** One-shot: the fingerprint of `audio`, computed by `worker` (which runs serveFingerprinting). */
export function fingerprintInWorker(worker: FingerprintWorker, audio: AudioInput, options?: FingerprintOptions & GridOptions & TransferOptions): Promise<Fingerprint> {
  return worker.fingerprint(audio, options)
}

/** Planar channels ready to post, and the buffers to transfer. */
function portable(audio: AudioInput, transfer: boolean): { sampleRate: number; channels: Float32Array[]; buffers: ArrayBuffer[] } {
  if (audio === null || typeof audio !== 'object') {
    throw new PeakmatchError('INVALID_AUDIO', `audio must be { sampleRate, channels } or an AudioBuffer, got ${String(audio)}`)
  }
  const sampleRate = audio.sampleRate
  if ('getChannelData' in audio && typeof audio.getChannelData === 'function') {
    // The AudioBuffer owns its channel memory: copy each channel once, then transfer the copy.
    const channels: Float32Array[] = []
    for (let c = 0; c < audio.numberOfChannels; c++) channels.push(audio.getChannelData(c).slice())
    return { sampleRate, channels, buffers: channels.map((c) => c.buffer as ArrayBuffer) }
  }
  if (!('channels' in audio) || !Array.isArray(audio.channels)) {
    throw new PeakmatchError('INVALID_AUDIO', 'audio must have channels: Float32Array[] or getChannelData()')
  }
  const channels = [...audio.channels]
  return { sampleRate, channels, buffers: transfer ? ownBuffers(channels) : copyAll(channels) }
}

/**
 * Buffers to transfer for these channels. A channel that is a view into part of a bigger
 * buffer, or shares its buffer with another channel, is replaced by a copy of just its samples,
 * so a transfer never takes more than the caller passed.
 */
function ownBuffers(channels: Float32Array[]): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = []
  for (let c = 0; c < channels.length; c++) {
    let ch = channels[c]
    if (!(ch instanceof Float32Array)) continue        // the worker reports INVALID_AUDIO
    const whole = ch.byteOffset === 0 && ch.byteLength === ch.buffer.byteLength
    if (!whole || !(ch.buffer instanceof ArrayBuffer) || buffers.includes(ch.buffer)) channels[c] = ch = ch.slice()
    buffers.push(ch.buffer as ArrayBuffer)
  }
  return buffers
}

/** Copies, so the caller keeps its arrays; the copies are transferred. */
function copyAll(channels: Float32Array[]): ArrayBuffer[] {
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c]
    if (ch instanceof Float32Array) channels[c] = ch.slice()
  }
  return ownBuffers(channels)
}
