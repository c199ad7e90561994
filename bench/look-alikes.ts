/**
 * Structured chance: pieces of the unit tests' synthetic generator (test/support/synth.ts) that
 * share key, tempo and drum sounds with the 8 tracks of the unit tests' catalog, but are none of
 * them. Every "match" here is false; the √votes term of the decision rule (rank.ts) exists for
 * them, because a small catalog's background is thin.
 *
 *   npx tsx bench/look-alikes.ts [--seeds 100] [--grids 2]
 *
 * 100 seeds × 6 queries (10 s, two of 5 s, two of 3 s, the whole 25 s piece) against
 * catalogOf(makeTracks(seeds 101–108, 40–57.5 s)), as Catalog.match answers them (every pass,
 * the factor grid included). Prints how many match, by length, which, and the highest confidence
 * among those that do not (how close chance comes). 600 queries, ≈ 20 s CPU.
 */
import { fingerprint } from '../src/index.js'
import { catalogOf, makeTracks } from '../test/support/corpus.js'
import { excerpt, synthMusic } from '../test/support/synth.js'

const argv = process.argv.slice(2)
const seeds = Number(argv[argv.indexOf('--seeds') + 1] ?? 100) || 100
// Frame grids the queries are fingerprinted on (Fingerprint.offGrid); the catalog's tracks take one.
const grids = argv.includes('--grids') ? Number(argv[argv.indexOf('--grids') + 1]) : 1
const tracks = makeTracks(Array.from({ length: 8 }, (_, i) => ({ seed: 101 + i, seconds: 40 + 2.5 * i })))
const catalog = catalogOf(tracks)
const CUTS: [number, number][] = [[5, 10], [2, 5], [12, 5], [3, 3], [15, 3], [0, 25]]
const matched = new Map<number, number>(), asked = new Map<number, number>()
const which: string[] = []
let closest = 0
for (let seed = 201; seed < 201 + seeds; seed++) {
  const piece = synthMusic(seed, 25, 44100, 2)
  for (const [start, len] of CUTS) {
    const fp = fingerprint(len === 25 ? piece : excerpt(piece, start, len), { grids })
    const all = catalog.match(fp, { minConfidence: 0 })
    const [m] = catalog.match(fp)
    asked.set(len, (asked.get(len) ?? 0) + 1)
    if (m) { matched.set(len, (matched.get(len) ?? 0) + 1); which.push(`seed ${seed} ${len} s → ${m.trackId} (score ${m.score})`) }
    else if (all[0]) closest = Math.max(closest, all[0].confidence)
  }
}
let total = 0, n = 0
for (const [len, a] of [...asked].sort((x, y) => x[0] - y[0])) { total += matched.get(len) ?? 0; n += a; console.log(`${String(len).padStart(2)} s: ${matched.get(len) ?? 0}/${a} matched`) }
console.log(`look-alikes matched: ${total}/${n}; highest confidence of the rest ${closest.toFixed(4)}`)
for (const w of which) console.log(`  ${w}`)
