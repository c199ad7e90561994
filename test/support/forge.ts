import { Packr } from 'msgpackr'
import { checksum } from '../../src/checksum.js'
import { crc32 } from '../../src/crc32.js'
import { packValue } from '../../src/match/pack.js'
import { entryWords } from '../../src/match/packed.js'

/**
 * Reading and writing catalog files (format version 3, src/match/codec.ts) outside the codec, to
 * forge damaged ones: a 16-byte header (magic, version, section size), then sections of
 * [payload length, CRC-32 of the payload, payload], a payload's first byte its kind: 'M' pieces of
 * the msgpack manifest, 'A' pieces of the arrays' bytes, one 'E' end marker (sections before it).
 */
export const packr = new Packr({ useRecords: false, moreTypes: false })
export const HEADER = 16
export const FRAME = 8
export const KIND = { manifest: 0x4d, arrays: 0x41, end: 0x45 } as const

/** Per chunk [dir words, low bytes or null, entries] (version 6: and 0), or [dir words, unary words, postings, entry bits] packed (version 6). */
type Lengths = [number, number | null, number, number?][]
export type Body = Record<string, unknown> & { tracks: unknown[][]; partitions: [number, number, number, Lengths, [number, number, Lengths] | null, (number | null)?, (number | null)?][] }

/** A version 3 file taken apart: its section size, the manifest (decoded), and its arrays' bytes in file order, one Uint8Array each. */
export interface Decoded {
  header: Uint8Array
  sectionBytes: number
  body: Body
  arrays: Uint8Array[]
}

/** One section's place in a file: where its frame starts, its kind, and its payload (a view). */
export interface SectionInfo { at: number; kind: number; payload: Uint8Array }

/** The sections of a well-formed version 3 file (throws on anything else: for test set-up only). */
export function sectionsOf(bytes: Uint8Array): SectionInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: SectionInfo[] = []
  for (let at = HEADER; at < bytes.length;) {
    const n = view.getUint32(at, true)
    const payload = bytes.subarray(at + FRAME, at + FRAME + n)
    if (payload.length !== n) throw new Error(`section at ${at} is cut short`)
    out.push({ at, kind: payload[0]!, payload })
    at += FRAME + n
  }
  return out
}

export function decode(bytes: Uint8Array): Decoded {
  const sections = sectionsOf(bytes)
  const manifest = join(sections.filter((s) => s.kind === KIND.manifest).map((s) => s.payload.subarray(1)))
  const data = join(sections.filter((s) => s.kind === KIND.arrays).map((s) => s.payload.subarray(1)))
  const body = packr.unpack(manifest) as Body
  const arrays: Uint8Array[] = []
  let at = 0
  for (const [, , , chunks, triplets, filterWords] of body.partitions) {
    for (const list of triplets ? [chunks, triplets[2]] : [chunks]) {
      for (const [dir, low, entry, bits = 0] of list) {
        const lengths = bits !== 0 ? [4 * dir, 4 * low!, 4 * entryWords(entry, bits)] : low === null ? [4 * dir, 4 * entry] : [4 * dir, low, 4 * entry]
        for (const n of lengths) { arrays.push(data.slice(at, at + n)); at += n }
      }
    }
    // (version 4 on) the partition's key filter, after its postings
    if (typeof filterWords === 'number') { arrays.push(data.slice(at, at + 4 * filterWords)); at += 4 * filterWords }
  }
  return { header: bytes.slice(0, HEADER), sectionBytes: new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true), body, arrays }
}

/**
 * A version 3 file of `body` (packed as given, or raw msgpack bytes) and `arrays` (written as
 * given, whatever the manifest says), every CRC valid. `sectionBytes` defaults to the original's.
 */
export function encode(d: { header: Uint8Array; sectionBytes: number; body: unknown; arrays: Uint8Array[] }, options: { packed?: Uint8Array; endCount?: number } = {}): Uint8Array {
  // The codec's own writer, so that a body decoded and encoded again is the same bytes; `packed` for
  // what it refuses to write (msgpackr writes anything).
  const packed = options.packed ?? (() => { try { return packValue(d.body) } catch { return packr.pack(d.body) } })()
  const room = d.sectionBytes - FRAME - 1
  const sections: Uint8Array[] = []
  const cut = (kind: number, bytes: Uint8Array) => {
    for (let i = 0; i < bytes.length; i += room) sections.push(section(kind, bytes.subarray(i, i + room)))
  }
  cut(KIND.manifest, packed)
  cut(KIND.arrays, join(d.arrays))
  const count = new Uint8Array(4)
  new DataView(count.buffer).setUint32(0, options.endCount ?? sections.length, true)
  sections.push(section(KIND.end, count))
  const header = d.header.slice()
  new DataView(header.buffer).setUint32(12, d.sectionBytes, true)
  return join([header, ...sections])
}

/** One section: frame (length, CRC) and payload (kind, data). */
export function section(kind: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME + 1 + data.length)
  out[FRAME] = kind
  out.set(data, FRAME + 1)
  const view = new DataView(out.buffer)
  view.setUint32(0, 1 + data.length, true)
  view.setUint32(4, checksum(out.subarray(FRAME)), true)
  return out
}

/**
 * A copy of `bytes` whose manifest is `edit`ed (or replaced by edit's result) and whose arrays
 * `edit` may replace (arrays[i] = …), with CRCs that pass.
 */
export function forge(bytes: Uint8Array, edit: (body: Body, arrays: Uint8Array[]) => unknown): Uint8Array {
  const d = decode(bytes)
  const replaced = edit(d.body, d.arrays)
  return encode({ ...d, body: replaced === undefined ? d.body : replaced })
}

/** A version 6 manifest's partitions in version 5's shape: chunk lengths without their 4th number (every chunk must be plain). */
export function toVersion5Lengths(body: Body): void {
  for (const p of body.partitions) {
    for (const list of p[4] ? [p[3], p[4][2]] : [p[3]]) {
      for (const c of list) {
        if ((c[3] ?? 0) !== 0) throw new Error('a packed chunk has no version 5 form')
        c.length = 3
      }
    }
  }
}

/** The header of `bytes` with `packed` as its whole manifest and its arrays unchanged, CRCs valid. */
export function withManifest(bytes: Uint8Array, packed: Uint8Array): Uint8Array {
  const d = decode(bytes)
  return encode(d, { packed })
}

/**
 * Recomputes in place the CRC of every section whose frame fits in `bytes` (a section cut short
 * gets the CRC of what is there), so only the checks behind the CRCs can refuse it. Walks the
 * frames as they stand: after a damaged length it recomputes whatever the length now frames.
 */
export function fixCrc(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  for (let at = HEADER; at + FRAME <= bytes.length;) {
    const n = view.getUint32(at, true)
    if (n === 0) break
    view.setUint32(at + 4, checksum(bytes.subarray(at + FRAME, Math.min(bytes.length, at + FRAME + n))), true)
    at += FRAME + n
  }
  return bytes
}

export function join(pieces: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of pieces) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of pieces) { out.set(p, at); at += p.length }
  return out
}

/** A version 1 or 2 file (one msgpack body, CRC in bytes 12..15) of a version 3 one: single partition, one chunk, 2^13 slots. */
export function legacyOf(bytes: Uint8Array, version: 1 | 2): Uint8Array {
  const { header, body, arrays } = decode(bytes)
  if (body.partitions.length !== 1 || body.partitions[0]![2] !== 0 || body.partitions[0]![1] !== 13) throw new Error('only one partition of 2^13 slots in one chunk has a version 1/2 form')
  const old: Record<string, unknown> = { ...body, dir: arrays[0], low: arrays[1], entry: arrays[2] }
  delete old.partitions
  if (version === 1) delete old.frontEnd
  const packed = packr.pack(old)
  const out = new Uint8Array(HEADER + packed.length)
  out.set(header)
  out.set(packed, HEADER)
  const view = new DataView(out.buffer)
  view.setUint32(8, version, true)
  view.setUint32(12, crc32(packed), true)
  return out
}
