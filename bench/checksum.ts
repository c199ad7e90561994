/**
 * Throughput of the catalog sections' checksum against CRC-32, on 64 MiB of bytes:
 *
 *   npx tsx bench/checksum.ts
 */
import { checksum } from '../src/checksum.js'
import { crc32 } from '../src/crc32.js'

const bytes = new Uint8Array(64 << 20)
for (let i = 0; i < bytes.length; i++) bytes[i] = Math.imul(i, 2654435761) >>> 24
for (const [name, f] of [['checksum', checksum], ['crc32', crc32]] as const) {
  f(bytes.subarray(0, 1 << 20))
  const t0 = performance.now()
  f(bytes)
  console.log(`${name}: ${(bytes.length / ((performance.now() - t0) / 1000) / 1e6).toFixed(0)} MB/s`)
}
