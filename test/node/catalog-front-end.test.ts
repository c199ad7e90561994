/**
 * A catalog whose tracks were fingerprinted with other peak options than the defaults (made with
 * the library: sparser peaks, fanout 5, indexFanout 3) is usable from the CLI: identify, scan (in
 * this thread and on worker threads) and catalog add fingerprint with the catalog's stamped front
 * end, and the fingerprint cache keeps one entry per front end, never serving one for another.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../packages/node/src/cli.js'
import { FingerprintCache, entryKey } from '../../packages/node/src/cache.js'
import { WorkerPool } from '../../packages/node/src/pool.js'
import { readAudioFile } from '../../packages/node/src/read.js'
import { loadCatalog, saveCatalog } from '../../packages/node/src/scan.js'
import { DEFAULT_FRONT_END } from '../../src/index.js'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { EXPECTED, FIXTURES, SPARSE, WORKER_SCRIPT, answers, cli, makeWorld, sparseCatalog } from './support.js'

const world = makeWorld()
const sparse = join(world.dir, 'sparse.pmx')
const plain = join(world.dir, 'plain.pmx')
beforeAll(async () => {
  expect(sparseCatalog().settings()).toEqual({ indexFanout: 3, tripletIndex: false, frontEnd: SPARSE })
  saveCatalog(sparseCatalog(), sparse)
  const built = await cli('catalog', 'build', world.masters, '-o', plain, '--editions', world.editions, '--jobs', '0')
  expect(built.code, built.err).toBe(0)
})

describe('a catalog made with other peak options than the defaults', () => {
  it('catalog info shows its front end, and that it is not the defaults', async () => {
    const json = (await cli('catalog', 'info', sparse, '--json')).json()
    expect(json).toMatchObject({ indexFanout: 3, fingerprint: SPARSE, defaultFrontEnd: false })
    expect((await cli('catalog', 'info', plain, '--json')).json()).toMatchObject({ fingerprint: DEFAULT_FRONT_END, defaultFrontEnd: true })
    const text = (await cli('catalog', 'info', sparse)).out
    expect(text).toContain('peak neighbourhood 14 bins × 11 frames, threshold 0.5, fanout 5 (not this peakmatch\'s defaults')
  })

  it('scan --catalog finds its tracks, fingerprinting with its front end (said in the report)', async () => {
    const r = await cli('scan', world.library, '--catalog', sparse, '--jobs', '0', '--no-cache', '--json')
    expect(r.code, r.err).toBe(1)   // the library's unreadable files
    const report = r.json()
    expect(report.frontEnd).toEqual(SPARSE)
    expect(answers(report.files)).toEqual(EXPECTED)
    expect(report.summary).toMatchObject({ matched: 5, unmatched: 2, unreadable: 3 })
    // The default catalog's report says its front end too.
    expect((await cli('scan', world.library, '--catalog', plain, '--jobs', '0', '--no-cache', '--json')).json().frontEnd).toEqual(DEFAULT_FRONT_END)
  })

  it('scan -v says which front end it fingerprints with when it is not the defaults, and only then', async () => {
    const r = await cli('scan', world.library, '--catalog', sparse, '--jobs', '0', '--no-cache', '-v')
    expect(r.err).toContain('fingerprinting with the catalog\'s front end v1: bins 10–237, peak neighbourhood 14 bins × 11 frames, threshold 0.5, fanout 5 (not this peakmatch\'s defaults)')
    expect((await cli('scan', world.library, '--catalog', plain, '--jobs', '0', '--no-cache', '-v')).err).not.toContain('fingerprinting with')
  })

  it('scan on worker threads (the pool) fingerprints with its front end too', async () => {
    const r = await cli('scan', world.library, '--catalog', sparse, '--jobs', '2', '--no-cache', '--json')
    expect(r.code, r.err).toBe(1)
    expect(answers(r.json().files)).toEqual(EXPECTED)
  })

  it('identify finds its tracks, files and stdin alike', async () => {
    const r = await cli('identify', join(world.library, 'album'), '--catalog', sparse, '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.json().frontEnd).toEqual(SPARSE)
    expect(answers(r.json().files)).toEqual(Object.fromEntries(Object.entries(EXPECTED).filter(([k]) => k !== 'unknown.wav')))
    let out = ''
    const code = await main(['identify', '-', '--catalog', sparse, '--json'], {
      out: (t) => { out += t }, err: () => {}, tty: false, workerScript: WORKER_SCRIPT, stdin: Readable.from([readFileSync(join(FIXTURES, 'song-b.ogg'))]),
    })
    expect(code).toBe(0)
    expect(JSON.parse(out).files[0]).toMatchObject({ path: '-', status: 'matched', recordingId: 'rec-b' })
  })

  it('catalog add fingerprints new files with its front end, and they are found after', async () => {
    const copy = join(world.dir, 'sparse-add.pmx')
    saveCatalog(sparseCatalog(), copy)
    const extra = join(world.dir, 'extra.wav')
    writeFileSync(extra, encodeWav(synthMusic(398, 6)))   // the library's unknown.wav, now added
    const r = await cli('catalog', 'add', copy, extra, '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.json()).toMatchObject({ tracksBefore: 3, frontEnd: SPARSE, summary: { added: 1 } })
    const after = loadCatalog(copy)
    expect(after.settings()).toEqual({ indexFanout: 3, tripletIndex: false, frontEnd: SPARSE })
    const id = await cli('identify', join(world.library, 'unknown.wav'), '--catalog', copy, '--json')
    expect(id.json().files[0]).toMatchObject({ status: 'matched', trackId: 'extra.wav' })
  })
})

describe('the fingerprint cache under two front ends', () => {
  it('serves an entry only for the front end it was made with, and keeps one entry per front end', async () => {
    const path = join(FIXTURES, 'song-c.flac')
    const plainRead = await readAudioFile(path)
    const sparseRead = await readAudioFile(path, { frontEnd: SPARSE })
    expect(sparseRead.fp.frontEnd).toEqual(SPARSE)
    expect(sparseRead.fp.hashes).not.toEqual(plainRead.fp.hashes)
    // Each step in its own session: a set is committed in the background, by close() at the latest.
    const session = async (steps: (cache: FingerprintCache) => Promise<void>) => {
      const cache = await FingerprintCache.open(join(world.dir, 'unit.cache'))
      try { await steps(cache) } finally { await cache.close() }
    }
    await session((cache) => cache.set(path, 100, 1, sparseRead.fp, sparseRead.info))
    await session(async (cache) => {
      expect(await cache.get(path, 100, 1)).toBeUndefined()                   // the defaults' entry: none yet
      expect((await cache.get(path, 100, 1, SPARSE))?.fp.hashes).toEqual(sparseRead.fp.hashes)
      expect(await cache.get(path, 100, 1, { ...SPARSE, fanout: 4 })).toBeUndefined()   // fanout is part of it
      await cache.set(path, 100, 1, plainRead.fp, plainRead.info)
    })
    // Both kept: neither front end's entry replaced the other's.
    await session(async (cache) => {
      expect((await cache.get(path, 100, 1))?.fp.hashes).toEqual(plainRead.fp.hashes)
      expect((await cache.get(path, 100, 1, SPARSE))?.fp.hashes).toEqual(sparseRead.fp.hashes)
      expect(cache.stats).toMatchObject({ hits: 2, misses: 0, dropped: 0 })
    })
    // The defaults keep the bare path as their key (caches made before keep their hits).
    expect(entryKey('/m/a.flac', DEFAULT_FRONT_END)).toBe('/m/a.flac')
    expect(entryKey('/m/a.flac', SPARSE)).toBe('/m/a.flac//v1:10-237:14x11:0.5:5')
  })

  it('scans one library against both catalogs with one cache: the right fingerprints for each, and no thrashing', async () => {
    const cache = join(world.dir, 'shared.cache')
    const scan = async (pmx: string) => {
      const r = await cli('scan', world.library, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
      expect(r.code, r.err).toBe(1)
      return r.json()
    }
    const first = await scan(plain)
    expect(first.summary).toMatchObject({ fingerprinted: 7, fromCache: 0, matched: 5 })
    // The default front end's entries are no use to the sparse catalog: all read again.
    const second = await scan(sparse)
    expect(second.summary).toMatchObject({ fingerprinted: 7, fromCache: 0, matched: 5, unmatched: 2 })
    expect(answers(second.files)).toEqual(EXPECTED)
    // From then on each catalog's scan is served whole from its own entries.
    for (const pmx of [plain, sparse, plain]) {
      const again = await scan(pmx)
      expect(again.summary).toMatchObject({ fingerprinted: 0, fromCache: 7, matched: 5 })
      expect(answers(again.files)).toEqual(EXPECTED)
    }
    // A pruning scan keeps every front end's entry of a file that is still there.
    const kept = await FingerprintCache.open(cache)
    try {
      const song = join(world.library, 'album', 'song-c.flac')
      const { size, mtimeMs } = statSync(song)
      expect(await kept.get(song, size, mtimeMs)).toBeDefined()
      expect(await kept.get(song, size, mtimeMs, SPARSE)).toBeDefined()
    } finally {
      await kept.close()
    }
    // …and drops every front end's entry of a file that is gone.
    const gone = join(world.library, 'unknown.wav')
    const { size, mtimeMs } = statSync(gone)
    rmSync(gone)
    expect((await scan(sparse)).summary).toMatchObject({ fingerprinted: 0, fromCache: 6 })
    const pruned = await FingerprintCache.open(cache)
    try {
      expect(await pruned.get(gone, size, mtimeMs)).toBeUndefined()
      expect(await pruned.get(gone, size, mtimeMs, SPARSE)).toBeUndefined()
    } finally {
      await pruned.close()
    }
  })
})

describe('the worker pool', () => {
  it('fingerprints with the front end it is given, on a thread as in this one', async () => {
    const path = join(FIXTURES, 'song-a.mp3')
    const pool = new WorkerPool(1, WORKER_SCRIPT)
    try {
      const threaded = await pool.read(path, undefined, SPARSE)
      const inline = await readAudioFile(path, { frontEnd: SPARSE })
      expect(threaded.fp.frontEnd).toEqual(SPARSE)
      expect(threaded.fp.hashes).toEqual(inline.fp.hashes)
      expect((await pool.read(path)).fp.frontEnd).toEqual(DEFAULT_FRONT_END)
    } finally {
      await pool.close()
    }
  })
})

describe('a path too long for a cache key', () => {
  it('is not cached, and does not cost the cache its other entries', async () => {
    // LMDB's keys are at most 1978 bytes: a deeper path (plus a front end's suffix) cannot be one.
    let deep = join(world.dir, 'deep')
    while (Buffer.byteLength(deep) < 1990) deep = join(deep, 'd'.repeat(200))
    mkdirSync(deep, { recursive: true })
    const long = join(deep, 'song-c.flac')
    copyFileSync(join(FIXTURES, 'song-c.flac'), long)
    const short = join(FIXTURES, 'song-c.flac')
    const reading = await readAudioFile(short, { frontEnd: SPARSE })
    const path = join(world.dir, 'deep.cache')
    const cache = await FingerprintCache.open(path)
    try {
      await cache.set(short, 1, 1, reading.fp, reading.info)
      await cache.set(long, 1, 1, reading.fp, reading.info)
      expect(await cache.get(long, 1, 1, SPARSE)).toBeUndefined()
    } finally {
      await cache.close()
    }
    const again = await FingerprintCache.open(path)
    try {
      expect((await again.get(short, 1, 1, SPARSE))?.fp.hashes).toEqual(reading.fp.hashes)
      expect(again.stats).toMatchObject({ reset: false, dropped: 0 })
    } finally {
      await again.close()
    }
  })
})
