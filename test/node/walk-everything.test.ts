// Issue 7, item 5: every path the walk meets is either read or listed with a reason. Names that
// are not UTF-8 used to be dropped without a word, and so were symlink loops, dangling links
// and FIFOs.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { displayPath, walkAudio } from '../../packages/node/src/walk.js'
import { FIXTURES, cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const lib = join(world.dir, 'odd')
/** A path under `lib` whose last name is these bytes (latin1 é, ü: not UTF-8). */
const raw = (...parts: (string | number[])[]) => Buffer.concat([Buffer.from(lib + '/'), ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))])

const SCANNED = ['alias.mp3', 'caf\\xE9.mp3', 'd\\xFCr/b.ogg', 'ok.mp3']
const SKIPPED: Record<string, string> = {
  'gone.mp3': 'dangling-link', 'loop-a.mp3': 'symlink-loop', 'loop-b.mp3': 'symlink-loop', 'self.flac': 'symlink-loop',
  'masters-link': 'directory-link', 'pipe.mp3': 'special-file', 'pipe': 'special-file',
}

beforeAll(async () => {
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')).code).toBe(0)
  mkdirSync(lib)
  copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'ok.mp3'))
  writeFileSync(raw('caf', [0xe9], '.mp3'), readFileSync(join(FIXTURES, 'song-a.mp3')))          // "café.mp3" in latin1
  mkdirSync(raw('d', [0xfc], 'r'))                                                                 // "dür" in latin1
  writeFileSync(Buffer.concat([raw('d', [0xfc], 'r'), Buffer.from('/b.ogg')]), readFileSync(join(FIXTURES, 'song-b.ogg')))
  symlinkSync('ok.mp3', join(lib, 'alias.mp3'))          // a link to a file is read
  symlinkSync('loop-b.mp3', join(lib, 'loop-a.mp3'))
  symlinkSync('loop-a.mp3', join(lib, 'loop-b.mp3'))
  symlinkSync('self.flac', join(lib, 'self.flac'))
  symlinkSync('nowhere.mp3', join(lib, 'gone.mp3'))
  symlinkSync(world.masters, join(lib, 'masters-link'))
  for (const f of ['pipe.mp3', 'pipe']) expect(spawnSync('mkfifo', [join(lib, f)]).status).toBe(0)
  writeFileSync(join(lib, 'cover.jpg'), 'not audio')
  writeFileSync(join(lib, '.hidden.mp3'), 'hidden')
})

const rel = (p: string) => p.slice(lib.length + 1)

describe('walkAudio', () => {
  it('finds every path: read, skipped with a reason, or ignored by rule', () => {
    const w = walkAudio([lib])
    expect(w.files.map((f) => rel(f.path)).sort()).toEqual(SCANNED)
    expect(Object.fromEntries(w.skipped.map((s) => [rel(s.path), s.reason]))).toEqual(SKIPPED)
    expect(w.ignored).toBe(2)   // cover.jpg, .hidden.mp3
    // Nothing else is in the folder: read + skipped + ignored accounts for every entry (dür/ for its b.ogg).
    const entries = spawnSync('ls', ['-A', lib]).stdout.toString().trim().split('\n')
    expect(entries.length).toBe(SCANNED.length + Object.keys(SKIPPED).length + 2)
  })

  it('opens a name that is not UTF-8 by its exact bytes and shows the bad bytes as \\xNN', () => {
    const f = walkAudio([lib]).files.find((x) => x.path.endsWith('caf\\xE9.mp3'))!
    expect(f.open).not.toBe(f.path)
    expect(f.size).toBe(readFileSync(join(FIXTURES, 'song-a.mp3')).length)
    expect(displayPath(Buffer.from([0x61, 0xe9, 0xc3, 0xa9, 0xff]))).toBe('a\\xE9é\\xFF')
  })
})

describe('scan and catalog build', () => {
  it('scan reads the non-UTF-8 files and lists every skipped path (exit 1)', async () => {
    const report = join(world.dir, 'odd.csv')
    const r = await cli('scan', lib, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json', '--report', report)
    expect(r.code, r.err).toBe(1)
    const j = r.json()
    const by = Object.fromEntries(j.files.map((f: any) => [rel(f.path), f]))
    for (const p of SCANNED) expect(by[p].status, p).toBe('matched')
    expect(by['caf\\xE9.mp3'].recordingId).toBe('rec-a')
    expect(by['d\\xFCr/b.ogg'].recordingId).toBe('rec-b')
    for (const [p, reason] of Object.entries(SKIPPED)) expect(by[p], p).toMatchObject({ status: 'skipped', reason })
    expect(j.summary).toMatchObject({ files: 4, matched: 4, skipped: 7, unreadable: 0, ignored: 2 })
    const csv = readFileSync(report, 'utf8')
    expect(csv).toContain('caf\\xE9.mp3,matched')
    expect(csv).toMatch(/gone\.mp3,skipped,dangling-link/)
    const human = await cli('scan', lib, '--catalog', pmx, '--no-cache', '--jobs', '0')
    expect(human.out).toMatch(/skipped\s+7\s+not read/)
    expect(human.out).toMatch(/skipped\s+.*pipe\.mp3: special-file/)
  })

  it('catalog build adds the non-UTF-8 files and lists the skipped paths (exit 1)', async () => {
    const out = join(world.dir, 'odd.pmx')
    const r = await cli('catalog', 'build', lib, '-o', out, '--jobs', '0', '--json')
    expect(r.code, r.err).toBe(1)
    const j = r.json()
    expect(j.summary).toMatchObject({ files: 4, added: 4, unreadable: 0, skipped: 7 })
    expect(j.files.filter((f: any) => !f.error).map((f: any) => f.trackId).sort()).toEqual(SCANNED)
    expect(j.files.find((f: any) => rel(f.path) === 'loop-a.mp3').error.reason).toBe('symlink-loop')
    const human = await cli('catalog', 'build', lib, '-o', out, '--jobs', '0')
    expect(human.out).toMatch(/4 of 4 files added .*, 7 skipped/)
    expect(human.out).toMatch(/skipped {4}.*gone\.mp3: dangling-link/)
  })
})
