/**
 * Where a large catalog's 10 s query spends its time, and why the triplet path misses
 * (issue 9): builds bench/scale.ts's synthetic catalog (with triplets) at one size, or loads one
 * this script saved, then runs the dev corpus's 10 s snippets through the two passes of
 * search() stage by stage, timing each in CPU time, and for every in-catalog query says where
 * its track was: among stage 1's alignments (and at which rank), first after stage 2, decided.
 *
 *   npx tsx bench/scale-probe.ts --size 10000 [--queries 400] [--save F | --load F] [--seed 1] [--model 2/0/0/0.2] [--budget N] [--alignments K]
 *
 * The stages: plan (sort the pair keys, find each one's postings: the budget check), triplets
 * (the query's triplet keys), vote (stage 1: the sketch's two walks), verify (stage 2), decide.
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { sortKeys, type HashIndex } from '../src/match/hash-index.js'
import { searchPass, settles, tripletAlignments, verifyAlignments, type QueryScratch } from '../src/match/query.js'
import { decide, type Recordings } from '../src/match/rank.js'
import { alignmentList } from '../src/match/triplet-vote.js'
import { candidateList } from '../src/match/votes.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { CALIBRATED_MODEL, SyntheticTracks, parseModel, selectQueries } from './scale-synth.js'
import { loadCatalog, saveCatalog } from './scale-io.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback?: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback }
const size = Number(arg('--size', '10000'))
const perClass = Number(arg('--queries', '400'))
const seed = Number(arg('--seed', '1'))
const corpus = arg('--corpus', '/work/corpus')!

const prints = loadCorpusPrints(corpus)
const trackPrints = prints.filter((p) => p.kind === 'track')
let catalog: Catalog
const loadPath = arg('--load')
const t0 = performance.now()
if (loadPath) {
  catalog = (await loadCatalog(loadPath)).catalog
  console.log(`loaded ${catalog.size} tracks in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
} else {
  const real = trackPrints.map(printFingerprint)
  const R = real.length
  const synth = new SyntheticTracks(real, (seed * 0x9e3779b1) ^ size, parseModel(arg('--model', CALIBRATED_MODEL)!))
  catalog = new Catalog({ tripletIndex: true })
  let nextReal = 0
  for (let i = 0; i < size; i++) {
    const isReal = nextReal < R && i === Math.floor(((nextReal + 0.5) * size) / R)
    if (isReal) { catalog.add(trackPrints[nextReal]!.id, real[nextReal++]!) } else catalog.add(`syn-${i}`, synth.next())
  }
  const st = catalog.stats()
  console.log(`built ${st.tracks} tracks in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${st.hashes} pair postings, ${(st.bytes / 2 ** 20).toFixed(0)} MiB, ${(st.bytes / st.hashes).toFixed(2)} B a pair posting, ${(st.bytes / (st.seconds / 3600) / 1e6).toFixed(3)} MB/h`)
  const savePath = arg('--save')
  if (savePath) await saveCatalog(catalog, savePath)
}
catalog.stats()
const { index, registry, scratch } = internals(catalog) as unknown as { index: HashIndex; registry: Recordings & { slotOf(id: string): number | undefined; at(slot: number): { id: string } }; scratch: QueryScratch }

// --budget N: pair postings a query may walk before the triplet path (HashIndex.pairBudget).
if (arg('--budget')) index.pairBudget = Number(arg('--budget'))
// --alignments K: stage 1 hands K alignments on instead of ALIGNMENTS (what more would find; stage 2 then verifies them all).
if (arg('--alignments')) {
  const k = Number(arg('--alignments'))
  Object.assign(scratch, { alignments: alignmentList(k), exact: candidateList(k), shifted: candidateList(k), spare: candidateList(k) })
}

{
  const parts = (index as unknown as { partitions: { pairs: { runs: unknown[] }; triplets: { runs: unknown[] } | null }[] }).partitions
  console.log(`partitions: ${parts.length}; runs beside main (pairs/triplets): ${parts.map((p) => `${p.pairs.runs.length}/${p.triplets?.runs.length ?? 0}`).join(' ')}`)
}
const queries = selectQueries(prints, perClass).filter((q) => q.cls === '10s').map((q) => ({ ...q, fp: printFingerprint(q.print) }))
const STAGES = ['plan', 'triplets+vote', 'verify', 'decide', 'pairs'] as const
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }

interface Row { official: boolean; deg: string; expected: string | null; passes: number; pairPasses: number; ms: number[]; cast: number; rank: number[]; first: boolean; matched: string | null; total: number }
function probe(fp: { hashes: Uint32Array; times: Uint32Array; ranks?: Uint8Array }, expected: string | null, deg: string): Row {
  const row: Row = { official: false, deg, expected, passes: 0, pairPasses: 0, ms: [0, 0, 0, 0, 0], cast: 0, rank: [], first: false, matched: null, total: 0 }
  const slot = expected === null ? -1 : registry.slotOf(expected) ?? -1
  const start = cpu()
  let best = null as null | { list: ReturnType<typeof verifyAlignments>; conf: number }
  for (const shift of [false, true]) {
    let t = cpu()
    const m = sortKeys(fp.hashes, shift, scratch.hits)
    const walked = index.planPairs(scratch.plans, scratch.hits.order, m)
    row.ms[0]! += cpu() - t; t = cpu()
    if (walked <= index.pairBudget) {
      // This pass walks the pairs (searchPass does the plan again: counted once, under "pairs").
      const list = searchPass(index, registry, fp, shift, scratch)
      row.ms[4]! += cpu() - t
      row.pairPasses++
      const conf = list.count > 0 ? list.items[0]!.confidence : 0
      if (best === null || conf > best.conf) best = { list, conf }
      if (settles(list)) break
      continue
    }
    const more = shift && row.passes === 1
    const cast0 = more ? scratch.sketch.cast : 0
    const al = tripletAlignments(index, fp, shift, more, scratch)
    row.ms[1]! += cpu() - t; t = cpu()
    row.cast += scratch.sketch.cast - cast0
    let r = -1
    for (let a = 0; a < al.count; a++) if (al.items[a]!.track === slot) { r = a; break }
    row.rank.push(r)
    const list = verifyAlignments(index, fp, shift, scratch, 0)
    row.ms[2]! += cpu() - t; t = cpu()
    decide(list, shift, registry)
    row.ms[3]! += cpu() - t
    row.passes++
    const conf = list.count > 0 ? list.items[0]!.confidence : 0
    if (best === null || conf > best.conf) best = { list, conf }
    if (settles(list)) break
  }
  row.total = cpu() - start
  if (best && settles(best.list)) row.matched = registry.at(best.list.items[0]!.track).id
  return row
}

/** The probe's passes against a walk of every pair (the budget lifted), the expected track's place in each. */
function explain(fp: { hashes: Uint32Array; times: Uint32Array; ranks?: Uint8Array }, expected: string | null, r: Row): void {
  const slot = expected === null ? -1 : registry.slotOf(expected) ?? -1
  const show = (list: ReturnType<typeof searchPass>) => list.items.slice(0, Math.min(list.count, 4)).map((c) => `${c.track === slot ? '*' : ''}${c.track}:${c.score}/${c.hits}/${c.confidence.toFixed(2)}@${c.offset}`).join(' ')
  const lines = [`${expected} slot ${slot} ranks ${r.rank.join(',')} matched ${r.matched}`]
  for (const shift of [false, true]) {
    const m = sortKeys(fp.hashes, shift, scratch.hits)
    const walked = index.planPairs(scratch.plans, scratch.hits.order, m)
    if (walked > index.pairBudget) {
      const al = tripletAlignments(index, fp, shift, false, scratch)
      lines.push(`  ${shift ? 'shift' : 'exact'} al: ${al.items.slice(0, al.count).map((a) => `${a.track === slot ? '*' : ''}${a.track}:${a.votes}@${a.first}`).join(' ')}`)
      const list = verifyAlignments(index, fp, shift, scratch, 0)
      decide(list, shift, registry)
      lines.push(`    triplet path: ${show(list)}`)
    }
    const budget = index.pairBudget
    index.pairBudget = Infinity
    lines.push(`    pair walk:    ${show(searchPass(index, registry, fp, shift, scratch))}`)
    index.pairBudget = budget
  }
  console.log(lines.join('\n'))
}

for (const q of queries.slice(0, 30)) probe(q.fp, q.print.expected, q.print.degradation)   // warm-up
const matchMs: number[] = []
const rows = queries.map((q) => {
  const r = probe(q.fp, q.print.expected, q.print.degradation)
  const c0 = cpu()
  const m = catalog.match(q.fp)
  matchMs.push(cpu() - c0)
  if (process.env.DEBUG && q.print.degradation === process.env.DEBUG) explain(q.fp, q.print.expected, r)
  r.official = q.print.expected === null ? m.length > 0 : m[0]?.trackId === q.print.expected
  return r
})
const q = (xs: number[], p: number) => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN }
const trip = rows.filter((r) => r.passes > 0)
console.log(`\n${rows.length} 10 s queries, ${trip.length} on the triplet path; CPU ms per query (both passes), p50 / p95 / mean:`)
for (let s = 0; s < STAGES.length; s++) {
  const xs = trip.map((r) => r.ms[s]!)
  console.log(`  ${STAGES[s]!.padEnd(14)} ${q(xs, 0.5).toFixed(2)} / ${q(xs, 0.95).toFixed(2)} / ${(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2)}`)
}
const tot = trip.map((r) => r.total)
console.log(`  ${'total'.padEnd(14)} ${q(tot, 0.5).toFixed(2)} / ${q(tot, 0.95).toFixed(2)} / ${(tot.reduce((a, b) => a + b, 0) / tot.length).toFixed(2)}`)
console.log(`  ${'match()'.padEnd(14)} ${q(matchMs, 0.5).toFixed(2)} / ${q(matchMs, 0.95).toFixed(2)} / ${(matchMs.reduce((a, b) => a + b, 0) / matchMs.length).toFixed(2)}   (Catalog.match of the same queries, after the probe's passes)`)
const casts = trip.map((r) => r.cast)
console.log(`  stage-1 votes (triplet postings walked) ${q(casts, 0.5)} / ${q(casts, 0.95)} / ${Math.round(casts.reduce((a, b) => a + b, 0) / casts.length)}`)
console.log(`  two triplet passes: ${trip.filter((r) => r.passes === 2).length} of ${trip.length}; a pair pass and a triplet pass: ${trip.filter((r) => r.pairPasses > 0).length}`)

const byDeg = new Map<string, { n: number; ok: number; missed: number; notFirst: number; official: number }>()
let falseMatched = 0, negatives = 0
for (const r of rows) {
  if (r.expected === null) { negatives++; if (r.official) falseMatched++; continue }
  const d = byDeg.get(r.deg) ?? { n: 0, ok: 0, missed: 0, notFirst: 0, official: 0 }
  if (r.official) d.official++
  d.n++
  if (r.matched === r.expected) d.ok++
  else if (r.rank.length > 0 && r.rank.every((x) => x < 0)) d.missed++
  else d.notFirst++
  byDeg.set(r.deg, d)
}
console.log('\nper degradation: right / n by match() and by the probe (exact and speed pass only); of the probe\'s others, stage 1 missed the track (every pass it ran) / found it but not decided')
for (const [deg, d] of [...byDeg].sort()) console.log(`  ${deg.padEnd(18)} ${d.official}/${d.n} (match)  ${d.ok}/${d.n} (probe)  missed ${d.missed}, found ${d.notFirst}`)
console.log(`false matched: ${falseMatched}/${negatives}`)
const ranks = rows.filter((r) => r.expected !== null && r.rank.length > 0).map((r) => Math.min(...r.rank.map((x) => (x < 0 ? Infinity : x))))
const within = (k: number) => ranks.filter((x) => x < k).length
console.log(`in-catalog queries on the triplet path: ${ranks.length}; their track among stage 1's first 1 / 4 / 8 / 16 / 32 / 64 alignments (best pass): ${[1, 4, 8, 16, 32, 64].map(within).join(' / ')}`)
