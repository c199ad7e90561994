/**
 * `peakmatch serve --nats …` from the TypeScript source, with the bin's signal handling: what
 * scripts/local-cluster.ts starts for each shard replica and the gateway. The gateway's HTTP API
 * is serve's (commands/serve.ts: buildService + serveUntilStopped), looked up at run time so that
 * this runner works in a tree without it too (the shards need none; the gateway then says so).
 */
import type { Backend } from '../packages/node/src/service/backend.js'
import { cmdServeCluster, type HttpFront } from '../packages/node/src/commands/serve-cluster.js'
import { CliError } from '../packages/node/src/errors.js'
import type { Io } from '../packages/node/src/commands/common.js'

interface ServeModules {
  buildService(backend: Backend, options: { log?: (line: string) => void }): Promise<unknown>
  serveUntilStopped(service: unknown, o: { port: number; host: string; tracks: number; io: Io; log: (line: string) => void }): Promise<number>
}

async function httpFront(args: string[]): Promise<HttpFront | undefined> {
  const http = '../packages/node/src/service/http.js', serve = '../packages/node/src/commands/serve.js'
  let m: ServeModules
  try { m = { ...(await import(http)), ...(await import(serve)) } as ServeModules } catch { return undefined }
  if (typeof m.buildService !== 'function' || typeof m.serveUntilStopped !== 'function') return undefined
  const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined }
  return async (backend, io) => {
    const log = (line: string) => io.err(`peakmatch gateway: ${new Date().toISOString()} ${line}\n`)
    const service = await m.buildService(backend, { log })
    const info = await backend.info()
    return m.serveUntilStopped(service, { port: Number(opt('--port') ?? 8080), host: opt('--host') ?? '127.0.0.1', tracks: info.stats.tracks, io, log })
  }
}

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
const args = process.argv.slice(2)
try {
  process.exitCode = await cmdServeCluster(args, {
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: false, signal: controller.signal,
  }, args.includes('--gateway') ? await httpFront(args) : undefined)
} catch (e) {
  process.stderr.write(`peakmatch: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = e instanceof CliError ? e.exitCode : 5
}
