/**
 * Load time of a catalog file, as the CLI reads it (16 MiB pieces into Catalog.fromChunks), and
 * of its postings check alone (checkPostings, the largest part of a load):
 *
 *   npx tsx bench/load.ts CATALOG.pmx [rounds]        (e.g. a catalog saved by bench/scale.ts)
 *
 * Prints each round and the best; on a shared machine compare the best of several rounds, side by side.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { checkPostings } from '../src/match/postings.js'

const path = process.argv[2]
if (!path) { console.error('usage: npx tsx bench/load.ts CATALOG.pmx [rounds]'); process.exit(2) }
const rounds = Number(process.argv[3] ?? 3)
const gib = (b: number) => b / 2 ** 30
let best = Infinity, bestCheck = Infinity, size = 0, catalog: Catalog | null = null
for (let r = 0; r < rounds; r++) {
  catalog = null
  const t0 = performance.now()
  const fd = openSync(path, 'r')
  size = fstatSync(fd).size
  const buffer = new Uint8Array(16 << 20)
  function* pieces(): Generator<Uint8Array> {
    for (;;) { const n = readSync(fd, buffer, 0, buffer.length, null); if (n === 0) return; yield buffer.subarray(0, n) }
  }
  try { catalog = Catalog.fromChunks(pieces(), { totalBytes: size }) } finally { closeSync(fd) }
  const ms = performance.now() - t0
  best = Math.min(best, ms)
  // The postings check again on the loaded index: what fromChunks spent on it.
  const t1 = performance.now()
  for (const p of internals(catalog).index.parts().partitions) {
    let segments = 0
    for (const s of p.segmentCounts) segments += s
    const problem = checkPostings(p.postings, segments, new Uint32Array(segments)) ?? (p.triplets ? checkPostings(p.triplets, segments) : null)
    if (problem) throw new Error(problem)
  }
  const check = performance.now() - t1
  bestCheck = Math.min(bestCheck, check)
  console.log(`round ${r + 1}: load ${(ms / 1000).toFixed(2)} s (${(ms / 1000 / gib(size)).toFixed(2)} s/GiB), of which checkPostings ≈ ${(check / 1000).toFixed(2)} s`)
}
console.log(`${path}: ${gib(size).toFixed(2)} GiB, ${catalog!.size} tracks; best load ${(best / 1000).toFixed(2)} s (${(best / 1000 / gib(size)).toFixed(2)} s/GiB), best postings check ${(bestCheck / 1000).toFixed(2)} s (${(bestCheck / 1000 / gib(size)).toFixed(2)} s/GiB)`)
