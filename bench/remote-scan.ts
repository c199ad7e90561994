/**
 * What `peakmatch scan --server` sends, what a decision needs, and how fast it goes, on the dev
 * corpus (docs/scan.md, "Scanning against a server"):
 *
 *   npx tsx bench/remote-scan.ts --corpus /work/corpus [--jobs 2] [--cache FILE] [--cold] [--ranks 1,2,3]
 *                                [--throughput-only] [--remote-first]
 *
 * 1. A catalog of the corpus's tracks, saved for the service: `peakmatch serve --catalog`, a
 *    process of its own on loopback (run from the source).
 * 2. Bytes: every query and negative file's fingerprint as sent (fingerprintToBytes of what
 *    remote/send.ts keeps), its gzip -6 size for reference, and the request bodies as sent, against
 *    the file's own size and against a 128 kbit/s mp3 of the same length (16 000 B/s).
 * 3. What a decision needs: every file decided locally (decide.ts) with all its hashes, and with
 *    only the hashes of rank < K, the answers (status, track) compared.
 * 4. Throughput: scanLibrary against the catalog in this process and through the service, from
 *    the fingerprint cache (decoding out of the way: the decision's own cost) and, with --cold,
 *    decoding every file (no cache).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { fingerprintToBytes, type Catalog, type Fingerprint } from '../src/index.js'
import { decide, type Reading, type ScanFileResult } from '../packages/node/src/decide.js'
import { FingerprintCache } from '../packages/node/src/cache.js'
import { RemoteCatalog } from '../packages/node/src/remote/remote-catalog.js'
import { fingerprintToSend, keepRanksBelow } from '../packages/node/src/remote/send.js'
import { buildCatalog, readFiles, saveCatalog, scanLibrary, type ScanResult } from '../packages/node/src/scan.js'
import { walkAudio } from '../packages/node/src/walk.js'

const workerScript = new URL('../test/support/scan-worker.mjs', import.meta.url)
const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }

let sharedCache: FingerprintCache

await main()

async function main(): Promise<void> {
  const dir = arg('--corpus')
  if (!dir) { console.error('usage: npx tsx bench/remote-scan.ts --corpus DIR [--jobs 2] [--cache FILE] [--cold] [--ranks 1,2,3]'); process.exit(2) }
  const jobs = Number(arg('--jobs') ?? 2)
  const ranks = (arg('--ranks') ?? '1,2,3').split(',').map(Number)
  const tmp = mkdtempSync(join(tmpdir(), 'peakmatch-remote-bench-'))
  const cachePath = arg('--cache') ?? join(tmp, 'cache.lmdb')
  console.log(`peakmatch scan --server benchmark — ${dir}; node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${jobs} decoding threads\n`)

  let t0 = performance.now()
  const built = await buildCatalog([join(dir, 'catalog')], { jobs, workerScript, cache: await FingerprintCache.open(cachePath, false) })
  const pmx = join(tmp, 'catalog.pmx')
  saveCatalog(built.catalog, pmx)
  const catalog = built.catalog
  console.log(`catalog: ${catalog.size} tracks, ${(catalog.stats().seconds / 3600).toFixed(2)} h, indexFanout ${catalog.settings().indexFanout}, built in ${((performance.now() - t0) / 1000).toFixed(0)} s`)

  const library = [join(dir, 'queries'), join(dir, 'negatives')]
  const files = walkAudio(library).files
  t0 = performance.now()
  const readings: Reading[] = []
  const cache = await FingerprintCache.open(cachePath, false)
  await readFiles(files, { jobs, workerScript }, cache, (r) => readings.push(r))
  await cache.save()
  console.log(`read ${readings.length} files (${readings.filter((r) => r.cached).length} from the cache ${cachePath}) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
  const ok = readings.filter((r) => r.fp && r.info)
  const kindOf = (r: Reading) => (r.file.path.includes('/queries/whole/') ? 'whole-file queries' : r.file.path.includes('/queries/snippet/') ? 'snippet queries' : 'negatives (whole tracks)')

  if (!argv.includes('--throughput-only')) await sizes()
  async function sizes(): Promise<void> {
  // ------------------------------------------------------------------ bytes per file
  console.log('## Bytes sent per file (fingerprint as sent by remote/send.ts; gzip -6 for reference)\n')
  console.log('| files | n | audio | fingerprint B/s | gzip B/s | of a 128 kbit/s mp3 | of the file (WAV) | per file, median |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const kind of ['whole-file queries', 'negatives (whole tracks)', 'snippet queries']) {
    const rs = ok.filter((r) => kindOf(r) === kind)
    if (rs.length === 0) continue
    let bytes = 0, gz = 0, seconds = 0, size = 0
    const per: number[] = []
    for (const r of rs) {
      const b = fingerprintToBytes(fingerprintToSend(r.fp!, r.info!.durationSeconds, {}, catalog.settings()))
      bytes += b.length; gz += gzipSync(b, { level: 6 }).length; seconds += r.info!.durationSeconds; size += r.file.size
      per.push(b.length)
    }
    per.sort((a, b) => a - b)
    const mp3 = seconds * 16000
    console.log(`| ${kind} | ${rs.length} | ${(seconds / 3600).toFixed(2)} h | ${(bytes / seconds).toFixed(0)} | ${(gz / seconds).toFixed(0)} | ${pct(bytes / mp3)} (gzip ${pct(gz / mp3)}) | ${pct(bytes / size, 3)} | ${(per[per.length >> 1]! / 1024).toFixed(1)} KiB |`)
  }

  // ------------------------------------------------------------------ what a decision needs
  console.log('\n## Decisions with fewer hashes: only ranks < K (every file decided in this process, with all its hashes and with these)\n')
  const full = new Map<string, ScanFileResult>()
  for (const r of ok) full.set(r.file.path, await decide(catalog, r, {}))
  console.log('| files | K | n | hashes kept | same status and track | every field the same | max confidence change | max coverage change |')
  console.log('|---|---|---|---|---|---|---|---|')
  const groups: [string, (r: Reading) => boolean][] = [['whole files (> 60 s: identify only)', (r) => r.info!.durationSeconds > 60], ['files ≤ 60 s (snippet decision too)', (r) => r.info!.durationSeconds <= 60]]
  for (const [name, inGroup] of groups) {
    const rs = ok.filter(inGroup)
    for (const k of ranks) {
      let same = 0, exact = 0, kept = 0, all = 0, dConf = 0, dCov = 0
      const changed: string[] = []
      for (const r of rs) {
        const fp = keepRanksBelow(r.fp!, k)
        kept += fp.hashes.length; all += r.fp!.hashes.length
        const a = full.get(r.file.path)!, b = await decide(catalog, { ...r, fp }, {})
        if (a.status === b.status && a.trackId === b.trackId) {
          same++
          if (JSON.stringify(a) === JSON.stringify(b)) exact++
          dConf = Math.max(dConf, Math.abs((a.confidence ?? 0) - (b.confidence ?? 0)))
          dCov = Math.max(dCov, Math.abs((a.coverage ?? 0) - (b.coverage ?? 0)))
        } else changed.push(`${r.file.path.split('/').pop()}: ${a.status} ${a.trackId ?? ''} → ${b.status} ${b.trackId ?? ''}`)
      }
      console.log(`| ${name} | ${k} | ${rs.length} | ${pct(kept / all)} | ${same} | ${exact} | ${dConf.toFixed(3)} | ${dCov.toFixed(3)} |`)
      if (changed.length) console.log(`  (changed: ${changed.slice(0, 5).join('; ')}${changed.length > 5 ? '; …' : ''})`)
    }
  }

  }

  // ------------------------------------------------------------------ throughput
  const bin = fileURLToPath(new URL('../packages/node/src/bin.ts', import.meta.url))
  const server = spawn(process.execPath, [...process.execArgv, bin, 'serve', '--catalog', pmx, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.once('data', (d: Buffer) => resolve(/listening on (\S+)/.exec(d.toString())?.[1] ?? ''))
    server.once('exit', (code) => reject(new Error(`peakmatch serve exited ${code}`)))
  })
  console.log(`\n## Throughput (peakmatch serve at ${url}, its own process on loopback)\n`)
  console.log('| run | files | audio | seconds | files/s | audio s/s | requests | body bytes per file | answers as local |')
  console.log('|---|---|---|---|---|---|---|---|---|')
  // Local first by default; --remote-first swaps each pair (the machine's load drifts during a run).
  const pair = async (what: string, cached: boolean): Promise<void> => {
    const remote = await RemoteCatalog.connect(url)
    const runLocal = () => timed(() => scanLibrary(library, catalog, { jobs, workerScript, ...(cached ? withCache() : {}) }))
    const runRemote = () => timed(() => scanLibrary(library, remote, { jobs, workerScript, ...(cached ? withCache() : {}) }))
    const first = argv.includes('--remote-first') ? await runRemote() : await runLocal()
    const second = argv.includes('--remote-first') ? await runLocal() : await runRemote()
    const [local, through] = argv.includes('--remote-first') ? [second, first] : [first, second]
    row(`local catalog, ${what}`, local)
    row(`through the service, ${what}`, through, remote, local.r)
  }
  await pair('from the cache', true)
  if (argv.includes('--cold')) await pair('decoding (no cache)', false)
  server.kill('SIGTERM')
  rmSync(tmp, { recursive: true, force: true })

  // One cache for every run that uses one (opened per run: scanLibrary saves and closes nothing itself).
  function withCache(): { cache: FingerprintCache } { return { cache: sharedCache } }
  async function timed(run: () => Promise<ScanResult>): Promise<{ r: ScanResult; s: number }> {
    sharedCache = await FingerprintCache.open(cachePath, false)
    const t = performance.now()
    const r = await run()
    return { r, s: (performance.now() - t) / 1000 }
  }
  function row(what: string, { r, s }: { r: ScanResult; s: number }, via?: RemoteCatalog, local?: ScanResult): void {
    const n = r.files.length, audio = r.summary.audioSeconds
    let same = '—'
    if (local) {
      const want = new Map(local.files.map((f) => [f.path, f]))
      same = `${r.files.filter((f) => { const w = want.get(f.path); return w && w.status === f.status && w.trackId === f.trackId && w.confidence === f.confidence }).length} of ${n}`
    }
    const sent = via ? `${via.stats.requests} | ${(via.stats.bodyBytes / via.stats.items / 1024).toFixed(1)} KiB` : '— | —'
    console.log(`| ${what} | ${n} | ${(audio / 3600).toFixed(2)} h | ${s.toFixed(1)} | ${(n / s).toFixed(1)} | ${(audio / s).toFixed(0)} | ${sent} | ${same} |`)
  }
}

function pct(x: number, digits = 2): string { return `${(100 * x).toFixed(digits)} %` }
export type { Catalog, Fingerprint }
