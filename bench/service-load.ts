/**
 * Load on the single-process match service (docs/service.md, "Load"): `peakmatch serve` on the dev
 * corpus catalog, a bounded autocannon load on loopback, throughput and p50/p95/p99 latency for
 * 10 s snippet matches (POST /v1/match) and whole-file identifies (POST /v1/identify).
 *
 *   npm run bench:service -- [--corpus /work/corpus] [--seconds 10] [--connections 1,8] [--overload 128]
 *
 * The overload run sends snippets on more connections than the server lets wait (--max-queue 64):
 * the excess is answered 503 OVERLOADED at once, and the latency of the answered ones stays bounded.
 *
 * The queries are fingerprinted once (bench/corpus-prints.ts's cache) and sent as bytes, in a
 * fixed rotation over every 10 s snippet (in and out of the catalog) or every whole file. The
 * server runs from source through tsx, as the tests run it; autocannon runs in this process, so
 * on a 2-core machine the server has one core and the load generator the other.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { saveCatalog } from '../packages/node/src/scan.js'
import { fingerprintFromBytes } from '../src/index.js'
import { corpusCatalog, loadCorpusPrints } from './corpus-prints.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus') ?? '/work/corpus'
const seconds = Number(arg('--seconds') ?? 10)
const connectionsList = (arg('--connections') ?? '1,8').split(',').map(Number)
/** Connections of the overload run (past the server's --max-queue 64): 0 skips it. */
const overload = Number(arg('--overload') ?? 128)

const prints = loadCorpusPrints(corpus, console.log)
const catalog = corpusCatalog(prints)
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-load-'))
const file = join(dir, 'catalog.pmx')
saveCatalog(catalog, file)
const stats = catalog.stats()
const snippets = prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10).map((p) => Buffer.from(p.bytes))
const wholes = prints.filter((p) => p.kind === 'whole').map((p) => Buffer.from(p.bytes))
const mean = (a: Buffer[]) => Math.round(a.reduce((s, b) => s + b.length, 0) / a.length)
console.log(`peakmatch serve load — catalog: ${catalog.size} tracks, ${(stats.seconds / 3600).toFixed(2)} h of audio (${corpus}); node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at start`)
console.log(`queries: ${snippets.length} 10 s snippets (${snippets.length - prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10 && p.expected).length} not in the catalog), mean ${mean(snippets)} B; ${wholes.length} whole files, mean ${mean(wholes)} B\n`)

// The compute alone, in this process, over the same rotation: what the HTTP layer adds is the rest.
function inProcess(name: string, bodies: Buffer[], run: (b: Buffer) => unknown): void {
  const times: number[] = []
  for (const b of bodies) { const t0 = performance.now(); run(b); times.push(performance.now() - t0) }
  times.sort((a, b) => a - b)
  const sum = times.reduce((a, b) => a + b, 0)
  console.log(`in process: ${name.padEnd(22)} ${times.length} queries, mean ${(sum / times.length).toFixed(1)} ms (${(1000 * times.length / sum).toFixed(1)}/s on one core), p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms`)
}
inProcess('match, 10 s snippets', snippets, (b) => catalog.match(fingerprintFromBytes(b)))
inProcess('identify, whole files', wholes, (b) => catalog.identify(fingerprintFromBytes(b)))
console.log('')

// The server, as a user starts it.
const CLI = new URL('../packages/node/src/bin.ts', import.meta.url).pathname
const server = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--catalog', file, '--port', '0'], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] })
const url = await new Promise<string>((resolve, reject) => {
  let out = ''
  server.stdout!.setEncoding('utf8').on('data', (t: string) => { out += t; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]!) })
  server.on('exit', (code) => reject(new Error(`peakmatch serve exited with ${code}`)))
})

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

interface Row { name: string; connections: number; requests: number; rps: number; p50: number; p95: number; p99: number; max: number; non2xx: number; errors: number; overloaded: number }
const rows: Row[] = []
async function load(name: string, path: string, bodies: Buffer[], connections: number): Promise<void> {
  let next = 0
  const times: number[] = []
  let overloaded = 0
  const instance = autocannon({
    url, connections, duration: seconds, timeout: 30,
    requests: [{
      method: 'POST', path, headers: { 'content-type': 'application/octet-stream' },
      setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }),
    }],
  })
  // Latency of the answers (2xx); the 503 OVERLOADED of the overload run are counted apart.
  instance.on('response', (_c, status, _bytes, ms) => { if (status === 503) overloaded++; else times.push(ms) })
  const r = await instance
  times.sort((a, b) => a - b)
  const row: Row = {
    name, connections, requests: times.length, rps: times.length / r.duration,
    p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99), max: times[times.length - 1] ?? NaN, non2xx: r.non2xx - overloaded, errors: r.errors + r.timeouts, overloaded,
  }
  rows.push(row)
  console.log(`${name.padEnd(26)} c=${String(connections).padEnd(3)} ${row.requests} requests, ${row.rps.toFixed(1)}/s; latency p50 ${row.p50.toFixed(1)} ms, p95 ${row.p95.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, max ${row.max.toFixed(0)} ms; non-2xx ${row.non2xx}, errors ${row.errors}${overloaded ? `, 503 OVERLOADED ${overloaded} (${(overloaded / r.duration).toFixed(0)}/s)` : ''}`)
}

try {
  // Warm-up: the server's first queries compile its hot paths.
  await load('warm-up', '/v1/match', snippets, 2)
  rows.length = 0
  for (const c of connectionsList) await load('match, 10 s snippets', '/v1/match', snippets, c)
  for (const c of connectionsList) await load('identify, whole files', '/v1/identify', wholes, c)
  if (overload > 0) await load('match, overload', '/v1/match', snippets, overload)
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024
  console.log(`\nserver RSS after the runs: ${(rss / 2 ** 20).toFixed(0)} MB`)
  console.log('\n| route | connections | answers/s | p50 ms | p95 ms | p99 ms | max ms | 503 | other non-2xx, errors |\n|---|---|---|---|---|---|---|---|---|')
  for (const r of rows) console.log(`| ${r.name} | ${r.connections} | ${r.rps.toFixed(1)} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(0)} | ${r.overloaded} | ${r.non2xx + r.errors} |`)
} finally {
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
}
