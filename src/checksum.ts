/**
 * A fast 32-bit checksum of bytes, for the sections of large catalog files (codec.ts): four
 * lanes of xxHash32's round (multiply, rotate, multiply) over 32-bit words, then a final mix
 * with the length and the tail bytes. A change within one 32-bit word (so of any one byte)
 * always changes it, every step being a bijection of its lane; other damage (swaps, truncation)
 * escapes it with the odds of a 32-bit hash, 1 in 4·10^9.
 *
 * Why not CRC-32: a table CRC in JavaScript runs at 449 MB/s on this machine (quiet; 187 MB/s
 * while other jobs ran), which is 10–36 s of a 4–7 GB catalog's load; this runs at 2.5 GB/s
 * (1.1 while shared; bench/checksum.ts). CRC-32 stays for small records (fingerprints, cache
 * entries), where its standard value matters more than its speed.
 */
const P1 = 0x9e3779b1, P2 = 0x85ebca77, P3 = 0xc2b2ae3d, P4 = 0x27d4eb2f, P5 = 0x165667b1

export function checksum(bytes: Uint8Array): number {
  const sum = new Checksum()
  sum.update(bytes)
  return sum.digest()
}

/**
 * checksum() of bytes that arrive in pieces: update() with each, in order, then digest() is
 * checksum() of them all (checksum() is one update). A section of a catalog file read in pieces
 * smaller than it is checked as it streams into its arrays (codec.ts), instead of being copied
 * whole into a buffer first.
 */
export class Checksum {
  /** The four lanes, as checksum() starts them. */
  readonly #lanes = new Int32Array(4)
  /** Bytes of the last pieces that did not fill a 16-byte block yet. */
  readonly #carry = new Uint8Array(16)
  readonly #carryWords = new Uint32Array(this.#carry.buffer)
  #fill = 0
  #length = 0

  constructor() { this.reset() }

  reset(): void {
    this.#lanes[0] = (P1 + P2) | 0; this.#lanes[1] = P2; this.#lanes[2] = 0; this.#lanes[3] = (0 - P1) | 0
    this.#fill = 0
    this.#length = 0
  }

  update(bytes: Uint8Array): void {
    const n = bytes.length
    this.#length += n
    let i = 0
    if (this.#fill > 0) {
      i = Math.min(16 - this.#fill, n)
      this.#carry.set(bytes.subarray(0, i), this.#fill)
      this.#fill += i
      if (this.#fill < 16) return
      mixLanes(this.#carryWords, 4, this.#lanes)
      this.#fill = 0
    }
    const blocks = (n - i) >>> 4
    if (blocks > 0) {
      const at = bytes.byteOffset + i
      // Word access needs 4-byte alignment; a misaligned piece (a section after a manifest of any
      // length) is read through a DataView, not copied: copying every 16 MiB piece of a 4.8 GB load
      // cost more than the sum itself.
      if (at % 4 === 0) mixLanes(new Uint32Array(bytes.buffer, at, 4 * blocks), 4 * blocks, this.#lanes)
      else mixLanesUnaligned(new DataView(bytes.buffer, at, 16 * blocks), 16 * blocks, this.#lanes)
      i += 16 * blocks
    }
    this.#carry.set(bytes.subarray(i), 0)
    this.#fill = n - i
  }

  digest(): number {
    const l = this.#lanes, w = this.#carryWords, tail = this.#carry
    let h = (rotl(l[0]!, 1) + rotl(l[1]!, 7) + rotl(l[2]!, 12) + rotl(l[3]!, 18) + this.#length) | 0
    const words = this.#fill >>> 2
    for (let i = 0; i < words; i++) h = Math.imul(rotl((h + Math.imul(w[i]!, P3)) | 0, 17), P4)
    for (let j = words * 4; j < this.#fill; j++) h = Math.imul(rotl((h + Math.imul(tail[j]!, P5)) | 0, 11), P1)
    h = Math.imul(h ^ (h >>> 15), P2)
    h = Math.imul(h ^ (h >>> 13), P3)
    return (h ^ (h >>> 16)) >>> 0
  }
}

/** checksum()'s lane rounds over the first `words` words of w (a multiple of 4), lanes in and out of `lanes`. */
function mixLanes(w: Uint32Array, words: number, lanes: Int32Array): void {
  let a = lanes[0]!, b = lanes[1]!, c = lanes[2]!, d = lanes[3]!
  for (let i = 0; i < words; i += 4) {
    a = Math.imul(rotl((a + Math.imul(w[i]!, P2)) | 0, 13), P1)
    b = Math.imul(rotl((b + Math.imul(w[i + 1]!, P2)) | 0, 13), P1)
    c = Math.imul(rotl((c + Math.imul(w[i + 2]!, P2)) | 0, 13), P1)
    d = Math.imul(rotl((d + Math.imul(w[i + 3]!, P2)) | 0, 13), P1)
  }
  lanes[0] = a; lanes[1] = b; lanes[2] = c; lanes[3] = d
}

const NATIVE_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** mixLanes over `bytes` bytes (a multiple of 16) of a DataView, words in the platform's order as a Uint32Array reads them. */
function mixLanesUnaligned(v: DataView, bytes: number, lanes: Int32Array): void {
  const le = NATIVE_LITTLE_ENDIAN
  let a = lanes[0]!, b = lanes[1]!, c = lanes[2]!, d = lanes[3]!
  for (let i = 0; i < bytes; i += 16) {
    a = Math.imul(rotl((a + Math.imul(v.getUint32(i, le), P2)) | 0, 13), P1)
    b = Math.imul(rotl((b + Math.imul(v.getUint32(i + 4, le), P2)) | 0, 13), P1)
    c = Math.imul(rotl((c + Math.imul(v.getUint32(i + 8, le), P2)) | 0, 13), P1)
    d = Math.imul(rotl((d + Math.imul(v.getUint32(i + 12, le), P2)) | 0, 13), P1)
  }
  lanes[0] = a; lanes[1] = b; lanes[2] = c; lanes[3] = d
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r))
}
