import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect, it } from 'vitest'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { cli } from './support.js'

// Entries are committed as their files finish, not at the end: a scan killed with SIGKILL
// keeps every entry committed before the kill. No timing is assumed: the test waits until the
// store holds an entry while the scan is still running (however long that takes), then kills.
const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-cache-crash-'))
const lib = join(dir, 'lib'), pmx = join(dir, 'catalog.pmx'), cache = join(dir, 'c.lmdb')
mkdirSync(lib)
for (let i = 0; i < 16; i++) writeFileSync(join(lib, `t${String(i).padStart(2, '0')}.wav`), encodeWav(synthMusic(900 + i, 8, 11025, 1)))

/**
 * Entries the store holds, less its description, read in a child process: opened while the scan
 * is still creating the file, lmdb's native code can die on a half-written meta page (a divide
 * error, seen in the kernel log), which in this process took the test runner's worker with it.
 * A child that dies is a read of 0: the loop asks again.
 */
function committedEntries(): number {
  const read = `import('lmdb').then(({ open }) => { const db = open({ path: ${JSON.stringify(cache)}, noSubdir: true, readOnly: true, encoding: 'binary' }); console.log(db.getKeysCount() - 1) })`
  try {
    return Math.max(0, Number(execFileSync(process.execPath, ['-e', read], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()) || 0)
  } catch {
    return 0
  }
}

it('a scan killed with SIGKILL keeps the entries committed before the kill', async () => {
  expect((await cli('catalog', 'build', join(lib, 't00.wav'), '-o', pmx, '--jobs', '0')).code).toBe(0)
  const scan = spawn(process.execPath, ['--import', 'tsx', CLI, 'scan', lib, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json'], { stdio: 'ignore' })
  let exited = false
  scan.on('exit', () => { exited = true })
  let seen = 0
  while (!exited && seen === 0) {
    await sleep(20)
    if (!existsSync(cache)) continue
    seen = committedEntries()
  }
  expect(exited, 'the scan wrote nothing to the cache before it ended').toBe(false)
  scan.kill('SIGKILL')
  await new Promise((resolve) => scan.once('exit', resolve))
  const next = await cli('scan', lib, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
  expect(next.code, next.err).toBe(0)
  const s = next.json().summary
  expect(s.fromCache).toBeGreaterThanOrEqual(seen)
  expect(s.fromCache + s.fingerprinted).toBe(16)
  expect(s.cache.dropped).toBe(0)
})
