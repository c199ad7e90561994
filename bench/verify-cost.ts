/**
 * What stage 2 of the triplet path searches for (issue 9 round 5): on a saved large catalog
 * (bench/scale-probe.ts --save), each dev-corpus 10 s query's exact triplet pass makes its
 * alignments as search() does; for every alignment and every distinct pair key of the query,
 * this counts whether the track's key filter lets the key through (Partition.verify then
 * searches the key's postings for the track), whether the track holds the key at all (the search
 * finds postings: they count in the √votes term, so those searches stay), and whether it holds it
 * where the alignment needs it (the search finds evidence).
 *
 *   npx tsx bench/verify-cost.ts --load F [--queries 400]
 *
 * The searches for keys the filter lets through but the track does not hold are what a finer
 * filter saves; the rest cannot be skipped without changing an answer.
 */
import { internals } from '../src/match/catalog.js'
import { KEY_FILTER_BITS, keyFilterHas, lowerBound } from '../src/match/partition.js'
import { findKey, found, indexKey, SEGMENT_FRAMES, type Postings } from '../src/match/postings.js'
import { QueryScratch, tripletAlignments } from '../src/match/query.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback?: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback }
const catalog = (await loadCatalog(arg('--load')!)).catalog
const index = internals(catalog).index
interface Part { filter: Uint32Array; filterStart: Uint32Array; slotFirst: Uint32Array; slotSegments: Uint32Array; segments: number; pairs: { main: Postings; runs: Postings[] } }
const { partitions, bases } = index as unknown as { partitions: Part[]; bases: number[] }
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus')!)
const queries = selectQueries(prints, Number(arg('--queries', '400'))).filter((q) => q.cls === '10s')
const scratch = new QueryScratch()
const WINDOW = 3   // query.ts EXACT_WINDOW
let keys = 0, passed = 0, held = 0, local = 0, alignments = 0
for (const q of queries) {
  const fp = printFingerprint(q.print)
  scratch.voted = null
  const list = tripletAlignments(index, fp, false, false, scratch)
  const byKey = new Map<number, number[]>()
  for (let i = 0; i < fp.hashes.length; i++) { const k = indexKey(fp.hashes[i]!); const t = byKey.get(k) ?? []; t.push(fp.times[i]!); byKey.set(k, t) }
  for (let a = 0; a < list.count; a++) {
    const al = list.items[a]!
    let x = 0
    while (x + 1 < bases.length && bases[x + 1]! <= al.track) x++
    const p = partitions[x]!, slot = al.track - bases[x]!
    const fStart = p.filterStart[slot]!, fBits = 32 * (p.filterStart[slot + 1]! - fStart)
    const base = p.slotFirst[slot]! * SEGMENT_FRAMES, end = base + p.slotSegments[slot]! * SEGMENT_FRAMES
    alignments++
    for (const [k, times] of byKey) {
      keys++
      if (!keyFilterHas(p.filter, fStart, fBits, k)) continue
      passed++
      let isHeld = false, isLocal = false
      for (const post of [p.pairs.main, ...p.pairs.runs]) {
        if (findKey(post, k) === 0) continue
        const entry = found.entry
        const stop = found.end
        for (let j = lowerBound(entry, found.start, stop, base); j < stop && entry[j]! < end; j++) {
          isHeld = true
          for (const t of times) { const o = entry[j]! - base - t; if (o >= al.first - WINDOW && o <= al.last + WINDOW) isLocal = true }
        }
      }
      if (isHeld) held++
      if (isLocal) local++
    }
  }
}
const pct = (n: number) => `${((100 * n) / keys).toFixed(1)} %`
console.log(`${catalog.size} tracks, filters ${KEY_FILTER_BITS} bits / 3 probes; ${queries.length} 10 s queries, ${alignments} alignments, ${keys} (alignment, query key) pairs`)
console.log(`through the filter ${pct(passed)}: the track's ${pct(held)} (where the alignment needs it ${pct(local)}), not the track's ${pct(passed - held)}`)
console.log(`of the searches the filter lets through, ${((100 * (passed - held)) / passed).toFixed(1)} % find nothing`)
