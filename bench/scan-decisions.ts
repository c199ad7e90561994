/**
 * What `peakmatch scan` calls each file of the dev corpus (docs/scan.md, "Snippets and whole
 * files"): its 10/5/3 s snippet queries and whole-file queries, its negatives, against a catalog of
 * its tracks, through the CLI's own per-file decision (decide.ts, via scanLibrary):
 *
 *   npx tsx bench/scan-decisions.ts --corpus /work/corpus [--jobs 2] [--min-confidence X]
 *
 * A query of a catalog track should come out `snippet` (an excerpt: at most half of the track)
 * or `matched` (a whole copy) with the right track; one of no catalog track `unmatched`. Counts
 * per kind and length, and per degradation for the snippets.
 */
import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { buildCatalog, scanLibrary } from '../packages/node/src/index.js'

const workerScript = new URL('../test/support/scan-worker.mjs', import.meta.url)
const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const dir = arg('--corpus')
if (!dir) { console.error('usage: npx tsx bench/scan-decisions.ts --corpus DIR (../shared/corpus/make-dev-corpus.sh DIR)'); process.exit(2) }
const jobs = Number(arg('--jobs') ?? 2)
const minConfidence = arg('--min-confidence') === undefined ? undefined : Number(arg('--min-confidence'))

interface Query { file: string; kind: 'snippet' | 'whole'; degradation: string; lengthS: number | null; expectedTrackId: string | null }
const manifest = new Map((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Query[]).map((q) => [basename(q.file), q]))

const t0 = performance.now()
const built = await buildCatalog([join(dir, 'catalog')], { jobs, workerScript })
console.log(`catalog: ${built.catalog.size} tracks in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
const t1 = performance.now()
const scan = await scanLibrary([join(dir, 'queries'), join(dir, 'negatives')], built.catalog, { jobs, workerScript, ...(minConfidence !== undefined ? { minConfidence } : {}) })
console.log(`scan: ${scan.files.length} files in ${((performance.now() - t1) / 1000).toFixed(0)} s (--jobs ${jobs})`)

const rows = new Map<string, Map<string, number>>()
const count = (row: string, what: string) => {
  const r = rows.get(row) ?? new Map<string, number>()
  r.set(what, (r.get(what) ?? 0) + 1)
  rows.set(row, r)
}
for (const f of scan.files) {
  const q = manifest.get(basename(f.path))
  const expected = q?.expectedTrackId ?? null
  const got = f.trackId?.replace(/\.[^.]+$/, '')
  const kind = q === undefined ? 'negative whole file' : q.kind === 'snippet' ? `${q.lengthS} s snippet` : 'whole-file query'
  const row = `${kind}${expected === null ? ' (not in the catalog)' : ''}`
  const answered = f.status === 'matched' || f.status === 'snippet' || f.status === 'ambiguous'
  const what = !answered ? f.status : expected === null ? `false ${f.status}` : `${f.status} ${got === expected ? 'right' : 'WRONG'}`
  count(row, what)
  if (q?.kind === 'snippet' && expected !== null) count(`  snippets, ${q.degradation}`, what)
}
for (const [row, r] of [...rows].sort(([a], [b]) => a.localeCompare(b))) {
  const total = [...r.values()].reduce((s, n) => s + n, 0)
  console.log(`${row.padEnd(44)} ${String(total).padStart(4)}  ${[...r].sort().map(([k, n]) => `${k} ${n} (${((100 * n) / total).toFixed(1)} %)`).join(', ')}`)
}
