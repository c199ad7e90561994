/**
 * Hostile request bodies, seeded: fingerprint bytes truncated, bit-flipped, with forged counts,
 * versions, times and durations (half of them with the checksum made right again, so that they
 * reach the fields behind it), random bytes, and msgpack batches of wrong shapes. Used by
 * fuzz.test.ts (a few hundred) and bench/service-fuzz.ts (tens of thousands, against a process).
 */
import { pack } from 'msgpackr'
import { crc32 } from '../../src/index.js'
import { rng } from '../support/synth.js'

export interface FuzzRequest { url: string; type: string; body: Buffer; encoding?: string }

const FP = 'application/octet-stream'
const BATCH = 'application/vnd.peakmatch.batch+msgpack'

/** Makes the CRC-32 at bytes 6..9 right for bytes 10..end (when the buffer is that long). */
function fixCrc(b: Buffer): Buffer {
  if (b.length >= 48) b.writeUInt32LE(crc32(b.subarray(10)), 6)
  return b
}

export function fuzzRequests(good: readonly Buffer[], seed: number): () => FuzzRequest {
  const rand = rng(seed)
  const int = (n: number) => Math.floor(rand() * n)
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!
  const randomBytes = (n: number) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = int(256); return b }

  const mutateFingerprint = (): Buffer => {
    let b = Buffer.from(pick(good))
    switch (int(9)) {
      case 0: b = b.subarray(0, int(b.length)); break
      case 1: for (let k = 1 + int(8); k > 0; k--) { const i = int(b.length); b[i] = b[i]! ^ (1 << int(8)) } break
      case 2: b.writeUInt32LE(pick([0xffffffff, 0x7fffffff, 1 << 24, b.readUInt32LE(44) + 1 + int(1000)]), 44); break
      case 3: b.writeUInt16LE(pick([0, 2, 3, 255, 65535]), 4); break
      case 4: b.writeDoubleLE(pick([1e300, -1, NaN, Infinity, 86400 * 365, 3 * 3600 + 1]), 36); break
      case 5: b.writeDoubleLE(pick([0, 0.1, 1, NaN]), 28); break
      case 6: { const i = 48 + int(Math.max(1, b.length - 48)); if (i < b.length) b[i] = 0xff } break   // a varint that never ends, or a huge time step
      case 7: b = Buffer.concat([b, randomBytes(1 + int(64))]); break
      default: for (let i = 10; i < 28; i++) if (rand() < 0.3) b[i] = int(256)   // the front end's fields
    }
    return rand() < 0.5 ? fixCrc(b) : b
  }

  const randomValue = (depth: number): unknown => {
    switch (int(depth > 2 ? 6 : 9)) {
      case 0: return int(2 ** 31) * (rand() < 0.5 ? -1 : 1)
      case 1: return rand() * 1e9
      case 2: return pick(['identify', 'match', 'decide', '', 'x'.repeat(int(300)), '__proto__'])
      case 3: return null
      case 4: return rand() < 0.5
      case 5: return randomBytes(int(64))
      case 6: return Array.from({ length: int(5) }, () => randomValue(depth + 1))
      case 7: return Object.fromEntries(Array.from({ length: int(5) }, () => [pick(['v', 'items', 'op', 'fingerprint', 'options', 'limit', 'quality', 'durationSeconds', 'top', 'constructor']), randomValue(depth + 1)]))
      default: return mutateFingerprint()
    }
  }

  const batchBody = (): Buffer => {
    switch (int(6)) {
      case 0: return randomBytes(int(200))
      case 1: return Buffer.from(pack(randomValue(0)))
      case 2: { const b = Buffer.from(pack({ v: 1, items: [{ op: 'match', fingerprint: pick(good) }] })); return b.subarray(0, int(b.length)) }
      case 3: return Buffer.from([pick([0xdc, 0xdd]), 0xff, 0xff, 0xff, 0xff, ...randomBytes(8)])   // array headers claiming billions of items
      case 4: return Buffer.from(pack({ v: pick([1, 2, '1', null]), items: Array.from({ length: int(6) }, () => ({ op: pick(['identify', 'match', 'decide', 'nope']), fingerprint: rand() < 0.7 ? mutateFingerprint() : randomValue(2), options: rand() < 0.5 ? randomValue(1) : { durationSeconds: rand() * 1e5, top: int(200), limit: int(200), minConfidence: rand() * 2 } })) }))
      default: return Buffer.from(pack({ v: 1, items: Array.from({ length: 300 }, () => ({ op: 'match', fingerprint: Buffer.alloc(0) })) }))
    }
  }

  return () => {
    const r = int(10)
    if (r < 5) return { url: pick(['/v1/match', '/v1/identify', '/v1/match?limit=100&minConfidence=0', '/v1/identify?alternatives=100']), type: FP, body: mutateFingerprint() }
    if (r < 8) return { url: '/v1/batch', type: BATCH, body: batchBody() }
    if (r === 8) return { url: pick(['/v1/match', '/v1/batch']), type: pick([FP, BATCH]), body: randomBytes(int(4096)) }
    return { url: '/v1/match', type: FP, body: randomBytes(int(100)), encoding: 'gzip' }
  }
}
