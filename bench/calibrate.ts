/**
 * Fits the model behind Match.confidence (rank.ts) from an accuracy dump:
 *
 *   npm run bench -- --corpus DIR --whole --dump scores.jsonl
 *   npx tsx bench/calibrate.ts scores.jsonl
 *
 * For every snippet query it takes the exact pass's best candidate by r = score / threshold
 * (the rule of rank.ts) and whether it is the right track, and fits P(right | r) as a logistic
 * (Newton's method). It also prints how far chance alignments reach (the best r of a wrong
 * track, per query) and a reliability table of the confidence rank.ts computes now.
 */
import { readFileSync } from 'node:fs'
import { DECISION_CONFIDENCE, confidenceOf, thresholdsOf } from '../src/match/rank.js'

interface Cand { id: string; score: number; hits: number }
interface Row { kind: string; deg: string; len: number; expected: string | null; exact?: Cand[]; shifted?: Cand[] }

const rows = readFileSync(process.argv[2] ?? 'scores.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)
  .filter((r) => r.kind === 'snippet' && r.exact)

/** Ratio score / threshold of each candidate, with the rule of rank.ts. */
function ratios(cands: Cand[], shifted: boolean): number[] {
  const thresholds = thresholdsOf(cands.map((c) => c.score), cands.map((c) => c.hits), cands.map((c) => c.id), shifted)
  return cands.map((c, i) => c.score / thresholds[i]!)
}

// The best candidate of each query by ratio, and whether it is right.
const points: { r: number; right: boolean }[] = []
const chance: number[] = []
for (const q of rows) {
  const cands = q.exact ?? []
  const rs = ratios(cands, false)
  let top = -1, wrong = 0
  rs.forEach((x, i) => {
    if (top < 0 || x > rs[top]!) top = i
    if (cands[i]!.id !== q.expected) wrong = Math.max(wrong, x)
  })
  chance.push(wrong)
  points.push(top < 0 ? { r: 0, right: false } : { r: rs[top]!, right: cands[top]!.id === q.expected })
}

// Logistic regression P(right) = σ(a + b·r) by Newton's method.
let a = 0, b = 1
for (let it = 0; it < 50; it++) {
  let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0
  for (const p of points) {
    const y = p.right ? 1 : 0, q = 1 / (1 + Math.exp(-(a + b * p.r))), w = q * (1 - q)
    ga += y - q; gb += (y - q) * p.r; haa += w; hab += w * p.r; hbb += w * p.r * p.r
  }
  const det = haa * hbb - hab * hab
  a += (hbb * ga - hab * gb) / det
  b += (haa * gb - hab * ga) / det
}
console.log(`${points.length} queries; fit P(right | r) = σ(${a.toFixed(2)} + ${b.toFixed(2)}·r): 0.5 at r = ${(-a / b).toFixed(3)}`)
console.log(`rank.ts now: confidence at the threshold (DECISION_CONFIDENCE) = ${DECISION_CONFIDENCE.toFixed(6)}\n`)

console.log('   r   queries  right  rank.ts confidence   chance alignments reaching r')
for (let lo = 0; lo < 1.5; lo += 0.1) {
  const inBin = points.filter((p) => p.r >= lo && p.r < lo + 0.1)
  const reach = chance.filter((c) => c >= lo).length
  console.log(`${lo.toFixed(1)}–${(lo + 0.1).toFixed(1)} ${String(inBin.length).padStart(6)} ${String(inBin.filter((p) => p.right).length).padStart(6)} ${confidenceOf(lo + 0.05).toFixed(4).padStart(12)} ${String(reach).padStart(14)}`)
}
const above = points.filter((p) => p.r >= 1.5)
console.log(`≥ 1.5   ${String(above.length).padStart(6)} ${String(above.filter((p) => p.right).length).padStart(6)}`)
const decided = points.filter((p) => p.r >= 1)
console.log(`\nat or above the threshold: ${decided.filter((p) => p.right).length} of ${decided.length} right`)
