/**
 * What new memory costs on this machine: allocates BYTES in ArrayBuffers of 256 MiB (as the
 * catalog reader's pools are, codec.ts) and writes one byte a 4 KiB page, so each page is faulted
 * in once, then writes them all again. Loading a catalog needs at least the first figure for its
 * own size (every array is new memory), however the bytes get there.
 *
 *   npx tsx bench/fresh-memory.ts [--gib 4]
 */
const at = process.argv.indexOf('--gib')
const gib = at > 0 ? Number(process.argv[at + 1]) : 4
const POOL = 256 << 20
const pools: Uint8Array[] = []
const cpu = () => { const u = process.cpuUsage(); return { user: u.user / 1e6, system: u.system / 1e6 } }
let c0 = cpu(), t0 = performance.now()
for (let left = gib * 2 ** 30; left > 0; left -= POOL) {
  const p = new Uint8Array(Math.min(POOL, left))
  for (let i = 0; i < p.length; i += 4096) p[i] = 1
  pools.push(p)
}
let c1 = cpu()
console.log(`first touch of ${gib} GiB: ${((performance.now() - t0) / 1000).toFixed(2)} s wall (${((performance.now() - t0) / 1000 / gib).toFixed(2)} s/GiB), user ${(c1.user - c0.user).toFixed(2)} s, system ${(c1.system - c0.system).toFixed(2)} s`)
c0 = cpu(); t0 = performance.now()
for (const p of pools) p.fill(2)
c1 = cpu()
console.log(`written again, every byte: ${((performance.now() - t0) / 1000).toFixed(2)} s wall`)
