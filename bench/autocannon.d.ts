/** The little of autocannon (no bundled types) that bench/service-load.ts uses. */
declare module 'autocannon' {
  interface Request { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }
  interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    pipelining?: number
    timeout?: number
    requests?: (Request & { setupRequest?: (req: Request, context: object) => Request })[]
  }
  interface Histogram { average: number; p50: number; p90: number; p97_5: number; p99: number; max: number }
  interface Result { requests: Histogram & { total: number }; latency: Histogram; errors: number; timeouts: number; non2xx: number; duration: number; '2xx': number; '4xx': number; '5xx': number }
  interface Instance extends PromiseLike<Result> { on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void }
  function autocannon(options: Options): Instance
  export default autocannon
}
