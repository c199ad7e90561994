/**
 * Node stand-ins for the two ends of peakmatch/worker, so the protocol runs under vitest
 * without a browser: a MessageChannel whose ports play the worker and its global scope, and an
 * adapter from node:worker_threads' Worker (an EventEmitter) to the WorkerLike shape.
 * Both structured-clone and transfer exactly as a Web Worker does.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { serveFingerprinting, type MessageEndpoint, type WorkerLike } from '../../src/worker/index.js'

type Listener = (event: { data?: unknown; message?: string }) => void

/** A FingerprintWorker target served in this thread through a MessageChannel. terminate() closes both ports. */
export function channelWorker(): WorkerLike {
  const { port1, port2 } = new MessageChannel()
  serveFingerprinting(port2 as unknown as MessageEndpoint)
  port2.start()
  return portWorker(port1, () => { port1.close(); port2.close() })
}

function portWorker(port: MessagePort, terminate: () => void): WorkerLike {
  let started = false
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    addEventListener(type, listener: Listener) {
      port.addEventListener(type, listener as unknown as (event: Event) => void)
      if (!started) { started = true; port.start() }
    },
    terminate,
  }
}

/**
 * A real worker thread running serveFingerprinting from the TypeScript source: the bootstrap
 * (fingerprint-worker.mjs) registers tsx in the thread before importing src/worker.
 */
export function threadWorker(): { worker: WorkerLike; exited: Promise<number> } {
  const thread = new Worker(fileURLToPath(new URL('./fingerprint-worker.mjs', import.meta.url)))
  const exited = new Promise<number>((resolve) => thread.once('exit', resolve))
  const worker: WorkerLike = {
    postMessage: (message, transfer) => thread.postMessage(message, transfer),
    addEventListener(type, listener: Listener) {
      if (type === 'message') thread.on('message', (data: unknown) => listener({ data }))
      else if (type === 'error') thread.on('error', (error: Error) => listener({ message: error.message }))
      else thread.on('messageerror', () => listener({}))
    },
    terminate: () => { void thread.terminate() },
  }
  return { worker, exited }
}
