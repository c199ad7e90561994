/**
 * Load time of a saved catalog file, CPU and wall, a few times (bench/scale.ts measures one load
 * in a child of its own; this is for comparing load-path changes on one file):
 *
 *   npx tsx bench/load-time.ts FILE [--repeat 3]
 */
import { loadCatalog } from './scale-io.js'

const path = process.argv[2]
if (!path) throw new Error('usage: npx tsx bench/load-time.ts FILE [--repeat 3]')
const at = process.argv.indexOf('--repeat')
const repeat = at > 0 ? Number(process.argv[at + 1]) : 3
for (let r = 0; r < repeat; r++) {
  const c0 = process.cpuUsage(), t0 = performance.now()
  const { catalog } = await loadCatalog(path)
  const wall = performance.now() - t0, cpu = process.cpuUsage(c0)
  console.log(`${catalog.size} tracks: ${(wall / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`)
}
