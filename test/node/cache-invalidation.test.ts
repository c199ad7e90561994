import { copyFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { FIXTURES, cli, makeWorld } from './support.js'
import { open } from 'lmdb'
import { Packr } from 'msgpackr'
import { FORMAT_VERSION } from '../../src/index.js'
import { META_KEY } from '../../packages/node/src/cache-store.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const cache = join(world.dir, 'fingerprints.cache')
const scan = async (...extra: string[]) => {
  const r = await cli('scan', world.library, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json', ...extra)
  return r.json() as { summary: { fingerprinted: number; fromCache: number; matched: number; unmatched: number; files: number }; files: { path: string; status: string; cached: boolean }[] }
}
const later = (path: string, seconds: number) => { const t = new Date(Date.now() + seconds * 1000); utimesSync(path, t, t) }

beforeAll(async () => {
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')).code).toBe(0)
})

it('fingerprints each readable file once, then serves unchanged files from the cache', async () => {
  const first = await scan()
  expect(first.summary).toMatchObject({ files: 10, fingerprinted: 7, fromCache: 0 })
  const second = await scan()
  expect(second.summary).toMatchObject({ fingerprinted: 0, fromCache: 7, matched: 5, unmatched: 2 })
  // Unreadable files are not cached: they are tried again (and fail again) each run.
  expect(second.files.filter((f) => f.status === 'unreadable').every((f) => !f.cached)).toBe(true)
})

it('re-fingerprints a file whose mtime or content changed, and only that one', async () => {
  later(join(world.library, 'album', 'song-b.ogg'), 60)
  expect((await scan()).summary).toMatchObject({ fingerprinted: 1, fromCache: 6 })
  // Different content (a known recording where an unknown one was): re-read, and now matched.
  const target = join(world.library, 'unknown.wav')
  writeFileSync(target, encodeWav(synthMusic(302, 6)))
  later(target, 120)
  const r = await scan()
  expect(r.summary).toMatchObject({ fingerprinted: 1, fromCache: 6, matched: 6, unmatched: 1 })
  // A new file: only it is read.
  copyFileSync(join(FIXTURES, 'song-c.flac'), join(world.library, 'new.flac'))
  expect((await scan()).summary).toMatchObject({ files: 11, fingerprinted: 1, fromCache: 7 })
})

it('with --cache-hash, a touched but unchanged file stays cached', async () => {
  await scan('--cache-hash')   // entries get their content hashes
  const touched = join(world.library, 'album', 'song-c.flac')
  later(touched, 300)
  expect((await scan('--cache-hash')).summary).toMatchObject({ fingerprinted: 0, fromCache: 8 })
})

it('keeps its entries when the catalog format changes: the store says its own version, as the peakmatch of catalog format 6 wrote it', async () => {
  // The description a cache got from the peakmatch of catalog format 6, written into the store
  // directly: a description that followed FORMAT_VERSION (7 now) would differ and empty the cache.
  const db = open<Uint8Array, string>({ path: cache, encoding: 'binary', compression: false, noSubdir: true })
  await db.put(META_KEY, new Packr({ useRecords: false, moreTypes: false }).pack({ magic: 'peakmatch-fingerprint-cache', version: 3, formatVersion: 6 }))
  await db.close()
  expect(FORMAT_VERSION).toBeGreaterThan(6)
  expect((await scan()).summary).toMatchObject({ fingerprinted: 0, fromCache: 8 })
})
