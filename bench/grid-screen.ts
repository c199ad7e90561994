/**
 * Could the factor grid (factors.ts) run on a large catalog's triplet path if each factor were
 * screened first by a cheap stage 1? For the dev corpus's 10 s queries (or --class 5s / 3s) on a saved catalog: under
 * each of the grid's factors, stage 1 alone (the rescaled query's triplets of target ranks
 * < RANKS, as they are, no moved anchors) — its CPU time, the best alignment's votes, and whether
 * the query's own track is among the alignments; then what a full factor pass (the speed pass on
 * the rescaled query, as search() runs it) would decide. Says, for a floor of votes, how many
 * factor passes out-of-catalog queries would run and which in-catalog ones would still be found.
 *
 *   npx tsx bench/grid-screen.ts FILE [--queries 400] [--ranks 2] [--factors 12] [--rows pitch+100,...] [--class 10s|5s|3s]
 */
import { internals } from '../src/match/catalog.js'
import { FACTORS } from '../src/match/factors.js'
import type { HashIndex } from '../src/match/hash-index.js'
import { scaledPrint, searchPass, correctedConfidence, type QueryScratch } from '../src/match/query.js'
import { DECISION_CONFIDENCE, type Recordings } from '../src/match/rank.js'
import { queryTriplets } from '../src/match/triplets.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const path = argv[0]
if (!path || path.startsWith('--')) throw new Error('usage: npx tsx bench/grid-screen.ts FILE [--queries 400] [--ranks 2] [--factors 12]')
const ranks = Number(arg('--ranks', '2'))
/** --moved: the screen also votes the triplets with the anchor a bin down and up, as the speed pass does. */
const moved = argv.includes('--moved')
const nFactors = Math.min(FACTORS.length, Number(arg('--factors', '12')))
const rows = arg('--rows', 'pitch+100,pitch-100,speed+5,speed-2').split(',')
const { catalog } = await loadCatalog(path)
catalog.stats()
const { index, registry, scratch } = internals(catalog) as unknown as { index: HashIndex; registry: Recordings & { slotOf(id: string): number | undefined }; scratch: QueryScratch }
const prints = loadCorpusPrints('/work/corpus')
const cls = arg('--class', '10s')
const queries = selectQueries(prints, Number(arg('--queries', '400'))).filter((q) => q.cls === cls && (q.print.expected === null || rows.includes(q.print.degradation)))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }

interface Screen { votes: number; found: boolean; ms: number; decided: boolean; right: boolean; fullMs: number }
function screen(fp: ReturnType<typeof printFingerprint>, k: number, slot: number): Screen {
  const t0 = cpu()
  const p = scaledPrint(fp, FACTORS[k]!, scratch)
  const lists = moved ? scratch.triplets : [scratch.triplets[0]!]
  lists.forEach((list, i) => queryTriplets(p.hashes, p.times, p.ranks, ranks, [0, -1, 1][i]!, list))
  index.voteTriplets(lists, scratch.sketch, 1, scratch.alignments)
  scratch.voted = null
  const ms = cpu() - t0
  const al = scratch.alignments
  let found = false
  for (let a = 0; a < al.count; a++) if (al.items[a]!.track === slot) found = true
  const votes = al.count > 0 ? al.items[0]!.votes : 0
  const t1 = cpu()
  const out = searchPass(index, registry, scaledPrint(fp, FACTORS[k]!, scratch), true, scratch)
  const fullMs = cpu() - t1
  const decided = out.count > 0 && correctedConfidence(out.items[0]!.confidence) >= DECISION_CONFIDENCE
  return { votes, found, ms, decided, right: decided && out.items[0]!.track === slot, fullMs }
}

// Warm-up.
for (const q of queries.slice(0, 10)) screen(printFingerprint(q.print), 0, -1)
const results: { deg: string; neg: boolean; s: Screen[] }[] = []
for (const q of queries) {
  const fp = printFingerprint(q.print)
  const slot = q.print.expected === null ? -1 : registry.slotOf(q.print.expected) ?? -1
  const s: Screen[] = []
  for (let k = 0; k < nFactors; k++) s.push(screen(fp, k, slot))
  results.push({ deg: q.print.expected === null ? 'out-of-catalog' : q.print.degradation, neg: q.print.expected === null, s })
}
const sorted = (xs: number[]) => xs.sort((a, b) => a - b)
const q = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const screenMs = sorted(results.flatMap((r) => r.s.map((s) => s.ms))), fullMs = sorted(results.flatMap((r) => r.s.map((s) => s.fullMs)))
console.log(`${results.length} queries × ${nFactors} factors; screen (ranks < ${ranks}) CPU ms p50 ${q(screenMs, 0.5).toFixed(2)} p95 ${q(screenMs, 0.95).toFixed(2)}; full factor pass p50 ${q(fullMs, 0.5).toFixed(2)} p95 ${q(fullMs, 0.95).toFixed(2)}`)
const negVotes = sorted(results.filter((r) => r.neg).flatMap((r) => r.s.map((s) => s.votes)))
console.log(`out-of-catalog screens' best votes: p50 ${q(negVotes, 0.5)} p90 ${q(negVotes, 0.9)} p99 ${q(negVotes, 0.99)} max ${negVotes[negVotes.length - 1]}`)
const posRight = results.filter((r) => !r.neg).flatMap((r) => r.s.filter((s) => s.right).map((s) => s.votes))
console.log(`screens of factors whose full pass decides rightly: best votes ${JSON.stringify(sorted(posRight))}`)
for (const floor of [2, 3, 4, 5, 6, 8, 10]) {
  const negPasses = results.filter((r) => r.neg).reduce((n, r) => n + r.s.filter((s) => s.votes >= floor).length, 0)
  const perRow = new Map<string, [number, number]>()
  for (const r of results) {
    if (r.neg) continue
    const t = perRow.get(r.deg) ?? [0, 0]
    t[1]++
    // search() takes the first factor, nearest first, whose pass settles; screened, only those whose screen passes.
    const first = r.s.find((s) => s.votes >= floor && s.decided)
    if (first?.right) t[0]++
    perRow.set(r.deg, t)
  }
  const negN = results.filter((r) => r.neg).length
  console.log(`floor ${floor}: out-of-catalog queries run ${(negPasses / negN).toFixed(2)} full passes of ${nFactors}; found: ${[...perRow].map(([d, [ok, n]]) => `${d} ${ok}/${n}`).join(', ')}; false decided ${results.filter((r) => r.neg && r.s.some((s) => s.votes >= floor && s.decided)).length}/${negN}`)
}
