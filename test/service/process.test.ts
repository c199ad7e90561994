/**
 * `peakmatch serve` as a user runs it: a real process (the bin, from source through tsx) on a free
 * port, queried over HTTP, reloaded with SIGHUP, stopped with SIGTERM (exit 0).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { saveCatalog } from '../../packages/node/src/scan.js'
import { BATCH_TYPE, batchOf, bytesOf, FINGERPRINT_TYPE, world } from './support.js'

const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-serve-'))
const w = world()
let child: ChildProcess | undefined

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

/** Resolves with the first match of `re` in what the stream has written (hang guard: vitest's timeout). */
function waitFor(read: () => string, re: RegExp, stream: NodeJS.ReadableStream): Promise<RegExpMatchArray> {
  return new Promise((resolve) => {
    const check = () => { const m = read().match(re); if (m) { stream.off('data', check); resolve(m) } }
    stream.on('data', check)
    check()
  })
}

it('serves, reloads on SIGHUP, stops on SIGTERM with exit 0', async () => {
  const file = join(dir, 'catalog.pmx')
  const local = w.catalog()
  saveCatalog(local, file)
  const p = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--catalog', file, '--port', '0', '--max-items', '16'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  child = p
  let out = '', err = ''
  p.stdout!.setEncoding('utf8').on('data', (t: string) => { out += t })
  p.stderr!.setEncoding('utf8').on('data', (t: string) => { err += t })
  const exited = new Promise<number | null>((r) => p.on('exit', (code) => r(code)))

  const [, url] = await waitFor(() => out, /^peakmatch serve: listening on (http:\/\/127\.0\.0\.1:\d+) \(3 tracks\)$/m, p.stdout!)
  const call = async (path: string, body?: Buffer, type = FINGERPRINT_TYPE) => {
    const r = await fetch(url + path, body ? { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type } } : {})
    return { status: r.status, json: await r.json() as any }
  }

  expect(await call('/readyz')).toEqual({ status: 200, json: { status: 'ready' } })
  const match = await call('/v1/match', bytesOf(w.snippet))
  expect(match.json.matches).toEqual(JSON.parse(JSON.stringify(local.match(w.snippet))))
  const batch = await call('/v1/batch', batchOf({ v: 1, items: [{ op: 'identify', fingerprint: bytesOf(w.whole) }, { op: 'match', fingerprint: bytesOf(w.unknown) }] }), BATCH_TYPE)
  expect(batch.json.items).toEqual([{ ok: true, result: JSON.parse(JSON.stringify(local.identify(w.whole))) }, { ok: true, result: [] }])
  const tooMany = await call('/v1/batch', batchOf({ v: 1, items: Array.from({ length: 17 }, () => ({ op: 'match', fingerprint: bytesOf(w.snippet) })) }), BATCH_TYPE)
  expect([tooMany.status, tooMany.json.error.code]).toEqual([413, 'TOO_MANY_ITEMS'])

  // A rebuilt catalog file, swapped in on SIGHUP.
  local.add('unknown', w.unknown)
  saveCatalog(local, file)
  p.kill('SIGHUP')
  await waitFor(() => err, /reload \(SIGHUP\): 4 tracks/, p.stderr!)
  expect((await call('/v1/catalog')).json.stats.tracks).toBe(4)
  expect((await call('/v1/match', bytesOf(w.unknown))).json.matches[0].trackId).toBe('unknown')

  p.kill('SIGTERM')
  expect(await exited).toBe(0)
  expect(err).toMatch(/SIGTERM: finishing the requests under way, then stopping[\s\S]*requests answered \(2xx 5, 4xx 1\)[\s\S]*stopped/)
  expect(out.trim().split('\n')).toHaveLength(1)
})
