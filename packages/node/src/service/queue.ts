/**
 * The service's compute queue. Matching is synchronous CPU work on the one JavaScript thread, so
 * running two requests "at once" only interleaves them and makes both late: requests take turns,
 * one at a time, in arrival order. The queue is bounded twice: at most `maxWaiting` requests wait
 * (the next is told OVERLOADED at once, with Retry-After), and a request still waiting at its
 * deadline is told DEADLINE_EXCEEDED without being computed — an answer the client has given up
 * on is CPU taken from the ones still waiting.
 */
import { ServiceError } from './errors.js'

interface Waiter {
  start: () => void
  fail: (e: ServiceError) => void
  timer: ReturnType<typeof setTimeout> | undefined
}

export interface QueueOptions {
  /** Requests waiting for their turn (the one computing not counted). @default 64 */
  maxWaiting?: number
  /** Retry-After of an OVERLOADED answer, seconds. @default 1 */
  retryAfterSeconds?: number
  /** The clock (performance.now), replaceable in tests. */
  now?: () => number
}

export class ComputeQueue {
  readonly #waiting: Waiter[] = []
  #busy = false
  readonly #maxWaiting: number
  readonly #retryAfter: number
  readonly #now: () => number

  constructor(options: QueueOptions = {}) {
    this.#maxWaiting = options.maxWaiting ?? 64
    this.#retryAfter = options.retryAfterSeconds ?? 1
    this.#now = options.now ?? (() => performance.now())
  }

  /** Requests waiting for their turn. */
  get waiting(): number { return this.#waiting.length }
  /** A request is computing. */
  get busy(): boolean { return this.#busy }

  /**
   * Runs `task` when its turn comes, if that is before `deadline` (a time on the queue's clock,
   * milliseconds); rejects with OVERLOADED or DEADLINE_EXCEEDED otherwise. The task itself is
   * not interrupted at the deadline: a batch checks it between items. `gone` says the client has
   * hung up: checked when the turn comes, so that a request nobody waits for is not computed.
   */
  async run<T>(task: () => Promise<T> | T, deadline: number, gone: () => boolean = () => false): Promise<T> {
    if (this.#now() >= deadline) throw deadlineExceeded()
    if (this.#busy) {
      if (this.#waiting.length >= this.#maxWaiting) {
        throw new ServiceError('OVERLOADED', `the service is busy: ${this.#waiting.length} requests are waiting already; retry later`, { retryAfterSeconds: this.#retryAfter })
      }
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = { start: resolve, fail: reject, timer: undefined }
        const ms = deadline - this.#now()
        // setTimeout takes at most 2^31 − 1 ms (longer fires at once): no timer for a deadline that far.
        if (ms < 2 ** 31 - 1) {
          w.timer = setTimeout(() => {
            const i = this.#waiting.indexOf(w)
            if (i >= 0) { this.#waiting.splice(i, 1); w.fail(deadlineExceeded()) }
          }, Math.max(0, ms))
        }
        this.#waiting.push(w)
      })
      // Its turn: #busy was handed over by #next. A deadline passed while the event loop was
      // held by the computation ahead (the timer could not fire) is checked here.
      if (this.#now() >= deadline) { this.#next(); throw deadlineExceeded() }
      // The client hung up while it waited: nobody would read the answer.
      if (gone()) { this.#next(); throw new ServiceError('DEADLINE_EXCEEDED', 'the client closed the connection before its turn') }
    } else {
      this.#busy = true
    }
    try {
      return await task()
    } finally {
      // Let the event loop turn (accept connections, parse bodies, fire deadline timers) before
      // the next synchronous computation holds it again.
      setImmediate(() => this.#next())
    }
  }

  /** Hands the turn to the first waiter, or frees the queue. */
  #next(): void {
    const w = this.#waiting.shift()
    if (!w) { this.#busy = false; return }
    clearTimeout(w.timer)
    w.start()
  }
}

function deadlineExceeded(): ServiceError {
  return new ServiceError('DEADLINE_EXCEEDED', 'the request waited past its deadline and was not computed; retry later or with a longer deadline')
}
