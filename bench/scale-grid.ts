/**
 * The factor grid (factors.ts) on a saved catalog: Catalog.match of the dev corpus's 10 s queries
 * (or --class 5s / 3s) under each factorSearch mode — 'auto' (on a large catalog's triplet path: no grid), 'screened'
 * (the grid, each factor screened first on the triplet path: query.ts screenVotes) and true (the
 * whole grid, on either path) — CPU time per query and the rows that are not all right (issue 9
 * rounds 3 and 7). The modes take turns query by query (in alternating order), so that a machine
 * whose speed drifts during the run weighs on each alike:
 *
 *   npx tsx bench/scale-grid.ts FILE [--queries 400] [--modes auto,screened,true] [--class 10s|5s|3s] [--factors N] [--changes]
 *
 * `--changes`: for each row, what the right answers reported as the change (speed / pitch / tempo
 * found, as a percentage, or "plain"), e.g. a pitch change reported as a speed change.
 *
 * `--factors N`: the grid cut to its N nearest factors (FACTORS spliced in this process only), to
 * see what a shorter grid would cost and find; its passes' confidences are then corrected for N
 * looks instead of 24 (query.ts correctedConfidence), as such a grid's would be.
 */
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'
import { FACTORS } from '../src/match/factors.js'

type Mode = boolean | 'auto' | 'screened'
const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const path = argv[0]
if (!path || path.startsWith('--')) throw new Error('usage: npx tsx bench/scale-grid.ts FILE [--queries 400] [--modes auto,screened,true]')
const modes: Mode[] = arg('--modes', 'auto,screened,true').split(',').map((m) => (m === 'true' ? true : m === 'false' ? false : m as Mode))
const grid = FACTORS.length
const cut = Number(arg('--factors', String(grid)))
if (!(Number.isInteger(cut) && cut >= 0 && cut <= FACTORS.length)) throw new Error(`--factors takes 0 to ${grid}`)
;(FACTORS as unknown as unknown[]).splice(cut)
const { catalog } = await loadCatalog(path)
const prints = loadCorpusPrints('/work/corpus')
const cls = arg('--class', '10s')
const queries = selectQueries(prints, Number(arg('--queries', '400'))).filter((q) => q.cls === cls).map((q) => ({ p: q.print, fp: printFingerprint(q.print) }))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
for (const q of queries.slice(0, 30)) for (const factorSearch of modes) catalog.match(q.fp, { factorSearch })
const runs = modes.map(() => ({ ms: [] as number[], outMs: [] as number[], rows: new Map<string, [number, number]>(), changes: new Map<string, Map<string, number>>(), falseMatched: 0, negatives: 0 }))
const pct = (x: number) => `${x > 1 ? '+' : ''}${((x - 1) * 100).toFixed(1)} %`
/** What a right answer reports as the change it was found under. */
const change = (m: { speed?: number; pitch?: number; tempo?: number }) =>
  m.pitch !== undefined && m.pitch !== 1 ? `pitch ${pct(m.pitch)}` : m.speed !== undefined && m.speed !== 1 ? `speed ${pct(m.speed)}` : m.tempo !== undefined && m.tempo !== 1 ? `tempo ${pct(m.tempo)}` : 'plain'
queries.forEach((q, i) => {
  for (let j = 0; j < modes.length; j++) {
    const m = i % 2 === 0 ? j : modes.length - 1 - j
    const run = runs[m]!
    const c0 = cpu()
    const found = catalog.match(q.fp, { factorSearch: modes[m]! })
    run.ms.push(cpu() - c0)
    if (q.p.expected === null) { run.outMs.push(run.ms[run.ms.length - 1]!); run.negatives++; if (found.length > 0) run.falseMatched++; continue }
    const r = run.rows.get(q.p.degradation) ?? [0, 0]
    r[1]++
    if (found[0]?.trackId === q.p.expected) {
      r[0]++
      const c = run.changes.get(q.p.degradation) ?? new Map<string, number>()
      const said = change(found[0]!)
      c.set(said, (c.get(said) ?? 0) + 1)
      run.changes.set(q.p.degradation, c)
    }
    run.rows.set(q.p.degradation, r)
  }
})
runs.forEach((run, m) => {
  const ms = run.ms.sort((a, b) => a - b), out = run.outMs.sort((a, b) => a - b)
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length
  const right = [...run.rows.values()].reduce((n, [ok]) => n + ok, 0), all = [...run.rows.values()].reduce((n, [, k]) => n + k, 0)
  console.log(`${cls} factorSearch ${String(modes[m])}${cut < grid ? ` (${cut} factors)` : ''}: CPU ms p50 ${ms[ms.length >> 1]!.toFixed(2)}, p95 ${ms[Math.floor(ms.length * 0.95)]!.toFixed(2)}, mean ${mean.toFixed(2)}; top-1 ${right}/${all}; false matched ${run.falseMatched}/${run.negatives}`)
  // Out-of-catalog queries pay every pass (plain, then each factor's screen or pass): the grid's cost is theirs.
  console.log(`  out of catalog: CPU ms p50 ${out[out.length >> 1]!.toFixed(2)}, p95 ${out[Math.floor(out.length * 0.95)]!.toFixed(2)}`)
  console.log(`  not all right: ${[...run.rows].sort().filter(([, [ok, n]]) => ok < n).map(([d, [ok, n]]) => `${d} ${ok}/${n}`).join(', ')}`)
  if (argv.includes('--changes')) {
    for (const [d, c] of [...run.changes].sort()) {
      if (c.size === 1 && c.has('plain')) continue
      console.log(`  ${d}: ${[...c].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`).join(', ')}`)
    }
  }
})
