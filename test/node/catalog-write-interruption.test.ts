import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { Catalog } from '../../src/index.js'
import { cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname

it('a build killed between the temporary write and the rename leaves the old catalog intact', async () => {
  // The old catalog: the first recording only.
  expect((await cli('catalog', 'build', join(world.masters, 'a.wav'), '-o', pmx, '--jobs', '0')).code).toBe(0)
  const before = readFileSync(pmx)
  expect(Catalog.fromBytes(before).ids()).toEqual(['a.wav'])

  // A full rebuild in a child process that SIGKILLs itself after writing the temporary file.
  const child = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'catalog', 'build', world.masters, '-o', pmx, '--jobs', '0'], {
    env: { ...process.env, PEAKMATCH_TEST_CRASH_BEFORE_RENAME: '1' }, encoding: 'utf8', timeout: 30_000,
  })
  expect(child.signal).toBe('SIGKILL')
  const temps = readdirSync(world.dir).filter((f) => f.endsWith('.tmp'))
  expect(temps).toHaveLength(1)                                   // the new catalog got as far as its temp file
  expect(Catalog.fromBytes(readFileSync(join(world.dir, temps[0]!))).size).toBe(3)
  expect(readFileSync(pmx).equals(before)).toBe(true)             // … and the old one was never touched
  expect(Catalog.fromBytes(readFileSync(pmx)).ids()).toEqual(['a.wav'])

  // The next build replaces it normally.
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--jobs', '0')).code).toBe(0)
  expect(Catalog.fromBytes(readFileSync(pmx)).size).toBe(3)
})

it('an interrupted build (abort signal) writes nothing', async () => {
  const { main } = await import('../../packages/node/src/cli.js')
  const controller = new AbortController()
  controller.abort()
  let err = ''
  const out = join(world.dir, 'never.pmx')
  const code = await main(['catalog', 'build', world.masters, '-o', out, '--jobs', '0'], { out: () => {}, err: (t) => { err += t }, tty: false, signal: controller.signal })
  expect(code).toBe(130)
  expect(err).toMatch(/not written/)
  expect(readdirSync(world.dir)).not.toContain('never.pmx')
})
