import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { open } from 'lmdb'
import { beforeAll, describe, expect, it } from 'vitest'
import { rng, synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { FIXTURES, cli } from './support.js'

// A small library of seeded 4 s WAVs: /lib/rock/{r0,r1}.wav and /lib/rockabilly/{b0,b1}.wav,
// and a catalog of r0. Every scan here reads them all (exit 0: no unreadable file).
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-cache-store-'))
const lib = join(dir, 'lib'), rock = join(lib, 'rock'), rockabilly = join(lib, 'rockabilly')
const pmx = join(dir, 'catalog.pmx')
mkdirSync(rock, { recursive: true }); mkdirSync(rockabilly)
for (let i = 0; i < 2; i++) {
  writeFileSync(join(rock, `r${i}.wav`), encodeWav(synthMusic(710 + i, 4, 11025, 1)))
  writeFileSync(join(rockabilly, `b${i}.wav`), encodeWav(synthMusic(720 + i, 4, 11025, 1)))
}

interface Summary { files: number; fingerprinted: number; fromCache: number; cache: { hits: number; misses: number; dropped: number; reset: boolean } }
const scan = async (cache: string, ...paths: string[]) => {
  const r = await cli('scan', ...(paths.length ? paths : [lib]), '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
  expect(r.code, r.err).toBe(0)
  return r.json().summary as Summary
}
/** A cache of the whole library, made once and copied for each test that damages one. */
const pristine = join(dir, 'pristine.lmdb')
const copyOfPristine = (name: string) => {
  const path = join(dir, name)
  copyFileSync(pristine, path)
  return path
}
/** Damages the stored bytes of some entries, through LMDB itself (so exactly those entries). */
const damageEntries = async (path: string, damage: Record<string, (value: Uint8Array) => void>) => {
  const db = open<Uint8Array, string>({ path, noSubdir: true, encoding: 'binary' })
  for (const [key, f] of Object.entries(damage)) {
    const value = Uint8Array.from(db.getBinary(key)!)
    f(value)
    await db.put(key, value)
  }
  await db.close()
}

beforeAll(async () => {
  expect((await cli('catalog', 'build', join(rock, 'r0.wav'), '-o', pmx, '--jobs', '0')).code).toBe(0)
  expect(await scan(pristine)).toMatchObject({ files: 4, fingerprinted: 4, cache: { hits: 0, misses: 4, dropped: 0, reset: false } })
})

describe('a damaged cache is never fatal', () => {
  it('drops damaged entries, counts them (--json and text), reads those files again, and heals', async () => {
    const cache = copyOfPristine('entries.lmdb')
    const damage = {
      [join(rock, 'r1.wav')]: (v: Uint8Array) => { v[100]! ^= 0x10 },   // inside the msgpack body: CRC mismatch
      [join(rockabilly, 'b0.wav')]: (v: Uint8Array) => { v[2]! ^= 0x01 },   // the entry's magic
    }
    await damageEntries(cache, damage)
    expect(await scan(cache)).toMatchObject({ fingerprinted: 2, fromCache: 2, cache: { hits: 2, misses: 2, dropped: 2, reset: false } })
    expect(await scan(cache)).toMatchObject({ fingerprinted: 0, fromCache: 4, cache: { dropped: 0 } })

    await damageEntries(cache, damage)
    const text = await cli('scan', lib, '--catalog', pmx, '--cache', cache, '--jobs', '0')
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/cache: 2 damaged entries dropped/)
  })

  it('replaces a truncated store with an empty one and goes on', async () => {
    for (const keep of [0, 100, 4096 * 2 + 7, Math.floor(statSync(pristine).size * 0.6)]) {
      const cache = copyOfPristine(`truncated-${keep}.lmdb`)
      copyFileSync(pristine + '-lock', cache + '-lock')   // a store always has its lock file beside it
      truncateSync(cache, keep)
      const first = await scan(cache)
      expect(first.fromCache + first.fingerprinted, `kept ${keep} bytes`).toBe(4)
      // Cut inside its meta pages, it is replaced (an empty file is simply a new store).
      if (keep > 0 && keep < 4096 * 3) expect(first.cache, `kept ${keep} bytes`).toMatchObject({ hits: 0, reset: true })
      expect(await scan(cache)).toMatchObject({ fingerprinted: 0, fromCache: 4 })
    }
  })

  it('survives seeded random bit flips anywhere in the store (exit 0, a summary, then healed)', async () => {
    const random = rng(7)
    for (let c = 0; c < 6; c++) {
      const cache = copyOfPristine(`flips-${c}.lmdb`)
      const bytes = readFileSync(cache)
      for (let f = 0; f < 4; f++) bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8)
      writeFileSync(cache, bytes)
      const first = await scan(cache)
      expect(first.fingerprinted + first.fromCache).toBe(4)
      expect(first.cache.dropped).toBeGreaterThanOrEqual(0)
      expect(await scan(cache)).toMatchObject({ fingerprinted: 0, fromCache: 4 })
    }
  })
})

describe('pruning', () => {
  it('scanning /lib/rock keeps the entries of /lib/rockabilly (a path comparison, not startsWith)', async () => {
    const cache = copyOfPristine('prune.lmdb')
    expect(await scan(cache, rock)).toMatchObject({ files: 2, fromCache: 2 })
    expect(await scan(cache, rockabilly)).toMatchObject({ files: 2, fromCache: 2, fingerprinted: 0 })
  })

  it('drops the entry of a file that is gone, not of one that exists', async () => {
    const cache = copyOfPristine('gone.lmdb')
    const file = join(rock, 'r1.wav')
    const saved = readFileSync(file), { mtime } = statSync(file)
    rmSync(file)
    expect(await scan(cache)).toMatchObject({ files: 3, fromCache: 3 })
    // Back with the same bytes and mtime: had its entry survived, it would be a hit.
    writeFileSync(file, saved); utimesSync(file, mtime, mtime)
    expect(await scan(cache)).toMatchObject({ files: 4, fromCache: 3, fingerprinted: 1 })
  })
})

describe('--cache refuses what is not a peakmatch cache', () => {
  const refused = async (path: string, ...cmd: string[]) => {
    const before = readFileSync(path)
    const r = await cli(...cmd, '--cache', path)
    expect(r.code, r.err).toBe(2)
    expect(r.err).toMatch(/not a peakmatch cache.*refusing/)
    expect(readFileSync(path).equals(before)).toBe(true)
  }

  it('a catalog: exit 2, the catalog untouched', async () => {
    const catalog = join(dir, 'keep.pmx')
    copyFileSync(pmx, catalog)
    await refused(catalog, 'scan', lib, '--catalog', pmx, '--jobs', '0')
    await refused(catalog, 'catalog', 'build', rock, '-o', join(dir, 'other.pmx'), '--jobs', '0')
  })

  it('a song: exit 2, the song untouched', async () => {
    const song = join(dir, 'song.mp3')
    copyFileSync(join(FIXTURES, 'song-a.mp3'), song)
    await refused(song, 'scan', lib, '--catalog', pmx, '--jobs', '0')
  })

  it('an old msgpack cache and a text file: exit 2, untouched', async () => {
    const old = join(dir, 'fingerprints.msgpack')
    writeFileSync(old, Uint8Array.of(0x84, 0xa5, 0x6d, 0x61, 0x67, 0x69, 0x63))
    await refused(old, 'scan', lib, '--catalog', pmx, '--jobs', '0')
    const notes = join(dir, 'notes.txt')
    writeFileSync(notes, 'not a cache\n')
    await refused(notes, 'scan', lib, '--catalog', pmx, '--jobs', '0')
  })

  it('another program\'s LMDB database: exit 2, its data kept', async () => {
    const other = join(dir, 'other.lmdb')
    const db = open<string, string>({ path: other, noSubdir: true })
    await db.put('user:1', 'someone else\'s data')
    await db.close()
    const r = await cli('scan', lib, '--catalog', pmx, '--cache', other, '--jobs', '0')
    expect(r.code, r.err).toBe(2)
    expect(r.err).toMatch(/not a peakmatch cache/)
    const again = open<string, string>({ path: other, noSubdir: true, readOnly: true })
    expect(again.get('user:1')).toBe('someone else\'s data')
    await again.close()
  })
})
