/**
 * The service's Prometheus metrics (GET /metrics). One prom-client Registry per app, never the
 * global one: a test, or a process, may run several apps, and each must count only its own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Backend } from './backend.js'
import type { ComputeQueue } from './queue.js'

export interface ServiceMetrics {
  registry: Registry
  requests: Counter<'method' | 'route' | 'status'>
  duration: Histogram<'route'>
  inFlight: Gauge
  batchItems: Counter<'op' | 'outcome'>
  reloads: Counter<'outcome'>
  /** Answers made without a shard (a cluster's gateway), by the shard missing: how an operator sees a shard down. */
  partialAnswers: Counter<'shard'>
}

export function makeMetrics(backend: Backend, queue: ComputeQueue): ServiceMetrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'peakmatch_' })
  const requests = new Counter({
    name: 'peakmatch_http_requests_total', help: 'HTTP requests answered, by route pattern and status', labelNames: ['method', 'route', 'status'] as const, registers: [registry],
  })
  const duration = new Histogram({
    name: 'peakmatch_http_request_duration_seconds', help: 'Time from a request\'s arrival to its answer, by route pattern', labelNames: ['route'] as const,
    // From a 10 s snippet on a small catalog (ms) to a batch near the deadline (10 s).
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry],
  })
  const inFlight = new Gauge({ name: 'peakmatch_http_requests_in_flight', help: 'Requests received and not yet answered', registers: [registry] })
  new Gauge({
    name: 'peakmatch_queue_waiting', help: 'Requests waiting for their turn to compute', registers: [registry],
    collect() { this.set(queue.waiting) },
  })
  const batchItems = new Counter({ name: 'peakmatch_batch_items_total', help: 'Batch items, by op and outcome (ok or the error code)', labelNames: ['op', 'outcome'] as const, registers: [registry] })
  const reloads = new Counter({ name: 'peakmatch_catalog_reloads_total', help: 'Catalog reloads (admin or SIGHUP), by outcome', labelNames: ['outcome'] as const, registers: [registry] })
  new Gauge({
    name: 'peakmatch_catalog_tracks', help: 'Tracks in the catalog being served', registers: [registry],
    async collect() {
      try { this.set((await backend.info()).stats.tracks) } catch { /* a cluster that cannot say: the gauge keeps its last value */ }
    },
  })
  const partialAnswers = new Counter({
    name: 'peakmatch_partial_answers_total', help: 'Answers (requests, or batch items) made without a shard that did not answer in time, by that shard', labelNames: ['shard'] as const, registers: [registry],
  })
  return { registry, requests, duration, inFlight, batchItems, reloads, partialAnswers }
}
