import { describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { TRIPLET_KEY_BITS, indexTriplets, queryTriplets, tripletKey, tripletList } from '../../src/match/triplets.js'
import { OFF_GRID_LOOKS, QueryScratch, correctedConfidence, offGridExactPass, offGridTripletPass, searchPass, withOffGrid } from '../../src/match/query.js'
import { DECISION_CONFIDENCE } from '../../src/match/rank.js'
import { VoteSketch, alignmentList, offer, BUCKET_FRAMES } from '../../src/match/triplet-vote.js'
import { rng } from '../support/synth.js'
import { catalogFromBytes, catalogToBytes } from '../../src/match/codec.js'
import { expectCode } from '../support/errors.js'
import { forge, toVersion5Lengths } from '../support/forge.js'
import { keyFilterAdd, keyFilterBits, keyFilterHas } from '../../src/match/partition.js'
import { buildPostings, checkPostings, findKey, found, indexKey, layoutFor } from '../../src/match/postings.js'
import { emptyCounts, mutate, probe } from '../support/catalog-faults.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'

const indexed = (fp: Fingerprint) => {
  const out: [number, number][] = []
  indexTriplets(fp.hashes, fp.times, fp.ranks, null, (k, t) => out.push([k, t]), () => {})
  return out
}

describe('triplet keys', () => {
  const fp = fingerprint(synthMusic(3, 20))

  it('one per anchor with targets of rank 0 and 1, in time order, each among the query triplets of its anchor', () => {
    const index = indexed(fp)
    const anchors = new Set<string>()
    for (let i = 0; i < fp.hashes.length; i++) if (fp.ranks![i] === 1) anchors.add(`${fp.times[i]}:${fp.hashes[i]! >>> 13}`)
    expect(index.length).toBe(anchors.size)
    expect(index.every(([, t], i) => i === 0 || t >= index[i - 1]![1])).toBe(true)
    expect(index.every(([k]) => k >= 0 && k < 2 ** TRIPLET_KEY_BITS)).toBe(true)
    const q = tripletList()
    queryTriplets(fp.hashes, fp.times, fp.ranks, 4, 0, q)
    const query = new Set(Array.from({ length: q.count }, (_, i) => `${q.key[i]}:${q.time[i]}`))
    expect(index.filter(([k, t]) => !query.has(`${k}:${t}`))).toEqual([])
    expect(q.count).toBeGreaterThan(2 * index.length)            // six per anchor of four targets
  })

  it('a shifted query forms the triplets of the anchor one bin away', () => {
    const h = (f1: number, df: number, dt: number) => ((f1 << 13) | ((df + 64) << 6) | dt) >>> 0
    const q = tripletList()
    queryTriplets(Uint32Array.of(h(20, 3, 5), h(20, 7, 9)), Uint32Array.of(4, 4), Uint8Array.of(0, 1), 4, 1, q)
    expect(q.count).toBe(1)
    expect(q.key[0]).toBe(tripletKey(h(21, 3, 5), h(21, 7, 9)))
  })
})

describe('a catalog with triplets', () => {
  const tracks = Array.from({ length: 12 }, (_, i) => fingerprint(synthMusic(100 + i, 40)))
  // One index fanout for both kinds (their defaults differ: 3 without triplets, 2 with), so that
  // "answers as the pair vote does" compares like with like.
  const build = (triplets: boolean) => {
    const c = new Catalog({ tripletIndex: triplets, indexFanout: 2 })
    tracks.forEach((fp, i) => c.add(`t${i}`, fp))
    return c
  }
  const queries = tracks.map((_, i) => fingerprint(withNoise(excerpt(synthMusic(100 + i, 40), 12 + i, 8), 10, i)))

  it('answers as the pair vote does below the budget, and finds the same tracks by triplets above it', () => {
    const pairs = build(false), below = build(true), above = build(true)
    internals(above).index.pairBudget = 0
    for (const [i, q] of queries.entries()) {
      const want = pairs.match(q)
      expect(below.match(q)).toEqual(want)
      expect(internals(below).scratch.lastPass).toBe('pairs')
      const got = above.match(q)
      expect(internals(above).scratch.lastPass).toBe('triplets')
      expect(got[0]?.trackId).toBe(`t${i}`)
      expect(Math.abs(got[0]!.offsetSeconds - (12 + i))).toBeLessThan(0.05)
      expect(got[0]!.score).toBeGreaterThanOrEqual(0.8 * want[0]!.score)
    }
  })

  it('with off-grid hashes (two frame grids): finds more short noisy snippets, loses none, matches none wrongly; a shard\'s off-grid pass alone answers as search()\'s', () => {
    const c = build(true)
    const { index, registry } = internals(c)
    index.pairBudget = 0
    const audio = Array.from({ length: 12 }, (_, i) => synthMusic(100 + i, 40))
    const r = rng(3)
    let one = 0, two = 0, lost = 0, wrong = 0, sameAsShard = 0
    for (const snr of [-3, 0]) {
      for (let q = 0; q < 24; q++) {
        const k = q % 12
        const fp = fingerprint(withNoise(excerpt(audio[k]!, 2 + r() * 30, 3), snr, 500 + q), { grids: 2 })
        const a = c.match({ ...fp, offGrid: undefined })[0], b = c.match(fp)[0]
        expect(internals(c).scratch.lastPass).toBe('triplets')
        if (a?.trackId === `t${k}`) one++
        if (b?.trackId === `t${k}`) two++
        else if (a?.trackId === `t${k}`) lost++
        if (b && b.trackId !== `t${k}`) wrong++
        // A shard runs the off-grid exact pass alone, on a scratch that kept nothing (shard.ts).
        const scratch = new QueryScratch()
        const list = offGridExactPass(index, registry, fp, withOffGrid(fp, scratch), scratch)
        const top = list.items[0]
        if (b && a?.trackId !== b.trackId && top && correctedConfidence(top.confidence, OFF_GRID_LOOKS) >= DECISION_CONFIDENCE) {
          expect([registry.at(top.track).id, top.score, top.offset * fp.frameSeconds]).toEqual([b.trackId, b.score, b.offsetSeconds])
          sameAsShard++
        }
      }
    }
    // Measured when written: 24 of 48 on one grid, 28 on two; 4 decided by the off-grid exact pass.
    expect(two).toBeGreaterThanOrEqual(one + 4)
    expect(lost).toBe(0)
    expect(wrong).toBe(0)
    expect(sameAsShard).toBeGreaterThan(0)
  })

  it('with off-grid hashes: the off-grid pass that reuses the first grid\'s evidence scores every alignment as one search with every grid\'s pairs', () => {
    const c = build(true)
    c.stats()   // prepared: the passes below are called directly
    const { index, registry } = internals(c)
    index.pairBudget = 0
    const audio = Array.from({ length: 12 }, (_, i) => synthMusic(100 + i, 40))
    const r = rng(5)
    let reused = 0, compared = 0
    const items = (list: { count: number; items: readonly { track: number; score: number; hits: number; offset: number; first: number; last: number; confidence: number }[] }) =>
      list.items.slice(0, list.count).map((x) => [x.track, x.score, x.hits, x.offset, x.first, x.last, x.confidence])
    for (const snr of [-3, 0, 10]) {
      for (let q = 0; q < 16; q++) {
        const fp = fingerprint(withNoise(excerpt(audio[q % 12]!, 2 + r() * 30, 3 + (q % 3)), snr, 700 + q), { grids: 2 })
        // As search() runs it: the first grid's exact pass, then the off-grid pass reusing its evidence.
        const a = new QueryScratch()
        searchPass(index, registry, fp, false, a)
        expect(a.lastPass).toBe('triplets')
        if (a.firstGrid.owner === fp.hashes && a.firstGrid.count > 0) reused++
        const withEvidence = items(offGridTripletPass(index, registry, fp, withOffGrid(fp, a), a))
        // As a shard runs it: nothing kept, every alignment searched with every grid's pairs.
        const b = new QueryScratch()
        const alone = items(offGridExactPass(index, registry, fp, withOffGrid(fp, b), b))
        expect(withEvidence).toEqual(alone)
        compared += alone.length
      }
    }
    expect(reused).toBeGreaterThanOrEqual(40)   // 45 of 48 when written (the others: no alignment in the first pass)
    expect(compared).toBeGreaterThan(100)
  })

  it('keeps its triplets through bytes, removal and compaction', () => {
    const c = build(true)
    for (let i = 0; i < 4; i++) c.remove(`t${i}`)
    const back = Catalog.fromChunks(c.toChunks({ sectionBytes: 4096 }))
    internals(back).index.pairBudget = 0
    expect(internals(back).index.triplets).toBe(true)
    for (const [i, q] of queries.entries()) expect(back.match(q)[0]?.trackId).toBe(i < 4 ? undefined : `t${i}`)
    expect(back.stats().bytes).toBe(c.stats().bytes)
  })

  it('answers alike when its adds sat in runs beside main (a query after every add) as when built at once', () => {
    // Regression: a run made from pending adds alone took the pairs' 21-bit key width.
    const step = new Catalog({ tripletIndex: true })
    internals(step).index.pairBudget = 0
    tracks.forEach((fp, i) => { step.add(`t${i}`, fp); step.match(queries[0]!) })
    expect(internals(step).index.hasDelta).toBe(true)
    const once = build(true)
    internals(once).index.pairBudget = 0
    for (const q of queries) expect(step.match(q)).toEqual(once.match(q))
  })

  it('a speed pass votes the triplets as they are too: a print that drifts (tempo, pitch kept) is found by it', () => {
    const c = build(true)
    c.stats()                                     // prepares: the adds searchable
    const { index, registry } = internals(c)
    index.pairBudget = 0
    const q = queries[5]!
    // Times stretched 4 %: 20 frames of drift over the 8 s, more than the exact pass's window.
    const drifted = { ...q, times: q.times.map((t) => Math.round(t * 1.04)) }
    const scratch = new QueryScratch()
    const shifted = searchPass(index, registry, drifted, true, scratch)
    expect(scratch.lastPass).toBe('triplets')
    expect(shifted.items[0]?.track).toBe(registry.slotOf('t5'))
    const exactScore = searchPass(index, registry, drifted, false, new QueryScratch()).items[0]?.score ?? 0
    expect(shifted.items[0]!.score).toBeGreaterThan(1.5 * exactScore)
  })

  it('a speed pass after the exact pass of the same print adds to its vote: the same list as a speed pass alone', () => {
    const c = build(true)
    c.stats()                                     // prepares: the adds searchable
    const { index, registry } = internals(c)
    index.pairBudget = 0
    for (const q of queries.slice(0, 6)) {
      const after = new QueryScratch()
      searchPass(index, registry, q, false, after)
      expect(after.voted).toBe(q.hashes)
      const carried = searchPass(index, registry, q, true, after)
      const alone = searchPass(index, registry, q, true, new QueryScratch())
      expect(carried.items.slice(0, carried.count)).toEqual(alone.items.slice(0, alone.count))
      expect(after.voted).toBe(null)
    }
  })
})

describe('the key filters of stage 2', () => {
  const tracks = Array.from({ length: 10 }, (_, i) => fingerprint(synthMusic(300 + i, 30)))
  const queries = tracks.map((_, i) => fingerprint(withNoise(excerpt(synthMusic(300 + i, 30), 5 + i, 8), 5, i)))
  const build = () => {
    const c = new Catalog({ tripletIndex: true })
    tracks.forEach((fp, i) => c.add(`t${i}`, fp))
    internals(c).index.pairBudget = 0
    return c
  }
  type Filtered = { filter: Uint32Array | null }
  const partitionsOf = (c: Catalog) => (internals(c).index as unknown as { partitions: Filtered[] }).partitions

  it('change no answer and no score: a verification with them is the search without them', () => {
    const filtered = build(), plain = build()
    plain.stats()
    for (const p of partitionsOf(plain)) p.filter = null
    for (const q of queries) {
      const want = plain.match(q, { minConfidence: 0, limit: 16 })
      expect(filtered.match(q, { minConfidence: 0, limit: 16 })).toEqual(want)
      expect(internals(filtered).scratch.lastPass).toBe('triplets')
    }
    // And they do filter: of the keys of one query, a slot holds few.
    const f = partitionsOf(filtered)[0]!.filter!
    let set = 0
    for (let i = 0; i < f.length; i++) for (let b = f[i]!; b !== 0; b &= b - 1) set++
    expect(set / (32 * f.length)).toBeLessThan(0.5)
  })

  it('survive bytes and compaction, and a catalog without them (version 3) answers alike', () => {
    const c = build()
    c.remove('t2')
    c.remove('t7')
    const back = Catalog.fromChunks(c.toChunks({ sectionBytes: 4096 }))
    internals(back).index.pairBudget = 0
    expect(partitionsOf(back)[0]!.filter).toEqual(partitionsOf(c)[0]!.filter)   // c compacted when it wrote
    const parts = catalogFromBytes(c.toBytes())
    for (const p of parts.index.partitions) p.filter = null
    const none = Catalog.fromBytes(catalogToBytes(parts))
    internals(none).index.pairBudget = 0
    expect(partitionsOf(none)[0]!.filter).toBe(null)
    for (const [i, q] of queries.entries()) {
      const got = back.match(q)
      expect(got[0]?.trackId).toBe(i === 2 || i === 7 ? undefined : `t${i}`)
      expect(none.match(q)).toEqual(got)
    }
  })

  it('in damaged files: every failure typed, every catalog accepted reloads (seeded mutations of a catalog with triplets)', () => {
    const world = { bytes: build().toBytes(), queries: queries.slice(0, 2), extra: tracks[0]! }
    const counts = emptyCounts(), r = rng(11)
    for (let i = 0; i < 300; i++) { const m = mutate(world.bytes, r); probe(m.bytes, m.kind, world, counts) }
    expect(counts.failures).toEqual([])
    expect(counts.untyped + counts.noReload + counts.noJson).toBe(0)
    expect(counts.rejected).toBeGreaterThan(200)
  })

  it('let few keys a slot does not hold through: about 7 % (three probes, 6 bits a posting)', () => {
    const own = tracks[0]!, keys = new Set<number>()
    for (let j = 0; j < own.hashes.length; j++) if (own.ranks![j]! < 2) keys.add(indexKey(own.hashes[j]!))
    const bits = keyFilterBits(keys.size), filter = new Uint32Array(bits / 32)
    for (const k of keys) keyFilterAdd(filter, 0, bits, k)
    expect([...keys].every((k) => keyFilterHas(filter, 0, bits, k))).toBe(true)
    let others = 0, passed = 0
    for (const fp of tracks.slice(1)) for (const h of fp.hashes) {
      const k = indexKey(h)
      if (keys.has(k)) continue
      others++
      if (keyFilterHas(filter, 0, bits, k)) passed++
    }
    expect(others).toBeGreaterThan(5000)
    expect(passed / others).toBeGreaterThan(0.03)
    expect(passed / others).toBeLessThan(0.09)
  })

  it('address a slot by its first word, so a partition may hold more than 2^32 bits of them (a full one does: 6 × 2^30)', () => {
    // A filter array too large to make here, stood in for by a sparse one: the words the probes touch.
    const words = new Map<number, number>()
    const sparse = new Proxy({}, {
      get: (_, k) => words.get(Number(k)) ?? 0,
      set: (_, k, v) => { words.set(Number(k), v as number); return true },
    }) as unknown as Uint32Array
    const start = 2 ** 27 + 5     // bit 2^32 + 160: a bit offset would wrap here
    keyFilterAdd(sparse, start, 4096, 12345)
    expect([...words.keys()].every((w) => w >= start && w < start + 4096 / 32)).toBe(true)
    expect(keyFilterHas(sparse, start, 4096, 12345)).toBe(true)
    expect(keyFilterHas(sparse, start + 128, 4096, 12345)).toBe(false)
  })

  it('of version 4 (4 bits a posting, two probes) load as none, from a version 4 file or a later one that kept them, and answer alike', () => {
    const c = build()
    const want = queries.map((q) => c.match(q, { minConfidence: 0, limit: 16 }))
    // Version 4's filters are 4 bits a posting: their words (any bits: they are dropped) in a file of version 4's layout.
    const parts = catalogFromBytes(c.toBytes())
    for (const p of parts.index.partitions) {
      const counts = parts.tracks.slice(0, p.segmentCounts.length).map((t) => t.postings)
      p.filter = new Uint32Array(counts.reduce((n, k) => n + keyFilterBits(k, 4) / 32, 0)).fill(0x5a5a5a5a)
    }
    const v4 = forge(catalogToBytes(parts), (body) => { toVersion5Lengths(body); for (const p of body.partitions) p.length = 6 })
    new DataView(v4.buffer, v4.byteOffset).setUint32(8, 4, true)
    const kept = forge(catalogToBytes(parts), (body) => { for (const p of body.partitions) p[6] = 2 })
    for (const bytes of [v4, kept]) {
      const old = Catalog.fromBytes(bytes)
      internals(old).index.pairBudget = 0
      expect(partitionsOf(old)[0]!.filter).toBe(null)
      queries.forEach((q, i) => expect(old.match(q, { minConfidence: 0, limit: 16 })).toEqual(want[i]))
      // Saved again, without filters.
      const again = Catalog.fromBytes(old.toBytes())
      internals(again).index.pairBudget = 0
      expect(partitionsOf(again)[0]!.filter).toBe(null)
      queries.forEach((q, i) => expect(again.match(q, { minConfidence: 0, limit: 16 })).toEqual(want[i]))
    }
    // A version 4 filter of a wrong length is still damage.
    const short = forge(kept, (body) => { body.partitions[0]![5] = (body.partitions[0]![5] as number) - 1 })
    expectCode(() => Catalog.fromBytes(short), 'CORRUPT_INDEX')
    // Probes other than 2 or 3, or probes without a filter: a damaged catalog.
    const bytes = c.toBytes()
    for (const probes of [0, 1, 4, 2.5, -3, 'x', null]) expectCode(() => Catalog.fromBytes(forge(bytes, (body) => { body.partitions[0]![6] = probes as number })), 'CORRUPT_INDEX')
    expectCode(() => Catalog.fromBytes(forge(catalogToBytes({ ...parts, index: { partitions: parts.index.partitions.map((p) => ({ ...p, filter: null })) } }), (body) => { body.partitions[0]![6] = 3 })), 'CORRUPT_INDEX')
  })

  it('of the wrong length, or beside no triplets, are a damaged catalog', () => {
    const parts = catalogFromBytes(build().toBytes())
    const f = parts.index.partitions[0]!.filter!
    parts.index.partitions[0]!.filter = f.subarray(0, f.length - 1)
    expectCode(() => catalogFromBytes(catalogToBytes(parts)), 'CORRUPT_INDEX')
    parts.index.partitions[0]!.filter = f
    parts.index.partitions[0]!.triplets = null
    expectCode(() => catalogFromBytes(catalogToBytes(parts)), 'CORRUPT_INDEX')
  })
})

describe('the vote sketch', () => {
  it('keeps planted alignments above a background of chance votes, best first, at their buckets, in one walk', () => {
    const random = rng(7)
    const sketch = new VoteSketch(), out = alignmentList(8)
    sketch.clear()
    out.count = 0
    // Planted: track t has 40 − 3t votes at offsets within one 8-frame bucket of 1000 + 100 t.
    const votes: [number, number][] = []
    for (let t = 0; t < 5; t++) for (let v = 0; v < 40 - 3 * t; v++) votes.push([t, 1000 + 100 * t + (v % 8)])
    for (let i = 0; i < 200000; i++) votes.push([Math.floor(random() * 100000), Math.floor(random() * 20000) - 2000])
    // Shuffled, so the planted votes arrive among the others.
    for (let i = votes.length - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); const x = votes[i]!; votes[i] = votes[j]!; votes[j] = x }
    // As a partition of one segment a track votes them: entry = track × 2^15 + time, here time = 4096 + offset at query time 4096.
    for (const [track, offset] of votes) {
      const v = sketch.count(0, track * 32768 + 4096 + offset, 4096)
      offer(out, track, v, sketch.start - track * 32768)
    }
    expect(sketch.cast).toBe(votes.length)
    expect(out.items.slice(0, 5).map((a) => a.track)).toEqual([0, 1, 2, 3, 4])
    for (let t = 0; t < 5; t++) {
      const a = out.items[t]!
      expect(a.votes).toBeGreaterThanOrEqual(40 - 3 * t)
      expect(a.votes).toBeLessThan(40 - 3 * t + 6)                 // chance adds a few at most
      expect(a.first <= 1000 + 100 * t && a.last >= 1000 + 100 * t + 7).toBe(true)
      expect(a.last - a.first + 1).toBe(2 * BUCKET_FRAMES)
    }
  })
})

describe('the vote sketch near the top of the entry range', () => {
  it('buckets entries up to 2^32 − 1 against any query time by their true offset', () => {
    // entry − query time + a bias can pass 2^32: the bucket must still be floor((entry − qt) / 8).
    const sketch = new VoteSketch()
    for (const [en, qt] of [[2 ** 32 - 1, 0], [2 ** 32 - 1, 5], [2 ** 32 - 8, 3], [7, 9], [0, 2 ** 26 - 1], [2 ** 31 + 3, 12]] as const) {
      sketch.clear()
      sketch.count(0, en, qt)
      const bucket = Math.floor((en - qt) / BUCKET_FRAMES)
      // Alone in its line, its window starts at its own bucket or the one before (a tie: the earlier).
      expect(sketch.start).toBe((bucket - 1) * BUCKET_FRAMES)
    }
  })
})

describe('a triplet directory of one slot per key (catalog format 7)', () => {
  it('is the layout from 2^28 triplet postings, never for pair keys', () => {
    expect(layoutFor(2 ** 28 - 1, TRIPLET_KEY_BITS).dirBits).toBe(21)
    expect(layoutFor(2 ** 28, TRIPLET_KEY_BITS).dirBits).toBe(TRIPLET_KEY_BITS)
    expect(layoutFor(2 ** 30).dirBits).toBe(21)
  })

  it('finds what the smaller directory finds, and survives bytes: the same answers, version 7', () => {
    const tracks = Array.from({ length: 6 }, (_, i) => fingerprint(synthMusic(500 + i, 30)))
    const queries = tracks.map((_, i) => fingerprint(withNoise(excerpt(synthMusic(500 + i, 30), 3 + i, 8), 5, i)))
    const c = new Catalog({ tripletIndex: true })
    tracks.forEach((fp, i) => c.add(`t${i}`, fp))
    internals(c).index.pairBudget = 0
    const parts = catalogFromBytes(c.toBytes())
    const t = parts.index.partitions[0]!.triplets!
    expect(t.dirBits).toBeLessThan(TRIPLET_KEY_BITS)
    // Every (key, entry) of the triplet postings, laid out again with one slot per key (a catalog
    // needs 2^28 of them for layoutFor to choose it: too many for a test).
    const keys: number[] = [], entries: number[] = []
    const lowBits = TRIPLET_KEY_BITS - t.dirBits, slots = 2 ** (t.dirBits - t.chunkBits)
    t.chunks.forEach((chunk, c) => {
      expect(chunk.lows).toBe(null)                   // a few tracks: plain
      for (let s = 0; s < slots; s++) {
        for (let j = chunk.dir[s]!; j < chunk.dir[s + 1]!; j++) { keys.push((((c * slots) + s) << lowBits) | chunk.low![j]!); entries.push(chunk.entry[j]!) }
      }
    })
    for (let i = 0; i < keys.length; i += 97) {
      findKey(t, keys[i]!)
      expect(Array.from(found.entry.subarray(found.start, found.end))).toContain(entries[i])
    }
    expect(keys.length).toBe(t.count)
    const wide = buildPostings(Uint32Array.from(keys), Uint32Array.from(entries), keys.length, { keyBits: TRIPLET_KEY_BITS, dirBits: TRIPLET_KEY_BITS, chunkBits: 8 })
    expect(checkPostings(wide, 2 ** 17)).toBe(null)
    expect(wide.chunks.every((k) => k.low === null && k.lows === null)).toBe(true)
    parts.index.partitions[0]!.triplets = wide
    const bytes = catalogToBytes(parts)
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(7)
    const back = Catalog.fromBytes(bytes)
    internals(back).index.pairBudget = 0
    let found1 = 0
    for (const q of queries) {
      const want = c.match(q)
      expect(back.match(q)).toEqual(want)
      if (want[0] !== undefined) found1++
    }
    expect(found1).toBe(queries.length)
    expect(internals(back).scratch.lastPass).toBe('triplets')
  })
})
