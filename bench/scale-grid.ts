/**
 * The factor grid (factors.ts) on a saved catalog: Catalog.match of the dev corpus's 10 s queries
 * with factorSearch 'auto' (on a large catalog's triplet path: no grid) and true (the whole grid,
 * on either path), CPU time per query and the rows that are not all right (issue 9 round 3):
 *
 *   npx tsx bench/scale-grid.ts FILE [--queries 400]
 */
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'

const path = process.argv[2]
if (!path) throw new Error('usage: npx tsx bench/scale-grid.ts FILE [--queries 400]')
const at = process.argv.indexOf('--queries')
const { catalog } = await loadCatalog(path)
const prints = loadCorpusPrints('/work/corpus')
const queries = selectQueries(prints, at > 0 ? Number(process.argv[at + 1]) : 400).filter((q) => q.cls === '10s').map((q) => ({ p: q.print, fp: printFingerprint(q.print) }))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
for (const q of queries.slice(0, 30)) catalog.match(q.fp)
for (const mode of ['auto', true] as const) {
  const ms: number[] = [], rows = new Map<string, [number, number]>()
  let falseMatched = 0, negatives = 0
  for (const q of queries) {
    const c0 = cpu()
    const m = catalog.match(q.fp, { factorSearch: mode })
    ms.push(cpu() - c0)
    if (q.p.expected === null) { negatives++; if (m.length > 0) falseMatched++; continue }
    const r = rows.get(q.p.degradation) ?? [0, 0]
    r[1]++
    if (m[0]?.trackId === q.p.expected) r[0]++
    rows.set(q.p.degradation, r)
  }
  ms.sort((a, b) => a - b)
  console.log(`factorSearch ${String(mode)}: CPU ms p50 ${ms[ms.length >> 1]!.toFixed(2)}, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(2)}; false matched ${falseMatched}/${negatives}`)
  console.log(`  not all right: ${[...rows].sort().filter(([, [ok, n]]) => ok < n).map(([d, [ok, n]]) => `${d} ${ok}/${n}`).join(', ')}`)
}
