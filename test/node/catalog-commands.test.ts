import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { FORMAT_VERSION } from '../../src/index.js'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const extra = join(world.dir, 'extra')

beforeAll(async () => {
  const r = await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')
  expect(r.code, r.err).toBe(0)
  mkdirSync(join(extra, 'new'), { recursive: true })
  writeFileSync(join(extra, 'new', 'd.wav'), encodeWav(synthMusic(304, 6)))
  writeFileSync(join(extra, 'e.wav'), encodeWav(synthMusic(305, 6)))
  writeFileSync(join(extra, 'notes.wav'), 'not audio')
})

const ids = async (path: string) => (await cli('catalog', 'list', path, '--json')).json().tracks.map((t: any) => t.trackId)

describe('peakmatch catalog add', () => {
  it('adds files and directories to a catalog, which then finds them; ids are relative to what was given', async () => {
    const path = join(world.dir, 'add.pmx')
    copyFileSync(pmx, path)
    const r = await cli('catalog', 'add', path, join(extra, 'new'), join(extra, 'e.wav'), '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.json()).toMatchObject({ schemaVersion: 1, tracksBefore: 3, summary: { added: 2, unreadable: 0 } })
    expect(await ids(path)).toEqual(['a.wav', 'b.wav', 'c.wav', 'd.wav', 'e.wav'])
    const found = await cli('identify', join(extra, 'new', 'd.wav'), '--catalog', path, '--json')
    expect(found.json().files[0]).toMatchObject({ status: 'matched', trackId: 'd.wav' })
    const human = await cli('catalog', 'add', path, join(world.masters, 'a.wav'), '--jobs', '0')
    // nothing added (a.wav is already there): exit 2, the file is left as it was
    expect(human.code).toBe(2)
    expect(human.err).toMatch(/already in the catalog \(to replace it: peakmatch catalog remove, then add\)/)
    expect(human.err).toMatch(/add\.pmx was left as it was/)
    expect(await ids(path)).toHaveLength(5)
  })

  it('adds what it can read, reports the rest (exit 1), and writes nothing when interrupted', async () => {
    const path = join(world.dir, 'add2.pmx')
    copyFileSync(pmx, path)
    const r = await cli('catalog', 'add', path, join(extra, 'e.wav'), join(extra, 'notes.wav'), '--jobs', '0')
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/3 \+ 1 = 4 tracks/)
    expect(r.out).toMatch(/notes\.wav: not-audio/)
    const before = readFileSync(path)
    const controller = new AbortController()
    controller.abort()
    let err = ''
    const { main } = await import('../../packages/node/src/cli.js')
    const code = await main(['catalog', 'add', path, join(extra, 'new'), '--jobs', '0'], { out: () => {}, err: (t) => { err += t }, tty: false, signal: controller.signal })
    expect(code).toBe(130)
    expect(err).toMatch(/not written/)
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('refuses a missing catalog (3) and missing arguments (2)', async () => {
    expect((await cli('catalog', 'add', join(world.dir, 'nope.pmx'), extra)).code).toBe(3)
    expect((await cli('catalog', 'add', pmx)).code).toBe(2)
  })
})

describe('catalog build interrupted with a cache', () => {
  it('keeps the fingerprints it read: the re-run takes them from the cache', async () => {
    const lib = join(world.dir, 'build-cache-lib')
    mkdirSync(lib)
    for (let i = 0; i < 8; i++) copyFileSync(join(world.masters, 'a.wav'), join(lib, `t${i}.wav`))
    const cache = join(world.dir, 'build-cache.lmdb')
    const controller = new AbortController()
    let read = 0
    const { main } = await import('../../packages/node/src/cli.js')
    const code = await main(['catalog', 'build', lib, '-o', join(world.dir, 'never2.pmx'), '--jobs', '0', '--cache', cache], {
      out: (t) => { if (/^\[\s*\d+\/8\] added/.test(t)) { read++; controller.abort() } }, err: () => {}, tty: false, signal: controller.signal, heartbeatSeconds: 0,
    })
    expect(code).toBe(130)
    expect(read).toBeGreaterThan(0)
    expect(read).toBeLessThan(8)
    const again = await cli('catalog', 'build', lib, '-o', join(world.dir, 'built2.pmx'), '--jobs', '0', '--cache', cache, '--json')
    expect(again.code, again.err).toBe(0)
    expect(again.json().files.filter((f: any) => f.cached)).toHaveLength(read)
  })
})

describe('one writer per catalog', () => {
  it('two adds at once to one catalog: the second waits for the first, and neither loses the other\'s tracks', async () => {
    const path = join(world.dir, 'concurrent.pmx')
    copyFileSync(pmx, path)
    const [one, two] = await Promise.all([
      cli('catalog', 'add', path, join(extra, 'new'), '--jobs', '0'),
      cli('catalog', 'add', path, join(extra, 'e.wav'), '--jobs', '0'),
    ])
    expect(one.code, one.err).toBe(0)
    expect(two.code, two.err).toBe(0)
    expect((one.err + two.err).match(/waiting for another peakmatch that is changing .*concurrent\.pmx/g)).toHaveLength(1)
    expect((await ids(path)).sort()).toEqual(['a.wav', 'b.wav', 'c.wav', 'd.wav', 'e.wav'])
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('takes over the stale lock of a writer that died (kill -9) instead of waiting forever', async () => {
    const path = join(world.dir, 'stale.pmx')
    copyFileSync(pmx, path)
    mkdirSync(`${path}.lock`)
    const minuteAgo = new Date(Date.now() - 60_000)
    utimesSync(`${path}.lock`, minuteAgo, minuteAgo)
    const r = await cli('catalog', 'remove', path, 'c.wav')
    expect(r.code, r.err).toBe(0)
    expect(await ids(path)).toEqual(['a.wav', 'b.wav'])
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('takes over at once the lock of a process of this host that no longer runs', async () => {
    const path = join(world.dir, 'dead-owner.pmx')
    copyFileSync(pmx, path)
    mkdirSync(`${path}.lock`)
    // a PID that cannot be running (above Linux's pid_max)
    writeFileSync(join(`${path}.lock`, 'owner.json'), JSON.stringify({ host: hostname(), pid: 4_194_304 + 7, started: '1' }))
    let err = ''
    const { main } = await import('../../packages/node/src/cli.js')
    const code = await main(['catalog', 'remove', path, 'c.wav'], { out: () => {}, err: (t) => { err += t }, tty: false })
    expect(code, err).toBe(0)
    expect(err).not.toMatch(/waiting/)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('waits for a live owner (this very process) and goes on when it lets go', async () => {
    const path = join(world.dir, 'live-owner.pmx')
    copyFileSync(pmx, path)
    const { lockCatalog } = await import('../../packages/node/src/catalog-lock.js')
    const held = await lockCatalog(path, () => {})
    let err = ''
    const { main } = await import('../../packages/node/src/cli.js')
    const running = main(['catalog', 'remove', path, 'c.wav'], { out: () => {}, err: (t) => { err += t }, tty: false })
    while (!err.includes('waiting')) await new Promise((r) => setTimeout(r, 20))
    expect(await ids(path)).toHaveLength(3)   // nothing changed while we hold it
    await held.release()
    expect(await running).toBe(0)
    expect(await ids(path)).toEqual(['a.wav', 'b.wav'])
  })

  it('locks nothing for a catalog that is not there (exit 3)', async () => {
    const path = join(world.dir, 'absent', 'x.pmx')
    expect((await cli('catalog', 'remove', path, 'a')).code).toBe(3)
    expect(existsSync(`${path}.lock`)).toBe(false)
  })
})

describe('peakmatch catalog remove', () => {
  it('removes tracks by id, atomically; the removed track is no longer found', async () => {
    const path = join(world.dir, 'rm.pmx')
    copyFileSync(pmx, path)
    const r = await cli('catalog', 'remove', path, 'b.wav', '--json')
    expect(r.code, r.err).toBe(0)
    expect(r.json()).toMatchObject({ removed: ['b.wav'], tracks: 2 })
    expect(await ids(path)).toEqual(['a.wav', 'c.wav'])
    const id = await cli('identify', join(world.masters, 'b.wav'), '--catalog', path, '--json')
    expect(id.json().files[0].status).toBe('unmatched')
  })

  it('removes nothing when one id is unknown: exit 2, names it and the nearest id', async () => {
    const path = join(world.dir, 'rm2.pmx')
    copyFileSync(pmx, path)
    const before = readFileSync(path)
    const r = await cli('catalog', 'remove', path, 'a.wav', 'c.wv')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/holds no track "c\.wv" \(did you mean "c\.wav"\?\): nothing was removed/)
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('--recording removes every edition of a recording', async () => {
    const path = join(world.dir, 'rm3.pmx')
    copyFileSync(pmx, path)
    const r = await cli('catalog', 'remove', path, 'rec-a', '--recording')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/removed a\.wav \(recording rec-a\)/)
    expect(await ids(path)).toEqual(['b.wav', 'c.wav'])
    expect((await cli('catalog', 'remove', path, 'a.wav', '--recording')).code).toBe(2)   // a track id is not a recording id here
  })
})

describe('peakmatch catalog list and info', () => {
  it('lists ids, recordings, lengths, quality and titles', async () => {
    const r = await cli('catalog', 'list', pmx, '--json')
    expect(r.code).toBe(0)
    const tracks = r.json().tracks
    expect(tracks).toHaveLength(3)
    expect(tracks[0]).toMatchObject({ trackId: 'a.wav', recordingId: 'rec-a', quality: { codec: 'flac', bitDepth: 24 }, metadata: { title: 'Song A' } })
    expect(tracks[0].durationSeconds).toBeCloseTo(6, 1)
    const human = await cli('catalog', 'list', pmx)
    expect(human.out).toMatch(/^a\.wav\s+6\.0 s\s+flac 24-bit 96 kHz\s+Song A\s+\[recording rec-a, 1 edition\]$/m)
    expect(human.out).toMatch(/3 tracks, 3 recordings, 18\.0 s of audio/)
  })

  it('tells size, format version and fingerprint parameters', async () => {
    const r = await cli('catalog', 'info', pmx, '--json')
    expect(r.code).toBe(0)
    const info = r.json()
    expect(info).toMatchObject({ schemaVersion: 1, formatVersion: FORMAT_VERSION, tracks: 3, recordings: 3, indexFanout: 3, tripletIndex: false, fileBytes: statSync(pmx).size })
    expect(info.postings).toBeGreaterThan(100)
    expect(info.indexBytes).toBeGreaterThan(0)
    expect(info.fingerprint).toMatchObject({ version: expect.any(Number), fanout: expect.any(Number), minBin: expect.any(Number) })
    const human = await cli('catalog', 'info', pmx)
    expect(human.out).toMatch(/tracks\s+3 \(3 recordings\), 18\.0 s of audio/)
    expect(human.out).toMatch(new RegExp(`format version ${FORMAT_VERSION}\\b`))
  })

  it('catalog build --triplets makes a catalog with the triplet index, which add keeps and info shows', async () => {
    const path = join(world.dir, 'triplets.pmx')
    const r = await cli('catalog', 'build', world.masters, '-o', path, '--triplets', '--jobs', '0')
    expect(r.code, r.err).toBe(0)
    expect((await cli('catalog', 'info', path, '--json')).json()).toMatchObject({ tripletIndex: true, tracks: 3 })
    expect((await cli('catalog', 'add', path, join(extra, 'e.wav'), '--jobs', '0')).code).toBe(0)
    expect((await cli('catalog', 'info', path, '--json')).json()).toMatchObject({ tripletIndex: true, tracks: 4 })
    expect((await cli('catalog', 'info', pmx)).out).not.toMatch(/triplet/)
    expect((await cli('catalog', 'add', path, extra, '--triplets')).code).toBe(2)   // add keeps what the catalog has
  })

  it('exits 3 on a damaged catalog, 2 without one', async () => {
    const bad = join(world.dir, 'bad.pmx')
    writeFileSync(bad, readFileSync(pmx).subarray(0, 200))
    for (const cmd of ['list', 'info']) {
      expect((await cli('catalog', cmd, bad)).code).toBe(3)
      expect((await cli('catalog', cmd)).code).toBe(2)
    }
  })
})

describe('catalog command messages', () => {
  it('says what failed in words, without Node\'s wording or our temporary file names', async () => {
    const r = await cli('catalog', 'add', pmx.replace('catalog.pmx', 'no-such-dir/catalog.pmx'), extra)
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/cannot read catalog .*: no such file or directory\n/)
    expect(r.err).not.toMatch(/ENOENT|open '/)
    // the write goes through a temp file beside the target: its name must not show
    const w = await cli('catalog', 'build', world.masters, '-o', join(world.dir, 'not-a-dir.pmx', 'x.pmx'), '--jobs', '0')
    writeFileSync(join(world.dir, 'blocker'), 'a file where a directory should be')
    const blocked = await cli('catalog', 'build', world.masters, '-o', join(world.dir, 'blocker', 'x.pmx'), '--jobs', '0')
    expect(w.code).toBe(4)
    expect(blocked.code).toBe(4)
    expect(blocked.err).toMatch(/cannot (write|lock) .*blocker\/x\.pmx( for writing)?: a part of the path is not a directory/)
    expect(w.err + blocked.err).not.toMatch(/\.tmp|ENOTDIR|ENOENT/)
  })

  it('documents -j 0 (decode in the main thread) and refuses what is out of range', async () => {
    expect((await cli('catalog', 'build', '--help')).out).toMatch(/0 decodes in the main thread/)
    const r = await cli('catalog', 'build', world.masters, '-o', join(world.dir, 'x.pmx'), '-j', '65')
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/--jobs must be an integer from 0 \(decode in the main thread\) to 64, got "65"/)
  })

  it('suggests the nearest command for a typo', async () => {
    const r = await cli('catalog', 'lsit', pmx)
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/unknown command: catalog lsit \(did you mean: peakmatch catalog list\?\)/)
    const top = await cli('identfy', 'x')
    expect(top.err).toMatch(/did you mean: peakmatch identify\?/)
    expect((await cli('constructor')).err).toMatch(/unknown command: constructor/)
  })
})
