/**
 * Where a factor screen's time goes (query.ts screenVotes) on a saved catalog: for the dev corpus's
 * out-of-catalog 10 s queries under every factor, the screen's CPU, its query triplets (keys looked
 * up, times the partitions) and the postings it walks, and with --profile FILE a CPU profile of the
 * screens alone (the load left out).
 *
 *   npx tsx bench/screen-cost.ts FILE [--queries 400] [--profile OUT.cpuprofile]
 */
import { internals } from '../src/match/catalog.js'
import { FACTORS } from '../src/match/factors.js'
import type { HashIndex } from '../src/match/hash-index.js'
import { screenVotes, type QueryScratch } from '../src/match/query.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'
import { startCpuProfile } from './cpu-profile.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const path = argv[0]
if (!path || path.startsWith('--')) throw new Error('usage: npx tsx bench/screen-cost.ts FILE [--queries 400] [--profile OUT]')
const { catalog } = await loadCatalog(path)
catalog.stats()
const { index, scratch } = internals(catalog) as unknown as { index: HashIndex; scratch: QueryScratch }
// A key is looked up once a partition (HashIndex.voteTriplets).
const partitions = (index as unknown as { partitions: unknown[] }).partitions.length
const prints = loadCorpusPrints('/work/corpus')
const queries = selectQueries(prints, Number(arg('--queries', '400'))).filter((q) => q.cls === '10s' && q.print.expected === null)
const fps = queries.map((q) => printFingerprint(q.print))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const run = () => {
  const ms: number[] = [], cast: number[] = [], keys: number[] = []
  for (const fp of fps) for (const f of FACTORS) {
    const t0 = cpu()
    screenVotes(index, fp, f, scratch)
    ms.push(cpu() - t0)
    cast.push(scratch.sketch.cast)
    keys.push(scratch.triplets.reduce((s, l) => s + l.count, 0))
  }
  return { ms, cast, keys }
}
run() // warm-up
const out = arg('--profile', '')
const stopProfile = out ? await startCpuProfile(out) : null
const { ms, cast, keys } = run()
if (stopProfile) await stopProfile()
const q = (a: number[], p: number) => [...a].sort((x, y) => x - y)[Math.floor(p * (a.length - 1))]!
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length
console.log(`${catalog.size} tracks, ${partitions} partitions, ${fps.length} queries × ${FACTORS.length} factors`)
console.log(`screen ms p50 ${q(ms, 0.5).toFixed(3)} p95 ${q(ms, 0.95).toFixed(3)} mean ${mean(ms).toFixed(3)}`)
console.log(`query triplets (3 lists) p50 ${q(keys, 0.5)} mean ${mean(keys).toFixed(0)}; postings walked p50 ${q(cast, 0.5)} mean ${mean(cast).toFixed(0)}`)
console.log(`ns a posting ${(1e6 * mean(ms) / mean(cast)).toFixed(1)}; µs a key×partition ${(1e3 * mean(ms) / (mean(keys) * partitions)).toFixed(3)}`)
