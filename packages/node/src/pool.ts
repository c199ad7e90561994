import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Fingerprint } from 'peakmatch'
import { FileError, type FileErrorReason } from './errors.js'
import { readAudioFile, type FileInfo, type FileReading } from './read.js'

export interface WorkerRequest { id: number; path: string }
export type WorkerReply =
  | { id: number; ok: true; fp: Fingerprint; info: FileInfo }
  | { id: number; ok: false; reason: FileErrorReason; message: string }

interface Job { id: number; path: string; resolve: (r: FileReading) => void; reject: (e: unknown) => void }
interface Slot { worker: Worker; job: Job | null }

/**
 * The worker thread's module: dist/scan-worker.js, built next to the code that uses this URL
 * (dist/index.js, dist/index.cjs and dist/cli.js all sit in dist/).
 */
function builtWorkerScript(): URL {
  return new URL('./scan-worker.js', import.meta.url)
}

/**
 * `jobs` worker threads that each decode and fingerprint one file at a time (decoding is
 * most of a scan's cost, and it is synchronous WebAssembly/JS: threads are how it uses
 * several cores). jobs = 0 reads in the calling thread (tests, debugging).
 * A worker that dies (a decoder abort, out of memory) fails its file as corrupt and is replaced.
 *
 * `workerScript` is the module each thread runs: by default the built scan-worker.js beside this
 * code. Code run from TypeScript source (the tests, bench/) passes a module that registers a
 * TypeScript loader and then imports scan-worker.ts (test/support/scan-worker.mjs).
 */
export class WorkerPool {
  private readonly slots: Slot[] = []
  private readonly queue: Job[] = []
  private nextId = 1
  private closed = false

  constructor(readonly jobs: number, private readonly workerScript: URL | string = builtWorkerScript()) {
    if (!Number.isInteger(jobs) || jobs < 0 || jobs > 64) throw new RangeError(`jobs must be an integer from 0 to 64, got ${jobs}`)
    if (jobs > 0 && String(workerScript).startsWith('file:') && !existsSync(new URL(workerScript))) {
      throw new Error(`the worker script ${fileURLToPath(workerScript)} is missing (build the package, or pass workerScript)`)
    }
    for (let i = 0; i < jobs; i++) this.slots.push(this.spawn())
  }

  /** Reads one file (decode + fingerprint + tags); rejects with FileError. */
  read(path: string): Promise<FileReading> {
    if (this.jobs === 0) return readAudioFile(path)
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path, resolve, reject })
      this.pump()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerScript)
    const slot: Slot = { worker, job: null }
    worker.unref()
    worker.on('message', (reply: WorkerReply) => {
      const job = slot.job
      if (!job || job.id !== reply.id) return
      slot.job = null
      if (reply.ok) job.resolve({ fp: reply.fp, info: reply.info })
      else job.reject(new FileError(reply.reason, reply.message))
      this.pump()
    })
    const fail = (message: string): void => {
      const job = slot.job
      slot.job = null
      if (this.closed) return
      const i = this.slots.indexOf(slot)
      if (i >= 0) this.slots[i] = this.spawn()
      job?.reject(new FileError('corrupt', `the decoder crashed: ${message}`))
      this.pump()
    }
    worker.on('error', (e) => fail(e.message))
    worker.on('exit', (code) => { if (!this.closed) fail(`worker exited with code ${code}`) })
    return slot
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.queue.length === 0) continue
      const job = this.queue.shift()!
      slot.job = job
      slot.worker.ref()
      const req: WorkerRequest = { id: job.id, path: job.path }
      slot.worker.postMessage(req)
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref()
  }
}
