import { crc32 } from '../crc32.js'
import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HASH_BITS } from '../options.js'
import { checkOffGridShape, checkPrintShape, type Fingerprint } from './fingerprinter.js'
import { checkFrontEnd, type FrontEnd } from './front-end.js'

/**
 * A Fingerprint as bytes, for caches and for sending a query to a match service
 * (docs/format.md, "Fingerprint bytes"). Little-endian throughout:
 *
 *   0..3    magic "PMFP"
 *   4..5    format version, uint16: 2 (FINGERPRINT_FORMAT_VERSION) with off-grid hashes, else 1
 *   6..9    CRC-32 of bytes 10..end
 *   10..11  frontEnd.version, uint16
 *   12..13  frontEnd.minBin, uint16        14..15  frontEnd.maxBin, uint16
 *   16      frontEnd.neighborhoodBins      17      frontEnd.neighborhoodFrames
 *   18      frontEnd.fanout                19      flags: bit 0 = has ranks, bit 1 = has off-grid
 *                                                  hashes (set exactly in version 2), others 0
 *   20..27  frontEnd.threshold, float64
 *   28..35  frameSeconds, float64 (must be FRAME_SECONDS)
 *   36..43  durationSeconds, float64
 *   44..47  count, uint32
 *   48..    count LEB128 varints: dt × fanout + rank with ranks, dt without, where dt is the
 *           time minus the previous time (the first minus 0)
 *   then    count hashes, 3 bytes each
 *   version 2 goes on with Fingerprint.offGrid in the same form, to the last byte:
 *   then    offCount, uint32, at least 1
 *   then    offCount varints: dt × fanout + rank (off-grid hashes always have ranks), dt from
 *           the previous off-grid time (the first from 0)
 *   then    offCount hashes, 3 bytes each
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
 *
 * Off-grid hashes (version 2): a fingerprint without them is written as version 1, byte for
 * byte as before version 2 existed, so caches and stored queries stay valid and a version-1
 * reader still reads every fingerprint made on one grid. An empty offGrid is written as none
 * (matching treats the two alike) and read back as none; that, and the flag having to agree
 * with the version, keep one encoding per fingerprint. They get a section of their own rather
 * than being merged into the first with a grid bit per entry: the first section stays version
 * 1's, each section decodes straight into its own arrays, and it is smaller (time varints 1.006
 * bytes a hash against 1.019 merged, on the set above with grids: 2: the grid bit pushes more
 * dt = 0 values past one byte). The section costs its 4-byte count + ≈ 4.0 bytes a hash: 4.007
 * on that set with grids: 2 (0.64 off-grid hashes per first-grid one, +163 B/s, +2.96 bytes a
 * hash gzipped), 4.003 with grids: 4 (1.07 per first-grid one), 4.018 on bytes.test.ts's piece.
 */
/** The newest format version, written for a fingerprint with off-grid hashes; 1 and 2 are read. */
export const FINGERPRINT_FORMAT_VERSION = 2

/** The version written for a fingerprint without off-grid hashes: the bytes it always had. */
const VERSION_1 = 1
const MAGIC = [0x50, 0x4d, 0x46, 0x50] // "PMFP"
const CRC_START = 10
const HEADER = 48
const COUNT_BYTES = 4                    // the off-grid section's count, uint32
const HASH_BYTES = 3
const MIN_ENTRY_BYTES = 1 + HASH_BYTES   // one varint byte at least, then the hash
const FLAG_RANKS = 1
const FLAG_OFF_GRID = 2
const HASH_LIMIT = 2 ** HASH_BITS
const TIME_LIMIT = 2 ** 32
const VARINT_MAX_BYTES = 6               // (2^32 − 1) × 16 + 15 < 2^42

/** One run of entries: the main hashes, or the off-grid ones (whose ranks are always there). */
interface Section {
  readonly hashes: Uint32Array
  readonly times: Uint32Array
  readonly ranks: Uint8Array | undefined
}

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
 * Version 1 without off-grid hashes (an empty offGrid counts as none, as it does in matching),
 * version 2 with them.
 */
export function fingerprintToBytes(fp: Fingerprint): Uint8Array {
  checkPrintShape(fp, 'fingerprint')
  const { hashes, times, ranks } = fp, count = hashes.length, duration = fp.durationSeconds
  const off = offGridSection(fp.offGrid)
  const fe = checkFrontEnd(fp.frontEnd, 'fingerprint')
  // Pass 1: validate and size, so the output is allocated once and exactly.
  const main: Section = { hashes, times, ranks }
  let size = HEADER + sectionBytes(main, fe.fanout, 'fingerprint')
  if (off !== undefined) size += COUNT_BYTES + sectionBytes(off, fe.fanout, 'fingerprint offGrid')
  // Pass 2: write.
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(MAGIC, 0)
  view.setUint16(4, off === undefined ? VERSION_1 : FINGERPRINT_FORMAT_VERSION, true)
  writeFrontEnd(view, fe)
  out[19] = (ranks === undefined ? 0 : FLAG_RANKS) | (off === undefined ? 0 : FLAG_OFF_GRID)
  view.setFloat64(28, FRAME_SECONDS, true)
  view.setFloat64(36, duration, true)
  view.setUint32(44, count, true)
  let at = writeSection(out, HEADER, main, fe.fanout)
  if (off !== undefined) {
    view.setUint32(at, off.hashes.length, true)
    at = writeSection(out, at + COUNT_BYTES, off, fe.fanout)
  }
  view.setUint32(6, crc32(out.subarray(CRC_START)), true)
  return out
}

/** Fingerprint.offGrid checked for shape; undefined when there is none or it is empty. */
function offGridSection(off: unknown): Section | undefined {
  if (off === undefined) return undefined
  const o = checkOffGridShape(off, 'fingerprint')
  return o.hashes.length === 0 ? undefined : o
}

/** Checks a section's values (sorted times, 21-bit hashes, ranks below fanout) and returns its size in bytes. */
function sectionBytes(s: Section, fanout: number, what: string): number {
  const { hashes, times, ranks } = s
  const count = hashes.length
  let size = HASH_BYTES * count
  let prev = 0
  for (let i = 0; i < count; i++) {
    const t = times[i]!, h = hashes[i]!
    if (t < prev) throw invalid(`${what} times must not decrease: time ${i} is ${t}, after ${prev}`)
    if (h >= HASH_LIMIT) throw invalid(`${what} hash ${i} is ${h}, beyond ${HASH_BITS} bits`)
    let v = t - prev
    if (ranks !== undefined) {
      const r = ranks[i]!
      if (r >= fanout) throw invalid(`${what} rank ${i} is ${r}, not below its fanout ${fanout}`)
      v = v * fanout + r
    }
    size += varintLength(v)
    prev = t
  }
  return size
}

/** Writes a checked section's time varints, then its hashes, from `at`; returns the end. */
function writeSection(out: Uint8Array, at: number, s: Section, fanout: number): number {
  const { hashes, times, ranks } = s
  const count = hashes.length
  let prev = 0
  for (let i = 0; i < count; i++) {
    const t = times[i]!
    let v = ranks === undefined ? t - prev : (t - prev) * fanout + ranks[i]!
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
  return at
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
 * Decodes fingerprintToBytes output, format version 1 or 2. The bytes may come from anywhere
 * (a request body), so every failure is a PeakmatchError: UNSUPPORTED_VERSION for another
 * format version, INCOMPATIBLE_FINGERPRINT for another front end or frame rate, and
 * INVALID_FINGERPRINT for everything else (bad magic, truncation, checksum, malformed fields).
 * Every length is checked against the bytes that remain before anything is allocated, and the
 * result owns its memory.
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
  if (version !== VERSION_1 && version !== FINGERPRINT_FORMAT_VERSION) {
    throw new PeakmatchError('UNSUPPORTED_VERSION', `fingerprint format version ${version}; this peakmatch reads versions ${VERSION_1} and ${FINGERPRINT_FORMAT_VERSION}`)
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
  if ((flags & ~(FLAG_RANKS | FLAG_OFF_GRID)) !== 0) throw invalid(`fingerprint flags 0x${flags.toString(16)} has unknown bits`)
  // The flag and the version say the same thing, and must agree: one encoding per fingerprint.
  const hasOffGrid = (flags & FLAG_OFF_GRID) !== 0
  if (hasOffGrid !== (version === FINGERPRINT_FORMAT_VERSION)) {
    throw invalid(hasOffGrid
      ? `fingerprint flags 0x${flags.toString(16)}: off-grid hashes (bit 1) need format version ${FINGERPRINT_FORMAT_VERSION}, not ${version}`
      : `fingerprint flags 0x${flags.toString(16)}: format version ${version} is written only with off-grid hashes (bit 1)`)
  }
  const frameSeconds = view.getFloat64(28, true)
  if (frameSeconds !== FRAME_SECONDS) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `fingerprint frameSeconds ${frameSeconds} is not this version's ${FRAME_SECONDS}`)
  }
  const durationSeconds = view.getFloat64(36, true)
  if (!(durationSeconds >= 0) || durationSeconds === Infinity) throw invalid(`fingerprint durationSeconds ${durationSeconds} is not a finite number ≥ 0`)
  const count = view.getUint32(44, true)
  // After the main section, version 2 has an off-grid count and at least one off-grid entry.
  const reserved = hasOffGrid ? COUNT_BYTES + MIN_ENTRY_BYTES : 0
  // Each entry takes at least MIN_ENTRY_BYTES, so a forged count fails here, before allocating.
  if (count > (length - HEADER - reserved) / MIN_ENTRY_BYTES) {
    throw invalid(`fingerprint count ${count} cannot fit in the ${length - HEADER} bytes after the header`)
  }
  const fanout = frontEnd.fanout
  const main = readSection(bytes, HEADER, count, (flags & FLAG_RANKS) !== 0, fanout, length - reserved, 'fingerprint')
  const fp: Fingerprint = { hashes: main.hashes, times: main.times, frameSeconds, durationSeconds, frontEnd }
  const withRanks = main.ranks === undefined ? fp : { ...fp, ranks: main.ranks }
  if (!hasOffGrid) {
    if (main.end !== length) throw invalid(`fingerprint hashes end at byte ${main.end}, but the bytes run to ${length}`)
    return withRanks
  }
  // The off-grid section: its count, then entries exactly to the end.
  const offAt = main.end + COUNT_BYTES
  const offCount = view.getUint32(main.end, true)
  if (offCount === 0) throw invalid('fingerprint off-grid count is 0: a fingerprint without off-grid hashes is written as format version 1')
  if (offCount > (length - offAt) / MIN_ENTRY_BYTES) {
    throw invalid(`fingerprint off-grid count ${offCount} cannot fit in the ${length - offAt} bytes after it`)
  }
  const off = readSection(bytes, offAt, offCount, true, fanout, length, 'fingerprint off-grid')
  if (off.end !== length) throw invalid(`fingerprint off-grid hashes end at byte ${off.end}, but the bytes run to ${length}`)
  return { ...withRanks, offGrid: { hashes: off.hashes, times: off.times, ranks: off.ranks! } }
}

/**
 * Reads a section of `count` entries from `at`: time varints (dt × fanout + rank with ranks,
 * dt without), then 3-byte hashes, all before `limit`. The caller has checked that `count`
 * entries of MIN_ENTRY_BYTES fit before `limit`, so the arrays are allocated at their size.
 */
function readSection(bytes: Uint8Array, at: number, count: number, hasRanks: boolean, fanout: number, limit: number, what: string): Section & { end: number } {
  const scale = hasRanks ? fanout : 1
  const times = new Uint32Array(count)
  const ranks = hasRanks ? new Uint8Array(count) : undefined
  const varintEnd = limit - HASH_BYTES * count     // the hashes must fit after the varints
  let t = 0
  for (let i = 0; i < count; i++) {
    // LEB128, low groups first; the value may exceed 32 bits, so no bit ops on it.
    let v = 0, mul = 1, b = 128, n = 0
    while (b >= 128) {
      if (at >= varintEnd) throw invalid(`${what} entry ${i} runs past the times (byte ${at})`)
      if (n === VARINT_MAX_BYTES) throw invalid(`${what} entry ${i} is longer than ${VARINT_MAX_BYTES} bytes (byte ${at})`)
      b = bytes[at++]!
      v += (b & 127) * mul
      mul *= 128
      n++
    }
    // One encoding per value, so that decoding then encoding gives the same bytes.
    if (b === 0 && n > 1) throw invalid(`${what} entry ${i} has an overlong encoding (byte ${at - 1})`)
    const r = v % scale
    t += (v - r) / scale
    if (t >= TIME_LIMIT) throw invalid(`${what} time ${i} is ${t}, beyond 32 bits`)
    times[i] = t
    if (ranks !== undefined) ranks[i] = r
  }
  const hashes = new Uint32Array(count)
  for (let i = 0; i < count; i++, at += HASH_BYTES) {
    const h = bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)
    if (h >= HASH_LIMIT) throw invalid(`${what} hash ${i} is ${h}, beyond ${HASH_BITS} bits`)
    hashes[i] = h
  }
  return { hashes, times, ranks, end: at }
}
