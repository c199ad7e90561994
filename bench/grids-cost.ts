/**
 * What fingerprinting a query on more frame grids costs (Fingerprint.offGrid, docs/algorithm.md
 * §6), measured in one process on the dev catalog: every snippet query of the corpus (10, 5 and
 * 3 s; in and out of the catalog) fingerprinted on one grid and on --grids N (default
 * QUERY_GRIDS), then matched, the two alternated query by query so that a busy machine slows both
 * alike. CPU time (process.cpuUsage) per query:
 *
 *   npx tsx bench/grids-cost.ts --corpus /work/corpus [--grids 2] [--repeat 3]
 *
 * Prints, per length and for in- and out-of-catalog queries: fingerprint CPU ms (p50), off-grid
 * hashes per first-grid hash, match CPU ms p50 / p95 on one grid and on N, and answers that differ.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Catalog, QUERY_GRIDS, fingerprint, type Fingerprint } from '../src/index.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus')
if (!corpus) { console.error('usage: npx tsx bench/grids-cost.ts --corpus DIR [--grids N] [--repeat K]'); process.exit(2) }
const grids = Number(arg('--grids') ?? QUERY_GRIDS)
const repeat = Number(arg('--repeat') ?? 3)

interface Query { file: string; kind: string; degradation: string; lengthS: number; expectedTrackId: string | null }
const tracks = JSON.parse(readFileSync(join(corpus, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
const catalog = new Catalog()
for (const t of tracks) catalog.add(t.trackId, fingerprint(parseWav(readFileSync(join(corpus, t.file)))))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const timed = <T>(f: () => T): [T, number] => { const c0 = cpu(); const v = f(); return [v, cpu() - c0] }

interface Cell { fp1: number[]; fpN: number[]; m1: number[]; mN: number[]; first: number; off: number; differ: number; n: number }
const cells = new Map<string, Cell>()
const queries = (JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Query[]).filter((q) => q.kind === 'snippet')
// Warm-up: the first queries compile the paths and size the scratch.
for (const q of queries.slice(0, 20)) { const w = parseWav(readFileSync(join(corpus, q.file))); catalog.match(fingerprint(w, { grids })) }
for (const q of queries) {
  const w = parseWav(readFileSync(join(corpus, q.file)))
  const key = `${q.lengthS} s ${q.expectedTrackId === null ? 'out of catalog' : 'in catalog'}`
  const c = cells.get(key) ?? { fp1: [], fpN: [], m1: [], mN: [], first: 0, off: 0, differ: 0, n: 0 }
  cells.set(key, c)
  const [one, f1] = timed(() => fingerprint(w))
  const [many, fN] = timed(() => fingerprint(w, { grids }))
  c.fp1.push(f1); c.fpN.push(fN)
  c.first += one.hashes.length; c.off += many.offGrid?.hashes.length ?? 0; c.n++
  let a: string | undefined, b: string | undefined
  for (let r = 0; r < repeat; r++) {
    // Alternate which goes first, so neither always meets the other's warm caches.
    const order: [Fingerprint, number[]][] = r % 2 ? [[many, c.mN], [one, c.m1]] : [[one, c.m1], [many, c.mN]]
    for (const [fp, out] of order) { const [m, t] = timed(() => catalog.match(fp)[0]?.trackId); out.push(t); if (fp === one) a = m; else b = m }
  }
  if (a !== b) c.differ++
}
const q = (xs: number[], p: number) => { const s = [...xs].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]! }
console.log(`dev catalog ${catalog.size} tracks; queries on 1 and ${grids} frame grids; CPU ms`)
console.log('queries                 n     fingerprint 1 / N   off-grid per hash   match p50 1 / N    match p95 1 / N    answers differ')
for (const [k, c] of [...cells].sort()) {
  console.log(`${k.padEnd(22)}${String(c.n).padStart(4)}     ${q(c.fp1, 0.5).toFixed(2)} / ${q(c.fpN, 0.5).toFixed(2)}`.padEnd(50) +
    `${(c.off / Math.max(1, c.first)).toFixed(2)}`.padEnd(20) + `${q(c.m1, 0.5).toFixed(2)} / ${q(c.mN, 0.5).toFixed(2)}`.padEnd(19) +
    `${q(c.m1, 0.95).toFixed(2)} / ${q(c.mN, 0.95).toFixed(2)}`.padEnd(19) + `${c.differ}`)
}
