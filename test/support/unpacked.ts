import type { CatalogParts } from '../../src/match/codec.js'
import { unpackChunk } from '../../src/match/packed.js'
import type { Postings } from '../../src/match/postings.js'

/**
 * A catalog's parts with every packed chunk (src/match/packed.ts) unpacked to the plain layout:
 * the same postings, for comparing the two layouts (test/match/packed-catalog.test.ts,
 * bench/packed-cost.ts).
 */
export function unpackedParts(parts: CatalogParts): CatalogParts {
  const plain = (p: Postings): Postings => ({
    ...p,
    chunks: p.chunks.map((c) => {
      if (c.lows === null) return c
      const u = unpackChunk(c.dir, { lows: c.lows, entry: c.entry }, p.keyBits - p.dirBits, c.bits)
      if (typeof u === 'string') throw new Error(u)
      return { dir: c.dir, low: u.low, lows: null, entry: u.entry, bits: 32 }
    }),
  })
  return { ...parts, index: { partitions: parts.index.partitions.map((p) => ({ ...p, postings: plain(p.postings), triplets: p.triplets && plain(p.triplets) })) } }
}
