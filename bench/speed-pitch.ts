/**
 * Speed, pitch and tempo rows the dev corpus lacks (docs/algorithm.md §6), made with sox as
 * ../shared/corpus/make-queries.py makes speed+5 — at the speed+5 queries' positions in the
 * catalog masters — and queried with Catalog.match (factorSearch 'auto', the dev catalog):
 *
 *   npx tsx bench/speed-pitch.ts --corpus /work/corpus [--tmp /tmp/speed-pitch] [--rows speed+3,pitch-200]
 *
 * Prints top-1 per row and length (right track first; in brackets: offset within ±0.25 s), the
 * factors reported, the out-of-catalog snippets matched under each change, and CPU ms per query.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Catalog, fingerprint } from '../src/index.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus')
if (!corpus) { console.error('usage: npx tsx bench/speed-pitch.ts --corpus DIR [--tmp DIR] [--rows a,b]'); process.exit(2) }
const tmp = arg('--tmp') ?? '/tmp/speed-pitch'
mkdirSync(tmp, { recursive: true })

/** name → sox effect (after the excerpt is cut); speed changes the length, tempo too, pitch not. */
const ROWS: Record<string, string[]> = {
  'speed+3': ['speed', '1.03'], 'speed-3': ['speed', '0.97'], 'speed+5': ['speed', '1.05'], 'speed-5': ['speed', '0.95'],
  'speed+10': ['speed', '1.10'], 'speed-10': ['speed', '0.90'], 'speed+20': ['speed', '1.20'], 'speed-20': ['speed', '0.80'],
  'pitch+200': ['pitch', '200'], 'pitch-200': ['pitch', '-200'], 'tempo+10': ['tempo', '-m', '1.10'], 'tempo-10': ['tempo', '-m', '0.90'],
}
const rows = (arg('--rows')?.split(',') ?? Object.keys(ROWS)).filter((r) => ROWS[r])
const expectedFactor = (row: string): { speed: number; pitch: number } => {
  const [effect, value] = [ROWS[row]![0]!, ROWS[row]!.at(-1)!]
  return effect === 'speed' ? { speed: Number(value), pitch: 1 } : effect === 'pitch' ? { speed: 1, pitch: 2 ** (Number(value) / 1200) } : { speed: 1, pitch: 1 }
}

interface Query { file: string; kind: string; degradation: string; lengthS: number; sourceTrackId: string; sourceOffsetS: number; expectedTrackId: string | null }
const manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Query[]
const tracks = JSON.parse(readFileSync(join(corpus, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
const negatives = JSON.parse(readFileSync(join(corpus, 'negatives.json'), 'utf8')) as { trackId: string; file: string }[]
const sourceFile = new Map([...tracks, ...negatives].map((t) => [t.trackId, join(corpus, t.file)]))
const positives = manifest.filter((q) => q.kind === 'snippet' && q.degradation === 'speed+5' && q.expectedTrackId !== null)
const outside = manifest.filter((q) => q.kind === 'snippet' && q.expectedTrackId === null && q.degradation === 'clean').slice(0, 20)

const t0 = performance.now()
const catalog = new Catalog()
for (const t of tracks) catalog.add(t.trackId, fingerprint(parseWav(readFileSync(join(corpus, t.file)))))
console.log(`catalog: ${catalog.size} tracks in ${((performance.now() - t0) / 1000).toFixed(0)} s; ${positives.length} positions a row, ${outside.length} out-of-catalog snippets`)

const sox = (...args: string[]) => {
  const r = spawnSync('sox', args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`sox ${args.join(' ')}: ${r.stderr}`)
}
/** The query file of one row at one position: excerpt, the row's effect, mono 16-bit (made once). */
const make = (row: string, q: Query): string => {
  // Named by what they hold, so a file made once is the same query in every run.
  const key = `${q.sourceTrackId}@${q.sourceOffsetS.toFixed(3)}+${q.lengthS}`
  const out = join(tmp, `${row}-${key}.wav`)
  if (!existsSync(out)) {
    const ex = join(tmp, `ex-${key}.wav`)
    sox(sourceFile.get(q.sourceTrackId)!, ex, 'trim', String(q.sourceOffsetS), String(q.lengthS))
    sox(ex, '-b', '16', out, ...ROWS[row]!, 'channels', '1')
  }
  return out
}
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(0)} %`

console.log(`\nrow          ${['10 s', '5 s', '3 s'].map((l) => l.padEnd(16)).join('')}factor found (median)   false   CPU ms p50 / p95`)
for (const row of rows) {
  const byLength = new Map<number, { n: number; right: number; offset: number }>()
  const factors: number[] = []
  const ms: number[] = []
  positives.forEach((q) => {
    const fp = fingerprint(parseWav(readFileSync(make(row, q))))
    const c0 = cpuMs()
    const [m] = catalog.match(fp)
    ms.push(cpuMs() - c0)
    const cell = byLength.get(q.lengthS) ?? { n: 0, right: 0, offset: 0 }
    cell.n++
    if (m?.trackId === q.sourceTrackId) {
      cell.right++
      if (Math.abs(m.offsetSeconds - q.sourceOffsetS) <= 0.25) cell.offset++
      const want = expectedFactor(row)
      factors.push(want.speed !== 1 ? (m.speed ?? 1) : (m.pitch ?? 1))
    }
    byLength.set(q.lengthS, cell)
  })
  let falseMatches = 0
  outside.forEach((q) => {
    const fp = fingerprint(parseWav(readFileSync(make(row, q))))
    const c0 = cpuMs()
    if (catalog.match(fp).length > 0) falseMatches++
    ms.push(cpuMs() - c0)
  })
  ms.sort((a, b) => a - b)
  factors.sort((a, b) => a - b)
  const cells = [10, 5, 3].map((l) => { const c = byLength.get(l); return c ? `${pct(c.right, c.n)} (${pct(c.offset, c.n)})`.padEnd(16) : '–'.padEnd(16) })
  const want = expectedFactor(row)
  const median = factors.length ? factors[Math.floor(factors.length / 2)]!.toFixed(3) : '–'
  console.log(`${row.padEnd(13)}${cells.join('')}${`${median} (${(want.speed !== 1 ? want.speed : want.pitch).toFixed(3)})`.padEnd(24)}${`${falseMatches}/${outside.length}`.padEnd(8)}${ms[Math.floor(ms.length / 2)]!.toFixed(1)} / ${ms[Math.floor(ms.length * 0.95)]!.toFixed(1)}`)
}
