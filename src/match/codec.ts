import { Packr } from 'msgpackr'
import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HASH_BITS } from '../options.js'
import { crc32 } from '../crc32.js'
import { DEFAULT_FRONT_END, checkFrontEnd, type FrontEnd } from '../fingerprint/front-end.js'
import { checkQuality, checkTrackId } from './checks.js'
import type { EditionQuality } from './editions.js'
import { MAX_TRACK_SEGMENTS, type IndexParts } from './hash-index.js'
import { MIN_DIR_BITS, TIME_BITS, checkPostings, type Postings, type PostingsChunk } from './postings.js'
import type { TrackRecord } from './registry.js'

/**
 * Catalog file format (docs/format.md):
 *   bytes 0..7   magic "PEAKMTCH"
 *   bytes 8..11  format version, uint32 little-endian
 *   bytes 12..15 CRC-32 of everything after byte 16
 *   bytes 16..   msgpack map: parameters, tracks, and the postings arrays as little-endian bytes
 * Version 2 adds the front end the tracks were fingerprinted with (`frontEnd`). Version 1
 * files still load: only the CLI wrote them, always with the default front end, so that is
 * what they are taken to hold.
 */
export const FORMAT_VERSION = 3
const OLDEST_READABLE = 1
const MAGIC = [0x50, 0x45, 0x41, 0x4b, 0x4d, 0x54, 0x43, 0x48] // "PEAKMTCH"
const HEADER = 16
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
// int64AsType 'number': a forged 64-bit integer must not come back as a BigInt, which no later
// arithmetic or JSON.stringify (a result's metadata in --json) accepts.
const packr = new Packr({ useRecords: false, moreTypes: false, int64AsType: 'number' })

/** A catalog as plain parts: what is written, and what reading gives back (validated). */
export interface CatalogParts {
  indexFanout: number
  /** The front end of the tracks; null for a catalog that never had one. */
  frontEnd: FrontEnd | null
  /** Live tracks in slot order; track i owns the index's slot i. */
  tracks: TrackRecord[]
  index: IndexParts
}

interface Body {
  frameSeconds: number
  hashBits: number
  dirBits: number
  timeBits: number
  indexFanout: number
  /** Since version 2: the tracks' front end, as fingerprints carry it (null: no track yet). */
  frontEnd?: FrontEnd | null
  /**
   * [id, durationSeconds, hashCount, segmentCount, metadata, recordingId, quality] per track, in
   * segment order. metadata is [value] when the track has any (so null survives), else null.
   */
  tracks: [string, number, number, number, [unknown] | null, string, EditionQuality | null][]
  /** Versions 1 and 2: one partition of 2^13 directory slots. */
  dir?: Uint8Array
  low?: Uint8Array
  entry?: Uint8Array
  /** Since version 3: partitions in slot order, each [tracks it holds, dirBits, chunkBits, [dir, low | null, entry] per chunk]. */
  partitions?: [number, number, number, [Uint8Array, Uint8Array | null, Uint8Array][]][]
}

export function catalogToBytes(parts: CatalogParts): Uint8Array {
  const { tracks, indexFanout } = parts
  const segmentCounts = new Uint32Array(tracks.length)
  let at = 0
  for (const p of parts.index.partitions) { segmentCounts.set(p.segmentCounts, at); at += p.segmentCounts.length }
  const body: Body = {
    frameSeconds: FRAME_SECONDS,
    hashBits: HASH_BITS,
    dirBits: MIN_DIR_BITS,
    timeBits: TIME_BITS,
    indexFanout,
    frontEnd: parts.frontEnd === null ? null : { ...parts.frontEnd },
    tracks: tracks.map((t, i) => [t.id, t.durationSeconds, t.postings, segmentCounts[i]!, t.metadata === undefined ? null : [t.metadata], t.recordingId, t.quality ?? null]),
    partitions: parts.index.partitions.map((p) => [p.segmentCounts.length, p.postings.dirBits, p.postings.chunkBits,
      p.postings.chunks.map((c): [Uint8Array, Uint8Array | null, Uint8Array] => [leBytes(c.dir), c.low, leBytes(c.entry)])]),
  }
  let packed: Uint8Array
  try {
    packed = packr.pack(body)
  } catch (cause) {
    throw new PeakmatchError('INVALID_OPTIONS', 'track metadata could not be serialised (use plain JSON-like values)', { cause })
  }
  const out = new Uint8Array(HEADER + packed.length)
  out.set(MAGIC, 0)
  const view = new DataView(out.buffer)
  view.setUint32(8, FORMAT_VERSION, true)
  out.set(packed, HEADER)
  view.setUint32(12, crc32(packed), true)
  return out
}

export function catalogFromBytes(input: Uint8Array | ArrayBuffer): CatalogParts {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input
  if (!(bytes instanceof Uint8Array)) throw corrupt('catalog bytes must be a Uint8Array or ArrayBuffer')
  if (bytes.length < HEADER || MAGIC.some((m, i) => bytes[i] !== m)) throw corrupt('not a peakmatch catalog (bad magic)')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const version = view.getUint32(8, true)
  if (version < OLDEST_READABLE || version > FORMAT_VERSION) {
    throw new PeakmatchError('UNSUPPORTED_VERSION', `catalog format version ${version}; this peakmatch reads versions ${OLDEST_READABLE} to ${FORMAT_VERSION} (rebuild the catalog with this version: peakmatch catalog build)`)
  }
  const packed = bytes.subarray(HEADER)
  if (crc32(packed) !== view.getUint32(12, true)) throw corrupt('checksum mismatch: the catalog bytes are truncated or damaged')
  let body: Body
  try {
    body = packr.unpack(packed) as Body
  } catch (cause) {
    throw corrupt('catalog body is not valid msgpack', cause)
  }
  return readBody(body, version)
}

function readBody(body: Body, version: number): CatalogParts {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw corrupt('catalog body is not a map')
  if (typeof body.frameSeconds !== 'number' || typeof body.hashBits !== 'number' || typeof body.dirBits !== 'number' || typeof body.timeBits !== 'number') {
    throw corrupt('catalog body lacks its fingerprint parameters')
  }
  if (body.frameSeconds !== FRAME_SECONDS || body.hashBits !== HASH_BITS || body.dirBits !== MIN_DIR_BITS || body.timeBits !== TIME_BITS) {
    throw new PeakmatchError('UNSUPPORTED_VERSION', 'catalog was made with other fingerprint parameters')
  }
  if (!Number.isInteger(body.indexFanout) || body.indexFanout < 1 || body.indexFanout > 16) throw corrupt('indexFanout is missing or out of range')
  const frontEnd = version === 1 ? DEFAULT_FRONT_END : readFrontEnd(body.frontEnd)
  if (!Array.isArray(body.tracks)) throw corrupt('tracks is not a list')
  const tracks: TrackRecord[] = []
  const segmentCounts = new Uint32Array(body.tracks.length)
  const ids = new Set<string>()
  for (const [i, t] of body.tracks.entries()) {
    if (!Array.isArray(t) || t.length !== 7) throw corrupt(`track ${i} is malformed`)
    const [id, durationSeconds, hashCount, segmentCount, metadata, recordingId, quality] = t
    checked(() => checkTrackId(id, `track ${i}'s id`))
    if (ids.has(id)) throw corrupt(`track ${i} has a repeated id`)
    if (typeof durationSeconds !== 'number' || !Number.isFinite(durationSeconds) || durationSeconds < 0) throw corrupt(`track ${i} has a bad duration`)
    if (!Number.isInteger(hashCount) || hashCount < 0) throw corrupt(`track ${i} has a bad hash count`)
    if (!Number.isInteger(segmentCount) || segmentCount < 1 || segmentCount > MAX_TRACK_SEGMENTS) throw corrupt(`track ${i} has a bad segment count`)
    checked(() => checkTrackId(recordingId, `track ${i}'s recording id`))
    const q = quality === null ? undefined : checked(() => checkQuality(quality, `track ${i}'s quality`))
    if (metadata !== null && (!Array.isArray(metadata) || metadata.length !== 1)) throw corrupt(`track ${i} has malformed metadata`)
    ids.add(id)
    tracks.push({ id: id as string, recordingId: recordingId as string, quality: q, durationSeconds, postings: hashCount, metadata: metadata === null ? undefined : metadata[0] })
    segmentCounts[i] = segmentCount
  }
  // Partitions: version 3 lists them; versions 1 and 2 hold one, of 2^13 directory slots.
  const listed = version >= 3
    ? body.partitions
    : [[tracks.length, MIN_DIR_BITS, 0, [[body.dir, body.low, body.entry]]]] as unknown as Body['partitions']
  if (!Array.isArray(listed)) throw corrupt('partitions is not a list')
  const partitions: IndexParts['partitions'] = []
  let slot = 0
  for (const [k, part] of listed.entries()) {
    if (!Array.isArray(part) || part.length !== 4) throw corrupt(`partition ${k} is malformed`)
    const [count, dirBits, chunkBits, chunkList] = part
    if (!Number.isInteger(count) || count < 0 || slot + count > tracks.length) throw corrupt(`partition ${k} claims ${String(count)} tracks`)
    if (!Array.isArray(chunkList)) throw corrupt(`partition ${k}'s chunks are not a list`)
    const chunks: PostingsChunk[] = chunkList.map((c, j) => {
      if (!Array.isArray(c) || c.length !== 3) throw corrupt(`chunk ${j} of partition ${k} is malformed`)
      return { dir: u32(c[0], 'dir'), low: c[1] === null ? null : ownCopy(bytesOf(c[1], 'low')), entry: u32(c[2], 'entry') }
    })
    const postings: Postings = { keyBits: HASH_BITS, dirBits, chunkBits, chunks, count: chunks.reduce((n, c) => n + c.entry.length, 0) }
    const partSegments = segmentCounts.subarray(slot, slot + count)
    let segments = 0
    for (const s of partSegments) segments += s
    if (segments > 2 ** (32 - TIME_BITS)) throw corrupt(`partition ${k} has too many segments`)
    const problem = checkPostings(postings, segments)
    if (problem) throw corrupt(`partition ${k}: ${problem}`)
    // Each track must own exactly the postings it claims.
    const perSegment = new Uint32Array(segments)
    for (const c of chunks) for (let i = 0; i < c.entry.length; i++) { const s = c.entry[i]! >>> TIME_BITS; perSegment[s] = perSegment[s]! + 1 }
    let first = 0
    for (let i = 0; i < count; i++) {
      const t = tracks[slot + i]!
      let n = 0
      for (let s = 0; s < partSegments[i]!; s++) n += perSegment[first + s]!
      first += partSegments[i]!
      if (n !== t.postings) throw corrupt(`track ${JSON.stringify(t.id)} claims ${t.postings} postings, the index has ${n}`)
    }
    partitions.push({ postings, triplets: null, segmentCounts: partSegments.slice() })
    slot += count
  }
  if (slot !== tracks.length) throw corrupt(`partitions hold ${slot} tracks, the catalog lists ${tracks.length}`)
  if (frontEnd !== null && frontEnd.fanout < body.indexFanout) throw corrupt(`indexFanout ${body.indexFanout} is above the tracks' fanout ${frontEnd.fanout}`)
  return { indexFanout: body.indexFanout, frontEnd, tracks, index: { partitions } }
}

/** The stored front end: another front-end version is a catalog to rebuild, anything malformed is damage. */
function readFrontEnd(value: unknown): FrontEnd | null {
  if (value === null) return null
  try {
    return checkFrontEnd(value, 'catalog')
  } catch (cause) {
    if (cause instanceof PeakmatchError && cause.code === 'INCOMPATIBLE_FINGERPRINT') {
      throw new PeakmatchError('UNSUPPORTED_VERSION', `${cause.message.replace('fingerprint the audio again', 'rebuild the catalog with this version: peakmatch catalog build')}`, { cause })
    }
    throw corrupt('frontEnd is missing or malformed', cause)
  }
}

/** Runs a boundary check (checks.ts, shared with Catalog.add); its failure is damage here. */
function checked<T>(check: () => T): T {
  try {
    return check()
  } catch (cause) {
    throw corrupt(cause instanceof Error ? cause.message : String(cause), cause)
  }
}

function corrupt(message: string, cause?: unknown): PeakmatchError {
  return new PeakmatchError('CORRUPT_INDEX', message, cause === undefined ? undefined : { cause })
}

function bytesOf(value: unknown, name: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw corrupt(`${name} is not a byte string`)
  return value
}

/** A copy that owns its memory: msgpack hands back views into the caller's bytes, and Buffer.slice does not copy. */
function ownCopy(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length)
  out.set(b)
  return out
}

/** A fresh, aligned Uint32Array from little-endian bytes (msgpack may hand back unaligned views). */
function u32(value: unknown, name: string): Uint32Array {
  const b = bytesOf(value, name)
  if (b.length % 4 !== 0) throw corrupt(`${name} has ${b.length} bytes, not a multiple of 4`)
  const out = new Uint32Array(b.length / 4)
  new Uint8Array(out.buffer).set(b)
  if (!LITTLE_ENDIAN) swap32(out)
  return out
}

function leBytes(a: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
  const copy = a.slice()
  swap32(copy)
  return new Uint8Array(copy.buffer)
}

function swap32(a: Uint32Array): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!
    a[i] = ((v & 0xff) << 24 | (v & 0xff00) << 8 | (v >>> 8) & 0xff00 | v >>> 24) >>> 0
  }
}
