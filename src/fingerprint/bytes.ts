import { crc32 } from '../crc32.js'
import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HASH_BITS } from '../options.js'
import type { Fingerprint } from './fingerprinter.js'
import { checkFrontEnd, type FrontEnd } from './front-end.js'

/**
 * A Fingerprint as bytes, for caches and for sending a query to a match service
 * (docs/format.md, "Fingerprint bytes"). Little-endian throughout:
 *
 *   0..3    magic "PMFP"
 *   4..5    format version, uint16 (FINGERPRINT_FORMAT_VERSION)
 *   6..9    CRC-32 of bytes 10..end
 *   10..11  frontEnd.version, uint16
 *   12..13  frontEnd.minBin, uint16        14..15  frontEnd.maxBin, uint16
 *   16      frontEnd.neighborhoodBins      17      frontEnd.neighborhoodFrames
 *   18      frontEnd.fanout                19      flags: bit 0 = has ranks, others 0
 *   20..27  frontEnd.threshold, float64
 *   28..35  frameSeconds, float64 (must be FRAME_SECONDS)
 *   36..43  durationSeconds, float64
 *   44..47  count, uint32
 *   48..    count LEB128 varints: dt × fanout + rank with ranks, dt without, where dt is the
 *           time minus the previous time (the first minus 0)
 *   then    count hashes, 3 bytes each
 *
 * Why this form (measured on synthMusic seeds 1–8, 30 s each, half with noise at 10 dB SNR,
 * default options, 52.9 hashes/s): a 4-byte hash|rank word plus a time varint is 5.00 bytes a
 * hash; 3-byte hashes plus a rank nibble array 4.50; 25-bit packing 4.13; folding the rank into
 * the time varint 4.00. The targets of one anchor share its time, so ~3 in 4 deltas are 0 and
 * the rank rides in their otherwise idle varint bits, and rank < fanout holds by construction.
 * Bit-packing hashes to 21 bits would save 0.375 byte more (−9 %) raw, but leave the byte grid
 * that gzip (as on HTTP) relies on: gzip -9 takes this form to 2.87 bytes a hash and the
 * bit-packed one only to 2.90, for a bit reader in every decoder.
 * Result: 48 bytes + ≈ 4.0 bytes a hash: 213 bytes per second of audio on that set (0.77 MB an
 * hour; 110–250 B/s on single clean pieces, 152 B/s gzipped). test/fingerprint/bytes.test.ts bounds it.
 */
export const FINGERPRINT_FORMAT_VERSION = 1

const MAGIC = [0x50, 0x4d, 0x46, 0x50] // "PMFP"
const CRC_START = 10
const HEADER = 48
const HASH_BYTES = 3
const MIN_ENTRY_BYTES = 1 + HASH_BYTES   // one varint byte at least, then the hash
const FLAG_RANKS = 1
const HASH_LIMIT = 2 ** HASH_BITS
const TIME_LIMIT = 2 ** 32
const VARINT_MAX_BYTES = 6               // (2^32 − 1) × 16 + 15 < 2^42

function invalid(message: string, cause?: unknown): PeakmatchError {
  return new PeakmatchError('INVALID_FINGERPRINT', message, cause === undefined ? undefined : { cause })
}

/** Bytes of `v` as a LEB128 varint. */
function varintLength(v: number): number {
  let n = 1
  while (v >= 128) {
    v = Math.floor(v / 128)
    n++
  }
  return n
}

/**
 * Encodes a fingerprint (from fingerprint(), a Fingerprinter, or fingerprintFromBytes). It is
 * checked first, so that every byte string this writes is one fingerprintFromBytes accepts.
 */
export function fingerprintToBytes(fp: Fingerprint): Uint8Array {
  if (fp === null || typeof fp !== 'object') throw invalid(`fingerprint must be an object, got ${String(fp)}`)
  const { hashes, times, ranks } = fp
  if (!(hashes instanceof Uint32Array) || !(times instanceof Uint32Array)) throw invalid('fingerprint hashes and times must be Uint32Array')
  const count = hashes.length
  if (times.length !== count) throw invalid(`fingerprint has ${count} hashes but ${times.length} times`)
  if (ranks !== undefined && (!(ranks instanceof Uint8Array) || ranks.length !== count)) {
    throw invalid('fingerprint ranks must be a Uint8Array with one entry per hash')
  }
  const fe = checkFrontEnd(fp.frontEnd, 'fingerprint')
  if (fp.frameSeconds !== FRAME_SECONDS) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `fingerprint frameSeconds ${String(fp.frameSeconds)} is not this version's ${FRAME_SECONDS}`)
  }
  const duration = fp.durationSeconds
  if (typeof duration !== 'number' || !(duration >= 0) || duration === Infinity) {
    throw invalid(`fingerprint durationSeconds must be a finite number ≥ 0, got ${String(duration)}`)
  }
  // Pass 1: validate and size, so the output is allocated once and exactly.
  const fanout = fe.fanout
  const scale = ranks === undefined ? 1 : fanout
  let size = HEADER + HASH_BYTES * count
  let prev = 0
  for (let i = 0; i < count; i++) {
    const t = times[i]!, h = hashes[i]!
    if (t < prev) throw invalid(`fingerprint times must not decrease: time ${i} is ${t}, after ${prev}`)
    if (h >= HASH_LIMIT) throw invalid(`fingerprint hash ${i} is ${h}, beyond ${HASH_BITS} bits`)
    let v = t - prev
    if (ranks !== undefined) {
      const r = ranks[i]!
      if (r >= fanout) throw invalid(`fingerprint rank ${i} is ${r}, not below its fanout ${fanout}`)
      v = v * scale + r
    }
    size += varintLength(v)
    prev = t
  }
  // Pass 2: write.
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint16(4, FINGERPRINT_FORMAT_VERSION, true)
  writeFrontEnd(view, fe)
  out[19] = ranks === undefined ? 0 : FLAG_RANKS
  view.setFloat64(28, FRAME_SECONDS, true)
  view.setFloat64(36, duration, true)
  view.setUint32(44, count, true)
  let at = HEADER
  prev = 0
  for (let i = 0; i < count; i++) {
    const t = times[i]!
    let v = ranks === undefined ? t - prev : (t - prev) * scale + ranks[i]!
    while (v >= 128) {
      out[at++] = (v % 128) | 128      // % and /, not bit ops: v may exceed 32 bits
      v = Math.floor(v / 128)
    }
    out[at++] = v
    prev = t
  }
  for (let i = 0; i < count; i++, at += HASH_BYTES) {
    const h = hashes[i]!
    out[at] = h & 0xff
    out[at + 1] = (h >>> 8) & 0xff
    out[at + 2] = h >>> 16
  }
  view.setUint32(6, crc32(out.subarray(CRC_START)), true)
  return out
}

function writeFrontEnd(view: DataView, fe: FrontEnd): void {
  view.setUint16(10, fe.version, true)
  view.setUint16(12, fe.minBin, true)
  view.setUint16(14, fe.maxBin, true)
  view.setUint8(16, fe.neighborhoodBins)
  view.setUint8(17, fe.neighborhoodFrames)
  view.setUint8(18, fe.fanout)
  view.setFloat64(20, fe.threshold, true)
}

/**
 * Decodes fingerprintToBytes output. The bytes may come from anywhere (a request body), so
 * every failure is a PeakmatchError: UNSUPPORTED_VERSION for another format version,
 * INCOMPATIBLE_FINGERPRINT for another front end or frame rate, and INVALID_FINGERPRINT for
 * everything else (bad magic, truncation, checksum, malformed fields). Every length is checked
 * against the bytes that remain before anything is allocated, and the result owns its memory.
 */
export function fingerprintFromBytes(input: Uint8Array | ArrayBuffer): Fingerprint {
  // byteLength first: a detached ArrayBuffer has 0, and a view of it would throw a TypeError.
  let bytes: Uint8Array
  if (input instanceof Uint8Array) bytes = input
  else if (input instanceof ArrayBuffer) bytes = input.byteLength === 0 ? new Uint8Array(0) : new Uint8Array(input)
  else throw invalid(`fingerprint bytes must be a Uint8Array or ArrayBuffer, got ${input === null ? 'null' : typeof input}`)
  const length = bytes.length
  for (let i = 0; i < MAGIC.length; i++) {
    if (i >= length) throw invalid(`fingerprint bytes truncated at ${length} bytes (the header alone is ${HEADER})`)
    if (bytes[i] !== MAGIC[i]) throw invalid('not a peakmatch fingerprint (bad magic)')
  }
  if (length < CRC_START) throw invalid(`fingerprint bytes truncated at ${length} bytes (the header alone is ${HEADER})`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, length)
  const version = view.getUint16(4, true)
  if (version !== FINGERPRINT_FORMAT_VERSION) {
    throw new PeakmatchError('UNSUPPORTED_VERSION', `fingerprint format version ${version}; this peakmatch reads version ${FINGERPRINT_FORMAT_VERSION}`)
  }
  if (length < HEADER) throw invalid(`fingerprint bytes truncated at ${length} bytes (the header alone is ${HEADER})`)
  if (crc32(bytes.subarray(CRC_START)) !== view.getUint32(6, true)) {
    throw invalid('fingerprint checksum mismatch: the bytes are truncated or damaged')
  }
  const frontEnd = checkFrontEnd({
    version: view.getUint16(10, true),
    minBin: view.getUint16(12, true),
    maxBin: view.getUint16(14, true),
    neighborhoodBins: bytes[16]!,
    neighborhoodFrames: bytes[17]!,
    fanout: bytes[18]!,
    threshold: view.getFloat64(20, true),
  }, 'fingerprint bytes')
  const flags = bytes[19]!
  if ((flags & ~FLAG_RANKS) !== 0) throw invalid(`fingerprint flags 0x${flags.toString(16)} has unknown bits`)
  const frameSeconds = view.getFloat64(28, true)
  if (frameSeconds !== FRAME_SECONDS) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `fingerprint frameSeconds ${frameSeconds} is not this version's ${FRAME_SECONDS}`)
  }
  const durationSeconds = view.getFloat64(36, true)
  if (!(durationSeconds >= 0) || durationSeconds === Infinity) throw invalid(`fingerprint durationSeconds ${durationSeconds} is not a finite number ≥ 0`)
  const count = view.getUint32(44, true)
  // Each entry takes at least MIN_ENTRY_BYTES, so a forged count fails here, before allocating.
  if (count > (length - HEADER) / MIN_ENTRY_BYTES) {
    throw invalid(`fingerprint count ${count} cannot fit in the ${length - HEADER} bytes after the header`)
  }
  const hasRanks = (flags & FLAG_RANKS) !== 0
  const scale = hasRanks ? frontEnd.fanout : 1
  const times = new Uint32Array(count)
  const ranks = hasRanks ? new Uint8Array(count) : undefined
  const varintEnd = length - HASH_BYTES * count
  let at = HEADER, t = 0
  for (let i = 0; i < count; i++) {
    // LEB128, low groups first; the value may exceed 32 bits, so no bit ops on it.
    let v = 0, mul = 1, b = 128, n = 0
    while (b >= 128) {
      if (at >= varintEnd) throw invalid(`fingerprint entry ${i} runs past the times (byte ${at})`)
      if (n === VARINT_MAX_BYTES) throw invalid(`fingerprint entry ${i} is longer than ${VARINT_MAX_BYTES} bytes (byte ${at})`)
      b = bytes[at++]!
      v += (b & 127) * mul
      mul *= 128
      n++
    }
    // One encoding per value, so that decoding then encoding gives the same bytes.
    if (b === 0 && n > 1) throw invalid(`fingerprint entry ${i} has an overlong encoding (byte ${at - 1})`)
    const r = v % scale
    t += (v - r) / scale
    if (t >= TIME_LIMIT) throw invalid(`fingerprint time ${i} is ${t}, beyond 32 bits`)
    times[i] = t
    if (ranks !== undefined) ranks[i] = r
  }
  if (at !== varintEnd) throw invalid(`fingerprint times end at byte ${at}, but the hashes start at byte ${varintEnd}`)
  const hashes = new Uint32Array(count)
  for (let i = 0; i < count; i++, at += HASH_BYTES) {
    const h = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)
    if (h >= HASH_LIMIT) throw invalid(`fingerprint hash ${i} is ${h}, beyond ${HASH_BITS} bits`)
    hashes[i] = h
  }
  const fp = { hashes, times, frameSeconds, durationSeconds, frontEnd }
  return ranks === undefined ? fp : { ...fp, ranks }
}
