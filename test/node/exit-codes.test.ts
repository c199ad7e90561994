// Issue 7, items 6 and 13 (empty catalog build): exit codes mean what README.md says, and only
// that; the report is written whenever the scan itself finished.
//   An unreadable subdirectory (EACCES) or a symlink-loop argument aborted the scan with 4 ("an
//   output could not be written"); a file vanishing during a --cache-hash scan exited 2 ("usage
//   error"); a cache that could not be saved lost the report; `catalog build` of an empty
//   folder replaced a catalog with an empty one.
import { spawnSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, type Dirent } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { Catalog } from '../../src/index.js'
import { FingerprintCache } from '../../packages/node/src/cache.js'
import { walkAudio } from '../../packages/node/src/walk.js'
import { FIXTURES, cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
/** A clean library: two files that read and match (exit 0 when nothing else is wrong). */
const clean = join(world.dir, 'clean')
const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname

beforeAll(async () => {
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')).code).toBe(0)
  mkdirSync(clean)
  copyFileSync(join(FIXTURES, 'song-a.mp3'), join(clean, 'a.mp3'))
  copyFileSync(join(FIXTURES, 'song-b.ogg'), join(clean, 'b.ogg'))
})
afterEach(() => { vi.restoreAllMocks() })

const scanJson = (...args: string[]) => cli('scan', ...args, '--catalog', pmx, '--jobs', '0', '--json')

describe('an unreadable subdirectory is listed, not fatal', () => {
  const eacces = (dir: Buffer): never => { throw Object.assign(new Error(`EACCES: permission denied, scandir '${dir}'`), { code: 'EACCES' }) }

  it('walkAudio lists it (EACCES injected through WalkFs) and walks the rest', async () => {
    const { readdirSync, lstatSync, statSync } = await import('node:fs')
    mkdirSync(join(clean, 'locked'), { recursive: true })
    try {
      const w = walkAudio([clean], {
        readdir: (d) => (d.toString().endsWith('/locked') ? eacces(d) : readdirSync(d, { withFileTypes: true, encoding: 'buffer' }) as Dirent<Buffer>[]),
        lstat: (p) => lstatSync(p), stat: (p) => statSync(p),
      })
      expect(w.files.map((f) => f.path)).toEqual([join(clean, 'a.mp3'), join(clean, 'b.ogg')])
      expect(w.skipped).toEqual([{ path: join(clean, 'locked'), reason: 'unreadable-directory', message: 'cannot list the directory: permission denied' }])
    } finally {
      rmSync(join(clean, 'locked'), { recursive: true })
    }
  })

  // Root reads any directory whatever its mode, so the real thing runs the CLI as `nobody`.
  const canDrop = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0
  it.skipIf(!canDrop)('the CLI run as nobody (setpriv) on a library with a chmod 000 folder exits 1 and writes the report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peakmatch-eacces-'))
    const lib = join(dir, 'lib'), out = join(dir, 'out')
    mkdirSync(join(lib, 'locked'), { recursive: true }); mkdirSync(out)
    copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'a.mp3'))
    copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'locked', 'hidden-from-nobody.mp3'))
    copyFileSync(pmx, join(dir, 'catalog.pmx'))
    chmodSync(dir, 0o755); chmodSync(lib, 0o755); chmodSync(join(lib, 'locked'), 0o000); chmodSync(out, 0o777)
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, '--import', 'tsx', CLI,
      'scan', lib, '--catalog', join(dir, 'catalog.pmx'), '--no-cache', '--jobs', '0', '--report', join(out, 'report.json')], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: out, XDG_CACHE_HOME: out },
    })
    chmodSync(join(lib, 'locked'), 0o755)
    expect(child.status, child.stderr).toBe(1)
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))
    expect(report.files).toEqual([
      expect.objectContaining({ path: join(lib, 'a.mp3'), status: 'matched' }),
      expect.objectContaining({ path: join(lib, 'locked'), status: 'skipped', reason: 'unreadable-directory', error: expect.stringMatching(/permission denied/) }),
    ])
    expect(child.stdout).toMatch(/skipped\s+1\s+not read/)
  })
})

describe('exit codes', () => {
  it('a symlink loop given as an argument is listed (1), not an output failure (4)', async () => {
    const loop = join(world.dir, 'loop.mp3')
    symlinkSync('loop.mp3', loop)
    const r = await scanJson(clean, loop, '--no-cache')
    expect(r.code, r.err).toBe(1)
    expect(r.json().files.at(-1)).toMatchObject({ path: loop, status: 'skipped', reason: 'symlink-loop' })
    expect(r.json().summary).toMatchObject({ matched: 2, skipped: 1 })
  })

  it('a file that vanishes while --cache-hash reads it is unreadable (1), not a usage error (2)', async () => {
    const lib = join(world.dir, 'vanishing')
    mkdirSync(lib)
    copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'a.mp3'))
    copyFileSync(join(FIXTURES, 'song-b.ogg'), join(lib, 'b.ogg'))
    const cache = join(world.dir, 'vanishing.cache')
    // The cache hashes b.ogg, and b.ogg is deleted under it, as sha256File meets it.
    const get = FingerprintCache.prototype.get
    vi.spyOn(FingerprintCache.prototype, 'get').mockImplementation(async function (this: FingerprintCache, path, size, mtime) {
      if (!path.endsWith('b.ogg')) return get.call(this, path, size, mtime)
      rmSync(path)
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
    })
    const report = join(world.dir, 'vanishing.json')
    const r = await scanJson(lib, '--cache', cache, '--cache-hash', '--report', report)
    expect(r.code, r.err).toBe(1)
    const by = Object.fromEntries(r.json().files.map((f: any) => [f.path.slice(lib.length + 1), f]))
    expect(by['a.mp3'].status).toBe('matched')
    expect(by['b.ogg']).toMatchObject({ status: 'unreadable', reason: 'io' })
    expect(existsSync(report)).toBe(true)
  })

  it('a cache that cannot be saved is a warning: the report is written, the exit code is the scan\'s', async () => {
    vi.spyOn(FingerprintCache.prototype, 'save').mockImplementation(() => { throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }) })
    const report = join(world.dir, 'nocache.csv')
    const r = await scanJson(clean, '--cache', join(world.dir, 'full.cache'), '--report', report)
    expect(r.code, r.err).toBe(0)
    expect(r.err).toMatch(/warning: the cache was not saved: ENOSPC/)
    expect(readFileSync(report, 'utf8')).toMatch(/a\.mp3,matched/)
  })

  it('a cache folder that cannot be made is a warning: the scan runs without a cache', async () => {
    const r = await scanJson(clean, '--cache', join(world.dir, 'catalog.pmx', 'sub', 'cache'))
    expect(r.code, r.err).toBe(0)
    expect(r.err).toMatch(/warning: scanning without a cache/)
  })

  it('2 usage (a missing path), 3 catalog, 4 unwritable catalog or report, 5 internal error', async () => {
    expect((await scanJson(join(world.dir, 'no-such-dir'), '--no-cache')).code).toBe(2)
    expect((await cli('catalog', 'build', join(world.dir, 'no-such-dir'), '-o', join(world.dir, 'x.pmx'))).code).toBe(2)
    expect((await cli('scan', clean, '--catalog', join(world.dir, 'missing.pmx'), '--no-cache')).code).toBe(3)
    const r4 = await scanJson(clean, '--no-cache', '--report', join(world.dir, 'no-such-dir', 'r.csv'))
    expect(r4.code).toBe(4)
    expect(r4.err).toMatch(/cannot write/)
    expect((await cli('catalog', 'build', clean, '-o', join(world.dir, 'no-such-dir', 'c.pmx'), '--jobs', '0')).code).toBe(4)
    vi.spyOn(Catalog.prototype, 'identify').mockImplementation(() => { throw new TypeError("Cannot read properties of undefined (reading 'byteLength')") })
    const r5 = await scanJson(clean, '--no-cache')
    expect(r5.code).toBe(5)
    expect(r5.err).toMatch(/internal error \(a bug/)
  })
})

describe('catalog build refuses to write a catalog with no track', () => {
  for (const [what, fill] of [
    ['an empty folder', () => {}],
    ['a folder of unreadable files', (d: string) => writeFileSync(join(d, 'notes.mp3'), 'not audio')],
  ] as const) {
    it(`${what}: exit 2, the old catalog intact`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'peakmatch-empty-'))
      fill(dir)
      const before = readFileSync(pmx)
      const r = await cli('catalog', 'build', dir, '-o', pmx, '--jobs', '0')
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/no audio file could be added .* was not written/)
      expect(readFileSync(pmx).equals(before)).toBe(true)
    })
  }
})
