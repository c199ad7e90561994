// Issue 12 (progress everywhere): not on a terminal (cron, `| tee log`, CI) the CLI prints one
// line per file as it finishes, never silence until the end; with --json those lines go to stderr
// and stdout stays one JSON document; after Ctrl-C the summary counts what was really done and
// speaks of the cache only when one was used. In-process (support.ts `cli` passes tty: false).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main, type Io } from '../../packages/node/src/cli.js'
import { progressMode, progressReporter } from '../../packages/node/src/commands/progress.js'
import { scanSummaryText } from '../../packages/node/src/report.js'
import type { Progress, ScanFileResult, ScanResult } from '../../packages/node/src/scan.js'
import { DEFAULT_FRONT_END } from '../../src/index.js'
import { WORKER_SCRIPT, cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
/** `[ k/N] …` lines. */
const FILE_LINE = /^\[\s*(\d+)\/(\d+)\] (\S+)\s+(.*)$/
const fileLines = (text: string) => text.split('\n').filter((l) => FILE_LINE.test(l)).map((l) => FILE_LINE.exec(l)!)

beforeAll(async () => {
  const r = await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')
  expect(r.code, r.err).toBe(0)
})

describe('not on a terminal: one line per file as it finishes', () => {
  it('scan: each audio file gets one line, numbered in walk order, written before the summary', async () => {
    // Each write is recorded on its own, so "before the summary" is about when it was written.
    const writes: string[] = []
    const io: Io = { out: (t) => { writes.push(t) }, err: () => {}, tty: false, workerScript: WORKER_SCRIPT, heartbeatSeconds: 0 }
    const code = await main(['scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '2'], io)
    expect(code).toBe(1)
    const summaryAt = writes.findIndex((w) => /audio files scanned/.test(w))
    expect(summaryAt).toBeGreaterThan(0)
    const lines = fileLines(writes.slice(0, summaryAt).join(''))
    expect(lines.map((m) => `${m[1]}/${m[2]}`)).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}/10`))
    expect(writes.slice(summaryAt).some((w) => FILE_LINE.test(w))).toBe(false)
    // Paths relative to the one directory given, each file once, in the order of the report.
    const json = await cli('scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json')
    const reported = (json.json().files as ScanFileResult[]).filter((f) => f.status !== 'skipped').map((f) => f.path.slice(world.library.length + 1))
    expect(lines.map((m) => m[4]!.split(/[ :]/)[0])).toEqual(reported)
    expect(lines.find((m) => m[4]!.startsWith('album/song-a.mp3'))![3]).toBe('matched')
    expect(lines.find((m) => m[4]!.startsWith('notes.mp3'))![0]).toMatch(/unreadable\s+notes\.mp3: not-audio/)
  })

  it('scan --json: stdout is one JSON document, the lines go to stderr', async () => {
    const r = await cli('scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json')
    expect(r.code).toBe(1)
    const report = r.json()   // throws unless stdout is exactly one JSON document
    expect(report.summary.files).toBe(10)
    expect(fileLines(r.out)).toEqual([])
    const lines = fileLines(r.err)
    expect(lines.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(lines.map((m) => m[3])).toEqual((report.files as ScanFileResult[]).filter((f) => f.status !== 'skipped').map((f) => f.status))
  })

  it('scan -v does not print every file twice', async () => {
    const r = await cli('scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '0', '-v')
    expect(r.out.split('\n').filter((l) => l.includes('song-a.mp3'))).toHaveLength(1)
    expect(fileLines(r.out)).toHaveLength(10)
    // The problems are listed again above the summary (they are easy to miss in a long log).
    expect(r.out.split('\n').filter((l) => l.includes('notes.mp3'))).toHaveLength(2)
  })

  it('catalog build: a line per file, added or unreadable', async () => {
    const r = await cli('catalog', 'build', world.library, '-o', join(world.dir, 'library.pmx'), '--jobs', '2')
    expect(r.code).toBe(1)
    const lines = fileLines(r.out)
    expect(lines.map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(lines.filter((m) => m[3] === 'added')).toHaveLength(7)
    expect(lines.filter((m) => m[3] === 'unreadable')).toHaveLength(3)
    expect(lines.find((m) => m[4]!.startsWith('album/song-b.ogg'))![3]).toBe('added')
    expect(r.out.indexOf('[10/10]')).toBeLessThan(r.out.indexOf('files added in'))
  })

  it('catalog build --json: the lines go to stderr', async () => {
    const r = await cli('catalog', 'build', world.masters, '-o', join(world.dir, 'again.pmx'), '--editions', world.editions, '--jobs', '0', '--json')
    expect(r.code).toBe(0)
    expect(r.json().summary.added).toBe(3)
    expect(fileLines(r.err).map((m) => m[0])).toEqual(['[1/3] added       a.wav (recording rec-a)', '[2/3] added       b.wav (recording rec-b)', '[3/3] added       c.wav'])
  })
})

describe('the heartbeat while one file takes long', () => {
  const event = (p: Partial<Progress>): Progress => ({ done: 0, total: 14, bytesDone: 0, bytesTotal: 1, audioSecondsDone: 0, path: '/lib/big.flac', stage: 'reading', fileAudioSeconds: 0, ...p })

  it('says which file is being read and how much of it, when no line came since the last tick', () => {
    let out = ''
    const io: Io = { out: (t) => { out += t }, err: () => {}, tty: false, heartbeatSeconds: 0 }
    const r = progressReporter<string>(io, { label: 'scanning', json: false, line: (s) => s, name: (p) => p.replace('/lib/', '') })
    r.progress(event({ stage: 'started' }))
    r.progress(event({ fileAudioSeconds: 720, done: 3 }))
    r.beat()
    expect(out).toBe('… reading big.flac: 12 min 00 s of audio so far (3 of 14 files done)\n')
    r.file('matched     small.mp3', 4, 14)
    out = ''
    r.beat()   // a line came since the last tick: nothing to add
    expect(out).toBe('')
    r.beat()
    expect(out).toMatch(/^… reading big\.flac: /)
    r.progress(event({ stage: 'finished', done: 5 }))
    out = ''
    r.beat()   // nothing in flight
    expect(out).toBe('')
    r.stop()
  })

  it('goes to stderr with --json', () => {
    let out = '', err = ''
    const io: Io = { out: (t) => { out += t }, err: (t) => { err += t }, tty: false, heartbeatSeconds: 0 }
    const r = progressReporter<string>(io, { label: 'scanning', json: true, line: (s) => s, name: (p) => p })
    r.progress(event({ stage: 'started' }))
    r.beat()
    r.file('matched     x', 1, 14)
    r.stop()
    expect(out).toBe('')
    expect(err).toBe('… reading /lib/big.flac: 0.0 s of audio so far (0 of 14 files done)\n[ 1/14] matched     x\n')
  })
})

describe('where the progress goes', () => {
  it('a bar when its reader and stderr are terminals; lines otherwise', () => {
    const io = (tty: boolean, errTty?: boolean): Io => ({ out: () => {}, err: () => {}, tty, ...(errTty === undefined ? {} : { errTty }) })
    expect(progressMode(io(true, true), false)).toBe('bar')
    expect(progressMode(io(true), false)).toBe('bar')          // errTty defaults to tty
    expect(progressMode(io(false, true), false)).toBe('lines')  // scan | tee log
    expect(progressMode(io(true, false), false)).toBe('lines')  // scan 2> err.log: the bar could not be drawn
    expect(progressMode(io(false, true), true)).toBe('bar')     // scan --json > r.json, in a terminal
    expect(progressMode(io(true, false), true)).toBe('lines')   // --json, stderr to a file: lines there
    expect(progressMode(io(false), true)).toBe('lines')
  })
})

describe('the summary after Ctrl-C', () => {
  const file = (i: number, status: ScanFileResult['status']): ScanFileResult => ({ path: `/lib/${i}.mp3`, sizeBytes: 1000, status, cached: false })
  const result = (cache: boolean): ScanResult => ({
    files: [...Array.from({ length: 8 }, (_, i) => file(i, i < 6 ? 'matched' : 'unmatched')), file(99, 'skipped')],
    summary: {
      files: 14, matched: 6, snippets: 0, upgradable: 0, unmatched: 2, unmatchedBytes: 2000, ambiguous: 0, failed: 0, unreadable: 0, skipped: 1, ignored: 0,
      fingerprinted: cache ? 5 : 8, fromCache: cache ? 3 : 0, audioSeconds: 480, elapsedSeconds: 17,
      ...(cache ? { cache: { hits: 3, misses: 5, dropped: 0, reset: false } } : {}),
    },
    interrupted: true, warnings: [], frontEnd: DEFAULT_FRONT_END,
  })

  it('counts the files done, and mentions the cache that was used', () => {
    const text = scanSummaryText(result(true))
    expect(text.split('\n')[0]).toBe('8 of 14 audio files scanned in 17.0 s (8 min 00 s of audio; 5 fingerprinted, 3 from cache)')
    expect(text).toMatch(/interrupted: 6 files not scanned; run the scan again to finish — the cache keeps the files done/)
  })

  it('says nothing about a cache with --no-cache', () => {
    const text = scanSummaryText(result(false))
    expect(text.split('\n')[0]).toBe('8 of 14 audio files scanned in 17.0 s (8 min 00 s of audio; 8 fingerprinted)')
    expect(text).toMatch(/interrupted: 6 files not scanned; run the scan again to finish\)/)
    expect(text).not.toMatch(/cache/i)
  })

  it('a finished scan says "14 audio files", not "14 of 14"', () => {
    const r = result(true)
    r.interrupted = false
    expect(scanSummaryText(r)).toMatch(/^14 audio files scanned in/)
    expect(scanSummaryText(r)).not.toMatch(/interrupted/)
  })

  it('catalog build, interrupted in-process: counts the files read, and the catalog is not written', async () => {
    const controller = new AbortController()
    let err = ''
    const io: Io = {
      out: () => {}, err: (t) => { err += t }, tty: false, signal: controller.signal, workerScript: WORKER_SCRIPT, heartbeatSeconds: 0,
    }
    // Abort as soon as the first file's line is written: the files in flight still finish.
    let lines = 0
    io.out = (t) => { if (FILE_LINE.test(t.trim())) { lines++; controller.abort() } }
    // Twelve files of equal length: the second lane cannot have read them all while the first reads one.
    const twelve = join(world.dir, 'twelve')
    mkdirSync(twelve)
    for (let i = 0; i < 12; i++) copyFileSync(join(world.masters, 'a.wav'), join(twelve, `t${String(i).padStart(2, '0')}.wav`))
    const code = await main(['catalog', 'build', twelve, '-o', join(world.dir, 'never.pmx'), '--jobs', '0'], io)
    expect(code).toBe(130)
    expect(existsSync(join(world.dir, 'never.pmx'))).toBe(false)
    const m = /interrupted: (\d+) of 12 audio files read; the catalog .*never\.pmx was not written/.exec(err)
    expect(m, err).not.toBeNull()
    expect(Number(m![1])).toBe(lines)
    expect(lines).toBeLessThan(12)
    expect(err).not.toMatch(/cache/i)
  })
})
