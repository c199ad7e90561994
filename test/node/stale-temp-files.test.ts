import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { removeStaleTemps, writeFileAtomic } from '../../packages/node/src/atomic.js'
import { cli, makeWorld } from './support.js'

/** The pid of a process that has ended (spawned and waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  return Number(r.stdout)
}
const ts = (Date.now() - 86_400_000).toString(36)

it('writeFileAtomic removes the temp files of dead writers, and only those', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-temps-'))
  const dead = deadPid()
  const stale = [`.catalog.pmx.${dead}.${ts}.tmp`, `.report.csv.${dead}.${ts}.tmp`]
  const kept = [
    `.catalog.pmx.${process.pid}.${ts}.tmp`,   // this process: alive (it may be writing it)
    `.catalog.pmx.${process.ppid}.${ts}.tmp`,  // another live process
    `.catalog.pmx.tmp`, `catalog.pmx.${dead}.${ts}.tmp`, `.catalog.pmx.${dead}.tmp`, `.x.${dead}.${ts}.tmp.bak`,   // not our pattern
    'catalog.pmx.old',
  ]
  for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), 'x'.repeat(1000))
  mkdirSync(join(dir, `.dir.${dead}.${ts}.tmp`))   // our pattern, but a directory: not ours
  writeFileAtomic(join(dir, 'catalog.pmx'), new Uint8Array(10))
  expect(readdirSync(dir).sort()).toEqual([...kept, `.dir.${dead}.${ts}.tmp`, 'catalog.pmx'].sort())
  expect(removeStaleTemps(dir)).toEqual([])
})

it('a build killed between write and rename leaves a temp file; the next build removes it', async () => {
  const world = makeWorld()
  const pmx = join(world.dir, 'catalog.pmx')
  const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
  const child = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'catalog', 'build', world.masters, '-o', pmx, '--jobs', '0'], {
    env: { ...process.env, PEAKMATCH_TEST_CRASH_BEFORE_RENAME: '1' }, encoding: 'utf8',
  })
  expect(child.signal).toBe('SIGKILL')
  expect(readdirSync(world.dir).filter((f) => f.endsWith('.tmp'))).toHaveLength(1)
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--jobs', '0')).code).toBe(0)
  expect(readdirSync(world.dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
})
