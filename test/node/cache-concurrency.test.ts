import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { cli } from './support.js'

// Real processes of the CLI (as cron would start them), all at once on one cache, each on its
// own part of the library. Before the LMDB store, each rewrote the whole cache file at its end:
// the last to finish won and the others' entries were lost.
const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-cache-concurrency-'))
const lib = join(dir, 'lib'), pmx = join(dir, 'catalog.pmx')
for (let p = 0; p < 4; p++) {
  mkdirSync(join(lib, `part${p}`), { recursive: true })
  for (let i = 0; i < 2; i++) writeFileSync(join(lib, `part${p}`, `t${i}.wav`), encodeWav(synthMusic(800 + p * 10 + i, 4, 11025, 1)))
}

function scanProcess(part: string, cache: string): Promise<{ code: number | null; err: string; summary: any }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, 'scan', part, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = '', err = ''
    p.stdout.on('data', (d) => { out += d }); p.stderr.on('data', (d) => { err += d })
    p.on('close', (code) => { let summary; try { summary = JSON.parse(out).summary } catch { /* reported below */ } resolve({ code, err, summary }) })
  })
}

beforeAll(async () => {
  expect((await cli('catalog', 'build', join(lib, 'part0', 't0.wav'), '-o', pmx, '--jobs', '0')).code).toBe(0)
})

it.each([2, 4])('%i scans at once on one cache lose no entry', async (n) => {
  const cache = join(dir, `shared-${n}.lmdb`)
  const runs = await Promise.all(Array.from({ length: n }, (_, p) => scanProcess(join(lib, `part${p}`), cache)))
  for (const r of runs) {
    expect(r.code, r.err).toBe(0)
    expect(r.summary).toMatchObject({ files: 2, fingerprinted: 2, cache: { misses: 2, dropped: 0 } })
  }
  // Every file of every part is now in the cache.
  const all = await cli('scan', ...Array.from({ length: n }, (_, p) => join(lib, `part${p}`)), '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
  expect(all.code, all.err).toBe(0)
  expect(all.json().summary).toMatchObject({ files: 2 * n, fingerprinted: 0, fromCache: 2 * n })
})

it('two scans of the same folder at once agree, and keep every entry', async () => {
  const cache = join(dir, 'same.lmdb')
  const runs = await Promise.all([0, 1].map(() => scanProcess(lib, cache)))
  for (const r of runs) expect(r.code, r.err).toBe(0)
  const again = await cli('scan', lib, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
  expect(again.json().summary).toMatchObject({ files: 8, fingerprinted: 0, fromCache: 8 })
})
