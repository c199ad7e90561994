/**
 * The cluster side of `peakmatch serve` (docs/cluster.md): with --nats URL, either one replica of
 * one shard (--shard K/N) or the HTTP gateway in front of all shards (--gateway). commands/serve.ts
 * hands its parsed options here when --nats is given.
 */
import { ClusterBackend } from '../cluster/cluster-backend.js'
import { checkCatalogName, ClusterNames, parseShardSpec } from '../cluster/names.js'
import { connectNats } from '../cluster/nats.js'
import { ShardServer } from '../cluster/shard-server.js'
import { CliError, errorMessage } from '../errors.js'
import { EXIT, parse, positiveIntOf, type Io, type OptionSpec } from './common.js'

/** The options only the cluster branch has, for serve's parse (--catalog, --port and --host are serve's own, shared). */
export const CLUSTER_SERVE_OPTIONS = {
  nats: { type: 'string' },
  shard: { type: 'string' },
  gateway: { type: 'boolean' },
  /** The gateway's check of the shard count (it reads N from the registry; a different --shards is a usage error). */
  shards: { type: 'string' },
  name: { type: 'string' },
  'shard-timeout-ms': { type: 'string' },
  'js-replicas': { type: 'string' },
  'snapshot-delay-ms': { type: 'string' },
} as const satisfies OptionSpec

const SHARED_OPTIONS = { catalog: { type: 'string' }, port: { type: 'string' }, host: { type: 'string' } } as const satisfies OptionSpec
type Options = typeof CLUSTER_SERVE_OPTIONS & typeof SHARED_OPTIONS
export type ClusterServeValues = { [K in keyof Options]?: Options[K]['type'] extends 'string' ? string : boolean }

/**
 * The gateway's HTTP API: serve's app over the cluster's Backend, run until SIGTERM/SIGINT, then
 * closed (which closes the backend); resolves with the exit code. serve.ts passes
 * `(backend, io) => serveUntilStopped(await buildService(backend, …), …)`.
 */
export type HttpFront = (backend: ClusterBackend, io: Io) => Promise<number>

/**
 * Runs a shard replica or the gateway until SIGTERM, SIGINT (io.signal) or a fatal error;
 * returns the exit code. `http` starts the gateway's HTTP API (serve.ts passes its own).
 */
export async function serveCluster(values: ClusterServeValues, io: Io, http?: HttpFront): Promise<number> {
  if (values.nats === undefined) throw new CliError(EXIT.USAGE, 'serve: --nats URL is required for --shard or --gateway')
  if ((values.shard === undefined) === !values.gateway) throw new CliError(EXIT.USAGE, 'serve --nats: give either --shard K/N (a shard replica) or --gateway (the HTTP front)')
  const name = checkCatalogName(values.name ?? 'catalog')
  return values.gateway ? gateway(values, name, io, http) : shard(values, name, io)
}

/** `peakmatch serve --nats …` parsed from its arguments (the dev runner and tests; serve.ts calls serveCluster). */
export async function cmdServeCluster(args: string[], io: Io, http?: HttpFront): Promise<number> {
  const { values, positionals } = parse('serve', args, { ...CLUSTER_SERVE_OPTIONS, ...SHARED_OPTIONS })
  if (positionals.length > 0) throw new CliError(EXIT.USAGE, `serve: unexpected argument ${JSON.stringify(positionals[0])}`)
  return serveCluster(values, io, http)
}

async function shard(values: ClusterServeValues, name: string, io: Io): Promise<number> {
  if (values.port !== undefined || values.host !== undefined) throw new CliError(EXIT.USAGE, 'serve --shard: a shard has no HTTP port (--port and --host are for --gateway)')
  const { shard, shards } = parseShardSpec(values.shard!)
  const replicas = positiveIntOf('--js-replicas', values['js-replicas'] ?? '1', 5)
  const snapshotDelayMs = values['snapshot-delay-ms'] !== undefined ? positiveIntOf('--snapshot-delay-ms', values['snapshot-delay-ms'], 3_600_000) : undefined
  const names = new ClusterNames(name)
  const nc = await connectNats(values.nats!, `peakmatch-shard-${shard}-of-${shards}`)
  // Listening for SIGTERM from the start: one that comes while the catalog loads stops the start-up cleanly.
  const stop = stopRequested(io, nc.closed())
  const log = (line: string) => io.err(`${line}\n`)
  let server: ShardServer
  try {
    server = await ShardServer.start({ nc, names, shard, shards, replicas, log, ...(values.catalog !== undefined ? { catalogPath: values.catalog } : {}), ...(snapshotDelayMs !== undefined ? { snapshotDelayMs } : {}) })
  } catch (e) {
    await nc.close()
    if (e instanceof CliError) throw e
    throw new CliError(3, `shard ${shard}/${shards} could not start: ${errorMessage(e)}`)
  }
  const s = server.status()
  io.out(`peakmatch shard ${shard}/${shards} of catalog ${JSON.stringify(name)} ready (pid ${process.pid}): ${s.stats.tracks} tracks from ${server.source}, update ${s.seq}; subjects ${names.shardSubject(shard, shards, 'pass').replace(/\.pass$/, '.*')}, queue group ${names.queueGroup(shard)}\n`)
  const why = await stop
  log(`shard ${shard}/${shards}: ${why}: draining (requests received are answered; new ones go to other replicas)`)
  await server.stop()
  await nc.drain().catch(() => {})
  log(`shard ${shard}/${shards}: stopped`)
  return why === 'NATS connection closed' ? EXIT.INTERNAL : EXIT.OK
}

async function gateway(values: ClusterServeValues, name: string, io: Io, http: HttpFront | undefined): Promise<number> {
  if (values.catalog !== undefined) throw new CliError(EXIT.USAGE, 'serve --gateway: the gateway holds no catalog (--catalog is for --shard: the shard file)')
  if (!http) throw new CliError(EXIT.USAGE, 'serve --gateway: this build has no HTTP front wired (commands/serve.ts passes it)')
  const shardTimeoutMs = positiveIntOf('--shard-timeout-ms', values['shard-timeout-ms'] ?? '2000', 600_000)
  const nc = await connectNats(values.nats!, 'peakmatch-gateway')
  // The HTTP front listens for SIGTERM itself once it runs; until then this one does.
  const stop = stopRequested(io, nc.closed())
  const log = (line: string) => io.err(`${line}\n`)
  let backend: ClusterBackend
  try {
    backend = await ClusterBackend.connect({ nc, name, shardTimeoutMs, log })
  } catch (e) {
    await nc.close()
    throw new CliError(3, `gateway: ${errorMessage(e)}`)
  }
  if (values.shards !== undefined && positiveIntOf('--shards', values.shards, 1024) !== backend.shards) {
    await backend.close()
    await nc.close()
    throw new CliError(EXIT.USAGE, `serve --gateway: catalog ${JSON.stringify(name)} is split into ${backend.shards} shards in the registry, not ${values.shards}`)
  }
  log(`gateway: catalog ${JSON.stringify(name)} in ${backend.shards} shards (shard timeout ${shardTimeoutMs} ms)`)
  try {
    // A SIGTERM while connecting: stop here rather than start listening.
    if (await Promise.race([stop, Promise.resolve(undefined)]) !== undefined) return EXIT.OK
    return await http(backend, io)
  } finally {
    await backend.close()
    await nc.drain().catch(() => {})
  }
}

/**
 * Resolves with the reason when the process should stop: SIGTERM, SIGINT (io.signal), or the
 * NATS connection closing for good. The SIGTERM listener stays: a second SIGTERM while draining
 * does not cut the drain short (SIGKILL does).
 */
function stopRequested(io: Io, closed: Promise<void | Error>): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false
    const onTerm = () => done('SIGTERM')
    const onAbort = () => done('interrupted')
    function done(why: string) {
      if (stopping) return
      stopping = true
      io.signal?.removeEventListener('abort', onAbort)
      resolve(why)
    }
    process.on('SIGTERM', onTerm)
    if (io.signal?.aborted) done('interrupted')
    io.signal?.addEventListener('abort', onAbort)
    void closed.then(() => done('NATS connection closed'))
  })
}
