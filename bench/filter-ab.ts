/**
 * Key filter shapes, A/B in one process (issue 9 rounds 4 and 5): one catalog, a filter set of
 * each shape made beside it (track by track, as Partition.add makes its own), queries alternated
 * between them (the order flipped every round); the answers must be the same (a filter has no
 * false negatives: the run says so).
 *
 *   npx tsx bench/filter-ab.ts [--corpus /work/corpus] [--size 30000] [--queries 400] [--bits 6,8]
 *
 * A shape is bits a pair posting, three probes a key (version 4's two probes, 4/2, were measured
 * against 6/3 in round 4 before the core dropped them; four probes, 8/4, on branch s21-filter-8-4). --size must fit one partition. Run both orders: at 100 000 tracks the set made
 * first measured ~7 % faster whichever it was (docs/algorithm.md §9, round 5).
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { keyFilterAdd, keyFilterBits } from '../src/match/partition.js'
import { indexKey } from '../src/match/postings.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { CALIBRATED_MODEL, SyntheticTracks, parseModel, selectQueries } from './scale-synth.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const size = Number(arg('--size', '30000')), perClass = Number(arg('--queries', '400'))
type FilterShape = { bits: number }
const shapes: FilterShape[] = arg('--bits', '6,8').split(',').map((s) => {
  if (!(Number(s) > 0)) throw new Error(`--bits: ${s} is not a number of bits`)
  return { bits: Number(s) }
})
const name = (s: FilterShape) => `${s.bits}/3`
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus'))
const trackPrints = prints.filter((p) => p.kind === 'track')
const real = trackPrints.map(printFingerprint)
const synth = new SyntheticTracks(real, (1 * 0x9e3779b1) ^ size, parseModel(CALIBRATED_MODEL))
const catalog = new Catalog({ tripletIndex: true })
// Each shape's filters, slot by slot (bit offsets; one partition at this size).
const sets = shapes.map((shape) => ({ shape, filter: new Uint32Array(1 << 20), bitStarts: [0] }))
let nextReal = 0
for (let i = 0; i < size; i++) {
  const isReal = nextReal < real.length && i === Math.floor(((nextReal + 0.5) * size) / real.length)
  const fp = isReal ? real[nextReal]! : synth.next()
  catalog.add(isReal ? trackPrints[nextReal++]!.id : `syn-${i}`, fp)
  let n = 0
  for (let j = 0; j < fp.hashes.length; j++) if (fp.ranks![j]! < 2) n++
  for (const s of sets) {
    const start = s.bitStarts[s.bitStarts.length - 1]!, bits = keyFilterBits(n, s.shape.bits)
    if ((start + bits) / 32 > s.filter.length) { const g = new Uint32Array(2 * s.filter.length); g.set(s.filter); s.filter = g }
    for (let j = 0; j < fp.hashes.length; j++) if (fp.ranks![j]! < 2) keyFilterAdd(s.filter, start / 32, bits, indexKey(fp.hashes[j]!))
    s.bitStarts.push(start + bits)
  }
}
catalog.stats()
type P = { filter: Uint32Array | null; filterStart: Uint32Array | null }
const parts = (internals(catalog).index as unknown as { partitions: P[] }).partitions
if (parts.length !== 1) throw new Error(`${parts.length} partitions: run a size that fits one`)
const p = parts[0]!
const own = { filter: p.filter, filterStart: p.filterStart }
const wordStarts = sets.map((s) => Uint32Array.from(s.bitStarts, (b) => b / 32))
const queries = selectQueries(prints, perClass).filter((q) => q.cls === '10s').map((q) => printFingerprint(q.print))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const times: number[][] = sets.map(() => [])
const answers: string[][] = sets.map(() => [])
for (let round = 0; round < 5; round++) {
  for (const q of queries) {
    for (let x = 0; x < sets.length; x++) {
      const k = round % 2 === 0 ? x : sets.length - 1 - x
      p.filter = sets[k]!.filter; p.filterStart = wordStarts[k]!
      const t = cpu()
      const m = catalog.match(q)
      if (round > 0) times[k]!.push(cpu() - t)
      if (round === 1) answers[k]!.push(JSON.stringify(m))
    }
  }
}
Object.assign(p, own)
console.log(`${size} tracks, ${queries.length} 10 s queries, 4 rounds timed`)
for (const [k, xs] of times.entries()) {
  xs.sort((a, b) => a - b)
  const mib = sets[k]!.bitStarts[sets[k]!.bitStarts.length - 1]! / 8 / 2 ** 20
  console.log(`${name(shapes[k]!)}: 10 s match CPU ms p50 ${xs[xs.length >> 1]!.toFixed(2)} p95 ${xs[Math.floor(0.95 * xs.length)]!.toFixed(2)} mean ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)} (n ${xs.length}); filters ${mib.toFixed(0)} MiB`)
}
const same = answers.every((a) => a.every((x, i) => x === answers[0]![i]))
console.log(same ? 'answers: the same under every shape' : 'answers DIFFER between shapes (a filter with false negatives?)')
if (!same) process.exitCode = 1
