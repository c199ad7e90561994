/**
 * Speed, pitch and tempo rows the dev corpus lacks (docs/algorithm.md §6), made with sox as
 * ../shared/corpus/make-queries.py makes speed+5 — at the speed+5 queries' positions in the
 * catalog masters — and queried with Catalog.match (factorSearch 'auto', the dev catalog):
 *
 *   npx tsx bench/speed-pitch.ts --corpus /work/corpus [--tmp /tmp/speed-pitch] [--rows speed+3,pitch-200] [--grids N]
 *
 * Prints top-1 per row and length (right track first; in brackets: offset within ±0.25 s and
 * ±0.1 s), the factor reported (median of the right answers: speed, pitch or tempo, the row's
 * kind, and how many of them report the row's change as that kind, within 1.5 %), the out-of-catalog snippets matched under each change, and CPU ms per query (p50 / p95)
 * of the row's in-catalog queries and of its out-of-catalog ones. Queries are fingerprinted on
 * QUERY_GRIDS frame grids, as the hosts make them (--grids 1: the first grid only).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Catalog, QUERY_GRIDS, fingerprint } from '../src/index.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus')
if (!corpus) { console.error('usage: npx tsx bench/speed-pitch.ts --corpus DIR [--tmp DIR] [--rows a,b]'); process.exit(2) }
const tmp = arg('--tmp') ?? '/tmp/speed-pitch'
const grids = Number(arg('--grids') ?? QUERY_GRIDS)
mkdirSync(tmp, { recursive: true })

/** name → sox effect (after the excerpt is cut); speed changes the length, tempo too, pitch not. */
const ROWS: Record<string, string[]> = {
  'speed+3': ['speed', '1.03'], 'speed-3': ['speed', '0.97'], 'speed+5': ['speed', '1.05'], 'speed-5': ['speed', '0.95'],
  'speed+10': ['speed', '1.10'], 'speed-10': ['speed', '0.90'], 'speed+20': ['speed', '1.20'], 'speed-20': ['speed', '0.80'],
  'pitch+200': ['pitch', '200'], 'pitch-200': ['pitch', '-200'],
  'tempo+5': ['tempo', '-m', '1.05'], 'tempo-5': ['tempo', '-m', '0.95'], 'tempo+7': ['tempo', '-m', '1.07'], 'tempo-7': ['tempo', '-m', '0.93'],
  'tempo+10': ['tempo', '-m', '1.10'], 'tempo-10': ['tempo', '-m', '0.90'], 'tempo+15': ['tempo', '-m', '1.15'], 'tempo-15': ['tempo', '-m', '0.85'],
}
const rows = (arg('--rows')?.split(',') ?? Object.keys(ROWS)).filter((r) => ROWS[r])
/** The row's kind of change and its factor (pitch as a frequency factor). */
const expectedFactor = (row: string): { kind: 'speed' | 'pitch' | 'tempo'; value: number } => {
  const [effect, value] = [ROWS[row]![0]! as 'speed' | 'pitch' | 'tempo', ROWS[row]!.at(-1)!]
  return { kind: effect, value: effect === 'pitch' ? 2 ** (Number(value) / 1200) : Number(value) }
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

const quantiles = (xs: number[]) => { xs.sort((a, b) => a - b); return `${xs[Math.floor(xs.length / 2)]!.toFixed(1)} / ${xs[Math.floor(xs.length * 0.95)]!.toFixed(1)}` }
console.log(`\nrow          ${['10 s', '5 s', '3 s'].map((l) => l.padEnd(22)).join('')}factor found (median) as its kind   false   CPU ms p50 / p95: in, out`)
for (const row of rows) {
  const byLength = new Map<number, { n: number; right: number; offset: number; near: number }>()
  const want = expectedFactor(row)
  const factors: number[] = []
  // Right answers that report the row's change as its kind, within 1.5 % (a speed reported as a tempo is not).
  let asKind = 0
  const inMs: number[] = [], outMs: number[] = []
  positives.forEach((q) => {
    const fp = fingerprint(parseWav(readFileSync(make(row, q))), { grids })
    const c0 = cpuMs()
    const [m] = catalog.match(fp)
    inMs.push(cpuMs() - c0)
    const cell = byLength.get(q.lengthS) ?? { n: 0, right: 0, offset: 0, near: 0 }
    cell.n++
    if (m?.trackId === q.sourceTrackId) {
      cell.right++
      const error = Math.abs(m.offsetSeconds - q.sourceOffsetS)
      if (error <= 0.25) cell.offset++
      if (error <= 0.1) cell.near++
      factors.push(m[want.kind] ?? 1)
      if (Math.abs(Math.log((m[want.kind] ?? 1) / want.value)) <= 0.015) asKind++
    }
    byLength.set(q.lengthS, cell)
  })
  let falseMatches = 0
  outside.forEach((q) => {
    const fp = fingerprint(parseWav(readFileSync(make(row, q))), { grids })
    const c0 = cpuMs()
    if (catalog.match(fp).length > 0) falseMatches++
    outMs.push(cpuMs() - c0)
  })
  factors.sort((a, b) => a - b)
  const cells = [10, 5, 3].map((l) => { const c = byLength.get(l); return (c ? `${pct(c.right, c.n)} (${pct(c.offset, c.n)}, ${pct(c.near, c.n)})` : '–').padEnd(22) })
  const median = factors.length ? factors[Math.floor(factors.length / 2)]!.toFixed(3) : '–'
  console.log(`${row.padEnd(13)}${cells.join('')}${`${want.kind} ${median} (${want.value.toFixed(3)}) ${asKind}/${factors.length}`.padEnd(30)}${`${falseMatches}/${outside.length}`.padEnd(8)}${quantiles(inMs)}, ${quantiles(outMs)}`)
}
