/**
 * Short snippets (5 s and 3 s) under noise, codecs and rooms, on more queries than the dev corpus
 * has (10 a row there): a second query set cut from the same catalog by
 * ../shared/corpus/make-queries.py with another seed, so its excerpts, offsets and noise are new
 * to the code even though the tracks are not.
 *
 *   python3 ../shared/corpus/make-queries.py /work/corpus/catalog /work/corpus/negatives /work/short2 \
 *     --seed 7 --snippets 0 --short-snippets 30 --negative-snippets 0 --negative-short-snippets 20 \
 *     --whole-tracks 0 --whole-negatives-per-track 0          # 2000 queries, 90 s on 2 cores
 *   npx tsx bench/short-noisy.ts --corpus /work/corpus --set /work/short2 [--rows white-0db,pink-5db] [--grids N]
 *
 * The catalog is the dev corpus's (prints cached by corpus-prints.ts). Prints top-1 per row and
 * length (right track first, as a percentage and right/queries; in brackets: offset within
 * ±0.25 s), out-of-catalog queries matched, and CPU ms per query; with --why, what kept each
 * missed query out (the term of the decision rule, rank.ts, that its right candidate failed, or
 * that it was not a candidate). Queries are fingerprinted on QUERY_GRIDS frame grids, as the hosts
 * make them (--grids 1: the first grid only).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { QUERY_GRIDS, fingerprint } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { thresholdsOf } from '../src/match/rank.js'
import { corpusCatalog, loadCorpusPrints } from './corpus-prints.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus'), set = arg('--set')
if (!corpus || !set) { console.error('usage: npx tsx bench/short-noisy.ts --corpus DIR --set DIR [--rows a,b] [--why]'); process.exit(2) }
const ROWS = ['white-0db', 'white-5db', 'white-10db', 'pink-5db', 'gsm', 'phone-noisy-room', 'reverb', 'mp3-64k', 'ogg-q0', 'clean']
const rows = arg('--rows')?.split(',') ?? ROWS
const grids = Number(arg('--grids') ?? QUERY_GRIDS)

interface Query { file: string; kind: string; degradation: string; lengthS: number; expectedTrackId: string | null; expectedOffsetS: number | null; alsoAtS?: number[] }
const queries = (JSON.parse(readFileSync(join(set, 'manifest.json'), 'utf8')) as Query[])
  .filter((q) => q.kind === 'snippet' && rows.includes(q.degradation) && q.lengthS <= 5)
const catalog = corpusCatalog(loadCorpusPrints(corpus, console.log))
const ids = catalog.ids()
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(0)} %`

type Cell = { n: number; right: number; offset: number; falses: number; outside: number }
const cells = new Map<string, Cell>()
const why = new Map<string, number>()
const ms: number[] = []
for (const q of queries) {
  const fp = fingerprint(parseWav(readFileSync(join(set, q.file))), { grids })
  const c0 = cpuMs()
  const [m] = catalog.match(fp)
  ms.push(cpuMs() - c0)
  const key = `${q.degradation}|${q.lengthS}`
  const cell = cells.get(key) ?? { n: 0, right: 0, offset: 0, falses: 0, outside: 0 }
  cells.set(key, cell)
  if (q.expectedTrackId === null) { cell.outside++; if (m) cell.falses++; continue }
  cell.n++
  if (m?.trackId === q.expectedTrackId) {
    cell.right++
    if ([q.expectedOffsetS!, ...(q.alsoAtS ?? [])].some((o) => Math.abs(o - m.offsetSeconds) <= 0.25)) cell.offset++
  } else if (argv.includes('--why')) {
    // The exact pass's candidates: which term of the rule the right one failed.
    const list = internals(catalog).searchPass(fp, false)
    const items = list.items.slice(0, list.count).sort((a, b) => b.score - a.score)
    const at = items.findIndex((c) => ids[c.track] === q.expectedTrackId)
    let reason = 'not a candidate'
    if (at >= 0) {
      const c = items[at]!
      const shared = thresholdsOf(items.map((x) => x.score), items.map(() => 0), items.map((x) => ids[x.track]!), false)[0]!
      reason = c.score < shared ? (c.score < 9 ? 'score below the minimum' : 'score below the background') : c.score < Math.sqrt(c.hits) ? 'score below √votes' : 'passed, lost to another pass'
      if (at > 0) reason += ' (not first by score)'
    }
    why.set(reason, (why.get(reason) ?? 0) + 1)
  }
}
ms.sort((a, b) => a - b)
console.log(`\n${queries.length} queries from ${set} on ${grids} frame grid(s); catalog ${catalog.size} tracks\nrow                5 s                   3 s                   out of catalog matched`)
for (const row of rows) {
  const c5 = cells.get(`${row}|5`), c3 = cells.get(`${row}|3`)
  const show = (c?: Cell) => (c && c.n ? `${pct(c.right, c.n)} ${c.right}/${c.n} (${pct(c.offset, c.n)})` : '–').padEnd(22)
  const outside = (c5?.outside ?? 0) + (c3?.outside ?? 0), falses = (c5?.falses ?? 0) + (c3?.falses ?? 0)
  console.log(`${row.padEnd(19)}${show(c5)}${show(c3)}${falses}/${outside}`)
}
const all = (len: number) => { let n = 0, r = 0; for (const [k, c] of cells) if (k.endsWith(`|${len}`)) { n += c.n; r += c.right } return `${pct(r, n)} ${r}/${n}` }
console.log(`${'all'.padEnd(19)}${all(5).padEnd(22)}${all(3).padEnd(22)}`)
console.log(`CPU ms per query: p50 ${ms[Math.floor(ms.length / 2)]!.toFixed(1)}, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(1)}`)
if (why.size) console.log('missed, why:', Object.fromEntries(why))
