import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Catalog, fingerprint, type Fingerprint } from '../../src/index.js'
import { synthMusic } from '../support/synth.js'
import { DATA_DIR, openPage, type Session } from './support.js'

let s: Session
beforeAll(async () => { s = await openPage() })
afterAll(async () => { await s?.close() })

interface Prints { main: number[][]; worker: number[][]; stream: number[][] }

const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
const arrays = (fp: Fingerprint) => [Array.from(fp.hashes), Array.from(fp.times), Array.from(fp.ranks ?? [])]

describe('the same input gives bit-identical fingerprints in Node and in Chromium', () => {
  it.each([
    ['44.1 kHz stereo', 44100, 2],
    ['48 kHz mono', 48000, 1],
  ])('%s: main thread, worker, and worker stream in uneven chunks all equal Node', async (_name, rate, channels) => {
    const audio = synthMusic(31337 + rate, 15, rate, channels)
    const node = fingerprint(audio)
    expect(node.hashes.length).toBeGreaterThan(300)
    const got = await s.page.evaluate(async ({ sampleRate, data }): Promise<Prints> => {
      type Pm = {
        fingerprint(a: unknown): Fingerprint
        worker: { fingerprint(a: unknown): Promise<Fingerprint> }
        streamChunks(rate: number, chunks: Float32Array[]): Promise<Fingerprint>
      }
      type Fingerprint = { hashes: Uint32Array; times: Uint32Array; ranks?: Uint8Array }
      const pm = (window as unknown as { __peakmatch: Pm }).__peakmatch
      const decode = (text: string) => {
        const bin = atob(text), bytes = new Uint8Array(bin.length)
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
        return new Float32Array(bytes.buffer)
      }
      const out = (fp: Fingerprint) => [Array.from(fp.hashes), Array.from(fp.times), Array.from(fp.ranks ?? [])]
      const chans = data.map(decode)
      const main = pm.fingerprint({ sampleRate, channels: chans })
      const worker = await pm.worker.fingerprint({ sampleRate, channels: chans.map((c) => c.slice()) })
      // Mono stream of the first channel when mono; the stream takes mono chunks only here.
      const chunks: Float32Array[] = []
      if (chans.length === 1) {
        const c = chans[0]!
        for (let at = 0, k = 0; at < c.length; k++) { const n = [128, 4096, 1000, 44100][k % 4]!; chunks.push(c.slice(at, at + n)); at += n }
      }
      const stream = chunks.length > 0 ? out(await pm.streamChunks(sampleRate, chunks)) : out(main)
      return { main: out(main), worker: out(worker), stream }
    }, { sampleRate: rate, data: audio.channels.map(b64) })
    const expected = arrays(node)
    expect(got.main).toEqual(expected)
    expect(got.worker).toEqual(expected)
    expect(got.stream).toEqual(expected)
    console.log(`${_name}: ${node.hashes.length} hashes, identical in Node, the page and its worker`)
  })
})

/** Times Catalog.fromBytes on `bytes` in Node and in the page (served as data/<file>); logs both. */
async function timeLoad(label: string, file: string, bytes: Uint8Array): Promise<{ first: number; size: number }> {
  writeFileSync(join(DATA_DIR, file), bytes)
  const nodeMs: number[] = []
  for (let r = 0; r < 5; r++) { const t0 = performance.now(); Catalog.fromBytes(bytes); nodeMs.push(performance.now() - t0) }
  const result = await s.page.evaluate(async (url) => {
    type Pm = { Catalog: { fromBytes(b: Uint8Array): { size: number } } }
    const pm = (window as unknown as { __peakmatch: Pm }).__peakmatch
    const t0 = performance.now()
    const data = new Uint8Array(await (await fetch(url)).arrayBuffer())
    const fetchMs = performance.now() - t0
    const ms: number[] = []
    let size = 0
    for (let r = 0; r < 5; r++) { const t = performance.now(); size = pm.Catalog.fromBytes(data).size; ms.push(performance.now() - t) }
    return { ms, size, fetchMs }
  }, `data/${file}`)
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!
  console.log(`Catalog.fromBytes, ${label} (${(bytes.length / 1024 / 1024).toFixed(2)} MiB): Chromium first ${result.ms[0]!.toFixed(1)} ms, median of 5 ${median(result.ms).toFixed(1)} ms (fetch from localhost ${result.fetchMs.toFixed(1)} ms); Node first ${nodeMs[0]!.toFixed(1)} ms, median ${median(nodeMs).toFixed(1)} ms`)
  return { first: result.ms[0]!, size: result.size }
}

describe('Catalog.fromBytes of a few hundred tracks in Chromium', () => {
  const prints: Fingerprint[] = []
  beforeAll(() => {
    for (let i = 0; i < 300; i++) prints.push(fingerprint(synthMusic(50_000 + i, 20, 8000, 1)))
  })

  it('300 short tracks (20 s each, fingerprinted from audio) load in well under a second', async () => {
    const catalog = new Catalog()
    prints.forEach((fp, i) => catalog.add(`track-${i}`, fp, { title: `Track ${i}` }))
    const { first, size } = await timeLoad('300 tracks × 20 s', 'bench-300-short.pmx', catalog.toBytes())
    expect(size).toBe(300)
    expect(first).toBeLessThan(1000)
  })

  it('300 song-length tracks (3 min 40 s each: real prints tiled) load in well under a second', async () => {
    // Each track is 11 prints of 20 s end to end, hashes scrambled per track and tile so the
    // postings spread over the index as distinct songs' would: the index size of 18 h of audio.
    const catalog = new Catalog()
    const tileFrames = Math.round(20 / prints[0]!.frameSeconds)
    for (let i = 0; i < 300; i++) {
      const tiles = Array.from({ length: 11 }, (_, k) => prints[(i * 7 + k) % prints.length]!)
      const n = tiles.reduce((sum, t) => sum + t.hashes.length, 0)
      const hashes = new Uint32Array(n), times = new Uint32Array(n), ranks = new Uint8Array(n)
      let at = 0
      tiles.forEach((t, k) => {
        const salt = Math.imul(i * 11 + k + 1, 0x9e3779b1) >>> 11     // 21 bits
        for (let j = 0; j < t.hashes.length; j++, at++) {
          hashes[at] = (t.hashes[j]! ^ salt) >>> 0
          times[at] = t.times[j]! + k * tileFrames
          ranks[at] = t.ranks![j]!
        }
      })
      catalog.add(`song-${i}`, { hashes, times, ranks, frameSeconds: prints[0]!.frameSeconds, durationSeconds: 220, frontEnd: prints[0]!.frontEnd })
    }
    const { first, size } = await timeLoad('300 tracks × 3 min 40 s (18.3 h)', 'bench-300-songs.pmx', catalog.toBytes())
    expect(size).toBe(300)
    expect(first).toBeLessThan(1000)
  })
})
