/**
 * Which queries the off-grid passes (query.ts search(): Fingerprint.offGrid) find, and what a gate
 * on the first grid's exact pass would keep of them: on a saved large catalog (bench/scale-probe.ts
 * --save), the dev corpus's snippets (fingerprinted on QUERY_GRIDS grids by corpus-prints.ts) are
 * matched with and without their off-grid hashes; for each, the first grid's exact pass's best
 * candidate's r = score / its threshold (rank.ts) is noted.
 *
 *   npx tsx bench/grid-gate.ts --load /work/scale-tmp/p100k-1p.pmc [--queries 400]
 *
 * Prints per class: queries found only with the off-grid hashes and the r their first-grid pass
 * gave, and for gates g: the off-grid finds kept (r ≥ g) and the unsettled queries that would pay.
 */
import { internals } from '../src/match/catalog.js'
import { DECISION_CONFIDENCE } from '../src/match/rank.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback?: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback }
const catalog = (await loadCatalog(arg('--load')!)).catalog
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus')!)
const queries = selectQueries(prints, Number(arg('--queries', '400'))).filter((q) => q.cls !== 'whole')
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const rOf = (c: number) => (Math.log(c / (1 - c)) + 8.07) / 16.39
interface Row { cls: string; inCatalog: boolean; r: number; settled: boolean; gained: boolean; lost: boolean; ms1: number; ms2: number }
const rows: Row[] = []
for (const q of queries) {
  const fp = printFingerprint(q.print)
  const base = { ...fp, offGrid: undefined }
  const list = internals(catalog).searchPass(base, false)
  const top = list.count > 0 ? list.items[0]!.confidence : 0
  const r = top > 0 ? rOf(Math.min(top, 1 - 1e-12)) : 0
  let c0 = cpu(); const a = catalog.match(base)[0]; const ms1 = cpu() - c0
  c0 = cpu(); const b = catalog.match(fp)[0]; const ms2 = cpu() - c0
  const right = (m: typeof a) => m !== undefined && m.trackId === q.print.expected
  rows.push({ cls: q.cls, inCatalog: q.print.expected !== null, r, settled: top >= DECISION_CONFIDENCE, gained: right(b) && !right(a), lost: right(a) && !right(b), ms1, ms2 })
}
const p = (xs: number[], f: number) => { const s = [...xs].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(f * s.length))]! : NaN }
for (const cls of ['10s', '5s', '3s']) {
  const rs = rows.filter((x) => x.cls === cls)
  const gained = rs.filter((x) => x.gained), lost = rs.filter((x) => x.lost)
  console.log(`${cls}: ${rs.length} queries, off-grid found ${gained.length} more (r ${gained.map((x) => x.r.toFixed(2)).join(' ')}), lost ${lost.length}; ` +
    `CPU p50/p95 ${p(rs.map((x) => x.ms1), 0.5).toFixed(2)}/${p(rs.map((x) => x.ms1), 0.95).toFixed(2)} → ${p(rs.map((x) => x.ms2), 0.5).toFixed(2)}/${p(rs.map((x) => x.ms2), 0.95).toFixed(2)} ms`)
  const unsettled = rs.filter((x) => !x.settled)
  for (const g of [0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) {
    console.log(`  gate r ≥ ${g}: keeps ${gained.filter((x) => x.r >= g).length}/${gained.length} found; pays: ${unsettled.filter((x) => x.r >= g).length}/${unsettled.length} unsettled ` +
      `(out of catalog ${unsettled.filter((x) => x.r >= g && !x.inCatalog).length}/${unsettled.filter((x) => !x.inCatalog).length})`)
  }
}
