/**
 * Every command as a user runs it: a real `peakmatch` process (the bin, from source through tsx),
 * its stdout and stderr through pipes (not a terminal), its exit code.
 */
import { spawnSync } from 'node:child_process'
import { copyFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { makeWorld } from './support.js'

const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname
const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')

function peakmatch(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: join(world.dir, 'xdg') },
  })
  return { code: r.status, out: r.stdout, err: r.stderr }
}

beforeAll(() => {
  const r = peakmatch('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '-j', '0')
  expect(r.code, r.err).toBe(0)
  // not a terminal: a line per file as it is added, then the summary
  expect(r.out).toMatch(/^\[1\/3\] added .*a\.wav[\s\S]*^\[3\/3\] [\s\S]*catalog .*catalog\.pmx: 3 tracks/m)
})

describe('the peakmatch process, through pipes', () => {
  it('catalog add, list, info and remove', () => {
    const path = join(world.dir, 'proc.pmx')
    copyFileSync(pmx, path)
    writeFileSync(join(world.dir, 'd.wav'), encodeWav(synthMusic(304, 6)))
    const add = peakmatch('catalog', 'add', path, join(world.dir, 'd.wav'), '-j', '0')
    expect(add.code, add.err).toBe(0)
    expect(add.out).toMatch(/3 \+ 1 = 4 tracks/)
    const list = peakmatch('catalog', 'list', path)
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/^d\.wav\s+6\.0 s/m)
    const info = peakmatch('catalog', 'info', path, '--json')
    expect(JSON.parse(info.out)).toMatchObject({ tracks: 4, schemaVersion: 1 })
    const remove = peakmatch('catalog', 'remove', path, 'd.wav', 'zzz')
    expect(remove.code).toBe(2)
    expect(remove.err).toMatch(/holds no track "zzz"/)
    expect(peakmatch('catalog', 'remove', path, 'd.wav').code).toBe(0)
    expect(JSON.parse(peakmatch('catalog', 'info', path, '--json').out).tracks).toBe(3)
  })

  it('scan prints a line per file as it goes, then the summary; exit 1 for the unreadable files', () => {
    const r = peakmatch('scan', world.library, '--catalog', pmx, '--no-cache', '-j', '0')
    expect(r.code).toBe(1)
    const lines = r.out.split('\n').filter((l) => /^\[\s*\d+\/10\]/.test(l))
    expect(lines).toHaveLength(10)
    expect(r.out.indexOf('[10/10]')).toBeLessThan(r.out.indexOf('audio files scanned'))
    expect(r.out).toMatch(/matched\s+album\/song-a\.mp3 → "Song A"/)
  })

  it('identify with --top, and a typo that names the flag meant', () => {
    const r = peakmatch('identify', join(world.library, 'album', 'song-b.ogg'), '--catalog', pmx, '--top', '2', '-j', '0')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/^matched .*song-b\.ogg → rec-b \(b\.wav\)/m)
    expect(r.out).toMatch(/^\s+1\. rec-b \(b\.wav\)\s+score \d+, confidence/m)
    const typo = peakmatch('identify', 'x.wav', '--catalgo', pmx)
    expect(typo.code).toBe(2)
    expect(typo.err).toMatch(/unknown option --catalgo \(did you mean --catalog\?\)/)
  })

  it('--help, exit 0 (every command\'s text is checked in-process: scan-cli.test.ts)', () => {
    const r = peakmatch('dedupe', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^Example:\n {2}peakmatch dedupe/m)
  })
})
