import { describe, expect, it } from 'vitest'
import { HashIndex, MAX_TRACK_SEGMENTS, emptyHits, type Hits } from '../../src/match/hash-index.js'
import { SEGMENT_FRAMES } from '../../src/match/postings.js'

/** A tiny print: hashes at the given frames, all rank 0. */
const print = (hashes: number[], times: number[]) => ({ hashes: Uint32Array.from(hashes), times: Uint32Array.from(times), ranks: new Uint8Array(hashes.length) })

/** The hits as sorted "slot:offset:query" strings. */
function hitsOf(index: HashIndex, hashes: number[], times: number[], shift = false): string[] {
  const out: Hits = emptyHits()
  index.lookup(Uint32Array.from(hashes), Uint32Array.from(times), shift, out)
  const rows: string[] = []
  for (let i = 0; i < out.count; i++) rows.push(`${out.track[i]}:${out.offset[i]}:${out.query[i]}`)
  return rows.sort()
}

describe('HashIndex', () => {
  it('finds every posting of a key with its slot and trackTime − queryTime, after prepare()', () => {
    const index = new HashIndex()
    index.add(print([5, 7, 5], [10, 20, 30]), 2)
    index.add(print([7, 9], [3, 100]), 2)
    expect(hitsOf(index, [5], [0])).toEqual([])              // pending adds are not searchable yet
    expect(index.prepare()).toBe(false)                        // the first adds go straight to main; nothing renumbered
    expect(index.hasDelta).toBe(false)
    expect(hitsOf(index, [5, 7], [4, 1])).toEqual(['0:19:1', '0:26:0', '0:6:0', '1:2:1'].sort())
    expect(index.postingCount).toBe(5)
  })

  it('indexes only the ranks below the fanout', () => {
    const index = new HashIndex()
    const { postings } = index.add({ hashes: Uint32Array.from([1, 2, 3]), times: Uint32Array.from([0, 0, 0]), ranks: Uint8Array.from([0, 1, 2]) }, 2)
    index.prepare()
    expect(postings).toBe(2)
    expect(hitsOf(index, [1, 2, 3], [0, 0, 0])).toEqual(['0:0:0', '0:0:1'])
  })

  it('a frame past one segment lands in the track\'s next segment with the right offset', () => {
    const index = new HashIndex()
    index.add(print([11, 11], [5, SEGMENT_FRAMES + 5]), 2)
    index.prepare()
    expect(hitsOf(index, [11], [5])).toEqual([`0:0:0`, `0:${SEGMENT_FRAMES}:0`])
  })

  it('masks a removed slot at once and renumbers the live slots in order when compacting', () => {
    const index = new HashIndex()
    for (let s = 0; s < 4; s++) index.add(print([40 + s, 99], [s, 50]), 2)
    index.prepare()
    index.remove(1)
    expect(hitsOf(index, [99], [0])).toEqual(['0:50:0', '2:50:0', '3:50:0'])
    expect(index.compact()).toBe(true)
    expect(index.slotCount).toBe(3)
    expect(hitsOf(index, [99], [0])).toEqual(['0:50:0', '1:50:0', '2:50:0'])
    expect(hitsOf(index, [43], [0])).toEqual(['2:3:0'])        // old slot 3 is now slot 2
    expect(index.compact()).toBe(false)                        // nothing left to do
  })

  it('answers the same through the delta index as after a full merge', () => {
    const index = new HashIndex(), fresh = new HashIndex()
    const big = print(Array.from({ length: 400 }, (_, i) => i % 97), Array.from({ length: 400 }, (_, i) => i))
    const small = print([3, 5, 8], [7, 8, 9])
    index.add(big, 2); index.prepare()
    index.add(small, 2)
    expect(index.prepare()).toBe(false)                        // 3 postings ≤ 1/8 of 400: a delta
    expect(index.hasDelta).toBe(true)
    fresh.add(big, 2); fresh.add(small, 2); fresh.prepare()
    expect(fresh.hasDelta).toBe(false)
    const q = [3, 5, 8, 13], t = [0, 1, 2, 3]
    expect(hitsOf(index, q, t)).toEqual(hitsOf(fresh, q, t))
  })

  it('round-trips through parts()', () => {
    const index = new HashIndex()
    index.add(print([1, 2, 3], [0, 9, SEGMENT_FRAMES * 2 + 1]), 2)
    index.add(print([2, 3], [4, 4]), 2)
    index.compact()
    const parts = index.parts()
    expect(parts.partitions.map((p) => [...p.segmentCounts])).toEqual([[3, 1]])
    const copy = HashIndex.fromParts(parts, Uint32Array.from([3, 2]))
    expect(hitsOf(copy, [1, 2, 3], [0, 0, 0])).toEqual(hitsOf(index, [1, 2, 3], [0, 0, 0]))
    expect(copy.postingCount).toBe(5)
  })

  it('a shifted lookup also finds the landmark one anchor bin down and up', () => {
    const index = new HashIndex()
    const f1 = (bin: number) => bin << 13                        // anchor bin in the hash (options.ts layout)
    index.add(print([f1(10) | 5, f1(12) | 5], [0, 0]), 2)
    index.prepare()
    expect(hitsOf(index, [f1(11) | 5], [0])).toEqual([])
    expect(hitsOf(index, [f1(11) | 5], [0], true)).toEqual(['0:0:0', '0:0:0'])
  })

  it('opens a new partition when the last is full; slots run on across partitions and answers are the same as in one', () => {
    const one = new HashIndex(), parted = new HashIndex({ partitionPostings: 10 })
    const prints = Array.from({ length: 9 }, (_, s) => print([100 + s, 7, 8, 9], [s, 10 + s, 20, 30]))
    for (const p of prints) { one.add(p, 2); parted.add(p, 2) }
    one.prepare(); parted.prepare()
    expect(one.partitionCount).toBe(1)
    expect(parted.partitionCount).toBe(5)                     // 4 postings a track, at most 10 a partition: 2 + 2 + 2 + 2 + 1
    expect(parted.slotCount).toBe(9)
    const q = [7, 8, 9, 104, 108], t = [0, 1, 2, 3, 4]
    expect(hitsOf(parted, q, t)).toEqual(hitsOf(one, q, t))
    expect(hitsOf(parted, q, t, true)).toEqual(hitsOf(one, q, t, true))
    const a = new Uint8Array(5), b = new Uint8Array(5)
    for (let slot = 0; slot < 9; slot++) {
      one.aligned(Uint32Array.from(q), Uint32Array.from(t), slot, -5, 40, a)
      parted.aligned(Uint32Array.from(q), Uint32Array.from(t), slot, -5, 40, b)
      expect([...b]).toEqual([...a])
    }
  })

  it('removes and compacts across partitions as one index would, dropping a partition left empty', () => {
    const one = new HashIndex(), parted = new HashIndex({ partitionPostings: 10 })
    for (let s = 0; s < 9; s++) for (const x of [one, parted]) x.add(print([100 + s, 7, 8, 9], [s, 10 + s, 20, 30]), 2)
    for (const x of [one, parted]) { x.prepare(); for (const slot of [2, 3, 5, 8]) x.remove(slot) }
    const q = [7, 103, 106], t = [0, 1, 2]
    expect(hitsOf(parted, q, t)).toEqual(hitsOf(one, q, t))
    expect(parted.prepare()).toBe(true)                        // 16 dead postings > 20 live / 4
    expect(one.prepare()).toBe(true)
    expect(parted.slotCount).toBe(5)
    expect(parted.partitionCount).toBe(3)                     // [0 1] [2 3] [4 5] [6 7] [8] → [0 1] [4] [6 7]
    expect(hitsOf(parted, q, t)).toEqual(hitsOf(one, q, t))
    const parts = parted.parts()
    const copy = HashIndex.fromParts(parts, Uint32Array.from([4, 4, 4, 4, 4]))
    expect(hitsOf(copy, q, t)).toEqual(hitsOf(one, q, t))
  })

  it('refuses a track longer than MAX_TRACK_SEGMENTS segments, and takes one just below', () => {
    const index = new HashIndex()
    expect(() => index.add(print([1], [MAX_TRACK_SEGMENTS * SEGMENT_FRAMES]), 2)).toThrow(/at most/)
    expect(index.add(print([1], [MAX_TRACK_SEGMENTS * SEGMENT_FRAMES - 1]), 2).slot).toBe(0)
  })
})
