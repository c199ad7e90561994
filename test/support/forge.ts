import { Packr } from 'msgpackr'
import { crc32 } from '../../src/crc32.js'

/** The body codec of codec.ts (a msgpack map after a 16-byte header), to forge damaged catalogs. */
export const packr = new Packr({ useRecords: false, moreTypes: false })
export const HEADER = 16

/** A copy of `bytes` whose msgpack body is `edit`ed (or replaced by edit's result), with a CRC that passes. */
export function forge(bytes: Uint8Array, edit: (body: Record<string, unknown> & { tracks: unknown[][] }) => unknown): Uint8Array {
  const body = packr.unpack(bytes.slice(HEADER)) as Record<string, unknown> & { tracks: unknown[][] }
  const replaced = edit(body)
  return withBody(bytes, packr.pack(replaced === undefined ? body : replaced))
}

/** The header of `bytes` (magic, version) with `packed` as its body and a matching CRC. */
export function withBody(bytes: Uint8Array, packed: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + packed.length)
  out.set(bytes.subarray(0, HEADER))
  out.set(packed, HEADER)
  fixCrc(out)
  return out
}

/** Recomputes the CRC of a catalog's body in place (bytes 12..15), so only the body's checks can refuse it. */
export function fixCrc(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= HEADER) new DataView(bytes.buffer, bytes.byteOffset).setUint32(12, crc32(bytes.subarray(HEADER)), true)
  return bytes
}
