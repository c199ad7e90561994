/**
 * Two saved catalogs of the same tracks in one process (e.g. one layout and another, bench/
 * scale-probe.ts --save from two checkouts, both readable by this one), their 10 s queries
 * alternated query by query so that the VM's drift falls on both alike: a shared 2-core VM's
 * speed moved 4.6 → 6.5 ms p50 between two runs of one checkout minutes apart (issue 9, session
 * 23), more than most changes measured here. Checks that both answer alike.
 *
 *   npx tsx bench/catalog-ab.ts A B [--corpus /work/corpus] [--rounds 4]
 *
 * The dev corpus's 10 s snippets (bench/scale-synth.ts selectQueries, 400), Catalog.match; the
 * first round not timed; A before B in even rounds, B before A in odd ones. Loaded A first:
 * run it both ways round (A B, then B A) where the order of loading may matter.
 */
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { loadCatalog } from './scale-io.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const [fileA, fileB] = argv
if (!fileA || !fileB) { console.error('usage: npx tsx bench/catalog-ab.ts A B [--corpus DIR] [--rounds N]'); process.exit(2) }
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus'))
const rounds = Number(arg('--rounds', '4'))
const a = (await loadCatalog(fileA)).catalog
const b = (await loadCatalog(fileB)).catalog
const queries = selectQueries(prints, 400).filter((q) => q.cls === '10s').map((q) => printFingerprint(q.print))
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const times: [number[], number[]] = [[], []]
let differ = 0
for (let round = 0; round < rounds; round++) {
  for (const q of queries) {
    const answers: string[] = []
    for (const k of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const c = cpu()
      const m = (k === 0 ? a : b).match(q)
      if (round > 0) times[k]!.push(cpu() - c)
      answers[k] = m.length === 0 ? 'none' : `${m[0]!.trackId}@${m[0]!.offsetSeconds.toFixed(2)}`
    }
    if (round === 0 && answers[0] !== answers[1]) differ++
  }
}
const line = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y)
  return `p50 ${s[s.length >> 1]!.toFixed(2)} p95 ${s[Math.floor(0.95 * s.length)]!.toFixed(2)} mean ${(s.reduce((x, y) => x + y, 0) / s.length).toFixed(2)}`
}
console.log(`${queries.length} 10 s queries × ${rounds - 1} rounds, CPU ms; answers differ on ${differ}`)
console.log(`  A ${fileA}: ${line(times[0])}`)
console.log(`  B ${fileB}: ${line(times[1])}`)
