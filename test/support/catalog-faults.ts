import { Catalog, PeakmatchError, fingerprint, type Fingerprint } from '../../src/index.js'
import { HEADER, decode, encode, fixCrc, sectionsOf, join, type Decoded } from './forge.js'
import { excerpt, rng, synthMusic } from './synth.js'

/**
 * Seeded fault injection for catalog bytes, shared by test/match/fuzz-catalog.test.ts (a few
 * thousand cases) and bench/faults-core.ts (hundreds of thousands). A mutation is made at one of
 * four levels — raw bytes, the header, whole sections (dropped, repeated, swapped), or the
 * manifest and arrays (a field replaced or removed, an array edited, with or without the
 * manifest's lengths following it, written again in sections of a random size) — and the CRCs
 * are recomputed (all but a few), so that it is the checks behind them that must refuse it.
 * Then `probe` runs the catalog through every later call.
 */

export interface FaultWorld {
  /** A good catalog's bytes: 4 tracks, two editions of one recording, metadata and qualities. */
  bytes: Uint8Array
  /** A query from track 0, one from no track, and the whole of track 1 (for identify). */
  queries: Fingerprint[]
  /** A fingerprint to add after loading. */
  extra: Fingerprint
}

export function faultWorld(): FaultWorld {
  const audio = [0, 1, 2, 3].map((i) => synthMusic(900 + i, 8, 22050, 1))
  const fps = audio.map((a) => fingerprint(a))
  const c = new Catalog()
  c.add('t0', fps[0]!, { title: 'zero', n: 0 }, { quality: { codec: 'mp3', bitrateKbps: 320 } })
  c.add('t1', fps[1]!, null, { recordingId: 'r1', quality: { codec: 'flac', lossless: true, bitDepth: 24, sampleRate: 96000 } })
  c.add('t1-aac', fps[1]!, ['a', 1, true], { recordingId: 'r1', quality: { codec: 'aac', bitrateKbps: 256 } })
  c.add('t3', fps[3]!)
  const queries = [fingerprint(excerpt(audio[0]!, 2, 5)), fingerprint(synthMusic(999, 5, 22050, 1)), fps[1]!]
  return { bytes: c.toBytes(), queries, extra: fps[2]! }
}

/** Values that have broken decoders before: edge numbers, BigInt, odd strings, containers, bytes. */
function oddValue(r: () => number): unknown {
  const pick = Math.floor(r() * 30)
  switch (pick) {
    case 0: return 0
    case 1: return -1
    case 2: return 2 ** 31
    case 3: return 2 ** 32
    case 4: return 2 ** 53 + 2
    case 5: return NaN
    case 6: return Infinity
    case 7: return -0
    case 8: return 1.5
    case 9: return 2n ** 62n
    case 10: return -(2n ** 40n)
    case 11: return ''
    case 12: return 'x'.repeat(Math.floor(r() * 9000))
    case 13: return '__proto__'
    case 14: return null
    case 15: return true
    case 16: return []
    case 17: return {}
    case 18: return [oddValue(r)]
    case 19: return { codec: oddValue(r), bitrateKbps: oddValue(r) }
    case 20: return { __proto__: { codec: 'mp3' } }
    case 21: return new Uint8Array(Math.floor(r() * 64)).map(() => r() * 256)
    case 22: return new Map([[1, 2]])
    case 23: return { constructor: 'x', toString: 5 }
    case 24: return new Date(r() < 0.5 ? NaN : 0)
    case 25: return Math.floor(r() * 2 ** 32)
    case 26: return -Math.floor(r() * 2 ** 20)
    case 27: return r() * 1e6
    case 28: return 'flac'
    default: return [[[[oddValue(r)]]]]
  }
}

/** A random path into a body (tracks and their fields weighted up: that is where the variety is). */
function editBody(body: Record<string, unknown>, r: () => number): void {
  const keys = Object.keys(body)
  const tracks = body.tracks
  if (Array.isArray(tracks) && tracks.length > 0 && r() < 0.6) {
    const t = tracks[Math.floor(r() * tracks.length)]
    const roll = r()
    if (Array.isArray(t) && roll < 0.75) {
      const field = Math.floor(r() * (t.length + 1))
      t[field] = r() < 0.5 ? oddValue(r) : fieldLike(field, r)
      return
    }
    if (roll < 0.85) { tracks.push(structuredCloneSafe(t)); return }
    if (roll < 0.95) { tracks.splice(Math.floor(r() * tracks.length), 1); return }
    tracks.reverse()
    return
  }
  const key = keys[Math.floor(r() * keys.length)]!
  const v = body[key]
  const roll = r()
  if (v instanceof Uint8Array && roll < 0.7) { body[key] = editBytes(v, r); return }
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && roll < 0.8) {
    const sub = v as Record<string, unknown>
    const subKeys = Object.keys(sub)
    if (subKeys.length > 0) { sub[subKeys[Math.floor(r() * subKeys.length)]!] = oddValue(r); return }
  }
  if (roll < 0.9) body[key] = oddValue(r)
  else delete body[key]
}

/** A value shaped like track field `field` ([id, duration, hashCount, segmentCount, [metadata], recordingId, quality]) but odd inside. */
function fieldLike(field: number, r: () => number): unknown {
  switch (field) {
    case 0: case 5: return r() < 0.5 ? 'x'.repeat(4090 + Math.floor(r() * 12)) : ['', 't0', 't1', 'r1', '__proto__', 'constructor', 'é\u0000'][Math.floor(r() * 7)]
    case 4: return [r() < 0.5 ? oddValue(r) : { nested: [oddValue(r), { deep: oddValue(r) }] }]
    case 6: {
      const keys = ['codec', 'lossless', 'bitrateKbps', 'sampleRate', 'bitDepth', 'bitrate', '__proto__']
      const q: Record<string, unknown> = {}
      for (let i = 0; i < 1 + Math.floor(r() * 3); i++) q[keys[Math.floor(r() * keys.length)]!] = r() < 0.5 ? oddValue(r) : [128, 'flac', true, 44100.5, -1][Math.floor(r() * 5)]
      return q
    }
    default: return oddValue(r)
  }
}

function structuredCloneSafe(v: unknown): unknown {
  return Array.isArray(v) ? v.slice() : v
}

/** A byte array's uint32 words or bytes edited: a word set to an edge value, two swapped, cut, or grown. */
function editBytes(b: Uint8Array, r: () => number): Uint8Array {
  const out = b.slice()
  const roll = r()
  if (out.length >= 4 && roll < 0.5) {
    const at = 4 * Math.floor(r() * Math.floor(out.length / 4))
    const edge = [0, 1, 0xffffffff, 0x7fffffff, 1 << 15, Math.floor(r() * 2 ** 32)][Math.floor(r() * 6)]!
    new DataView(out.buffer).setUint32(at, r() < 0.5 ? edge : (new DataView(out.buffer).getUint32(at, true) + (r() < 0.5 ? 1 : -1)) >>> 0, true)
    return out
  }
  if (out.length >= 8 && roll < 0.7) {
    const words = Math.floor(out.length / 4)
    const a = 4 * Math.floor(r() * words), c = 4 * Math.floor(r() * words)
    const x = out.slice(a, a + 4)
    out.copyWithin(a, c, c + 4)
    out.set(x, c)
    return out
  }
  if (roll < 0.85) return out.subarray(0, Math.floor(r() * out.length))
  const grown = new Uint8Array(out.length + 4 * (1 + Math.floor(r() * 4)))
  grown.set(out)
  return grown
}

/** One mutated copy of `good`, from the seeded `r`; `kind` names the level, for the counts. */
export function mutate(good: Uint8Array, r: () => number): { bytes: Uint8Array; kind: string } {
  const roll = r()
  if (roll < 0.3) {
    // Bit flips in the body, 1 to 4.
    const out = good.slice()
    const flips = 1 + Math.floor(r() * 4)
    for (let i = 0; i < flips; i++) { const at = HEADER + Math.floor(r() * (out.length - HEADER)); out[at]! ^= 1 << Math.floor(r() * 8) }
    return { bytes: r() < 0.05 ? out : fixCrc(out), kind: 'bit flips' }
  }
  if (roll < 0.4) {
    // Truncated, or bytes inserted or deleted somewhere in the body.
    const at = HEADER + Math.floor(r() * (good.length - HEADER))
    const sub = r()
    if (sub < 0.4) return { bytes: fixCrc(good.slice(0, at)), kind: 'truncation' }
    const n = 1 + Math.floor(r() * 8)
    if (sub < 0.7) {
      const out = new Uint8Array(good.length + n)
      out.set(good.subarray(0, at)); out.set(good.subarray(at), at + n)
      for (let i = 0; i < n; i++) out[at + i] = Math.floor(r() * 256)
      return { bytes: fixCrc(out), kind: 'insertion' }
    }
    const out = new Uint8Array(Math.max(HEADER, good.length - n))
    out.set(good.subarray(0, at)); out.set(good.subarray(Math.min(good.length, at + n)).subarray(0, out.length - at), at)
    return { bytes: fixCrc(out), kind: 'deletion' }
  }
  if (roll < 0.45) {
    // The header: version, section size and magic.
    const out = good.slice()
    const sub = r()
    if (sub < 0.5) new DataView(out.buffer).setUint32(8, [0, 1, 2, 3, 4, 0xffffffff][Math.floor(r() * 6)]!, true)
    else if (sub < 0.7) new DataView(out.buffer).setUint32(12, [0, 31, 32, 64, 1 << 30, 2 ** 30 + 1, 0xffffffff][Math.floor(r() * 7)]!, true)
    else out[Math.floor(r() * 8)]! ^= 1 << Math.floor(r() * 8)
    return { bytes: out, kind: 'header' }
  }
  if (roll < 0.55) {
    // Whole sections, each with a valid CRC: one dropped, repeated, or two swapped; or the file cut at a section boundary.
    const sections = sectionsOf(good)
    const pieces = sections.map((s) => good.subarray(s.at, s.at + 8 + s.payload.length))
    const i = Math.floor(r() * pieces.length), j = Math.floor(r() * pieces.length)
    const sub = r()
    if (sub < 0.3) pieces.splice(i, 1)
    else if (sub < 0.5) pieces.splice(i, 0, pieces[i]!)
    else if (sub < 0.8) [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!]
    else pieces.length = i
    return { bytes: join([good.subarray(0, HEADER), ...pieces]), kind: 'sections' }
  }
  // Manifest and arrays: 1 to 3 edits, written again in sections of a random size.
  const d = decode(good)
  const edits = 1 + Math.floor(r() * 3)
  for (let i = 0; i < edits; i++) {
    if (r() < 0.3) {
      const a = Math.floor(r() * d.arrays.length)
      d.arrays[a] = editBytes(d.arrays[a]!, r)
      if (r() < 0.5) followArrays(d)
    } else {
      editBody(d.body, r)
    }
  }
  d.sectionBytes = [32, 64, 100, 4096, d.sectionBytes][Math.floor(r() * 5)]!
  try {
    return { bytes: encode(d), kind: 'msgpack' }
  } catch {
    return { bytes: encode({ ...d, body: { ...d.body, tracks: [] } }), kind: 'msgpack' }
  }
}

/** Sets the manifest's array lengths to what the (edited) arrays hold, so that the postings' own checks must refuse them. */
function followArrays(d: Decoded): void {
  const partitions = d.body.partitions
  if (!Array.isArray(partitions)) return
  let a = 0
  for (const p of partitions) {
    if (!Array.isArray(p) || !Array.isArray(p[3])) return
    for (const c of p[3]) {
      if (!Array.isArray(c)) return
      c[0] = Math.floor(d.arrays[a++]!.length / 4)
      if (c[1] !== null) c[1] = d.arrays[a++]!.length
      c[2] = Math.floor((d.arrays[a++]?.length ?? 0) / 4)
    }
  }
}

export interface ProbeCounts {
  cases: number
  rejected: number
  accepted: number
  /** Errors that were not PeakmatchError, anywhere: must stay 0. */
  untyped: number
  /** Accepted catalogs whose toBytes() did not load again: must stay 0. */
  noReload: number
  /** Results that JSON.stringify could not write: must stay 0. */
  noJson: number
  byKind: Record<string, { cases: number; accepted: number }>
  /** The first few failures, for the report. */
  failures: string[]
}

export function emptyCounts(): ProbeCounts {
  return { cases: 0, rejected: 0, accepted: 0, untyped: 0, noReload: 0, noJson: 0, byKind: {}, failures: [] }
}

/** What must stay empty after probing: the failures and the counts of untyped errors, catalogs that did not reload and results JSON could not write. */
export function faultsOf(counts: ProbeCounts): { failures: string[]; untyped: number; noReload: number; noJson: number } {
  return { failures: counts.failures, untyped: counts.untyped, noReload: counts.noReload, noJson: counts.noJson }
}

/**
 * Loads `bytes` and, when that succeeds, runs the catalog through every later call: match and
 * identify of each query, JSON of their results, track info, stats, toBytes and fromBytes of
 * those bytes (which must succeed), and an add then a match. Tallies into `counts`.
 */
export function probe(bytes: Uint8Array, kind: string, world: FaultWorld, counts: ProbeCounts): void {
  counts.cases++
  const k = (counts.byKind[kind] ??= { cases: 0, accepted: 0 })
  k.cases++
  const fail = (what: string, e: unknown): void => {
    if (counts.failures.length < 20) counts.failures.push(`${kind}: ${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(0, 300))
  }
  let c: Catalog
  try {
    c = Catalog.fromBytes(bytes)
  } catch (e) {
    counts.rejected++
    if (!(e instanceof PeakmatchError)) { counts.untyped++; fail('fromBytes', e) }
    return
  }
  counts.accepted++
  k.accepted++
  const step = (what: string, fn: () => void): boolean => {
    try {
      fn()
      return true
    } catch (e) {
      if (!(e instanceof PeakmatchError)) { counts.untyped++; fail(what, e) }
      return false
    }
  }
  for (const q of world.queries) {
    step('match', () => {
      const m = c.match(q, { minConfidence: 0 })
      if (!json(m)) { counts.noJson++; fail('JSON of match', m) }
    })
    step('identify', () => {
      const id = c.identify(q, { quality: { codec: 'mp3', bitrateKbps: 128 } })
      if (!json(id)) { counts.noJson++; fail('JSON of identify', id) }
    })
  }
  step('track info', () => { for (const id of c.ids()) if (!json(c.track(id))) { counts.noJson++; fail('JSON of track', id) } })
  step('stats', () => { c.stats() })
  let saved: Uint8Array | undefined
  if (!step('toBytes', () => { saved = c.toBytes() }) || saved === undefined) { counts.noReload++; return }
  try {
    const again = Catalog.fromBytes(saved)
    const twice = again.toBytes()
    if (twice.length !== saved.length || twice.some((b, i) => b !== saved![i])) { counts.noReload++; fail('toBytes of the reloaded catalog differs', '') }
  } catch (e) {
    counts.noReload++
    if (!(e instanceof PeakmatchError)) counts.untyped++
    fail('fromBytes of its own toBytes', e)
  }
  step('add then match', () => {
    c.add('added-after-load', world.extra)
    c.match(world.queries[0]!)
  })
}

function json(v: unknown): boolean {
  try {
    JSON.stringify(v)
    return true
  } catch {
    return false
  }
}

export { rng }
