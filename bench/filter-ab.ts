/**
 * The key filters' shape, A/B in one process (issue 9 round 4): one catalog, its filters made both
 * ways, queries alternated between them. npx tsx bench/filter-ab.ts [--corpus /work/corpus] [--size 30000] [--queries 400]
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { FILTER_4, KEY_FILTER, keyFilterAdd, keyFilterBits, type FilterShape } from '../src/match/partition.js'
import { indexKey } from '../src/match/postings.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { CALIBRATED_MODEL, SyntheticTracks, parseModel, selectQueries } from './scale-synth.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const size = Number(arg('--size', '30000')), perClass = Number(arg('--queries', '400'))
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus'))
const trackPrints = prints.filter((p) => p.kind === 'track')
const real = trackPrints.map(printFingerprint)
const synth = new SyntheticTracks(real, (1 * 0x9e3779b1) ^ size, parseModel(CALIBRATED_MODEL))
const catalog = new Catalog({ tripletIndex: true })
// FILTER_4's filters beside the catalog's own, slot by slot (one partition at this size).
let f4 = new Uint32Array(1 << 20)
const starts = [0]
let nextReal = 0
for (let i = 0; i < size; i++) {
  const isReal = nextReal < real.length && i === Math.floor(((nextReal + 0.5) * size) / real.length)
  const fp = isReal ? real[nextReal]! : synth.next()
  catalog.add(isReal ? trackPrints[nextReal++]!.id : `syn-${i}`, fp)
  let n = 0
  for (let j = 0; j < fp.hashes.length; j++) if (fp.ranks![j]! < 2) n++
  const start = starts[starts.length - 1]!, bits = keyFilterBits(n, FILTER_4)
  if ((start + bits) >>> 5 > f4.length) { const g = new Uint32Array(2 * f4.length); g.set(f4); f4 = g }
  for (let j = 0; j < fp.hashes.length; j++) if (fp.ranks![j]! < 2) keyFilterAdd(f4, start, bits, indexKey(fp.hashes[j]!), 2)
  starts.push(start + bits)
}
catalog.stats()
type P = { filter: Uint32Array | null; filterStart: Uint32Array | null; filterShape: FilterShape }
const parts = (internals(catalog).index as unknown as { partitions: P[] }).partitions
if (parts.length !== 1) throw new Error(`${parts.length} partitions: run a size that fits one`)
const p = parts[0]!
const own = { filter: p.filter, filterStart: p.filterStart, filterShape: p.filterShape }
const old = { filter: f4, filterStart: Uint32Array.from(starts), filterShape: FILTER_4 }
const use = (x: typeof own) => { p.filter = x.filter; p.filterStart = x.filterStart; p.filterShape = x.filterShape }
const queries = selectQueries(prints, perClass).filter((q) => q.cls === '10s').map((q) => printFingerprint(q.print))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const times: Record<string, number[]> = { [`${KEY_FILTER.bits}/${KEY_FILTER.probes}`]: [], '4/2': [] }
for (let round = 0; round < 3; round++) {
  for (const q of queries) {
    for (const [name, shape] of round % 2 === 0 ? [['6/3', own], ['4/2', old]] as const : [['4/2', old], ['6/3', own]] as const) {
      use(shape)
      const t = cpu()
      catalog.match(q)
      if (round > 0) times[name]!.push(cpu() - t)
    }
  }
}
use(own)
for (const [name, xs] of Object.entries(times)) {
  xs.sort((a, b) => a - b)
  console.log(`${name}: 10 s match CPU ms p50 ${xs[xs.length >> 1]!.toFixed(2)} p95 ${xs[Math.floor(0.95 * xs.length)]!.toFixed(2)} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} (n ${xs.length})`)
}
