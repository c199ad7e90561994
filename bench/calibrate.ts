/**
 * Fits the chance model behind Match.confidence (rank.ts) from an accuracy dump:
 *
 *   npm run bench -- --corpus DIR --whole --dump scores.jsonl
 *   npx tsx bench/calibrate.ts scores.jsonl
 *
 * For every snippet query and pass it takes the best ratio score / threshold among chance
 * alignments (every candidate of an out-of-catalog query, the wrong tracks of the others),
 * and fits ln P(best chance ratio ≥ r) = α − β·r on the tail. It prints the fit, the
 * empirical survival next to the model, and how often a top-1 answer of each confidence is
 * right (a reliability table).
 */
import { readFileSync } from 'node:fs'
import { chanceOf, thresholdsOf } from '../src/match/rank.js'

interface Cand { id: string; score: number; hits: number }
interface Row { kind: string; deg: string; len: number; expected: string | null; exact?: Cand[]; shifted?: Cand[]; matched?: string | null }

const rows = readFileSync(process.argv[2] ?? 'scores.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
  .filter((r) => r.kind === 'snippet' && r.exact)

/** Ratio score / threshold of each candidate, with the rule of rank.ts. */
function ratios(cands: Cand[], shifted: boolean): number[] {
  const thresholds = thresholdsOf(cands.map((c) => c.score), cands.map((c) => c.hits), cands.map((c) => c.id), shifted)
  return cands.map((c, i) => c.score / thresholds[i]!)
}

for (const shifted of [false, true]) {
  const best: number[] = []
  for (const r of rows) {
    const cands = (shifted ? r.shifted : r.exact) ?? []
    const rs = ratios(cands, shifted)
    let m = 0
    cands.forEach((c, i) => { if (c.id !== r.expected) m = Math.max(m, rs[i]!) })
    best.push(m)
  }
  best.sort((a, b) => b - a)
  const n = best.length
  // Survival at each observed ratio: P(M ≥ r) = (rank + 1) / n.
  const xs: number[] = [], ys: number[] = []
  for (let i = 0; i < n; i++) {
    const s = (i + 1) / n
    if (s > 0.5 || i + 1 < 5) continue      // the tail, with at least 5 queries above
    xs.push(best[i]!); ys.push(Math.log(s))
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length
  let sxy = 0, sxx = 0
  for (let i = 0; i < xs.length; i++) { sxy += (xs[i]! - mx) * (ys[i]! - my); sxx += (xs[i]! - mx) ** 2 }
  const beta = -sxy / sxx, alpha = my + beta * mx
  console.log(`${shifted ? 'speed' : 'exact'} pass: ${n} queries; fit ln P(chance ratio ≥ r) = ${alpha.toFixed(3)} − ${beta.toFixed(3)}·r over ${xs.length} tail points`)
  console.log('   r   empirical   model (rank.ts)')
  for (const r of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5]) {
    const emp = best.filter((b) => b >= r).length / n
    console.log(`${r.toFixed(2).padStart(5)} ${emp.toFixed(4).padStart(10)} ${chanceOf(r, shifted).toExponential(2).padStart(12)}`)
  }
  console.log()
}

// Reliability: top-1 of the exact pass (or the speed pass when it ran and decided), by confidence bin.
const bins = [0, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0000001]
const counts = bins.slice(1).map(() => ({ right: 0, n: 0 }))
for (const r of rows) {
  const cands = r.exact ?? []
  const rs = ratios(cands, false)
  let top = -1
  rs.forEach((x, i) => { if (top < 0 || x > rs[top]!) top = i })
  if (top < 0) continue
  const conf = 1 - chanceOf(rs[top]!, false)
  const b = bins.findIndex((lo, i) => conf >= lo && conf < bins[i + 1]!)
  counts[b]!.n++
  if (cands[top]!.id === r.expected) counts[b]!.right++
}
console.log('exact pass, top candidate by ratio: confidence bin → share right (n)')
counts.forEach((c, i) => console.log(`[${bins[i]}, ${Math.min(1, bins[i + 1]!)}) ${c.n ? (c.right / c.n).toFixed(3) : '–'} (${c.n})`))
