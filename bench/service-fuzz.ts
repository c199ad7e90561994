/**
 * Hostile requests against a real `peakmatch serve` process (docs/service.md, "Fuzz"): at least
 * 10 000 seeded bodies from test/service/fuzz-bodies.ts (truncations, bit flips, forged counts,
 * versions, times and durations with the checksum made right, random bytes, gzip that does not
 * inflate, msgpack batches of wrong shapes and sizes). Passes when every answer is 200 or a typed
 * 4xx, the process is still up and answers a good query, and its memory is flat.
 *
 *   npm run bench:fuzz -- [--corpus /work/corpus] [--requests 10000] [--concurrency 4] [--seed 1] [--gateway]
 *
 * Prints the server's RSS before and after (from /proc), and the count of each answer.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { saveCatalog } from '../packages/node/src/scan.js'
import { fuzzRequests, type FuzzRequest } from '../test/service/fuzz-bodies.js'
import { corpusCatalog, loadCorpusPrints } from './corpus-prints.js'
import { Processes, freePort, runSplit, startGateway, startNats, startShard } from '../scripts/local-cluster.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus') ?? '/work/corpus'
const total = Number(arg('--requests') ?? 10_000)
const concurrency = Number(arg('--concurrency') ?? 4)
const seed = Number(arg('--seed') ?? 1)
const viaGateway = argv.includes('--gateway')

const prints = loadCorpusPrints(corpus, console.log)
const catalog = corpusCatalog(prints)
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-fuzz-'))
const file = join(dir, 'catalog.pmx')
saveCatalog(catalog, file)
// Good bodies to mutate: 10 s snippets and a few whole files.
const snippets = prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10 && p.expected)
const good = [...snippets.slice(0, 20), ...prints.filter((p) => p.kind === 'whole').slice(0, 5)].map((p) => Buffer.from(p.bytes))
console.log(`peakmatch serve${viaGateway ? ' --gateway (2 shards on NATS)' : ''} fuzz — ${total} requests, ${concurrency} at a time, seed ${seed}; catalog ${catalog.size} tracks; node ${process.version}, ${cpus().length} cores`)

// --gateway: the same bodies against a cluster's gateway (one NATS node, 2 shards of one replica),
// which serves the same HTTP API over NATS: the server measured is the gateway.
const processes = new Processes()
let server: ChildProcess
let url: string
if (viaGateway) {
  const nodes = await startNats(processes, dir, 1)
  await runSplit(processes, [file, '--shards', '2', '-o', join(dir, 'shards'), '--publish', '--nats', nodes[0]!.url])
  for (const k of [0, 1]) await startShard(processes, { nats: nodes[0]!.url, shard: k, shards: 2, catalog: join(dir, 'shards', `shard-${k}-of-2.pmx`) })
  const port = await freePort()
  server = (await startGateway(processes, { nats: nodes[0]!.url, port })).child
  url = `http://127.0.0.1:${port}`
} else {
  const CLI = new URL('../packages/node/src/bin.ts', import.meta.url).pathname
  server = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--catalog', file, '--port', '0'], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] })
  url = await new Promise<string>((resolve, reject) => {
    let out = ''
    server.stdout!.setEncoding('utf8').on('data', (t: string) => { out += t; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) resolve(m[1]!) })
    server.on('exit', (code) => reject(new Error(`peakmatch serve exited with ${code}`)))
  })
}
let exitCode: number | null | undefined
server.on('exit', (code, signal) => { exitCode = code ?? (signal ? -1 : null) })
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`

async function send(q: FuzzRequest): Promise<{ status: number; code: string }> {
  const r = await fetch(url + q.url, { method: 'POST', body: new Uint8Array(q.body), headers: { 'content-type': q.type, ...(q.encoding ? { 'content-encoding': q.encoding } : {}) } })
  const text = await r.text()
  if (r.status === 200) return { status: 200, code: '' }
  let code = 'NOT JSON'
  try { code = (JSON.parse(text) as { error: { code: string } }).error.code } catch { /* counted as NOT JSON */ }
  return { status: r.status, code }
}

const goodQuery = async () => (await fetch(url + '/v1/match', { method: 'POST', body: new Uint8Array(good[0]!), headers: { 'content-type': 'application/octet-stream' } })).json() as Promise<{ matches: { trackId: string }[] }>
const expected = (await goodQuery()).matches[0]?.trackId
// Warm up the same paths first, so that "after" compares with a server that has met every kind of body.
const warm = fuzzRequests(good, seed + 1000)
for (let i = 0; i < 500; i++) await send(warm())
const before = rss()
const next = fuzzRequests(good, seed)
const counts = new Map<string, number>()
let bad = 0, sent = 0
// RSS every tenth of the run: flat memory is a plateau, not "after ≈ before" (V8 collects lazily).
const samples: string[] = []
const t0 = performance.now()
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (sent < total) {
    sent++
    if (sent % Math.ceil(total / 10) === 0) samples.push(mb(rss()))
    const q = next()
    let k: string
    try {
      const r = await send(q)
      k = r.status === 200 ? '200' : `${r.status} ${r.code}`
      if (r.status !== 200 && (r.status < 400 || r.status >= 500 || r.code === 'NOT JSON')) { bad++; console.log(`BAD: ${k} for ${q.url} ${q.body.subarray(0, 48).toString('hex')}`) }
    } catch (e) {
      k = `network error: ${(e as Error).message}`
      bad++
    }
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
}))
const seconds = (performance.now() - t0) / 1000
const after = rss()
const still = exitCode === undefined ? (await goodQuery()).matches[0]?.trackId : undefined
const maxRss = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024
console.log(`\n${sent} requests in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s)`)
for (const [k, n] of [...counts].sort()) console.log(`  ${k.padEnd(34)} ${n}`)
console.log(`server RSS: ${mb(before)} before, ${mb(after)} after (${after >= before ? '+' : ''}${mb(after - before)}); peak ${mb(maxRss)}`)
console.log(`server RSS every tenth of the run: ${samples.join(', ')}`)
console.log(`server still up: ${exitCode === undefined}, answers a good query as before: ${still === expected} (${still})`)
console.log(bad === 0 && still === expected ? 'PASS: only 200 or typed 4xx answers, no crash' : `FAIL: ${bad} answers were not 200 or a typed 4xx`)
server.kill('SIGTERM')
await new Promise((r) => server.once('exit', r))
await processes.stopAll()
rmSync(dir, { recursive: true, force: true })
process.exitCode = bad === 0 && still === expected ? 0 : 1
