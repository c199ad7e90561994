/**
 * What index fanout 3 / fingerprint fanout 5 costs a query against 2 / 4, measured interleaved
 * in one process on the same prints (the ranks ≥ 4 of a fanout-5 print are dropped to make its
 * fanout-4 print: the pairer takes targets nearest first, so the rest are identical), so that
 * a shared machine slows both alike. CPU ms per 10 s `match` (each query twice) and per
 * whole-file `identify` (the first 120).
 *
 *   npx tsx bench/fanout-cost.ts --corpus /work/corpus
 */
import { Catalog, type Fingerprint } from '../src/index.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'

const argv = process.argv.slice(2)
const corpus = argv[argv.indexOf('--corpus') + 1]
if (!argv.includes('--corpus') || !corpus) { console.error('usage: npx tsx bench/fanout-cost.ts --corpus DIR'); process.exit(2) }
const prints = loadCorpusPrints(corpus, console.log)

function trimmed(fp: Fingerprint, fanout: number): Fingerprint {
  const keep: number[] = []
  for (let i = 0; i < fp.hashes.length; i++) if (fp.ranks![i]! < fanout) keep.push(i)
  return {
    ...fp, frontEnd: { ...fp.frontEnd, fanout },
    hashes: Uint32Array.from(keep, (i) => fp.hashes[i]!), times: Uint32Array.from(keep, (i) => fp.times[i]!), ranks: Uint8Array.from(keep, (i) => fp.ranks![i]!),
  }
}

if (prints[0] && printFingerprint(prints[0]).frontEnd.fanout < 5) { console.error('the prints have fanout < 5: nothing to compare'); process.exit(2) }
const old = new Catalog({ indexFanout: 2 }), now = new Catalog({ indexFanout: 3 })
for (const p of prints) if (p.kind === 'track') { const fp = printFingerprint(p); old.add(p.id, trimmed(fp, 4)); now.add(p.id, fp) }
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
function timed(pairs: [() => unknown, () => unknown][], reps: number): [number[], number[]] {
  const a: number[] = [], b: number[] = []
  for (let r = 0; r < reps; r++) for (const [x, y] of pairs) { let t = cpu(); x(); a.push(cpu() - t); t = cpu(); y(); b.push(cpu() - t) }
  return [a, b]
}
const snippets = prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10).map(printFingerprint)
const [m2, m3] = timed(snippets.map((q) => { const q4 = trimmed(q, 4); return [() => old.match(q4), () => now.match(q)] }), 2)
const wholes = prints.filter((p) => p.kind === 'whole').slice(0, 120).map(printFingerprint)
const [i2, i3] = timed(wholes.map((w) => { const w4 = trimmed(w, 4); return [() => old.identify(w4), () => now.identify(w)] }), 1)
const pct = (xs: number[], p: number) => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(p * (s.length - 1))]!.toFixed(2) }
const row = (name: string, a: number[], b: number[]) => console.log(`${name}: 2/4 ${pct(a, 0.5)} / ${pct(a, 0.95)}   3/5 ${pct(b, 0.5)} / ${pct(b, 0.95)}   (p50 / p95 CPU ms, n = ${a.length})`)
row('10 s match', m2, m3)
row('identify  ', i2, i3)
const mb = (c: Catalog) => (c.stats().bytes / (c.stats().seconds / 3600) / 1e6).toFixed(3)
console.log(`index: 2/4 ${old.stats().hashes} postings, ${mb(old)} MB/h; 3/5 ${now.stats().hashes} postings, ${mb(now)} MB/h`)
