/**
 * `peakmatch identify` fingerprints its files on QUERY_GRIDS frame grids, so a short noisy clip
 * that one grid misses is found; `scan`, and anything read through the fingerprint cache, stays
 * on one grid.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../packages/node/src/cli.js'
import type { FingerprintCache } from '../../packages/node/src/cache.js'
import { decide, type Reading } from '../../packages/node/src/decide.js'
import { readAudioFile } from '../../packages/node/src/read.js'
import { readFiles, saveCatalog } from '../../packages/node/src/scan.js'
import { Catalog, PeakmatchError, QUERY_GRIDS, fingerprint, type Fingerprint } from '../../src/index.js'
import { excerpt, rng, synthMusic, withNoise } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { WORKER_SCRIPT, cli } from './support.js'

const dir = mkdtempSync(join(tmpdir(), 'peakmatch-grids-'))
const pmx = join(dir, 'grids.pmx')
const clip = join(dir, 'clip.wav')
let catalog: Catalog
/** The clip's track and where in it the clip starts. */
let track = '', start = 0

beforeAll(() => {
  // Eight 30 s mono tracks (one grid, as `catalog build` adds them). The clip is the first query
  // of the core's measurement (rng(5), 3 s at −3 dB SNR in white noise, noise seed 1000), one of
  // the five of its 40 that two grids find and one does not.
  const tracks = Array.from({ length: 8 }, (_, i) => synthMusic(100 + i, 30, 44100, 1))
  catalog = new Catalog()
  tracks.forEach((t, i) => catalog.add(`t${i}`, fingerprint(t)))
  saveCatalog(catalog, pmx)
  const r = rng(5)
  const k = Math.floor(r() * 8)
  start = 1 + r() * 20
  track = `t${k}`
  writeFileSync(clip, encodeWav(withNoise(excerpt(tracks[k]!, start, 3), -3, 1000)))
})

const reading = async (grids?: number): Promise<Reading> => {
  const file = { path: clip, open: clip, root: dir, size: 1, mtimeMs: 0 }
  return { file, ...(await readAudioFile(clip, grids === undefined ? {} : { grids })), cached: false }
}

describe('identify on QUERY_GRIDS frame grids', () => {
  it('the clip: one grid misses it, QUERY_GRIDS grids find it (the data the CLI tests below stand on)', async () => {
    expect(QUERY_GRIDS).toBe(2)
    expect([track, +start.toFixed(2)]).toEqual(['t5', 16.45])
    const one = await reading()
    expect(one.fp!.offGrid).toBeUndefined()
    expect(await decide(catalog, one)).toMatchObject({ status: 'unmatched' })
    const two = await reading(QUERY_GRIDS)
    // The first grid is the one-grid print; the other grid adds landmarks of its own.
    expect(two.fp!.hashes).toEqual(one.fp!.hashes)
    expect(two.fp!.offGrid!.hashes.length).toBeGreaterThan(0)
    expect(await decide(catalog, two)).toMatchObject({ status: 'snippet', trackId: 't5' })
  })

  it('finds it in a worker thread, in this thread (--jobs 0) and from stdin', async () => {
    for (const jobs of ['1', '0']) {
      const r = await cli('identify', clip, '--catalog', pmx, '--jobs', jobs, '--json')
      expect(r.code, r.err).toBe(0)
      const f = r.json().files[0]
      expect(f).toMatchObject({ path: clip, status: 'snippet', trackId: 't5', recordingId: 't5', cached: false })
      expect(Math.abs(f.offsetSeconds - start)).toBeLessThan(0.05)
      expect(f.confidence).toBeGreaterThanOrEqual(0.9)
    }
    let out = ''
    const code = await main(['identify', '-', '--catalog', pmx, '--json'], {
      out: (t) => { out += t }, err: () => {}, tty: false, workerScript: WORKER_SCRIPT, stdin: Readable.from([readFileSync(clip)]),
    })
    expect(code).toBe(0)
    expect(JSON.parse(out).files[0]).toMatchObject({ path: '-', status: 'snippet', trackId: 't5' })
  })

  it('scan stays on one grid: the same clip is not found there', async () => {
    const r = await cli('scan', clip, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.json().files[0]).toMatchObject({ status: 'unmatched' })
  })
})

describe('readFiles with grids', () => {
  /** A cache that counts its lookups and keeps what it is given. */
  const spyCache = () => {
    const stored: Fingerprint[] = []
    let lookups = 0
    const cache = {
      get: async () => { lookups++; return undefined },
      set: async (_p: string, _s: number, _m: number, fp: Fingerprint) => { stored.push(fp) },
    } as unknown as FingerprintCache
    return { cache, stored, lookups: () => lookups }
  }
  const file = () => ({ path: clip, open: clip, root: dir, size: 1, mtimeMs: 0 })

  it('neither asks nor fills the cache for a print on more than one grid; one grid does both', async () => {
    const multi = spyCache()
    const got: Reading[] = []
    await readFiles([file()], { jobs: 0, grids: QUERY_GRIDS }, multi.cache, (r) => got.push(r))
    expect(got[0]!.fp!.offGrid!.hashes.length).toBeGreaterThan(0)
    expect([multi.lookups(), multi.stored.length]).toEqual([0, 0])
    const single = spyCache()
    await readFiles([file()], { jobs: 0 }, single.cache, () => {})
    expect([single.lookups(), single.stored.length]).toEqual([1, 1])
    expect(single.stored[0]!.offGrid).toBeUndefined()
  })

  it('refuses grids outside 1..MAX_GRIDS before reading anything, not as a corrupt file', async () => {
    for (const grids of [0, 9, 1.5]) {
      await expect(readFiles([file()], { jobs: 0, grids }, undefined, () => { throw new Error('read') })).rejects.toMatchObject({ name: 'PeakmatchError', code: 'INVALID_OPTIONS' })
      await expect(readAudioFile(clip, { grids })).rejects.toBeInstanceOf(PeakmatchError)
    }
  })
})
