/**
 * The packed form of a postings chunk (postings.ts), for partitions whose directory has fewer
 * slots than keys (under 2^26 postings: up to ~3 700 tracks), where it saves a quarter or more.
 *
 * A plain chunk spends 5 bytes a posting there: a 4-byte entry and a byte for the key's low bits.
 * Neither needs that much. Within a directory slot the postings are sorted by low key, so the low
 * keys are a non-decreasing run of small numbers: written in unary (a one per posting, a zero
 * closing each of the 2^lowBits low values) they cost 1 + 2^lowBits / (postings a slot) bits, about
 * 3 at the 32 postings a slot layoutFor aims at. And an entry (segment × 2^15 + frame) needs
 * only the bits of the chunk's largest: 22 for a catalog of under 128 segments, so the entries are
 * written `bits` bits each, end to end. Measured on the dev catalog (96 tracks): 5.0 → 3.3 bytes a
 * posting, 1.38 → 0.90 MB per audio hour (bench/packed-cost.ts, docs/benchmarks.md, issue 11).
 *
 * Every slot's unary code holds exactly its postings' ones and 2^lowBits zeros, so slot s's code
 * starts at bit dir[s] + s × 2^lowBits: no second directory. A lookup skips `want` zeros from
 * there (a popcount a word) and counts the ones that follow; the entries it names are unpacked
 * into a scratch list, so every reader of a key's postings gets the plain Uint32Array it knows.
 */

/** A packed chunk's arrays, as postings.ts keeps them. */
export interface PackedArrays {
  /** The slots' low keys in unary, least significant bit first. */
  readonly lows: Uint32Array
  /** The entries, `bits` bits each, least significant bit first, then one word of padding. */
  readonly entry: Uint32Array
}

/** Bits that hold every entry up to `maxEntry`. */
export function entryBitsFor(maxEntry: number): number {
  return Math.max(1, 32 - Math.clz32(maxEntry))
}

/** Words of a unary code of `postings` postings in `slots` slots of 2^lowBits low keys. */
export function lowsWords(postings: number, slots: number, lowBits: number): number {
  return Math.ceil((postings + slots * 2 ** lowBits) / 32)
}

/** Words of `postings` entries of `bits` bits, with the padding word a read past the last one's start may touch. */
export function entryWords(postings: number, bits: number): number {
  return Math.ceil((postings * bits) / 32) + 1
}

/**
 * A plain chunk's low keys and entries (each slot sorted by low key) in packed form. Posting i of
 * slot s has i − dir[s] ones and low[i] zeros of its slot before it: its one is bit
 * i + s · 2^lowBits + low[i].
 */
export function packChunk(dir: Uint32Array, low: Uint8Array, entry: Uint32Array, lowBits: number, bits: number): PackedArrays {
  const slots = dir.length - 1, n = entry.length
  const lows = new Uint32Array(lowsWords(n, slots, lowBits))
  for (let s = 0; s < slots; s++) {
    const base = s << lowBits
    for (let i = dir[s]!; i < dir[s + 1]!; i++) { const b = i + base + low[i]!; lows[b >>> 5]! |= 1 << (b & 31) }
  }
  const out = new Uint32Array(entryWords(n, bits))
  for (let i = 0, b = 0; i < n; i++, b += bits) {
    const e = entry[i]!, w = b >>> 5, off = b & 31
    out[w]! |= e << off
    if (off + bits > 32) out[w + 1]! |= e >>> (32 - off)
  }
  return { lows, entry: out }
}

/**
 * Where the postings of low key `want` lie in slot s of a packed chunk whose slot starts at
 * posting `first`: sets at.start to the first one's index and returns how many there are.
 */
export function findPacked(lows: Uint32Array, s: number, first: number, lowBits: number, want: number, at: { start: number }): number {
  const slotBit = first + s * 2 ** lowBits
  const bit = want === 0 ? slotBit : afterZeros(lows, slotBit, want)
  at.start = first + (bit - slotBit - want)
  return onesAt(lows, bit)
}

/**
 * Unpacks entries [from, from + n) of `bits` bits into out[0, n). Branch-free: the next word's
 * bits come in shifted by 1 then 31 − off, which is 32 − off for off > 0 and all of them shifted
 * out for off = 0 (a shift by 32 would be a shift by 0 in JavaScript).
 */
export function unpackEntries(entry: Uint32Array, bits: number, from: number, n: number, out: Uint32Array): void {
  const mask = bits === 32 ? -1 : (1 << bits) - 1
  let b = from * bits
  for (let i = 0; i < n; i++) {
    const w = b >>> 5, off = b & 31
    out[i] = ((entry[w]! >>> off) | ((entry[w + 1]! << 1) << (31 - off))) & mask
    b += bits
  }
}

/** Whether a chunk of `postings` in `slots` slots can be packed: its bit positions stay below 2^31 (int arithmetic). */
export function packable(postings: number, slots: number, lowBits: number, bits: number): boolean {
  return postings * bits < 2 ** 31 && postings + slots * 2 ** lowBits < 2 ** 31
}

/**
 * The plain low keys and entries of a packed chunk, checking its code on the way (a file's bytes
 * may be anything): its ones, in order, are the postings, the i-th of slot s at bit
 * i + s · 2^lowBits + its low key, which must lie in [0, 2^lowBits) (so each slot's ones lie in
 * its own stretch of the code, which then holds exactly 2^lowBits zeros); no other bit of the
 * code may be set. Returns a reason when it does not hold.
 */
export function unpackChunk(dir: Uint32Array, p: PackedArrays, lowBits: number, bits: number): { low: Uint8Array; entry: Uint32Array } | string {
  const slots = dir.length - 1, values = 1 << lowBits, n = dir[slots]!
  if (p.lows.length !== lowsWords(n, slots, lowBits)) return `unary low keys are ${p.lows.length} words, not ${lowsWords(n, slots, lowBits)}`
  if (p.entry.length !== entryWords(n, bits)) return `packed entries are ${p.entry.length} words, not ${entryWords(n, bits)}`
  const low = new Uint8Array(n), entry = new Uint32Array(n)
  const lows = p.lows
  let i = 0, s = 0
  for (let w = 0; w < lows.length; w++) {
    for (let x = lows[w]!; x !== 0; x &= x - 1) {
      while (i < n && dir[s + 1]! <= i) s++
      const v = w * 32 + ctz(x) - i - s * values
      if (i === n || v < 0 || v >= values) return `unary low keys do not match the directory (slot ${s})`
      low[i++] = v
    }
  }
  if (i !== n) return `unary low keys do not match the directory (${i} of ${n} postings)`
  unpackEntries(p.entry, bits, 0, n, entry)
  return { low, entry }
}

/** Bit position just after the `zeros`-th zero (zeros ≥ 1) at or after `bit`. */
function afterZeros(code: Uint32Array, bit: number, zeros: number): number {
  let w = bit >>> 5
  let word = ~code[w]! & (-1 << (bit & 31))   // the code's zeros as ones, from `bit` on
  let z = popcount(word)
  while (z < zeros) {
    zeros -= z
    word = ~code[++w]!
    z = popcount(word)
  }
  for (let k = 1; k < zeros; k++) word &= word - 1
  return w * 32 + ctz(word) + 1
}

/** How many ones follow in a row from `bit` (a read past the code's end counts as a zero). */
function onesAt(code: Uint32Array, bit: number): number {
  let w = bit >>> 5, off = bit & 31, run = 0
  while (w < code.length) {
    const x = ~(code[w]! >>> off)   // bits shifted in from above are zeros of the code: the run stops there
    const t = x === 0 ? 32 : ctz(x)
    run += t
    if (t < 32 - off) return run
    w++
    off = 0
  }
  return run
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333)
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24
}

function ctz(x: number): number {
  return 31 - Math.clz32(x & -x)
}
