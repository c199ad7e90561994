import { describe, expect, it } from 'vitest'
import { Fingerprinter, fingerprint, type Fingerprint } from '../../src/index.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'
import { expectCode } from '../support/errors.js'

/** (hash, time) pairs of a print's first grid, as keys. */
const keysOf = (hashes: Uint32Array, times: Uint32Array) => new Set(Array.from(hashes, (h, i) => `${h}@${times[i]}`))

describe('Fingerprinter grids (Fingerprint.offGrid)', () => {
  const music = withNoise(synthMusic(41, 12, 44100, 2), 3, 41)
  const one = fingerprint(music)
  const two = fingerprint(music, { grids: 2 })
  const four = fingerprint(music, { grids: 4 })

  it('one grid is the default and has no offGrid; more grids leave the first grid as it was', () => {
    expect(one.offGrid).toBeUndefined()
    expect(fingerprint(music, { grids: 1 }).offGrid).toBeUndefined()
    for (const fp of [two, four]) {
      expect(fp.hashes).toEqual(one.hashes)
      expect(fp.times).toEqual(one.times)
      expect(fp.ranks).toEqual(one.ranks)
    }
  })

  it('off-grid hashes are new landmarks, in time order, none a first-grid hash within a frame', () => {
    const off = two.offGrid!
    // Another grid moves some peaks by a frame or a bin: a share of its hashes are new, not all.
    expect(off.hashes.length).toBeGreaterThan(one.hashes.length / 5)
    expect(off.hashes.length).toBeLessThan(one.hashes.length)
    expect(off.times.length).toBe(off.hashes.length)
    expect(off.ranks.length).toBe(off.hashes.length)
    const first = keysOf(one.hashes, one.times)
    for (let i = 0; i < off.hashes.length; i++) {
      if (i > 0) expect(off.times[i]!).toBeGreaterThanOrEqual(off.times[i - 1]!)
      for (const d of [-1, 0, 1]) expect(first.has(`${off.hashes[i]}@${off.times[i]! + d}`)).toBe(false)
      expect(off.ranks[i]!).toBeLessThan(one.frontEnd.fanout)
    }
    // Times stay within the first grid's frames of the audio.
    expect(off.times[off.times.length - 1]!).toBeLessThanOrEqual(one.times[one.times.length - 1]! + 2)
    // More grids find more, and no two of theirs repeat within a frame either.
    expect(four.offGrid!.hashes.length).toBeGreaterThan(off.hashes.length)
    const seen = new Set<string>()
    const o4 = four.offGrid!
    for (let i = 0; i < o4.hashes.length; i++) {
      for (const d of [-1, 0, 1]) expect(seen.has(`${o4.hashes[i]}@${o4.times[i]! + d}`)).toBe(false)
      seen.add(`${o4.hashes[i]}@${o4.times[i]}`)
    }
  })

  it('a stream in any chunks gives what fingerprint() gives, off-grid hashes included', () => {
    for (const chunk of [1000, 4097, 70_001]) {
      const f = new Fingerprinter({ sampleRate: music.sampleRate, grids: 2 })
      for (let at = 0; at < music.channels[0]!.length; at += chunk) f.push(music.channels.map((c) => c.subarray(at, at + chunk)))
      const s = f.finish()
      expect(s.hashes).toEqual(two.hashes)
      expect(s.offGrid!.hashes).toEqual(two.offGrid!.hashes)
      expect(s.offGrid!.times).toEqual(two.offGrid!.times)
      expect(s.offGrid!.ranks).toEqual(two.offGrid!.ranks)
    }
  })

  it.each([2, 4])('on %i grids, snapshot() off-grid hashes are a prefix of finish()\'s, and sinceSeconds cuts them as it cuts the first grid', (grids) => {
    const f = new Fingerprinter({ sampleRate: music.sampleRate, grids })
    const snaps: Fingerprint[] = [], since: [number, Fingerprint][] = []
    // Every 10 ms: a snapshot between any two settled frames of either grid.
    for (let at = 0, k = 0; at < music.channels[0]!.length; at += 441, k++) {
      f.push(music.channels.map((c) => c.subarray(at, at + 441)))
      snaps.push(f.snapshot())
      const s = [4, 7.3, 0.5 + (k % 37) * 0.29][k % 3]!
      since.push([s, f.snapshot(s)])
    }
    // And from every frame of the first 11 s, where a kept hash's duplicate may sit a frame before the cut.
    for (let frame = 0; frame * one.frameSeconds < 11; frame++) since.push([frame * one.frameSeconds, f.snapshot(frame * one.frameSeconds)])
    const all = f.finish().offGrid!
    for (const s of snaps) {
      const o = s.offGrid!
      expect(Array.from(o.hashes)).toEqual(Array.from(all.hashes.subarray(0, o.hashes.length)))
      expect(Array.from(o.times)).toEqual(Array.from(all.times.subarray(0, o.times.length)))
    }
    expect(snaps.at(-1)!.offGrid!.hashes.length).toBeGreaterThan(0)
    expect(snaps.at(-1)!.offGrid!.hashes.length).toBeLessThan(all.hashes.length)
    let sliced = 0
    for (const [s, fp] of since) {
      const o = fp.offGrid!
      // Exactly finish()'s hashes from `s` on, as far as the snapshot is settled.
      const from = all.times.findIndex((t) => t * one.frameSeconds >= s)
      expect(Array.from(o.hashes)).toEqual(Array.from(all.hashes.subarray(from, from + o.hashes.length)))
      expect(Array.from(o.times)).toEqual(Array.from(all.times.subarray(from, from + o.hashes.length)))
      if (o.hashes.length > 0) sliced++
    }
    expect(sliced).toBeGreaterThan(100)
  })

  it('refuses a grid count it does not have, with INVALID_OPTIONS', () => {
    for (const grids of [0, 9, 1.5, -1, Number.NaN, '2']) {
      expectCode(() => fingerprint(music, { grids: grids as number }), 'INVALID_OPTIONS')
      expectCode(() => new Fingerprinter({ sampleRate: 8000, grids: grids as number }), 'INVALID_OPTIONS')
    }
  })

  it('short and silent audio: an empty offGrid, not an error', () => {
    const short = fingerprint(excerpt(music, 0, 0.05), { grids: 3 })
    expect(short.hashes.length).toBe(0)
    expect(short.offGrid!.hashes.length).toBe(0)
    const silent = fingerprint({ sampleRate: 8000, channels: [new Float32Array(16000)] }, { grids: 2 })
    expect(silent.offGrid!.hashes.length).toBe(0)
  })
})
