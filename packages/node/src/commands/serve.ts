/**
 * `peakmatch serve`: the match service (issue 10) — one process holding one catalog, answering
 * the HTTP API of service/http.ts until SIGINT or SIGTERM, reloading the catalog file on SIGHUP.
 * The NATS cluster (--nats: a shard or the gateway) is commands/serve-cluster.ts, hooked below.
 */
import { resolve } from 'node:path'
import { CliError, errorMessage } from '../errors.js'
import { loadCatalog } from '../scan.js'
import { LocalBackend } from '../service/backend.js'
import { buildService, DEFAULTS, type Service } from '../service/http.js'
import { EXIT, parse, positiveIntOf, type Io } from './common.js'
import { HELP } from './help.js'

/** How often a line sums up the requests answered (when there were any): the only request log. */
const SUMMARY_SECONDS = 60

export const SERVE_OPTIONS = {
  catalog: { type: 'string', short: 'c' },
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'admin-token': { type: 'string' },
  'max-body-mb': { type: 'string' },
  'max-items': { type: 'string' },
  'deadline-ms': { type: 'string' },
  'max-queue': { type: 'string' },
  // The NATS cluster's options (commands/serve-cluster.ts): declared here so that they parse.
  nats: { type: 'string' },
  shard: { type: 'string' },
  gateway: { type: 'boolean' },
  shards: { type: 'string' },
} as const

export async function cmdServe(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('serve', args, SERVE_OPTIONS)
  if (values.help) { io.out(HELP.serve!); return EXIT.OK }
  if (positionals.length > 0) throw new CliError(EXIT.USAGE, `serve: unexpected argument ${JSON.stringify(positionals[0])} (the catalog is given with --catalog)`)

  // ---- cluster hook (issue 10, part 4): the cluster helper's module takes these; the lead merges:
  // if (values.nats) return serveCluster(values, io)
  if (values.nats !== undefined || values.shard !== undefined || values.gateway || values.shards !== undefined) {
    throw new CliError(EXIT.USAGE, 'serve: --nats, --shard, --gateway and --shards run a NATS cluster, which this build of peakmatch does not include; serve one catalog with: peakmatch serve --catalog catalog.pmx')
  }

  if (!values.catalog) throw new CliError(EXIT.USAGE, 'serve: --catalog <catalog.pmx> is required')
  const port = values.port === undefined ? 8080 : portOf(values.port)
  const host = values.host ?? '127.0.0.1'
  const maxBodyMb = values['max-body-mb'] === undefined ? DEFAULTS.maxBodyBytes / 2 ** 20 : positiveIntOf('--max-body-mb', values['max-body-mb'], 1024)
  const maxItems = values['max-items'] === undefined ? DEFAULTS.maxItems : positiveIntOf('--max-items', values['max-items'], 100_000)
  const deadlineMs = values['deadline-ms'] === undefined ? DEFAULTS.deadlineMs : positiveIntOf('--deadline-ms', values['deadline-ms'], 3_600_000)
  const maxQueue = values['max-queue'] === undefined ? DEFAULTS.maxQueue : positiveIntOf('--max-queue', values['max-queue'], 100_000)
  const adminToken = values['admin-token'] ?? (process.env.PEAKMATCH_ADMIN_TOKEN || undefined)

  const path = resolve(values.catalog)
  const catalog = loadCatalog(path)
  const log = (line: string) => io.err(`peakmatch serve: ${new Date().toISOString()} ${line}\n`)
  const backend = new LocalBackend(catalog, async () => loadCatalog(path))
  const service = await buildService(backend, { maxBodyBytes: maxBodyMb * 2 ** 20, maxItems, deadlineMs, maxQueue, adminToken, log })
  return await serveUntilStopped(service, { port, host, tracks: catalog.size, io, log })
}

/**
 * Listens, prints the one line that says so (with the real port when 0 was asked), then runs
 * until SIGINT (io.signal) or SIGTERM: stops taking connections, finishes the requests under way
 * and returns 0. SIGHUP reloads the catalog. Shared with the cluster's gateway.
 */
export async function serveUntilStopped(service: Service, o: { port: number; host: string; tracks: number; io: Io; log: (line: string) => void }): Promise<number> {
  const { io, log } = o
  try {
    await service.app.listen({ port: o.port, host: o.host })
  } catch (e) {
    await service.close().catch(() => {})
    throw new CliError(EXIT.USAGE, `serve: cannot listen on ${o.host}:${o.port}: ${errorMessage(e)}`)
  }
  const address = service.app.server.address()
  const port = address !== null && typeof address === 'object' ? address.port : o.port
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host
  io.out(`peakmatch serve: listening on http://${shownHost}:${port} (${o.tracks} tracks)\n`)

  const onHup = () => { service.reload('SIGHUP').catch(() => { /* logged by reload; the old catalog is still served */ }) }
  let stop!: (signal: string) => void
  const stopped = new Promise<string>((r) => { stop = r })
  const onTerm = () => stop('SIGTERM')
  const onAbort = () => stop('SIGINT')
  process.on('SIGHUP', onHup)
  process.on('SIGTERM', onTerm)
  if (io.signal?.aborted) stop('SIGINT')
  io.signal?.addEventListener('abort', onAbort)
  const summary = setInterval(() => { void logSummary(service, log) }, SUMMARY_SECONDS * 1000)
  summary.unref()
  try {
    const signal = await stopped
    log(`${signal}: finishing the requests under way, then stopping`)
    await service.close()
    await logSummary(service, log)
    log('stopped')
    return EXIT.OK
  } finally {
    clearInterval(summary)
    process.off('SIGHUP', onHup)
    process.off('SIGTERM', onTerm)
    io.signal?.removeEventListener('abort', onAbort)
  }
}

const logged = new WeakMap<Service, Map<string, number>>()

/** One line with the requests answered since the last one, by status class (nothing when none were). */
async function logSummary(service: Service, log: (line: string) => void): Promise<void> {
  const now = new Map<string, number>()
  for (const v of (await service.metrics.requests.get()).values) {
    const k = `${String(v.labels.status).slice(0, 1)}xx`
    now.set(k, (now.get(k) ?? 0) + v.value)
  }
  const before = logged.get(service) ?? new Map<string, number>()
  logged.set(service, now)
  const parts = [...now].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0).sort()
  const total = parts.reduce((s, [, n]) => s + n, 0)
  if (total > 0) log(`${total} requests answered (${parts.map(([k, n]) => `${k} ${n}`).join(', ')})`)
}

function portOf(v: string): number {
  const n = Number(v)
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new CliError(EXIT.USAGE, `--port must be an integer from 0 (any free port) to 65535, got ${JSON.stringify(v)}`)
  return n
}
