/**
 * 10 s query CPU time on a saved large catalog (bench/scale-probe.ts --save), for comparing two
 * commits on one catalog at one time: run it from each checkout in turn, alternating, e.g.
 *
 *   for i in 1 2; do (cd A && npx tsx bench/query-time.ts F); (cd B && npx tsx bench/query-time.ts F); done
 *
 * The dev corpus's 10 s snippets (bench/scale-synth.ts selectQueries, 400), Catalog.match, four
 * rounds, the first not timed. `--dev` instead of a file: the dev catalog itself (its 96 tracks,
 * built here from the cached prints, as each checkout builds it), e.g. to compare index layouts. A shared VM's speed drifts over hours (docs/benchmarks.md, issue 9
 * round 5): numbers from different times do not compare; runs alternated in one window do.
 * `--profile OUT`: a CPU profile of the timed rounds alone (the load left out), for where a query's time goes.
 */
import { Catalog } from '../src/index.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'
import { startCpuProfile } from './cpu-profile.js'

const file = process.argv[2]
if (!file) { console.error('usage: npx tsx bench/query-time.ts CATALOG|--dev [--corpus DIR]'); process.exit(2) }
const i = process.argv.indexOf('--corpus')
const prints = loadCorpusPrints(i >= 0 ? process.argv[i + 1]! : '/work/corpus')
const loadStart = performance.now()
const catalog = file === '--dev' ? new Catalog() : (await loadCatalog(file)).catalog
const loadSeconds = (performance.now() - loadStart) / 1000
if (file === '--dev') for (const p of prints) if (p.kind === 'track') catalog.add(p.id, printFingerprint(p))
const queries = selectQueries(prints, 400).filter((q) => q.cls === '10s').map((q) => printFingerprint(q.print))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const xs: number[] = []
const p = process.argv.indexOf('--profile')
let stopProfile: (() => Promise<void>) | null = null
const rounds: string[] = []
for (let round = 0; round < 4; round++) {
  if (round === 1 && p >= 0) stopProfile = await startCpuProfile(process.argv[p + 1]!)
  const r: number[] = []
  for (const q of queries) {
    const c = cpu()
    catalog.match(q)
    r.push(cpu() - c)
  }
  if (round > 0) xs.push(...r)
  // Each round's median too: whether the first queries after a load pay for something the later ones do not.
  rounds.push(r.sort((a, b) => a - b)[r.length >> 1]!.toFixed(2))
}
if (stopProfile) await stopProfile()
xs.sort((a, b) => a - b)
const bytes = file === '--dev' ? `, file ${(catalog.toBytes().length / 2 ** 20).toFixed(2)} MiB` : ''
console.log(`${process.cwd()}: ${catalog.size} tracks${bytes}, loaded in ${loadSeconds.toFixed(2)} s wall, ${queries.length} 10 s queries × 3: CPU ms p50 ${xs[xs.length >> 1]!.toFixed(2)} p95 ${xs[Math.floor(0.95 * xs.length)]!.toFixed(2)} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}; p50 by round (the first untimed) ${rounds.join(' / ')}`)
