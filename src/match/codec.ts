import { Unpackr } from 'msgpackr/unpack'
import { PeakmatchError } from '../errors.js'
import { FRAME_SECONDS, HASH_BITS } from '../options.js'
import { Checksum, checksum } from '../checksum.js'
import { packValue } from './pack.js'
import { checkFrontEnd, type FrontEnd } from '../fingerprint/front-end.js'
import { checkQuality, checkTrackId } from './checks.js'
import type { EditionQuality } from './editions.js'
import { MAX_TRACK_SEGMENTS, type IndexParts } from './hash-index.js'
import { MAX_CHUNK_BITS, MAX_SEGMENTS, MIN_DIR_BITS, TIME_BITS, checkPostings, type Postings, type PostingsChunk } from './postings.js'
import { entryWords, lowsWords } from './packed.js'
import type { TrackRecord } from './registry.js'
import { TRIPLET_KEY_BITS } from './triplets.js'
import { KEY_FILTER_BITS, keyFilterBits } from './partition.js'
import { integerIn } from '../integers.js'

/**
 * Catalog file format, version 7 (docs/format.md has the byte layout of version 3; 4 adds one array,
 * 5 one number a partition, 6 one number a chunk and packed chunks, 7 triplet directories of one
 * slot per key, which version 6 readers would call damage):
 *
 *   header   16 bytes: magic "PEAKMTCH", version (uint32 LE), section size (uint32 LE)
 *   sections each: payload length n (uint32 LE), CRC-32 of the payload (uint32 LE), payload;
 *            8 + n ≤ the section size. A payload's first byte is its kind:
 *     'M'    a piece of the manifest: the pieces of all 'M' sections, in order, are one msgpack
 *            map (parameters, front end, tracks, and each partition's layout: array lengths)
 *     'A'    a piece of the arrays: every partition's chunks' dir, low (or a packed chunk's unary
 *            low keys) and entry, in that order,
 *            then (version 4, with triplets) its key filter, as little-endian bytes, cut across
 *            sections wherever a section is full
 *     'E'    the end marker, once, last: the number of sections before it (uint32 LE)
 *
 * Nothing in the file needs more than one section in memory to write or read: a writer packs the
 * manifest, then copies the arrays into one section after another; a reader (CatalogReader)
 * allocates each array from the manifest's lengths and copies each checked section into it.
 * So no single buffer holds the catalog (Node 20 caps one at 2^32 bytes), and loading needs the
 * catalog plus one section.
 *
 * Versions 1 and 2 were one msgpack body after a 16-byte header whose bytes 12..15 were its
 * CRC-32; they are no longer read (OLDEST_READABLE).
 */
export const FORMAT_VERSION = 7
/** Version 4 added each partition's key filter (partition.ts): a version 3 catalog loads without them (its stage 2 searches every key). */
const FILTERS_SINCE = 4
/**
 * Version 5 says how each partition's filter was made: its probes, 3 (KEY_FILTER_BITS a posting)
 * or 2 (version 4's 4 bits, kept as they were). Filters of two probes load as none (stage 2 then
 * searches every key, as for version 3): reading them cost bytes of the browser bundle.
 */
const FILTER_SHAPES_SINCE = 5
/** Version 6 gives each chunk a fourth number: 0 for a plain chunk, else a packed one's entry bits (packed.ts); older files' chunks are all plain. */
const PACKED_SINCE = 6
/**
 * Versions 1 and 2 (issues 1–3: one msgpack body of one 2^13-slot partition, which only the CLI
 * wrote) are no longer read: their reader was ~0.4 KB of the browser bundle's 40, which packed
 * postings needed (issue 11). They fail UNSUPPORTED_VERSION, saying how to rebuild.
 */
const OLDEST_READABLE = 3
const MAGIC = [0x50, 0x45, 0x41, 0x4b, 0x4d, 0x54, 0x43, 0x48] // "PEAKMTCH"
const HEADER = 16
/** A section's length and CRC; its payload follows. */
const FRAME = 8
const KIND_MANIFEST = 0x4d, KIND_ARRAYS = 0x41, KIND_END = 0x45 // 'M', 'A', 'E'
const END_PAYLOAD = 5
/** Default bytes per section, frame included: big enough that framing and CRC calls cost nothing, small enough to be the only extra memory of a load. */
export const DEFAULT_SECTION_BYTES = 64 << 20
/** Smallest section (tests cut catalogs into many of these) and largest (bounds what one section header can make a reader hold). */
export const MIN_SECTION_BYTES = 32
export const MAX_SECTION_BYTES = 1 << 30
/** Most elements an array may claim (the entry count of one chunk is a uint32 in the index). */
const MAX_ARRAY_ELEMENTS = 2 ** 32 - 1
/** Most bytes toBytes() can return: Node 20 caps a Uint8Array at 2^32 elements. */
export const MAX_SINGLE_BUFFER = 2 ** 32
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1
// int64AsType 'number': a forged 64-bit integer must not come back as a BigInt, which no later
// arithmetic or JSON.stringify (a result's metadata in --json) accepts.
// Reading only: the manifest is written by pack.ts (msgpackr's packer would be 6 KB of the browser bundle).
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, int64AsType: 'number' })

/** A catalog as plain parts: what is written, and what reading gives back (validated). */
export interface CatalogParts {
  indexFanout: number
  /** The front end of the tracks; null for a catalog that never had one. */
  frontEnd: FrontEnd | null
  /** Live tracks in slot order; track i owns the index's slot i. */
  tracks: TrackRecord[]
  index: IndexParts
}

/** [id, durationSeconds, hashCount, segmentCount, metadata, recordingId, quality]; metadata is [value] when the track has any (so null survives), else null. */
type TrackTuple = [string, number, number, number, [unknown] | null, string, EditionQuality | null]

/** Version 3's manifest: everything but the arrays' bytes. */
interface Manifest {
  frameSeconds: number
  hashBits: number
  dirBits: number
  timeBits: number
  indexFanout: number
  frontEnd: FrontEnd | null
  tracks: TrackTuple[]
  /**
   * Partitions in slot order: [tracks it holds, dirBits, chunkBits, [dir length, low length or
   * null, entry length, (version 6) 0] per plain chunk or [dir length, unary low-key words,
   * postings, entry bits] per packed one (version 6), and the triplet postings' [dirBits, chunkBits, chunks] the
   * same way, or null when the catalog keeps none (triplets.ts), (version 4) the length of its
   * key filter in words, or null when it keeps none, and (version 5) the filter's probes a key
   * (FilterShape), or null].
   */
  partitions: [number, number, number, ChunkLengths[], [number, number, ChunkLengths[]] | null, number | null, number | null][]
}

type ChunkLengths = [number, number | null, number, number]

/** One Postings' shape, as the manifest claims it. */
/** A chunk's claimed arrays: dir words, low bytes (plain) or unary low-key words (packed), entry words; and its postings. */
interface ChunkLayout { dir: number; low: number | null; packed: boolean; entry: number; bits: number; postings: number }
interface PostingsLayout { keyBits: number; dirBits: number; chunkBits: number; chunks: ChunkLayout[] }

/** The manifest, checked: tracks and the partitions' layout, before any array is allocated. */
interface Layout {
  indexFanout: number
  frontEnd: FrontEnd | null
  tracks: TrackRecord[]
  segmentCounts: Uint32Array
  partitions: { count: number; pairs: PostingsLayout; triplets: PostingsLayout | null; filter: number | null; keep: boolean }[]
  /** Bytes of all arrays. */
  arrayBytes: number
}

// ---------------------------------------------------------------- writing

/** A catalog's sections, planned: its exact size in bytes, and the sections themselves. */
interface Plan {
  readonly totalBytes: number
  sections(): Generator<Uint8Array>
}

function planCatalog(parts: CatalogParts, sectionBytes: number): Plan {
  if (!integerIn(sectionBytes, MIN_SECTION_BYTES, MAX_SECTION_BYTES)) {
    throw new PeakmatchError('INVALID_OPTIONS', `sectionBytes ${sectionBytes} is not an integer from ${MIN_SECTION_BYTES} to ${MAX_SECTION_BYTES}`)
  }
  const { tracks, indexFanout } = parts
  const segmentCounts = new Uint32Array(tracks.length)
  let at = 0
  for (const p of parts.index.partitions) { segmentCounts.set(p.segmentCounts, at); at += p.segmentCounts.length }
  const manifest: Manifest = {
    frameSeconds: FRAME_SECONDS,
    hashBits: HASH_BITS,
    dirBits: MIN_DIR_BITS,
    timeBits: TIME_BITS,
    indexFanout,
    frontEnd: parts.frontEnd === null ? null : { ...parts.frontEnd },
    tracks: tracks.map((t, i) => [t.id, t.durationSeconds, t.postings, segmentCounts[i]!, t.metadata === undefined ? null : [t.metadata], t.recordingId, t.quality ?? null]),
    partitions: parts.index.partitions.map((p) => [p.segmentCounts.length, p.postings.dirBits, p.postings.chunkBits, lengthsOf(p.postings),
      p.triplets === null ? null : [p.triplets.dirBits, p.triplets.chunkBits, lengthsOf(p.triplets)], p.filter === null ? null : p.filter.length,
      p.filter === null ? null : 3]),
  }
  let packed: Uint8Array
  try {
    packed = packValue(manifest)
  } catch (cause) {
    throw new PeakmatchError('INVALID_OPTIONS', 'track metadata could not be serialised (use plain JSON-like values)', { cause })
  }
  // The arrays in file order: per partition, its pairs' then its triplets' chunks, each dir, low (when there is one), entry.
  const arrays: (Uint32Array | Uint8Array)[] = []
  for (const p of parts.index.partitions) {
    for (const postings of p.triplets === null ? [p.postings] : [p.postings, p.triplets]) {
      for (const c of postings.chunks) { arrays.push(c.dir); if (c.lows !== null) arrays.push(c.lows); else if (c.low !== null) arrays.push(c.low); arrays.push(c.entry) }
    }
    if (p.filter !== null) arrays.push(p.filter)
  }
  let arrayBytes = 0
  for (const a of arrays) arrayBytes += a.byteLength
  const room = sectionBytes - FRAME - 1
  const manifestSections = Math.ceil(packed.length / room)
  const arraySections = Math.ceil(arrayBytes / room)
  const totalBytes = HEADER + packed.length + arrayBytes + (FRAME + 1) * (manifestSections + arraySections) + FRAME + END_PAYLOAD
  return {
    totalBytes,
    *sections() {
      const header = new Uint8Array(HEADER)
      header.set(MAGIC, 0)
      const hv = new DataView(header.buffer)
      hv.setUint32(8, FORMAT_VERSION, true)
      hv.setUint32(12, sectionBytes, true)
      yield header
      for (let i = 0; i < packed.length; i += room) {
        const piece = packed.subarray(i, Math.min(packed.length, i + room))
        const s = new Uint8Array(FRAME + 1 + piece.length)
        s[FRAME] = KIND_MANIFEST
        s.set(piece, FRAME + 1)
        yield seal(s)
      }
      // Arrays: fill one section after another, an array spilling into the next when it does not fit.
      let left = arrayBytes
      let a = 0, offset = 0
      let bytes = arrays.length > 0 ? leBytes(arrays[0]!) : new Uint8Array(0)
      while (left > 0) {
        const n = Math.min(room, left)
        const s = new Uint8Array(FRAME + 1 + n)
        s[FRAME] = KIND_ARRAYS
        let fill = FRAME + 1
        while (fill < s.length) {
          while (offset === bytes.length) { a++; offset = 0; bytes = leBytes(arrays[a]!) }
          const take = Math.min(bytes.length - offset, s.length - fill)
          s.set(bytes.subarray(offset, offset + take), fill)
          fill += take
          offset += take
        }
        left -= n
        yield seal(s)
      }
      const end = new Uint8Array(FRAME + END_PAYLOAD)
      end[FRAME] = KIND_END
      new DataView(end.buffer).setUint32(FRAME + 1, manifestSections + arraySections, true)
      yield seal(end)
    },
  }
}

function lengthsOf(p: Postings): ChunkLengths[] {
  return p.chunks.map((c) => c.lows !== null ? [c.dir.length, c.lows.length, c.dir[c.dir.length - 1]!, c.bits] : [c.dir.length, c.low === null ? null : c.low.length, c.entry.length, 0])
}

/** Writes a section's length and CRC into its first 8 bytes. */
function seal(section: Uint8Array): Uint8Array {
  const payload = section.subarray(FRAME)
  const view = new DataView(section.buffer, section.byteOffset, FRAME)
  view.setUint32(0, payload.length, true)
  view.setUint32(4, checksum(payload), true)
  return section
}

/**
 * The catalog as byte arrays to write one after another: the 16-byte header, then each section
 * (none larger than `sectionBytes`). The manifest is packed at once (so bad metadata throws
 * INVALID_OPTIONS here, before anything is written); each array section is made as it is asked for.
 */
export function catalogChunks(parts: CatalogParts, sectionBytes = DEFAULT_SECTION_BYTES): Iterable<Uint8Array> {
  const plan = planCatalog(parts, sectionBytes)
  return { [Symbol.iterator]: () => plan.sections() }
}

/**
 * The catalog as one byte array (catalogChunks concatenated). A catalog of more than `maxBytes`
 * (what one Uint8Array can hold) throws CATALOG_FULL, naming toChunks.
 */
export function catalogToBytes(parts: CatalogParts, maxBytes = MAX_SINGLE_BUFFER): Uint8Array {
  const plan = planCatalog(parts, DEFAULT_SECTION_BYTES)
  if (plan.totalBytes > maxBytes) {
    throw new PeakmatchError('CATALOG_FULL', `the catalog takes ${plan.totalBytes} bytes, more than one byte array holds (${maxBytes}): write it with catalog.toChunks() and read it with Catalog.fromChunks()`)
  }
  const out = new Uint8Array(plan.totalBytes)
  let at = 0
  for (const s of plan.sections()) { out.set(s, at); at += s.length }
  return out
}

// ---------------------------------------------------------------- reading

type Target = { readonly wide: boolean; readonly length: number; array: Uint32Array | Uint8Array | null; bytes: Uint8Array | null }

/** Bytes of the shared buffers that loading cuts arrays from (CatalogReader's #allocate). */
const POOL_BYTES = 256 << 20

/** A target's bytes, rounded up to whole words so that the next array in a shared buffer is aligned. */
function paddedBytes(t: Target): number {
  return t.wide ? 4 * t.length : 4 * Math.ceil(t.length / 4)
}

/**
 * Reads a catalog from pieces of any size (push), checking each section as it completes, and
 * gives back validated parts (finish). Each typed array is allocated once, at its full size from
 * the manifest (when its first byte arrives), and sections are copied straight into it: memory
 * while loading is the catalog plus one section. Nothing it returns points into pushed bytes.
 *
 * With `totalBytes` (the file's size, when known), arrays the manifest claims are checked
 * against the bytes still to come before anything is allocated, and the stream must have
 * exactly that many bytes. Failures are PeakmatchError CORRUPT_INDEX or UNSUPPORTED_VERSION;
 * after one, every later call throws it again.
 */
export class CatalogReader {
  readonly #totalBytes: number | undefined
  #state: 'header' | 'frame' | 'payload' | 'ended' = 'header'
  #failure: unknown = null
  /** Bytes pushed so far. */
  #position = 0
  #header = new Uint8Array(HEADER)
  #fill = 0
  #sectionBytes = 0
  #frame = new Uint8Array(FRAME)
  #payloadLength = 0
  #payloadCrc = 0
  /** A section's payload when it arrives in pieces (grown up to the section's length, reused); not for arrays sections (#streamPiece). */
  #buffer = new Uint8Array(0)
  /** Whether the section arriving in pieces is an arrays section, copied as it comes. */
  #streaming = false
  readonly #sum = new Checksum()
  #sections = 0
  #version = 0
  #manifest: Uint8Array[] = []
  #layout: Layout | null = null
  #targets: Target[] = []
  #target = 0
  #targetOffset = 0
  /** The shared buffer the next arrays are cut from (#allocate), and how much of it is taken. */
  #pool: ArrayBuffer | null = null
  #poolOffset = 0

  constructor(options: { totalBytes?: number } = {}) {
    const total = options.totalBytes
    if (total !== undefined && !(Number.isSafeInteger(total) && total >= 0)) {
      throw new PeakmatchError('INVALID_OPTIONS', `totalBytes ${String(total)} is not a byte count`)
    }
    this.#totalBytes = total
  }

  /** Takes the next bytes of the catalog; they may be reused by the caller once this returns. */
  push(input: Uint8Array): void {
    if (this.#failure !== null) throw this.#failure
    if (!(input instanceof Uint8Array)) throw this.#fail(corrupt('catalog bytes must be a Uint8Array or ArrayBuffer'))
    try {
      this.#take(input)
    } catch (e) {
      throw this.#fail(e)
    }
  }

  /** The validated catalog; CORRUPT_INDEX when the bytes stopped before the end marker. */
  finish(): CatalogParts {
    if (this.#failure !== null) throw this.#failure
    try {
      if (this.#totalBytes !== undefined && this.#position !== this.#totalBytes) {
        throw corrupt(`the catalog has ${this.#position} bytes, ${this.#totalBytes} were announced`)
      }
      if (this.#state === 'header') throw corrupt('not a peakmatch catalog (shorter than its header)')
      if (this.#state !== 'ended') throw corrupt(`the catalog stops ${this.#state === 'payload' ? 'inside' : 'after'} section ${this.#sections} without its end marker (truncated)`)
      const parts = assemble(this.#layout!, this.#targets)
      this.#targets = []
      this.#failure = corrupt('the catalog was already read (finish was called)')
      return parts
    } catch (e) {
      throw this.#fail(e)
    }
  }

  #fail(e: unknown): unknown {
    this.#failure = e
    this.#targets = []
    this.#manifest = []
    this.#buffer = new Uint8Array(0)
    this.#pool = null
    return e
  }

  #take(input: Uint8Array): void {
    let at = 0
    const end = input.length
    while (at < end) {
      switch (this.#state) {
        case 'header': {
          const n = Math.min(HEADER - this.#fill, end - at)
          this.#header.set(input.subarray(at, at + n), this.#fill)
          this.#fill += n
          at += n
          if (this.#fill === HEADER) this.#readHeader()
          break
        }
        case 'frame': {
          const n = Math.min(FRAME - this.#fill, end - at)
          this.#frame.set(input.subarray(at, at + n), this.#fill)
          this.#fill += n
          at += n
          if (this.#fill === FRAME) this.#readFrame(this.#position + at)
          break
        }
        case 'payload': {
          const want = this.#payloadLength - this.#fill
          if (this.#fill === 0 && end - at >= want) {
            // The whole section is in this piece: check it in place.
            this.#section(input.subarray(at, at + want), this.#position + at)
            at += want
            break
          }
          const n = Math.min(want, end - at)
          if (this.#fill === 0 && input[at] === KIND_ARRAYS) this.#streaming = true
          if (this.#streaming) {
            // An arrays section in pieces: summed and copied into its arrays as it comes, checked at its end.
            this.#streamPiece(input.subarray(at, at + n), this.#position + at)
            at += n
            break
          }
          if (this.#buffer.length < this.#fill + n) {
            const grown = new Uint8Array(Math.min(this.#payloadLength, Math.max(2 * this.#buffer.length, this.#fill + n, 4096)))
            grown.set(this.#buffer.subarray(0, this.#fill))
            this.#buffer = grown
          }
          this.#buffer.set(input.subarray(at, at + n), this.#fill)
          this.#fill += n
          at += n
          if (this.#fill === this.#payloadLength) this.#section(this.#buffer.subarray(0, this.#payloadLength), this.#position + at - this.#payloadLength)
          break
        }
        case 'ended':
          throw corrupt(`${end - at} bytes after the end marker`)
      }
    }
    this.#position += end
  }

  #readHeader(): void {
    const h = this.#header
    if (MAGIC.some((m, i) => h[i] !== m)) throw corrupt('not a peakmatch catalog (bad magic)')
    const view = new DataView(h.buffer)
    const version = view.getUint32(8, true)
    if (version < OLDEST_READABLE || version > FORMAT_VERSION) {
      throw new PeakmatchError('UNSUPPORTED_VERSION', `catalog format version ${version}; this peakmatch reads versions ${OLDEST_READABLE} to ${FORMAT_VERSION} (rebuild the catalog with this version: peakmatch catalog build)`)
    }
    this.#version = version
    this.#fill = 0
    const sectionBytes = view.getUint32(12, true)
    if (sectionBytes < MIN_SECTION_BYTES || sectionBytes > MAX_SECTION_BYTES) throw corrupt(`section size ${sectionBytes} is outside ${MIN_SECTION_BYTES}..${MAX_SECTION_BYTES}`)
    this.#sectionBytes = sectionBytes
    this.#state = 'frame'
  }

  /** `payloadAt`: where the payload starts in the stream. */
  #readFrame(payloadAt: number): void {
    const view = new DataView(this.#frame.buffer)
    const n = view.getUint32(0, true)
    if (n < 1 || n > this.#sectionBytes - FRAME) throw corrupt(`section ${this.#sections} claims ${n} bytes (sections hold 1 to ${this.#sectionBytes - FRAME})`)
    if (this.#totalBytes !== undefined && payloadAt + n > this.#totalBytes) throw corrupt(`section ${this.#sections} claims ${n} bytes, the file ends ${this.#totalBytes - payloadAt} bytes later (truncated)`)
    this.#payloadLength = n
    this.#payloadCrc = view.getUint32(4, true)
    this.#fill = 0
    this.#state = 'payload'
  }

  /**
   * A piece of an arrays section that arrives in pieces (`at`: where the piece starts in the
   * stream): its bytes go to the section's running checksum and straight into the arrays, and
   * the section is checked when its last piece is in. A damaged section fails there, before
   * finish() could return anything, as if it had been checked first (a damaged length or kind
   * may fail earlier, as another CORRUPT_INDEX). This saves copying every section whole into a
   * buffer when the pieces are smaller than sections (a 16 MiB file read against 64 MiB sections).
   */
  #streamPiece(piece: Uint8Array, at: number): void {
    const k = this.#sections
    let data = piece
    if (this.#fill === 0) {
      this.#sum.reset()
      if (this.#layout === null) this.#readManifest(at + 1)
      data = piece.subarray(1)
    }
    this.#sum.update(piece)
    this.#fill += piece.length
    this.#copy(data, k)
    if (this.#fill < this.#payloadLength) return
    if (this.#sum.digest() !== this.#payloadCrc) throw corrupt(`section ${k} fails its checksum: the catalog is damaged`)
    this.#streaming = false
    this.#sections++
    this.#fill = 0
    this.#state = 'frame'
  }

  /** One whole section's payload (a view: copy what is kept); `at`: where it starts in the stream. */
  #section(payload: Uint8Array, at: number): void {
    const k = this.#sections
    if (checksum(payload) !== this.#payloadCrc) throw corrupt(`section ${k} fails its checksum: the catalog is damaged`)
    const kind = payload[0]!
    const data = payload.subarray(1)
    if (kind === KIND_MANIFEST) {
      if (this.#layout !== null) throw corrupt(`section ${k} is a manifest section after the arrays began`)
      this.#manifest.push(data.slice())
    } else if (kind === KIND_ARRAYS) {
      if (this.#layout === null) this.#readManifest(at + 1)
      this.#copy(data, k)
    } else if (kind === KIND_END) {
      if (this.#layout === null) this.#readManifest(at + 1)
      if (payload.length !== END_PAYLOAD) throw corrupt(`the end marker has ${payload.length} bytes, not ${END_PAYLOAD}`)
      const count = new DataView(payload.buffer, payload.byteOffset + 1, 4).getUint32(0, true)
      if (count !== k) throw corrupt(`the end marker counts ${count} sections, the file has ${k}`)
      if (this.#target < this.#targets.length) throw corrupt(`the arrays end early: ${this.#targets.length - this.#target} of ${this.#targets.length} are incomplete`)
      this.#state = 'ended'
      this.#sections++
      return
    } else {
      throw corrupt(`section ${k} is of unknown kind ${kind}`)
    }
    this.#sections++
    this.#fill = 0
    this.#state = 'frame'
  }

  /** Decodes and checks the manifest once its last section is in; `dataAt`: where the arrays' bytes begin. */
  #readManifest(dataAt: number): void {
    if (this.#manifest.length === 0) throw corrupt('the catalog has no manifest')
    const packed = concat(this.#manifest)
    this.#manifest = []
    let body: unknown
    try {
      body = unpackr.unpack(packed)
    } catch (cause) {
      throw corrupt('the manifest is not valid msgpack', cause)
    }
    const layout = readLayout(body, this.#version)
    // Claims are bounded by the bytes still to come before anything is allocated.
    if (this.#totalBytes !== undefined && layout.arrayBytes > this.#totalBytes - dataAt) {
      throw corrupt(`the manifest claims ${layout.arrayBytes} bytes of arrays, the file has ${this.#totalBytes - dataAt} bytes left`)
    }
    this.#layout = layout
    const targets: Target[] = []
    for (const p of layout.partitions) {
      for (const postings of p.triplets === null ? [p.pairs] : [p.pairs, p.triplets]) {
        for (const c of postings.chunks) {
          targets.push({ wide: true, length: c.dir, array: null, bytes: null })
          if (c.low !== null) targets.push({ wide: c.packed, length: c.low, array: null, bytes: null })
          targets.push({ wide: true, length: c.entry, array: null, bytes: null })
        }
      }
      if (p.filter !== null) targets.push({ wide: true, length: p.filter, array: null, bytes: null })
    }
    this.#targets = targets
    this.#target = 0
    this.#targetOffset = 0
    this.#skipEmpty()
  }

  /** Copies array bytes into the targets, allocating each when its first byte arrives. */
  #copy(data: Uint8Array, k: number): void {
    let at = 0
    while (at < data.length) {
      const t = this.#targets[this.#target]
      if (t === undefined) throw corrupt(`section ${k} holds ${data.length - at} bytes more than the manifest's arrays`)
      if (t.bytes === null) {
        t.array = this.#allocate(t)
        t.bytes = new Uint8Array(t.array.buffer, t.array.byteOffset, t.array.byteLength)
      }
      const n = Math.min(t.bytes.length - this.#targetOffset, data.length - at)
      t.bytes.set(data.subarray(at, at + n), this.#targetOffset)
      this.#targetOffset += n
      at += n
      if (this.#targetOffset === t.bytes.length) {
        if (t.wide && !LITTLE_ENDIAN) swap32(t.array as Uint32Array)
        this.#target++
        this.#targetOffset = 0
        this.#skipEmpty()
      }
    }
  }

  /**
   * A target's array. With the file's size known (its claims checked against it), the arrays are
   * views into shared buffers of about POOL_BYTES, each made when the first array it holds gets
   * its first byte: V8 collects garbage each time 64 MiB more of buffers exist, and a buffer per
   * array made 70 full collections (~1.4 s) of loading 4.8 GB; a buffer per 256 MiB makes ~20.
   * The cost: a merge that drops a loaded partition's chunks one by one frees a shared buffer only
   * with its last array, so it may hold up to POOL_BYTES more than one chunk of room. Without the
   * size, each array is its own buffer, made as its bytes arrive (a claim with no bytes behind it
   * allocates nothing).
   */
  #allocate(t: Target): Uint32Array | Uint8Array {
    if (this.#totalBytes === undefined) return t.wide ? new Uint32Array(t.length) : new Uint8Array(t.length)
    const bytes = paddedBytes(t)
    if (this.#pool === null || this.#poolOffset + bytes > this.#pool.byteLength) {
      let size = 0
      for (let j = this.#target; j < this.#targets.length; j++) {
        const b = paddedBytes(this.#targets[j]!)
        if (size > 0 && size + b > POOL_BYTES) break
        size += b
      }
      this.#pool = new ArrayBuffer(size)
      this.#poolOffset = 0
    }
    const array = t.wide ? new Uint32Array(this.#pool, this.#poolOffset, t.length) : new Uint8Array(this.#pool, this.#poolOffset, t.length)
    this.#poolOffset += bytes
    return array
  }

  /** Empty arrays take no bytes: allocate them and move past. */
  #skipEmpty(): void {
    while (this.#target < this.#targets.length && this.#targets[this.#target]!.length === 0) {
      const t = this.#targets[this.#target]!
      t.array = t.wide ? new Uint32Array(0) : new Uint8Array(0)
      t.bytes = new Uint8Array(0)
      this.#target++
    }
  }
}

/** Reads a whole catalog from one byte array (CatalogReader, one push). */
export function catalogFromBytes(input: Uint8Array | ArrayBuffer): CatalogParts {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input
  if (!(bytes instanceof Uint8Array)) throw corrupt('catalog bytes must be a Uint8Array or ArrayBuffer')
  const reader = new CatalogReader({ totalBytes: bytes.length })
  reader.push(bytes)
  return reader.finish()
}

/** Reads a catalog from pieces in order (CatalogReader); `totalBytes` bounds the manifest's claims. */
export function catalogFromChunks(chunks: Iterable<Uint8Array>, totalBytes?: number): CatalogParts {
  const reader = new CatalogReader(totalBytes === undefined ? {} : { totalBytes })
  for (const c of chunks) reader.push(c)
  return reader.finish()
}

// ---------------------------------------------------------------- checks

/** Checks the manifest: parameters, tracks, and each partition's layout (array lengths). */
function readLayout(value: unknown, version: number): Layout {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw corrupt('the manifest is not a map')
  const body = value as Manifest
  if (typeof body.frameSeconds !== 'number' || typeof body.hashBits !== 'number' || typeof body.dirBits !== 'number' || typeof body.timeBits !== 'number') {
    throw corrupt('catalog body lacks its fingerprint parameters')
  }
  if (body.frameSeconds !== FRAME_SECONDS || body.hashBits !== HASH_BITS || body.dirBits !== MIN_DIR_BITS || body.timeBits !== TIME_BITS) {
    throw new PeakmatchError('UNSUPPORTED_VERSION', 'catalog was made with other fingerprint parameters (rebuild the catalog with this version: peakmatch catalog build)')
  }
  if (!integerIn(body.indexFanout, 1, 16)) throw corrupt('indexFanout is missing or out of range')
  const frontEnd = readFrontEnd(body.frontEnd)
  if (frontEnd !== null && frontEnd.fanout < body.indexFanout) throw corrupt(`indexFanout ${body.indexFanout} is above the tracks' fanout ${frontEnd.fanout}`)
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
    if (!integerIn(hashCount, 0, Infinity)) throw corrupt(`track ${i} has a bad hash count`)
    if (!integerIn(segmentCount, 1, MAX_TRACK_SEGMENTS)) throw corrupt(`track ${i} has a bad segment count`)
    checked(() => checkTrackId(recordingId, `track ${i}'s recording id`))
    const q = quality === null ? undefined : checked(() => checkQuality(quality, `track ${i}'s quality`))
    if (metadata !== null && (!Array.isArray(metadata) || metadata.length !== 1)) throw corrupt(`track ${i} has malformed metadata`)
    ids.add(id)
    tracks.push({ id: id as string, recordingId: recordingId as string, quality: q, durationSeconds, postings: hashCount, metadata: metadata === null ? undefined : metadata[0] })
    segmentCounts[i] = segmentCount
  }
  if (!Array.isArray(body.partitions)) throw corrupt('partitions is not a list')
  const partitions: Layout['partitions'] = []
  let slot = 0, arrayBytes = 0
  for (const [k, part] of (body.partitions as unknown[]).entries()) {
    if (!Array.isArray(part) || part.length !== (version >= FILTER_SHAPES_SINCE ? 7 : version >= FILTERS_SINCE ? 6 : 5)) throw corrupt(`partition ${k} is malformed`)
    const [count, dirBits, chunkBits, chunkList, triplets, filterWords = null, probes = null] = part as unknown[]
    if (!integerIn(count, 0, tracks.length - slot)) throw corrupt(`partition ${k} claims ${String(count)} tracks`)
    const pairs = readPostingsLayout(`partition ${k}`, HASH_BITS, dirBits, chunkBits, chunkList, version)
    let tripletLayout: PostingsLayout | null = null
    if (triplets !== null) {
      if (!Array.isArray(triplets) || triplets.length !== 3) throw corrupt(`partition ${k}'s triplets are malformed`)
      tripletLayout = readPostingsLayout(`partition ${k}'s triplets`, TRIPLET_KEY_BITS, triplets[0], triplets[1], triplets[2], version)
    }
    if (tripletLayout !== null && pairs.chunks.some((c) => c.packed)) throw corrupt(`partition ${k} has triplets and packed pairs`)
    for (const l of tripletLayout === null ? [pairs] : [pairs, tripletLayout]) for (const c of l.chunks) arrayBytes += 4 * c.dir + (c.packed ? 4 : 1) * (c.low ?? 0) + 4 * c.entry
    let segments = 0
    for (let i = slot; i < slot + (count as number); i++) segments += segmentCounts[i]!
    if (segments > MAX_SEGMENTS) throw corrupt(`partition ${k} has too many segments`)
    // A key filter is each track's keyFilterBits of the postings it claims: its length is known.
    // A filter's probes say which it is (version 5): 3, or 2 as a version 4 file's are (4 bits a posting, read and dropped).
    if (version >= FILTER_SHAPES_SINCE && (filterWords === null ? probes !== null : probes !== 3 && probes !== 2)) throw corrupt(`partition ${k}'s key filter has ${String(probes)} probes`)
    const keep = probes === 3
    if (filterWords !== null) {
      let words = 0
      for (let i = slot; i < slot + (count as number); i++) words += keyFilterBits(tracks[i]!.postings, keep ? KEY_FILTER_BITS : 4) / 32
      if (tripletLayout === null || filterWords !== words) throw corrupt(`partition ${k}'s key filter is ${String(filterWords)} words, not ${tripletLayout === null ? 'none' : words}`)
      arrayBytes += 4 * words
    }
    partitions.push({ count: count as number, pairs, triplets: tripletLayout, filter: filterWords as number | null, keep })
    slot += count as number
  }
  if (slot !== tracks.length) throw corrupt(`partitions hold ${slot} tracks, the catalog lists ${tracks.length}`)
  return { indexFanout: body.indexFanout, frontEnd, tracks, segmentCounts, partitions, arrayBytes }
}

/** A Postings' claimed shape, checked against what a Postings of `keyBits`-bit keys may be. */
function readPostingsLayout(what: string, keyBits: number, dirBits: unknown, chunkBits: unknown, chunkList: unknown, version: number): PostingsLayout {
  if (!integerIn(dirBits, Math.max(MIN_DIR_BITS, keyBits - 8), keyBits)) throw corrupt(`${what} has directory bits ${String(dirBits)}`)
  if (!integerIn(chunkBits, 0, MAX_CHUNK_BITS)) throw corrupt(`${what} has chunk bits ${String(chunkBits)}`)
  const d = dirBits as number, cb = chunkBits as number
  if (!Array.isArray(chunkList) || chunkList.length !== 2 ** cb) throw corrupt(`${what} does not list its ${2 ** cb} chunks`)
  const slots = 2 ** (d - cb) + 1
  const chunks = chunkList.map((c: unknown, j): ChunkLayout => {
    if (!Array.isArray(c) || c.length !== (version >= PACKED_SINCE ? 4 : 3)) throw corrupt(`chunk ${j} of ${what} is malformed`)
    const [dir, low, entry, bits = 0] = c as unknown[]
    if (dir !== slots) throw corrupt(`chunk ${j} of ${what} claims a directory of ${String(dir)} slots, not ${slots}`)
    if (!integerIn(entry, 0, MAX_ARRAY_ELEMENTS)) throw corrupt(`chunk ${j} of ${what} claims ${String(entry)} postings`)
    const n = entry as number
    if (bits !== 0) {
      // Packed (packed.ts): the lengths of its unary low keys and of its entries follow from its postings.
      if (!integerIn(bits, 1, 32)) throw corrupt(`chunk ${j} of ${what} claims ${String(bits)}-bit entries`)
      if (d === keyBits || low !== lowsWords(n, slots - 1, keyBits - d)) throw corrupt(`chunk ${j} of ${what} claims ${String(low)} words of low keys for ${n} postings`)
      return { dir: slots, low, packed: true, entry: entryWords(n, bits as number), bits: bits as number, postings: n }
    }
    if (d === keyBits ? low !== null : low !== entry) throw corrupt(`chunk ${j} of ${what} claims ${String(low)} low keys for ${String(entry)} postings`)
    return { dir: slots, low: low as number | null, packed: false, entry: n, bits: 32, postings: n }
  })
  return { keyBits, dirBits: d, chunkBits: cb, chunks }
}

/** The parts from a checked layout and its filled arrays: each partition's postings checked, and every track owning the postings it claims. */
function assemble(layout: Layout, targets: Target[]): CatalogParts {
  const { tracks, segmentCounts } = layout
  const partitions: IndexParts['partitions'] = []
  let slot = 0, next = 0
  for (const [k, part] of layout.partitions.entries()) {
    const take = (l: PostingsLayout): Postings => {
      const chunks: PostingsChunk[] = l.chunks.map((c) => {
        const dir = targets[next++]!.array as Uint32Array
        const low = c.low === null ? null : targets[next++]!.array
        const entry = targets[next++]!.array as Uint32Array
        return c.packed ? { dir, low: null, lows: low as Uint32Array, entry, bits: c.bits } : { dir, low: low as Uint8Array | null, lows: null, entry, bits: 32 }
      })
      return { keyBits: l.keyBits, dirBits: l.dirBits, chunkBits: l.chunkBits, chunks, count: l.chunks.reduce((n, c) => n + c.postings, 0) }
    }
    const postings = take(part.pairs)
    const triplets = part.triplets === null ? null : take(part.triplets)
    const filter = part.filter === null ? null : targets[next++]!.array as Uint32Array
    const count = part.count
    const partSegments = segmentCounts.subarray(slot, slot + count)
    let segments = 0
    for (let i = 0; i < count; i++) segments += partSegments[i]!
    // Each track must own exactly the postings it claims: counted per segment while checking.
    const perSegment = new Uint32Array(segments)
    const problem = checkPostings(postings, segments, perSegment)
    if (problem) throw corrupt(`partition ${k}: ${problem}`)
    const tripletProblem = triplets === null ? null : checkPostings(triplets, segments)
    if (tripletProblem) throw corrupt(`partition ${k}'s triplets: ${tripletProblem}`)
    let first = 0
    for (let i = 0; i < count; i++) {
      const t = tracks[slot + i]!
      let n = 0
      for (let s = 0; s < partSegments[i]!; s++) n += perSegment[first + s]!
      first += partSegments[i]!
      if (n !== t.postings) throw corrupt(`track ${JSON.stringify(t.id)} claims ${t.postings} postings, the index has ${n}`)
    }
    partitions.push({ postings, triplets, segmentCounts: partSegments.slice(), filter: part.keep ? filter : null })
    slot += count
  }
  return { indexFanout: layout.indexFanout, frontEnd: layout.frontEnd, tracks, index: { partitions } }
}

function concat(pieces: Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of pieces) n += p.length
  const out = new Uint8Array(n)
  let at = 0
  for (const p of pieces) { out.set(p, at); at += p.length }
  return out
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

/** Little-endian bytes of an array (a view, but for a swapped copy on a big-endian machine). */
function leBytes(a: Uint32Array | Uint8Array): Uint8Array {
  if (a instanceof Uint8Array) return a
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
