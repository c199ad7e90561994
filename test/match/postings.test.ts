import { describe, expect, it } from 'vitest'
import { HASH_BITS } from '../../src/options.js'
import { MIN_DIR_BITS as DIR_BITS, buildPostings, checkPostings, emptyPostings, findKey, found, indexKey, layoutFor, mergePostings, type Postings } from '../../src/match/postings.js'
import { naivePostings } from '../support/reference.js'
import { rng } from '../support/synth.js'

/** Entries of `key` in `p`, via findKey. */
function lookup(p: Postings, key: number): number[] {
  const n = findKey(p, key)
  const { start, end } = found
  expect(end - start).toBe(n)
  return Array.from(found.entry.subarray(start, end))
}

/**
 * n random (key, entry) pairs over `distinct` keys drawn from `keyOf`, entries ascending
 * overall (as the catalog hands them over: ascending per key).
 */
function randomPairs(seed: number, n: number, distinct: number, keyOf: (r: number) => number) {
  const rand = rng(seed)
  const pool = Array.from({ length: distinct }, () => keyOf(rand()))
  const keys = new Uint32Array(n), entries = new Uint32Array(n)
  let e = 0
  for (let i = 0; i < n; i++) {
    keys[i] = pool[Math.floor(rand() * distinct)]!
    e += Math.floor(rand() * 5)                     // repeats allowed
    entries[i] = e
  }
  return { keys, entries, pool }
}

describe('buildPostings / findKey vs a Map', () => {
  const any = (r: number) => Math.floor(r * 2 ** HASH_BITS)
  const oneSlot = (r: number) => (1234 << (HASH_BITS - DIR_BITS)) | Math.floor(r * 256)   // all in one directory slot
  const edges = (r: number) => [0, 1, 255, 256, 2 ** HASH_BITS - 1, 2 ** HASH_BITS - 256][Math.floor(r * 6)]!

  it.each([
    ['20 000 pairs over 5 000 keys anywhere', 1, 20_000, 5_000, any, undefined],
    ['5 000 pairs over 40 keys (long lists)', 2, 5_000, 40, any, undefined],
    ['3 000 pairs over 200 keys in one directory slot', 3, 3_000, 200, oneSlot, undefined],
    ['1 000 pairs on the edge keys', 4, 1_000, 6, edges, undefined],
    ['packed: 20 000 pairs over 5 000 keys anywhere', 1, 20_000, 5_000, any, true],
    ['packed: 5 000 pairs over 40 keys (long lists)', 2, 5_000, 40, any, true],
    ['packed: 3 000 pairs over 200 keys in one directory slot', 3, 3_000, 200, oneSlot, true],
    ['packed: 1 000 pairs on the edge keys', 4, 1_000, 6, edges, true],
  ] as const)('%s', (_, seed, n, distinct, keyOf, pack) => {
    const { keys, entries, pool } = randomPairs(seed, n, distinct, keyOf)
    const p = buildPostings(keys, entries, n, pack === undefined ? undefined : { ...layoutFor(n), pack })
    expect(p.chunks.every((c) => (c.lows !== null) === (pack === true))).toBe(true)
    const map = naivePostings(keys, entries, n)
    expect(checkPostings(p, 2 ** 17)).toBeNull()
    expect(p.count).toBe(n)
    const mismatches: number[] = []
    for (const key of new Set(pool)) {
      if (JSON.stringify(lookup(p, key)) !== JSON.stringify(map.get(key) ?? [])) mismatches.push(key)
    }
    expect(mismatches).toEqual([])
    // Keys that are absent find nothing, including neighbours of present keys.
    const rand = rng(seed + 100)
    for (let i = 0; i < 2000; i++) {
      const key = i < 1000 ? any(rand()) : (pool[i % pool.length]! + 1) % 2 ** HASH_BITS
      if (!map.has(key)) expect(lookup(p, key)).toEqual([])
    }
  })

  it('only the first n pairs are used', () => {
    const keys = Uint32Array.from([5, 6, 5, 7]), entries = Uint32Array.from([1, 2, 3, 4])
    const p = buildPostings(keys, entries, 2)
    expect(lookup(p, 5)).toEqual([1])
    expect(lookup(p, 6)).toEqual([2])
    expect(lookup(p, 7)).toEqual([])
    expect(p.count).toBe(2)
  })

  it('an empty index finds nothing', () => {
    for (const p of [emptyPostings(), buildPostings(new Uint32Array(0), new Uint32Array(0), 0)]) {
      expect(checkPostings(p, 0)).toBeNull()
      for (const key of [0, 1, 2 ** HASH_BITS - 1]) expect(lookup(p, key)).toEqual([])
    }
  })
})

describe('indexKey', () => {
  it('is a bijection on 21-bit hashes', () => {
    const seen = new Uint8Array(2 ** HASH_BITS)
    let collisions = 0, outOfRange = 0
    for (let h = 0; h < 2 ** HASH_BITS; h++) {
      const k = indexKey(h)
      if (k < 0 || k >= 2 ** HASH_BITS) outOfRange++
      else if (seen[k] === 1) collisions++
      else seen[k] = 1
    }
    expect(outOfRange).toBe(0)
    expect(collisions).toBe(0)
  })

  it('spreads the hashes of one anchor bin over many directory slots', () => {
    const slots = new Set<number>()
    for (let low = 0; low < 2 ** 13; low++) slots.add(indexKey((40 << 13) | low) >>> (HASH_BITS - DIR_BITS))
    expect(slots.size).toBeGreaterThan(2000)
  })
})

describe('checkPostings', () => {
  const { keys, entries } = randomPairs(9, 500, 100, (r) => Math.floor(r * 2 ** HASH_BITS))
  const good = () => { const p = buildPostings(keys, entries, 500); return { p, dir: p.chunks[0]!.dir, low: p.chunks[0]!.low!, entry: p.chunks[0]!.entry } }

  it('accepts a built index, and rejects entries past the segment count', () => {
    expect(checkPostings(good().p, 1)).toBeNull()
    const { p, entry } = good()
    entry[entry.length - 1] = 1 << 15           // segment 1 (the last entry of its key: still in order)
    expect(checkPostings(p, 1)).toMatch(/segment/)
    expect(checkPostings(p, 2)).toBeNull()
  })

  it('rejects the entries of one key out of order (lookups binary-search them)', () => {
    const { p, low, entry, dir } = good()
    let i = 0
    while (!(low[i] === low[i + 1] && entry[i] !== entry[i + 1] && dir.indexOf(i + 1) < 0)) i++
    ;[entry[i], entry[i + 1]] = [entry[i + 1]!, entry[i]!]
    expect(checkPostings(p, 1)).toMatch(/not in order/)
  })

  it('rejects a low key out of range, counting or not (a slot\'s low keys ascend: its last is checked)', () => {
    const p = buildPostings(keys, entries, 500, { keyBits: HASH_BITS, dirBits: 15, chunkBits: 0 })   // 6 low bits
    const { low, dir } = p.chunks[0]!
    let s = 0
    while (dir[s + 1]! === dir[s]!) s++
    low![dir[s + 1]! - 1] = 255                // the slot's last: still in order, out of range
    expect(checkPostings(p, 1)).toMatch(/low key out of range/)
    expect(checkPostings(p, 1, new Uint32Array(1))).toMatch(/low key out of range/)
  })

  it('rejects an unsorted slot and a non-monotonic directory', () => {
    const { p, low, dir } = good()
    let i = 0
    while (!(low[i]! !== low[i + 1]! && (dir.indexOf(i + 1) < 0))) i++
    ;[low[i], low[i + 1]] = [low[i + 1]!, low[i]!]
    expect(checkPostings(p, 1)).not.toBeNull()
    const q = good()
    q.dir[100] = q.dir[101]! + 1
    expect(checkPostings(q.p, 1)).not.toBeNull()
  })

  it('counts every segment\'s postings in its one pass, and names the fault of a damaged slot, wide directories too', () => {
    // Entries over 3 segments; the fused pass (soundSlots / soundWide) must count what a plain loop counts.
    const wideKeys = randomPairs(11, 3000, 400, (r) => Math.floor(r * 2 ** HASH_BITS))
    const spread = wideKeys.entries.map((_, i) => ((Math.floor(i / 1000) << 15) | (i % 1000)) >>> 0)   // in time order, 1000 a segment
    for (const layout of [null, { keyBits: HASH_BITS, dirBits: HASH_BITS, chunkBits: 2 }]) {
      const p = layout ? buildPostings(wideKeys.keys, spread, 3000, layout) : buildPostings(wideKeys.keys, spread, 3000)
      const counts = new Uint32Array(3)
      expect(checkPostings(p, 3, counts)).toBeNull()
      const want = [0, 0, 0]
      for (const c of p.chunks) for (const e of c.entry) want[e >>> 15]!++
      expect(Array.from(counts)).toEqual(want)
      expect(want.reduce((a, b) => a + b)).toBe(p.count)
      expect(checkPostings(p, 2)).toMatch(/names segment 2 of 2/)
      // Counting, the range is the count's: an entry past the last segment is counted nowhere, and named.
      expect(checkPostings(p, 2, new Uint32Array(2))).toMatch(/names segment 2 of 2/)
    }
  })

  it('rejects a damaged packed chunk: its unary low keys, their length, its entries\' bits and range', () => {
    const packed = () => buildPostings(keys, entries, 500, { ...layoutFor(500), pack: true })
    const base = packed()
    expect(base.chunks[0]!.lows).not.toBeNull()
    expect(checkPostings(base, 1)).toBeNull()
    // a one turned zero (or a zero one): the slot no longer holds its directory's postings
    for (const bit of [0, 37, 1000, 4000]) {
      const p = packed()
      p.chunks[0]!.lows![bit >>> 5]! ^= 1 << (bit & 31)
      expect(checkPostings(p, 1)).toMatch(/unary low keys/)
    }
    const short = packed()
    const c = short.chunks[0]!
    expect(checkPostings({ ...short, chunks: [{ ...c, lows: c.lows!.subarray(1) }] }, 1)).toMatch(/words/)
    expect(checkPostings({ ...short, chunks: [{ ...c, entry: c.entry.subarray(1) }] }, 1)).toMatch(/words/)
    for (const bits of [0, 33, 2.5, NaN]) expect(checkPostings({ ...short, chunks: [{ ...c, bits }] }, 1)).toMatch(/bits/)
    // entries are unpacked before their checks: one past the last segment is named
    const far = buildPostings(keys, entries.map((e, i) => (i === 499 ? (1 << 15) | e : e)), 500, { ...layoutFor(500), pack: true })
    expect(checkPostings(far, 1)).toMatch(/names segment 1 of 1/)
    expect(checkPostings(far, 1, new Uint32Array(1))).toMatch(/names segment 1 of 1/)
    expect(checkPostings(far, 2)).toBeNull()
  })

  it('packs a chunk only where that is smaller: a few tracks stay plain, a catalog\'s worth packs to ~3.2 bytes a posting', () => {
    const bytes = (p: Postings) => p.chunks.reduce((n, c) => n + c.dir.byteLength + (c.low?.byteLength ?? 0) + (c.lows?.byteLength ?? 0) + c.entry.byteLength, 0)
    const small = randomPairs(5, 20_000, 15_000, (r) => Math.floor(r * 2 ** HASH_BITS))
    const plain = buildPostings(small.keys, small.entries, 20_000)
    expect(plain.chunks[0]!.lows).toBeNull()
    // ~1 M postings of 22-bit entries (under 128 segments), as the dev catalog's 96 tracks
    const n = 1 << 20
    const rand = rng(6)
    const k = new Uint32Array(n).map(() => Math.floor(rand() * 2 ** HASH_BITS))
    const e = new Uint32Array(n).map((_, i) => Math.floor((i / n) * 100 * 2 ** 15))
    const big = buildPostings(k, e, n)
    expect(big.chunks[0]!.lows).not.toBeNull()
    expect(big.chunks[0]!.bits).toBe(22)
    expect(bytes(big) / n).toBeGreaterThan(3.0)
    expect(bytes(big) / n).toBeLessThan(3.3)
    const plainBig = buildPostings(k, e, n, { ...layoutFor(n), pack: false })
    expect(bytes(plainBig) / n).toBeGreaterThan(5.0)
    for (let i = 0; i < 3000; i++) { const key = k[i * 300]!; expect(lookup(big, key)).toEqual(lookup(plainBig, key)) }
  })
})

describe('layouts and merges', () => {
  const any = (r: number) => Math.floor(r * 2 ** HASH_BITS)
  const layouts = [
    { keyBits: 21, dirBits: 13, chunkBits: 0 }, { keyBits: 21, dirBits: 13, chunkBits: 8 }, { keyBits: 21, dirBits: 17, chunkBits: 3 },
    { keyBits: 21, dirBits: 21, chunkBits: 0 }, { keyBits: 21, dirBits: 21, chunkBits: 5 }, { keyBits: 26, dirBits: 18, chunkBits: 2 },
    { keyBits: 21, dirBits: 13, chunkBits: 0, pack: true }, { keyBits: 21, dirBits: 17, chunkBits: 3, pack: true },
    { keyBits: 26, dirBits: 18, chunkBits: 2, pack: true }, { keyBits: 21, dirBits: 13, chunkBits: 8, pack: true },
  ]

  it('layoutFor grows the directory with the postings, to one slot per key, and cuts big ones into chunks', () => {
    expect(layoutFor(1000)).toEqual({ keyBits: 21, dirBits: 13, chunkBits: 0 })
    expect(layoutFor(200_000)).toEqual({ keyBits: 21, dirBits: 13, chunkBits: 0 })
    expect(layoutFor(700_000)).toEqual({ keyBits: 21, dirBits: 15, chunkBits: 0 })
    expect(layoutFor(2 ** 24)).toEqual({ keyBits: 21, dirBits: 19, chunkBits: 2 })
    expect(layoutFor(2 ** 26)).toEqual({ keyBits: 21, dirBits: 21, chunkBits: 4 })
    expect(layoutFor(2 ** 28)).toEqual({ keyBits: 21, dirBits: 21, chunkBits: 6 })
    expect(layoutFor(2 ** 40)).toEqual({ keyBits: 21, dirBits: 21, chunkBits: 8 })
  })

  it.each(layouts)('every layout finds what a Map finds: %o', (layout) => {
    const { keys, entries, pool } = randomPairs(11, 20_000, 3_000, (r) => Math.floor(r * 2 ** layout.keyBits))
    const p = buildPostings(keys, entries, 20_000, layout)
    expect(checkPostings(p, 2 ** 17)).toBeNull()
    expect(p.chunks).toHaveLength(2 ** layout.chunkBits)
    expect(p.chunks.every((c) => (c.low === null && c.lows === null) === (layout.dirBits === 21))).toBe(true)
    expect(p.chunks.every((c) => (c.lows !== null) === (layout.pack === true))).toBe(true)
    const map = naivePostings(keys, entries, 20_000)
    for (const key of new Set(pool)) expect(lookup(p, key)).toEqual(map.get(key) ?? [])
    for (const key of [0, 1, 2 ** layout.keyBits - 1]) expect(lookup(p, key)).toEqual(map.get(key) ?? [])
  })

  it('merges sources of any layouts with pending pairs, dropping removed segments and renumbering the rest, and releases the sources', () => {
    // Three generations of adds, entries ascending across them (as a catalog adds tracks).
    const a = randomPairs(21, 6_000, 800, any), b = randomPairs(22, 3_000, 800, any), c = randomPairs(23, 2_000, 800, any)
    const shift = (x: Uint32Array, by: number) => x.map((e) => e + by)
    const bEntries = shift(b.entries, a.entries[5_999]! + 1), cEntries = shift(c.entries, bEntries[2_999]! + 1)
    const segments = (cEntries[1_999]! >>> 15) + 1
    const segTrack = new Int32Array(segments).map((_, s) => (s % 3 === 1 ? -1 : s))       // every third segment removed
    const segMap = new Int32Array(segments).fill(-1)
    let next = 0
    for (let s = 0; s < segments; s++) if (segTrack[s]! >= 0) segMap[s] = next++
    for (const [la, lb, out] of [[layouts[0]!, layouts[2]!, layouts[4]!], [layouts[4]!, layouts[3]!, layouts[1]!], [layouts[6]!, layouts[7]!, layouts[9]!], [layouts[6]!, layouts[3]!, layouts[0]!], [layouts[2]!, layouts[6]!, layouts[7]!]] as const) {
      const pa = buildPostings(a.keys, a.entries, 6_000, la), pb = buildPostings(b.keys, bEntries, 3_000, lb)
      const merged = mergePostings([pa, pb], { keys: c.keys, entries: cEntries, count: 2_000 }, segTrack, segMap, true, out.keyBits, out)
      expect(checkPostings(merged, next)).toBeNull()
      // The reference: every pair in order, kept and renumbered the same way.
      const keys = [...a.keys, ...b.keys, ...c.keys], entries = [...a.entries, ...bEntries, ...cEntries]
      const want = new Map<number, number[]>()
      keys.forEach((k, i) => {
        const e = entries[i]!, s = e >>> 15
        if (segTrack[s]! < 0) return
        const list = want.get(k) ?? []
        list.push(((segMap[s]! << 15) | (e & 0x7fff)) >>> 0)
        want.set(k, list)
      })
      let total = 0
      for (const [k, list] of want) { expect(lookup(merged, k)).toEqual(list); total += list.length }
      expect(merged.count).toBe(total)
      // Released: the sources hold nothing any more.
      for (const p of [pa, pb]) expect(p.chunks.every((ch) => ch.entry.length === 0)).toBe(true)
    }
  })

  it('finds the postings of a key past 2^21 postings in one chunk (a packed start × 2^32 + end lost them)', () => {
    const n = 3_000_001
    const keys = new Uint32Array(n).fill(5), entries = Uint32Array.from({ length: n }, (_, i) => i)
    keys[n - 1] = 6
    const p = buildPostings(keys, entries, n, { keyBits: 21, dirBits: 21, chunkBits: 0 })
    expect(lookup(p, 6)).toEqual([n - 1])
    expect(findKey(p, 5)).toBe(n - 1)
  })
})
