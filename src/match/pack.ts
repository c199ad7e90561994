/**
 * MessagePack encoding of a catalog's manifest (codec.ts): numbers, strings, arrays, maps, byte
 * strings, and the tracks' metadata, which the API asks to be plain JSON-like values. Reading
 * stays with msgpackr (its Unpackr, which reads any MessagePack); only writing is done here,
 * because msgpackr's packer is 17 KB of the browser bundle's 40 KB min+gzip budget (about 6 KB
 * gzipped: `npm run bench:size`) for a manifest that uses a handful of MessagePack's types.
 * What it writes, msgpackr reads back as the same values (test/match/pack.test.ts checks that
 * against msgpackr, value by value, on random JSON-like values).
 *
 * Supported: null, undefined (msgpackr's fixext 0), booleans, numbers (integers in the smallest
 * integer type up to ±2^53, the rest as float 64), strings (UTF-8, below), Uint8Array (bin), arrays,
 * plain objects (string keys), Date (the timestamp extension). Anything else — a Map, a class
 * instance, a BigInt, a function, a cycle — throws a TypeError the caller turns into
 * INVALID_OPTIONS.
 */

/** Deeper than this is taken for a cycle. */
const MAX_DEPTH = 100

export function packValue(value: unknown): Uint8Array {
  const w = new Writer()
  w.value(value, 0)
  return w.bytes.subarray(0, w.at)
}

class Writer {
  bytes = new Uint8Array(1024)
  view = new DataView(this.bytes.buffer)
  at = 0

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return
    const grown = new Uint8Array(Math.max(2 * this.bytes.length, this.at + n))
    grown.set(this.bytes.subarray(0, this.at))
    this.bytes = grown
    this.view = new DataView(grown.buffer)
  }

  private u8(x: number): void { this.room(1); this.bytes[this.at++] = x }
  private u16(x: number): void { this.room(2); this.view.setUint16(this.at, x); this.at += 2 }
  private u32(x: number): void { this.room(4); this.view.setUint32(this.at, x); this.at += 4 }

  /** A type byte for a length: the fix form below `fixLimit`, else 8/16/32-bit lengths (`small` < 0: no 8-bit form). */
  private head(n: number, fix: number, fixLimit: number, small: number, wide: number): void {
    if (n < fixLimit) this.u8(fix | n)
    else if (small >= 0 && n < 0x100) { this.u8(small); this.u8(n) }
    else if (n < 0x10000) { this.u8(wide); this.u16(n) }
    else { this.u8(wide + 1); this.u32(n) }
  }

  value(v: unknown, depth: number): void {
    if (depth > MAX_DEPTH) throw new TypeError('the value nests too deeply (a cycle?)')
    if (v === null) this.u8(0xc0)
    else if (v === undefined) { this.u8(0xd4); this.u8(0); this.u8(0) }
    else if (v === false || v === true) this.u8(v ? 0xc3 : 0xc2)
    else if (typeof v === 'number') this.number(v)
    else if (typeof v === 'string') this.string(v)
    else if (v instanceof Uint8Array) {
      this.head(v.length, 0, 0, 0xc4, 0xc5)
      this.raw(v)
    } else if (Array.isArray(v)) {
      this.head(v.length, 0x90, 16, -1, 0xdc)
      for (const x of v) this.value(x, depth + 1)
    } else if (v instanceof Date) {
      // Timestamp 96: nanoseconds (uint32), then seconds (int64).
      const ms = v.getTime()
      if (!Number.isFinite(ms)) throw new TypeError('an invalid Date')
      const s = Math.floor(ms / 1000)
      this.u8(0xc7); this.u8(12); this.u8(0xff)
      this.u32((ms - s * 1000) * 1e6)
      this.int64(s)
    } else if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
      const keys = Object.keys(v)
      this.head(keys.length, 0x80, 16, -1, 0xde)
      for (const k of keys) { this.value(k, depth + 1); this.value((v as Record<string, unknown>)[k], depth + 1) }
    } else {
      throw new TypeError(`a ${typeof v === 'object' ? v.constructor?.name ?? 'object' : typeof v} is not a plain JSON-like value`)
    }
  }

  private number(x: number): void {
    if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER && !Object.is(x, -0)) {
      if (x >= 0) {
        if (x < 0x80) this.u8(x)
        else if (x < 0x100) { this.u8(0xcc); this.u8(x) }
        else if (x < 0x10000) { this.u8(0xcd); this.u16(x) }
        else if (x < 2 ** 32) { this.u8(0xce); this.u32(x) }
        else { this.u8(0xcf); this.u32(Math.floor(x / 2 ** 32)); this.u32(x >>> 0) }
      } else if (x >= -32) this.u8(x & 0xff)
      else if (x >= -0x80) { this.u8(0xd0); this.u8(x & 0xff) }
      else if (x >= -0x8000) { this.u8(0xd1); this.u16(x & 0xffff) }
      else if (x >= -(2 ** 31)) { this.u8(0xd2); this.u32(x >>> 0) }
      else { this.u8(0xd3); this.int64(x) }
      return
    }
    this.u8(0xcb)
    this.room(8)
    this.view.setFloat64(this.at, x)
    this.at += 8
  }

  /**
   * UTF-8: a surrogate pair as 4 bytes, a lone surrogate (not text, but a file name can make one)
   * as U+FFFD, as msgpackr's packer in Node and TextEncoder write it (msgpackr's reader would turn
   * the 3 bytes of the bare code unit into three U+FFFD).
   */
  private string(v: string): void {
    let n = 0
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i)
      if (c < 0x80) n += 1
      else if (c < 0x800) n += 2
      else if ((c & 0xfc00) === 0xd800 && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++ }
      else n += 3
    }
    this.head(n, 0xa0, 32, 0xd9, 0xda)
    this.room(n)
    const b = this.bytes
    let at = this.at
    for (let i = 0; i < v.length; i++) {
      let c = v.charCodeAt(i)
      if (c < 0x80) b[at++] = c
      else if (c < 0x800) { b[at++] = 0xc0 | (c >> 6); b[at++] = 0x80 | (c & 0x3f) }
      else if ((c & 0xfc00) === 0xd800 && (v.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c & 0x3ff) << 10) + (v.charCodeAt(++i) & 0x3ff)
        b[at++] = 0xf0 | (c >> 18); b[at++] = 0x80 | ((c >> 12) & 0x3f); b[at++] = 0x80 | ((c >> 6) & 0x3f); b[at++] = 0x80 | (c & 0x3f)
      } else {
        if ((c & 0xf800) === 0xd800) c = 0xfffd
        b[at++] = 0xe0 | (c >> 12); b[at++] = 0x80 | ((c >> 6) & 0x3f); b[at++] = 0x80 | (c & 0x3f)
      }
    }
    this.at = at
  }

  /** A safe integer as a big-endian two's-complement int64. */
  private int64(x: number): void {
    const hi = Math.floor(x / 2 ** 32)
    this.u32(hi >>> 0)
    this.u32((x - hi * 2 ** 32) >>> 0)
  }

  private raw(b: Uint8Array): void {
    this.room(b.length)
    this.bytes.set(b, this.at)
    this.at += b.length
  }
}
