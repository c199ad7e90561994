/**
 * Transparent huge pages for a loaded catalog, A/B: bench/query-time.ts on one saved catalog, in
 * children run alternately as they are and with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (glibc
 * then madvises its large chunks, V8's ArrayBuffers among them, for huge pages; this kernel's THP
 * is "madvise"). Each child's load wall time and 10 s query CPU p50 / p95, side by side: a shared
 * VM's speed drifts, so only pairs run back to back compare.
 *
 *   npx tsx bench/hugepages-ab.ts FILE [--pairs 3]
 */
import { spawnSync } from 'node:child_process'
import { hugePageTunables } from './scale-io.js'

const file = process.argv[2]
if (!file || file.startsWith('--')) throw new Error('usage: npx tsx bench/hugepages-ab.ts FILE [--pairs 3]')
const at = process.argv.indexOf('--pairs')
const pairs = at > 0 ? Number(process.argv[at + 1]) : 3
const script = new URL('./query-time.ts', import.meta.url).pathname
const run = (huge: boolean) => {
  const env = huge ? { ...process.env, GLIBC_TUNABLES: hugePageTunables(process.env.GLIBC_TUNABLES) } : process.env
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, file], { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`query-time.ts failed: ${r.stderr}`)
  const m = /loaded in ([\d.]+) s wall.*p50 ([\d.]+) p95 ([\d.]+)/.exec(r.stdout)
  if (!m) throw new Error(`unexpected output: ${r.stdout}`)
  return { load: Number(m[1]), p50: Number(m[2]), p95: Number(m[3]) }
}
console.log('pair | as it is: load s, 10 s CPU ms p50 / p95 | huge pages: load s, p50 / p95')
for (let i = 0; i < pairs; i++) {
  // Alternate which goes first, so that a drift within a pair weighs on each alike.
  const first = i % 2 === 0 ? run(false) : run(true)
  const second = i % 2 === 0 ? run(true) : run(false)
  const [plain, huge] = i % 2 === 0 ? [first, second] : [second, first]
  console.log(`${i + 1} | ${plain.load.toFixed(1)}, ${plain.p50.toFixed(2)} / ${plain.p95.toFixed(2)} | ${huge.load.toFixed(1)}, ${huge.p50.toFixed(2)} / ${huge.p95.toFixed(2)}`)
}
