/**
 * Why a large catalog needs more than pair keys (docs/algorithm.md §9), measured on the dev corpus:
 *
 *   npx tsx bench/keystats.ts [--corpus /work/corpus] [--scale 100000]
 *
 * Prints how skewed the pair keys are (the posting-weighted mean list length against uniform
 * keys), how many postings a 10 s query's keys would hold with the catalog scaled to --scale
 * tracks (each key's list × scale / 96: the pooled key distribution, no co-occurrence), and what
 * share of the query hashes that truly align with their track a "rarest keys first" budget keeps,
 * per degradation: the popular keys are the ones that survive noise.
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { indexKey } from '../src/match/postings.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const corpus = arg('--corpus', '/work/corpus'), target = Number(arg('--scale', '100000'))
const prints = loadCorpusPrints(corpus, (l) => console.error(l))
const catalog = new Catalog()
const tracks = prints.filter((p) => p.kind === 'track')
for (const t of tracks) catalog.add(t.id, printFingerprint(t))
const stats = catalog.stats()
const { index } = internals(catalog)
// Postings per key, from a lookup of every key's hash (indexKey is a bijection).
const counts = new Uint32Array(1 << 21)
for (const t of tracks) {
  const fp = printFingerprint(t)
  for (let i = 0; i < fp.hashes.length; i++) if (fp.ranks![i]! < 2) counts[indexKey(fp.hashes[i]!)]!++
}
let s2 = 0
for (const c of counts) s2 += c * c
const n = stats.hashes
console.log(`${tracks.length} tracks, ${n} postings; posting-weighted mean list ${(s2 / n).toFixed(1)} = ${((2 ** 21 * s2) / n / n).toFixed(1)}× uniform keys`)
const scale = target / tracks.length
const ids = catalog.ids()
const aligned = new Uint8Array(1 << 16)
for (const budget of [2 ** 16, 2 ** 18, Infinity]) {
  const kept = new Map<string, [number, number]>()
  const totals: number[] = []
  for (const q of prints) {
    if (q.kind !== 'snippet' || q.lengthS !== 10 || q.expected === null) continue
    const fp = printFingerprint(q)
    const at = Math.round(q.offsets[0]! / fp.frameSeconds)
    index.aligned(fp.hashes, fp.times, ids.indexOf(q.expected), at - 3, at + 3, aligned)
    const lists = Array.from(fp.hashes, (h) => counts[indexKey(h)]! * scale)
    const order = [...lists.keys()].sort((a, b) => lists[a]! - lists[b]!)
    const chosen = new Uint8Array(lists.length)
    let sum = 0
    for (const i of order) { if (sum + lists[i]! > budget) break; sum += lists[i]!; chosen[i] = 1 }
    totals.push(lists.reduce((a, b) => a + b, 0))
    const row = kept.get(q.degradation) ?? [0, 0]
    for (let i = 0; i < lists.length; i++) if (aligned[i]) { row[1]++; if (chosen[i]) row[0]++ }
    kept.set(q.degradation, row)
  }
  totals.sort((a, b) => a - b)
  if (budget === Infinity) console.log(`postings a 10 s query's keys hold at ${target} tracks: median ${Math.round(totals[totals.length >> 1]!)}, p95 ${Math.round(totals[Math.floor(0.95 * totals.length)]!)}`)
  else console.log(`budget ${budget} postings, rarest keys first: aligned hashes kept ` + [...kept].sort().map(([d, [a, b]]) => `${d} ${Math.round((100 * a) / Math.max(1, b))}%`).join(', '))
}
