/**
 * Scan throughput, peak memory and identify accuracy on the dev corpus rendered to
 * mp3 / m4a / flac by bench/render-corpus.sh (docs/scan.md has the commands and numbers):
 *
 *   npm run bench:scan -- --corpus /work/corpus-rendered [--jobs 2]
 *
 * Builds the catalog from the corpus masters (decoded with audio-decode like any file), scans
 * the rendered files (decode + fingerprint + identify, `jobs` worker threads, no cache), checks
 * each answer against the manifest, then scans each long file alone in a child process to show
 * peak memory against file length. `--memory FILE` is that child.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { buildCatalog, scanLibrary } from '../packages/node/src/index.js'
import { Catalog } from '../src/index.js'

/** The decoding threads run the TypeScript source (test/support/scan-worker.mjs registers tsx). */
const workerScript = new URL('../test/support/scan-worker.mjs', import.meta.url)

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const jobs = Number(arg('--jobs') ?? 2)
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`

if (arg('--memory')) {
  // Child: one file, one worker, an empty catalog (identify is not what is measured here).
  const file = arg('--memory')!
  const t0 = performance.now()
  const r = await scanLibrary([file], new Catalog(), { jobs: 1, workerScript })
  const ms = performance.now() - t0
  const f = r.files[0]!
  console.log(JSON.stringify({ seconds: f.durationSeconds, ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, status: f.status, error: f.error }))
  process.exit(0)
}

const dir = arg('--corpus')
if (!dir) { console.error('usage: npm run bench:scan -- --corpus DIR (made by bench/render-corpus.sh)'); process.exit(2) }
interface Query { file: string; format: string; degradation: string; expectedTrackId: string | null; durationS: number }
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { sourceCorpus: string; queries: Query[] }
const masters = JSON.parse(readFileSync(join(manifest.sourceCorpus, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
console.log(`peakmatch scan benchmark — ${dir} (${manifest.queries.length} files), catalog ${manifest.sourceCorpus} (${masters.length} masters)`)
console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ${jobs} worker threads\n`)

// Catalog from the masters.
const editions = new Map(masters.map((m) => [join(manifest.sourceCorpus, m.file), { trackId: m.trackId }]))
let t0 = performance.now()
const built = await buildCatalog(masters.map((m) => join(manifest.sourceCorpus, m.file)), { jobs, editions, workerScript })
const buildS = (performance.now() - t0) / 1000
console.log(`catalog build: ${built.summary.added} WAV masters, ${(built.summary.audioSeconds / 3600).toFixed(2)} h of audio in ${buildS.toFixed(1)} s = ${(built.summary.audioSeconds / buildS).toFixed(0)}× real time (${(built.summary.audioSeconds / buildS / jobs).toFixed(0)}× per core)\n`)

// The scan.
const rssBefore = process.resourceUsage().maxRSS * 1024
t0 = performance.now()
const scan = await scanLibrary([join(dir, 'files')], built.catalog, { jobs, workerScript })
const scanS = (performance.now() - t0) / 1000
const audio = scan.summary.audioSeconds
const bytes = scan.files.reduce((s, f) => s + f.sizeBytes, 0)
console.log(`scan (decode + fingerprint + identify): ${scan.files.length} files, ${(audio / 60).toFixed(1)} min of audio, ${mb(bytes)}, in ${scanS.toFixed(2)} s`)
console.log(`  ${(scan.files.length / scanS * 60).toFixed(0)} files/min, ${(audio / scanS).toFixed(0)}× real time on ${jobs} threads = ${(audio / scanS / jobs).toFixed(0)}× real time per core`)
console.log(`  peak RSS of the process (main + workers): ${mb(process.resourceUsage().maxRSS * 1024)} (after the catalog build: ${mb(rssBefore)})\n`)

// Per format.
const byFile = new Map(scan.files.map((f) => [f.path, f]))
const rows: string[][] = [['format', 'files', 'right', 'wrong matched', 'ambiguous', 'unmatched (positives)', 'negatives matched']]
let wrong = 0, right = 0, positives = 0, negatives = 0, falsePos = 0
for (const fmt of ['mp3', 'm4a', 'flac']) {
  const qs = manifest.queries.filter((q) => q.format === fmt)
  let r = 0, w = 0, amb = 0, un = 0, fp = 0
  for (const q of qs) {
    const f = byFile.get(join(dir, q.file))
    if (!f) continue
    if (q.expectedTrackId === null) { negatives++; if (f.status === 'matched') { fp++; falsePos++ } continue }
    positives++
    if (f.status === 'matched' && f.trackId === q.expectedTrackId) r++
    else if (f.status === 'matched') w++
    else if (f.status === 'ambiguous') amb++
    else { un++; console.log(`  missed: ${q.file} (${q.degradation}) → ${f.status}${f.error ? `: ${f.error}` : ''}`) }
  }
  right += r; wrong += w
  rows.push([fmt, String(qs.length), String(r), String(w), String(amb), String(un), String(fp)])
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
for (const row of rows) console.log('  ' + row.map((c, i) => c.padEnd(widths[i]!)).join('  '))
console.log(`  positives matched right: ${right}/${positives}; wrong "matched": ${wrong}; out-of-catalog matched: ${falsePos}/${negatives}\n`)

// Memory against file length: each file alone, one worker, in a fresh process.
const probes = [join(dir, 'files', scan.files.map((f) => f.path.split('/').pop()!).find((n) => n.endsWith('.mp3'))!),
  ...['long-20min.mp3', 'long-60min.mp3'].map((n) => join(dir, 'long', n))]
console.log('peak memory against file length (each file alone, 1 worker thread, fresh process):')
for (const file of probes) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--memory', file], { encoding: 'utf8' })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  try {
    const m = JSON.parse(line) as { seconds: number; ms: number; maxRssBytes: number; status: string; error?: string }
    console.log(`  ${file.split('/').pop()!.padEnd(16)} ${(m.seconds / 60).toFixed(1).padStart(5)} min, ${mb(statSync(file).size).padStart(6)}: peak RSS ${mb(m.maxRssBytes)}, ${(m.seconds / (m.ms / 1000)).toFixed(0)}× real time${m.error ? ` (${m.error})` : ''}`)
  } catch {
    console.log(`  ${file}: child failed: ${child.stderr.slice(-500)}`)
  }
}
