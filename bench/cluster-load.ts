/**
 * Throughput and latency of the local cluster against the single-process service, on loopback
 * with autocannon (bounded: a fixed number of connections, each one request at a time), for
 * 10 s snippet matches (/v1/match) and whole-file identifies (/v1/identify) of the dev corpus
 * (docs/cluster.md, "Load"):
 *
 *   tsx bench/cluster-load.ts [--corpus /work/corpus] [--connections 8] [--seconds 10]
 *
 * Single: `peakmatch serve --catalog dev.pmx`. Cluster: 3 NATS nodes, 4 shards × 2 replicas,
 * one gateway, all on this machine (so it measures the cost of the scatter-gather on the same
 * cores, not the capacity of more machines).
 */
import { createRequire } from 'node:module'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, Processes, runSplit, startGateway, startNats, startShard } from '../scripts/local-cluster.js'
import { bodyOf, devCorpus, percentile } from './cluster-support.js'

interface AutocannonResult { requests: { average: number; total: number }; latency: { p50: number; p97_5: number; p99: number; average: number; max: number }; non2xx: number; errors: number; timeouts: number; duration: number; '2xx': number }
interface Instance { on(event: 'response', f: (client: unknown, status: number, bytes: number, ms: number) => void): void }
type Autocannon = (o: Record<string, unknown>, done: (err: Error | null, r: AutocannonResult) => void) => Instance
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

/** One autocannon run, with every response's latency kept (autocannon's own summary has p97.5 and p99 but no p95). */
function cannon(o: Record<string, unknown>): Promise<{ result: AutocannonResult; latenciesMs: number[] }> {
  return new Promise((resolve, reject) => {
    const latenciesMs: number[] = []
    const instance = autocannon(o, (err, result) => (err ? reject(err) : resolve({ result, latenciesMs })))
    instance.on('response', (_client, _status, _bytes, ms) => latenciesMs.push(ms))
  })
}

const argv = process.argv.slice(2)
const arg = (name: string, d: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : d }
const corpus = arg('--corpus', '/work/corpus')
const connections = Number(arg('--connections', '8'))
const seconds = Number(arg('--seconds', '10'))
const SHARDS = 4
const ROOT = fileURLToPath(new URL('..', import.meta.url))

const dir = mkdtempSync(join(tmpdir(), 'peakmatch-load-'))
const processes = new Processes()

async function measure(label: string, base: string, dev: ReturnType<typeof devCorpus>): Promise<string[]> {
  const rows: string[] = []
  for (const [kind, queries] of [['match', dev.snippets.slice(0, 100)], ['identify', dev.wholes.slice(0, 100)]] as const) {
    const requests = queries.map((q) => ({ method: 'POST', path: `/v1/${kind}`, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(bodyOf(q)) }))
    await cannon({ url: base, connections, duration: 2, requests })   // warm-up
    const { result: r, latenciesMs } = await cannon({ url: base, connections, duration: seconds, requests, timeout: 20 })
    const sorted = latenciesMs.sort((a, b) => a - b)
    const p = (q: number) => percentile(sorted, q).toFixed(0)
    const row = `| ${label} | ${kind === 'match' ? '10 s snippet /v1/match' : 'whole file /v1/identify'} | ${(r['2xx'] / r.duration).toFixed(1)} | ${p(50)} | ${p(95)} | ${p(99)} | ${r.non2xx + r.errors + r.timeouts} |`
    console.log(row)
    rows.push(row)
  }
  return rows
}

try {
  const dev = devCorpus(corpus, join(dir, 'catalog.pmx'))
  console.log(`catalog: dev corpus, ${dev.tracks} tracks; ${connections} connections, ${seconds} s per run, on ${(await import('node:os')).cpus().length} cores`)
  // Other work on the machine skews every number here: say how busy it was.
  console.log(`load average at start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(', ')}`)
  console.log('| service | query | requests/s | p50 ms | p95 ms | p99 ms | failed |\n|---|---|---|---|---|---|---|')
  // Single process
  const port1 = await freePort()
  const single = processes.start('serve', process.execPath, ['--import', 'tsx', join(ROOT, 'packages/node/src/bin.ts'), 'serve', '--catalog', dev.catalogPath, '--port', String(port1)])
  for (let i = 0; ; i++) {
    try { if ((await fetch(`http://127.0.0.1:${port1}/readyz`)).ok) break } catch { /* starting */ }
    if (i > 300 || single.child.exitCode !== null) throw new Error(`serve did not start:\n${single.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  await measure('single process', `http://127.0.0.1:${port1}`, dev)
  single.child.kill('SIGTERM')
  await single.exited
  // Cluster
  const nodes = await startNats(processes, dir, 3)
  const urls = nodes.map((n) => n.url).join(',')
  const split = await runSplit(processes, [dev.catalogPath, '--shards', String(SHARDS), '-o', join(dir, 'shards'), '--publish', '--nats', urls, '--js-replicas', '3'])
  console.log(`shards: ${[...split.matchAll(/: (\d+) tracks \(/g)].map((m) => m[1]).join(' / ')} tracks`)
  await Promise.all(Array.from({ length: SHARDS }, async (_, k) => {
    await startShard(processes, { nats: urls, shard: k, shards: SHARDS, replica: 'a', catalog: join(dir, 'shards', `shard-${k}-of-${SHARDS}.pmx`) })
    await startShard(processes, { nats: urls, shard: k, shards: SHARDS, replica: 'b' })
  }))
  const port2 = await freePort()
  await startGateway(processes, { nats: urls, port: port2 })
  await measure(`cluster ${SHARDS}×2, 3 NATS`, `http://127.0.0.1:${port2}`, dev)
} finally {
  console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(', ')}`)
  await processes.stopAll()
  rmSync(dir, { recursive: true, force: true })
}
