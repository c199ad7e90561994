/**
 * When to try a request again: exponential backoff with jitter, a server's Retry-After, and a
 * sleep that a stopping client cuts short.
 */

export interface RetryPolicy {
  /** Retries after the first attempt (--retries). @default 4 */
  retries: number
  /** The first retry's nominal wait; each next one doubles it. @default 500 */
  baseMs: number
  /** No wait is longer, whether from the doubling or from a Retry-After. @default 30 000 */
  capMs: number
}

/**
 * 500 ms doubling to 4 s: four retries span 3.75–7.5 s, long enough to ride out a restarting
 * service or a rolling replica swap, short enough that a dead one is reported within seconds.
 */
export const DEFAULT_RETRY: RetryPolicy = { retries: 4, baseMs: 500, capMs: 30_000 }

/**
 * The wait before retry number `attempt` (0 = the first retry): "equal jitter", half of the
 * nominal wait plus a random half, so that clients that failed together do not come back
 * together, and no wait collapses to nothing.
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.capMs, policy.baseMs * 2 ** attempt)
  return nominal / 2 + random() * (nominal / 2)
}

/** A Retry-After header in milliseconds (delta-seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined
  const text = header.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Resolves after `ms`, or at once when `signal` aborts (it never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, { once: true })
  })
}
