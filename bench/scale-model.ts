/**
 * Is bench/scale.ts's synthetic catalog as hard on a query as real songs would be? (issue 9)
 *
 *   npx tsx bench/scale-model.ts [--corpus /work/corpus] [--synthetic 960] [--models 0/0,8/0.1,…] [--index-fanout 2]
 *
 * A query's index cost and its chance votes are the postings its keys meet in *other* tracks. On
 * real music that is measurable on the dev corpus itself: each real track, as a query, against
 * the other 95 (leave one out). For a synthetic model it is each real track against --synthetic
 * tracks the model makes from all 96, as bench/scale.ts makes them (so a block copied from the
 * query's own track counts, as it does in the benchmark). Printed per key kind (pair keys of
 * ranks < --index-fanout in the index against the query's every pair; the index's one triplet per
 * anchor against the query's triplets of ranks < 3, as stage 1 forms them):
 * postings met per query second per catalog track (mean over the 96 queries, and the median).
 * A model is faithful where its rate equals the real one: then a catalog of N synthetic tracks
 * gives a query the work and the chance votes N real songs would. A model is
 * `transpose/shift/stretch` (scale-synth.ts SynthModel): 0/0/0 is the copy model of issue 9's rounds 1–3.
 */
import type { Fingerprint } from '../src/index.js'
import { TRIPLET_INDEX_FANOUT } from '../src/options.js'
import { indexTriplets, queryTriplets, tripletList, TRIPLET_KEY_BITS } from '../src/match/triplets.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { SyntheticTracks, modelText, parseModel, type SynthModel } from './scale-synth.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const corpus = arg('--corpus', '/work/corpus')
const synthetic = Number(arg('--synthetic', '960'))
const indexFanout = Number(arg('--index-fanout', String(TRIPLET_INDEX_FANOUT)))
const models: SynthModel[] = arg('--models', 'copy,0/4/0,0/0/0.1,1/0/0,2/0/0,6/0/0,12/0/0,6/0/0.1').split(',').map(parseModel)
const QUERY_TRIPLET_RANKS = 3   // query.ts

const prints = loadCorpusPrints(corpus)
const trackPrints = prints.filter((p) => p.kind === 'track')
const real: Fingerprint[] = trackPrints.map(printFingerprint)

/** Counts a print's index keys (pairs of ranks < indexFanout, the index's triplets) into the two tables. */
function countIndexKeys(fp: Fingerprint, pairs: Int32Array, triplets: Int32Array, sign: number): void {
  const { hashes, times, ranks } = fp
  for (let i = 0; i < hashes.length; i++) if (ranks![i]! < indexFanout) pairs[hashes[i]!]! += sign
  indexTriplets(hashes, times, ranks, null, (key) => { triplets[key]! += sign }, () => {})
}

/** The dev corpus's 10 s snippets, each as the distinct keys a query looks up (stage 1 looks each up once). */
const queries = prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10).map((p) => {
  const fp = printFingerprint(p)
  const t = tripletList()
  queryTriplets(fp.hashes, fp.times, fp.ranks, QUERY_TRIPLET_RANKS, 0, t)
  return { own: p.expected === null ? -1 : trackPrints.findIndex((tp) => tp.id === p.expected), pairs: new Set(fp.hashes), triplets: new Set(t.key.subarray(0, t.count)) }
})

/** Postings a query's distinct keys meet in the tables, per catalog track. */
function met(q: (typeof queries)[number], pairs: Int32Array, triplets: Int32Array, tracks: number): [number, number] {
  let p = 0, t = 0
  for (const h of q.pairs) p += pairs[h]!
  for (const k of q.triplets) t += triplets[k]!
  return [p / tracks, t / tracks]
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!
const show = (a: number[]) => `${mean(a).toFixed(3)} (median ${median(a).toFixed(3)})`
const report = (name: string, rows: [number, number][]) =>
  console.log(name.padEnd(27) + `pairs ${show(rows.map((r) => r[0]))}   triplets ${show(rows.map((r) => r[1]))}`)

const pairs = new Int32Array(1 << 21), triplets = new Int32Array(1 << TRIPLET_KEY_BITS)
// Real: each query against the catalog's other tracks (its own track's keys taken out, then put back).
for (const fp of real) countIndexKeys(fp, pairs, triplets, 1)
const realRows = queries.map((q) => {
  if (q.own < 0) return met(q, pairs, triplets, real.length)
  countIndexKeys(real[q.own]!, pairs, triplets, -1)
  const r = met(q, pairs, triplets, real.length - 1)
  countIndexKeys(real[q.own]!, pairs, triplets, 1)
  return r
})
console.log(`${queries.length} 10 s queries against ${real.length} real tracks (index fanout ${indexFanout}); postings a query's keys meet per catalog track:`)
report('real, own track left out', realRows)
for (const model of models) {
  pairs.fill(0); triplets.fill(0)
  const synth = new SyntheticTracks(real, 12345, model)
  for (let i = 0; i < synthetic; i++) countIndexKeys(synth.next(), pairs, triplets, 1)
  report(`model ${modelText(model)}`, queries.map((q) => met(q, pairs, triplets, synthetic)))
}
