/**
 * A catalog in service (issue 9 round 3): adds with a query every K of them, so that adds flush
 * into runs beside main (layer.ts) instead of coming as a bulk batch; at checkpoints in the second
 * half, the runs of the last partition's pairs and the CPU time of the dev corpus's in-catalog
 * 10 s queries. `--pending N` gives the partition a smaller run size (IndexOptions.pendingLimit),
 * so that a small catalog reaches the many runs a large last partition would (runs pile up only
 * where 1/8 of main holds several of them):
 *
 *   npx tsx bench/scale-live.ts [--size 6000] [--every 20] [--pending 524288] [--seed 12345] [--model 2/0/0/0.2]
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { Partition } from '../src/match/partition.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { CALIBRATED_MODEL, SyntheticTracks, parseModel, selectQueries } from './scale-synth.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const size = Number(arg('--size', '6000')), every = Number(arg('--every', '20')), pending = Number(arg('--pending', '0'))
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus'))
const trackPrints = prints.filter((p) => p.kind === 'track')
const real = trackPrints.map(printFingerprint)
const synth = new SyntheticTracks(real, Number(arg('--seed', '12345')), parseModel(arg('--model', CALIBRATED_MODEL)!))
const queries = selectQueries(prints, 60).filter((q) => q.cls === '10s' && q.print.expected !== null).map((q) => printFingerprint(q.print))
const catalog = new Catalog({ tripletIndex: true })
type Parts = { partitions: { pairs: { runs: unknown[] } }[]; pendingLimit: number | undefined }
const index = internals(catalog).index as unknown as Parts
if (pending > 0) { index.partitions = [new Partition(true, pending)] as unknown as Parts['partitions']; index.pendingLimit = pending }
for (let i = 0; i < real.length; i++) catalog.add(trackPrints[i]!.id, real[i]!)
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
let prepareMs = 0, worst = 0
const ms: number[] = [], runs: number[] = []
for (let i = 0; i < size; i++) {
  catalog.add(`syn-${i}`, synth.next())
  if (i % every === every - 1) { const c = cpu(); catalog.stats(); const d = cpu() - c; prepareMs += d; worst = Math.max(worst, d) }
  if (i % 250 === 249 && i > size / 2) {
    runs.push(index.partitions[index.partitions.length - 1]!.pairs.runs.length)
    for (const q of queries) { const c = cpu(); catalog.match(q); ms.push(cpu() - c) }
  }
}
ms.sort((a, b) => a - b)
console.log(`pair runs at the checkpoints: ${runs.join(', ')}`)
console.log(`10 s queries (${queries.length} at each of ${runs.length} checkpoints), CPU ms: p50 ${ms[ms.length >> 1]!.toFixed(2)}, mean ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)}`)
console.log(`prepares (a query every ${every} adds): ${(prepareMs / 1000).toFixed(1)} s CPU in all, worst ${worst.toFixed(0)} ms`)
