// Issue 12 (progress everywhere), through a real pipe: a scan whose stdout is not a terminal
// prints each file's line as it finishes (a 17 s scan printed nothing, then everything at once),
// and after Ctrl-C its summary counts exactly the files whose lines were printed, without a word
// about the cache under --no-cache. Nothing here depends on how fast the machine is: the child is
// interrupted when its first line arrives, and each of the 30 files takes long enough to decode
// (a minute of audio each) that the two files in flight then cannot be the last ones.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { WORKER_SCRIPT, cli, makeWorld } from './support.js'

const CLI = new URL('../../packages/node/src/cli.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname
const FILES = 30
const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const lib = join(world.dir, 'thirty')

beforeAll(async () => {
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--jobs', '0')).code).toBe(0)
  mkdirSync(lib)
  const wav = encodeWav(synthMusic(1212, 60, 11025, 1))   // 1.3 MB; the same content 30 times is fine
  for (let i = 0; i < FILES; i++) writeFileSync(join(lib, `track-${String(i).padStart(2, '0')}.wav`), wav)
})
afterAll(() => { rmSync(world.dir, { recursive: true, force: true }) })

/**
 * The bin's run() from the TypeScript source: worker threads need the test worker script (the
 * package's default is the built dist/scan-worker.js). `-e` code sees its first argument at
 * argv[1]; run() reads argv from 2 on, as for a script, hence the inserted name.
 */
const entry = `process.argv.splice(1, 0, 'peakmatch'); import(${JSON.stringify(CLI)}).then(({ run }) => run({ workerScript: new URL(${JSON.stringify(WORKER_SCRIPT.href)}) }))`

it('scan -j 1 --no-cache through a pipe: a line per file as it finishes; Ctrl-C counts the lines printed', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', entry, '--', 'scan', lib, '--catalog', pmx, '-j', '1', '--no-cache'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = '', err = ''
  let aliveAtFirstLine: boolean | undefined
  child.stderr.setEncoding('utf8').on('data', (t: string) => { err += t })
  child.stdout.setEncoding('utf8').on('data', (t: string) => {
    out += t
    if (aliveAtFirstLine === undefined && /^\[\s*\d+\/30\] /m.test(out)) {
      // The line came through the pipe while the scan still runs: it was not held until the end.
      aliveAtFirstLine = child.exitCode === null && child.signalCode === null
      child.kill('SIGINT')
    }
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  expect(aliveAtFirstLine, err).toBe(true)
  expect(code, err).toBe(130)
  const lines = out.split('\n').filter((l) => /^\[\s*\d+\/30\] unmatched   track-\d\d\.wav /.test(l))
  const summary = /^(\d+) of 30 audio files scanned in /m.exec(out)
  expect(summary, out).not.toBeNull()
  const k = Number(summary![1])
  expect(k).toBe(lines.length)
  expect(k).toBeGreaterThanOrEqual(1)
  expect(k).toBeLessThan(FILES)
  // The lines are the first k files, in order, each once, all before the summary.
  expect(lines.map((l) => l.slice(0, 7))).toEqual(Array.from({ length: k }, (_, i) => `[${String(i + 1).padStart(2)}/30]`))
  expect(out.lastIndexOf(lines.at(-1)!)).toBeLessThan(summary!.index)
  expect(out).toMatch(new RegExp(`interrupted: ${FILES - k} files not scanned`))
  expect(out + err).not.toMatch(/cache/i)
}, 60_000)
