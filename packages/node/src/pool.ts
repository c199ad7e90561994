import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads'
import { Piscina } from 'piscina'
import type { Fingerprint, FrontEnd } from 'peakmatch'
import { FileError, errorMessage, type FileErrorReason } from './errors.js'
import { readAudioFile, type FileInfo, type FileReading, type ReadProgress } from './read.js'

/**
 * One file to read, sent to a worker thread with `port`, on which the worker says how it goes,
 * the front end to fingerprint it with (absent: the defaults) and the frame grids (ReadOptions.grids; absent: 1).
 */
export interface WorkerTask { path: string; port: MessagePort; frontEnd?: FrontEnd; grids?: number }
/**
 * What a worker posts on the task's port: first `{ started: true }`, then the announced length if
 * its header has one, then how far decoding has got (ReadProgress, throttled by readAudioFile).
 */
export type WorkerProgress = { started: true } | { durationSeconds: number } | ReadProgress
export type WorkerReply =
  | { ok: true; fp: Fingerprint; info: FileInfo }
  | { ok: false; reason: FileErrorReason; message: string }

/** Per-file limits of the worker threads (RunOptions extends this). */
export interface PoolLimits {
  /**
   * Seconds a worker may spend reading one file; then the worker is stopped and replaced, and the
   * file is reported as `timeout`. The clock starts when the worker takes the file up (not while it
   * waits in the queue or for a new worker to start). Set it to bound a scan's time per file exactly.
   * @default derived from the length the file's header announces: 4 × its decoding time at 40×
   *   real time (a tenth of its length; the decoders measured here run at 260–2000× on one core),
   *   at least 60 s and at most 3600 s (a forged header cannot buy more than an hour).
   */
  fileTimeoutSeconds?: number
  /**
   * V8 heap (old generation) of each worker thread, in MB (`resourceLimits.maxOldGenerationSizeMb`).
   * A file whose decoding needs more is reported as `too-large` and its worker replaced. Reading
   * streams (no whole-file PCM), so an honest file of any length needs a few tens of MB; this stops a
   * hostile one before it takes the machine's memory. Typed-array and WebAssembly memory are outside
   * V8's heap and not counted.
   * @default 512
   */
  workerMemoryMb?: number
}

const MIN_TIMEOUT_SECONDS = 60
const MAX_DERIVED_TIMEOUT_SECONDS = 3600
/** Decoding speed assumed for the default time limit, × real time (a sixth of the slowest measured, opus 260×). */
const CONSERVATIVE_SPEED = 40
/** The default time limit is this many times the decoding time at CONSERVATIVE_SPEED. */
const TIME_MARGIN = 4

/** The default per-file time limit (PoolLimits.fileTimeoutSeconds) for a file of the given announced length. */
export function defaultFileTimeoutSeconds(durationSeconds?: number): number {
  const derived = durationSeconds !== undefined && Number.isFinite(durationSeconds) && durationSeconds > 0
    ? TIME_MARGIN * durationSeconds / CONSERVATIVE_SPEED : 0
  return Math.min(MAX_DERIVED_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, derived))
}

/**
 * The worker thread's module: dist/scan-worker.js, built next to the code that uses this URL
 * (dist/index.js, dist/index.cjs and dist/cli.js all sit in dist/).
 */
function builtWorkerScript(): URL {
  return new URL('./scan-worker.js', import.meta.url)
}

interface Job { path: string; onProgress?: (p: ReadProgress) => void; frontEnd?: FrontEnd; grids?: number; resolve: (r: FileReading) => void; reject: (e: unknown) => void }

/**
 * `jobs` worker threads that each decode and fingerprint one file at a time (decoding is
 * most of a scan's cost, and it is synchronous WebAssembly/JS: threads are how it uses
 * several cores). jobs = 0 reads in the calling thread (tests, debugging), without limits.
 *
 * The threads are a piscina pool. Each file has a time limit (PoolLimits.fileTimeoutSeconds) and
 * each thread a heap limit (workerMemoryMb): a file that exceeds one fails as `timeout` or
 * `too-large`, a thread that dies otherwise (a decoder abort) fails its file as `corrupt`; in every
 * case piscina replaces the thread and the next file reads.
 *
 * `workerScript` is the module each thread runs: by default the built scan-worker.js beside this
 * code. Code run from TypeScript source (the tests, bench/) passes a module that registers a
 * TypeScript loader and then re-exports scan-worker.ts (test/support/scan-worker.mjs).
 */
export class WorkerPool {
  private readonly pool: Piscina<WorkerTask, WorkerReply> | null = null
  private readonly queue: Job[] = []
  private running = 0
  private closed = false
  private readonly timeoutSeconds: number | undefined
  private readonly memoryMb: number

  constructor(readonly jobs: number, workerScript: URL | string = builtWorkerScript(), limits: PoolLimits = {}) {
    if (!Number.isInteger(jobs) || jobs < 0 || jobs > 64) throw new RangeError(`jobs must be an integer from 0 to 64, got ${jobs}`)
    const t = limits.fileTimeoutSeconds
    if (t !== undefined && !(t > 0 && t <= 2_147_483)) throw new RangeError(`fileTimeoutSeconds must be a number of seconds above 0, got ${t}`)
    const m = limits.workerMemoryMb
    if (m !== undefined && !(Number.isFinite(m) && m >= 16)) throw new RangeError(`workerMemoryMb must be at least 16 (MB), got ${m}`)
    this.timeoutSeconds = t
    this.memoryMb = m ?? 512
    if (jobs === 0) return
    if (String(workerScript).startsWith('file:') && !existsSync(new URL(workerScript))) {
      throw new Error(`the worker script ${fileURLToPath(workerScript)} is missing (build the package, or pass workerScript)`)
    }
    this.pool = new Piscina<WorkerTask, WorkerReply>({
      filename: String(workerScript),
      minThreads: jobs,
      maxThreads: jobs,
      // One file per thread at a time, and never queued inside piscina: this class keeps the queue,
      // so that a file's clock starts only when a thread has taken it up.
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb },
    })
    // Failures are reported per task; an 'error' event with no task (a thread failing while idle)
    // must not become an uncaught exception: piscina has already replaced the thread.
    this.pool.on('error', () => {})
  }

  /**
   * Reads one file (decode + fingerprint + tags); rejects with FileError. `onProgress` hears how far
   * its decoding has got (see ReadOptions), from the worker thread or, with jobs = 0, from this one.
   * `frontEnd`: what to fingerprint with (ReadOptions.frontEnd; default: the defaults); `grids`:
   * on how many frame grids (ReadOptions.grids; default 1).
   */
  read(path: string, onProgress?: (p: ReadProgress) => void, frontEnd?: FrontEnd, grids?: number): Promise<FileReading> {
    if (!this.pool) return readAudioFile(path, { onProgress, frontEnd, grids })
    return new Promise((resolve, reject) => {
      this.queue.push({ path, onProgress, frontEnd, grids, resolve, reject })
      this.pump()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    if (!this.pool) return
    for (const job of this.queue.splice(0)) job.reject(new FileError('io', 'not read: the worker pool was closed'))
    await this.pool.destroy()   // rejects the files in flight (the scan closes only when none are)
  }

  private pump(): void {
    while (this.pool && this.running < this.jobs && this.queue.length > 0) {
      this.running++
      const job = this.queue.shift()!
      this.run(this.pool, job).then(job.resolve, job.reject).finally(() => { this.running--; this.pump() })
    }
  }

  private async run(pool: Piscina<WorkerTask, WorkerReply>, job: Job): Promise<FileReading> {
    const abort = new AbortController()
    const { port1, port2 } = new MessageChannel()
    let timer: NodeJS.Timeout | undefined
    let startedAt = 0
    let limitSeconds = this.timeoutSeconds ?? defaultFileTimeoutSeconds()
    const arm = (): void => {
      clearTimeout(timer)
      const ms = Math.max(0, startedAt + limitSeconds * 1000 - performance.now())
      timer = setTimeout(() => abort.abort(), Math.min(ms, 2_147_483_647))
    }
    const heard = (p: WorkerProgress): void => {
      if ('started' in p) { startedAt = performance.now(); arm() }
      else if ('durationSeconds' in p) {
        if (this.timeoutSeconds === undefined && startedAt) { limitSeconds = defaultFileTimeoutSeconds(p.durationSeconds); arm() }
      } else job.onProgress?.(p)
    }
    port1.on('message', heard)
    port1.unref()
    try {
      const reply = await pool.run({ path: job.path, port: port2, frontEnd: job.frontEnd, grids: job.grids }, { transferList: [port2], signal: abort.signal })
      // The reply comes on piscina's own channel and may overtake the last progress messages, which
      // the worker posted before it: take them now, so the file's progress ends at its full size.
      for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) heard(m.message as WorkerProgress)
      if (reply.ok) return { fp: reply.fp, info: reply.info }
      throw new FileError(reply.reason, reply.message)
    } catch (e) {
      if (e instanceof FileError) throw e
      if (this.closed) throw new FileError('io', 'not read: the worker pool was closed', { cause: e })
      if (abort.signal.aborted && startedAt) {
        throw new FileError('timeout', `reading took longer than the limit of ${limitSeconds} s (the worker was stopped)`, { cause: e })
      }
      if ((e as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new FileError('too-large', `decoding needed more than the worker's memory limit of ${this.memoryMb} MB (the worker was replaced)`, { cause: e })
      }
      throw new FileError('corrupt', `the decoder crashed: ${errorMessage(e)}`, { cause: e })
    } finally {
      clearTimeout(timer)
      port1.close()
    }
  }
}
