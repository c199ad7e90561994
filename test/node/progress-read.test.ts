// Issue 12 (progress everywhere): a file's progress comes from inside its decoding, so a bar moves
// during one long file. readAudioFile reports bytes consumed and seconds decoded, throttled; the
// worker pool forwards it from its threads; readFiles folds it into the run's Progress. Only the
// order and the values of the reports are asserted, never when they come.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FingerprintCache } from '../../packages/node/src/cache.js'
import { WorkerPool } from '../../packages/node/src/pool.js'
import { readAudioFile, type ReadProgress } from '../../packages/node/src/read.js'
import { buildCatalog, type Progress } from '../../packages/node/src/scan.js'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { WORKER_SCRIPT } from './support.js'

const dir = mkdtempSync(join(tmpdir(), 'peakmatch-progress-'))
const lib = join(dir, 'lib')
/** Two long-ish files (a minute and 45 s of 22.05 kHz mono: 2.6 MB and 2 MB) and a short one. */
const long = join(lib, 'a-long.wav'), other = join(lib, 'b-other.wav'), short = join(lib, 'c-short.wav')
const seconds: Record<string, number> = { [long]: 60, [other]: 45, [short]: 3 }

beforeAll(() => {
  mkdirSync(lib)
  writeFileSync(long, encodeWav(synthMusic(1201, 60, 22050, 1)))
  writeFileSync(other, encodeWav(synthMusic(1202, 45, 22050, 1)))
  writeFileSync(short, encodeWav(synthMusic(1203, 3, 22050, 1)))
})
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

/** The reports of one file: each number never decreases, the last is the whole file. */
function expectWholeFile(calls: ReadProgress[], path: string, durationSeconds: number): void {
  const size = statSync(path).size
  expect(calls.length).toBeGreaterThan(2)
  for (let i = 1; i < calls.length; i++) {
    expect(calls[i]!.bytesRead).toBeGreaterThanOrEqual(calls[i - 1]!.bytesRead)
    expect(calls[i]!.audioSeconds).toBeGreaterThanOrEqual(calls[i - 1]!.audioSeconds)
  }
  // Before the end it really is in the middle of the file: the first report is a step, not the whole.
  expect(calls[0]!.bytesRead).toBeGreaterThan(0)
  expect(calls[0]!.bytesRead).toBeLessThan(size)
  expect(calls[0]!.audioSeconds).toBeGreaterThan(0)
  expect(calls[0]!.audioSeconds).toBeLessThan(durationSeconds)
  expect(calls.at(-1)).toEqual({ bytesRead: size, audioSeconds: durationSeconds })
}

describe('readAudioFile onProgress', () => {
  it('reports increasing bytes and seconds, ending at the file size and duration', async () => {
    const calls: ReadProgress[] = []
    const r = await readAudioFile(long, { onProgress: (p) => calls.push({ ...p }) })
    expect(r.info.durationSeconds).toBe(60)
    expectWholeFile(calls, long, 60)
  })

  it('is throttled: a report per 10 s of audio or 1 MB, not per 64 KB chunk', async () => {
    const calls: ReadProgress[] = []
    await readAudioFile(long, { onProgress: (p) => calls.push({ ...p }) })
    const chunks = Math.ceil(statSync(long).size / 65536)
    expect(chunks).toBeGreaterThan(30)
    // 60 s of audio in steps of at least 10 s (or 1 MB of the file), plus the final report.
    expect(calls.length).toBeLessThanOrEqual(7)
    for (let i = 1; i < calls.length - 1; i++) {
      const stepSeconds = calls[i]!.audioSeconds - calls[i - 1]!.audioSeconds
      const stepBytes = calls[i]!.bytesRead - calls[i - 1]!.bytesRead
      expect(stepSeconds >= 10 || stepBytes >= 1 << 20).toBe(true)
    }
  })

  it('gives the same fingerprint with or without it', async () => {
    const a = await readAudioFile(short)
    const b = await readAudioFile(short, { onProgress: () => {} })
    expect(b.fp.hashes).toEqual(a.fp.hashes)
  })
})

describe('WorkerPool.read forwards the progress', () => {
  it('from two worker threads at once (jobs = 2), each file to its own callback', async () => {
    const pool = new WorkerPool(2, WORKER_SCRIPT)
    try {
      const calls: Record<string, ReadProgress[]> = { [long]: [], [other]: [] }
      const [a, b] = await Promise.all([long, other].map((f) => pool.read(f, (p) => calls[f]!.push(p))))
      expect(a!.info.durationSeconds).toBe(60)
      expect(b!.info.durationSeconds).toBe(45)
      expectWholeFile(calls[long]!, long, 60)
      expectWholeFile(calls[other]!, other, 45)
    } finally {
      await pool.close()
    }
  })

  it('in the calling thread (jobs = 0)', async () => {
    const pool = new WorkerPool(0)
    const calls: ReadProgress[] = []
    await pool.read(long, (p) => calls.push({ ...p }))
    expectWholeFile(calls, long, 60)
    await pool.close()
  })
})

describe("readFiles' Progress (through buildCatalog)", () => {
  const sizes = () => Object.fromEntries([long, other, short].map((f) => [f, statSync(f).size]))
  const total = () => Object.values(sizes()).reduce((s, n) => s + n, 0)

  it('counts the bytes and seconds of the files in flight, and ends at the totals', async () => {
    const events: Progress[] = []
    const files: string[] = []
    const r = await buildCatalog([lib], { jobs: 1, workerScript: WORKER_SCRIPT, onProgress: (p) => events.push(p), onFile: (f, done, n) => files.push(`${done}/${n} ${f.trackId}`) })
    expect(r.summary.added).toBe(3)
    expect(files).toEqual(['1/3 a-long.wav', '2/3 b-other.wav', '3/3 c-short.wav'])
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.bytesDone).toBeGreaterThanOrEqual(events[i - 1]!.bytesDone)
      expect(events[i]!.audioSecondsDone).toBeGreaterThanOrEqual(events[i - 1]!.audioSecondsDone)
      expect(events[i]!.done).toBeGreaterThanOrEqual(events[i - 1]!.done)
    }
    // The bar moves while the first (long) file decodes, before any file is finished.
    const during = events.filter((e) => e.stage === 'reading' && e.path === long && e.done === 0)
    expect(during.length).toBeGreaterThan(1)
    expect(during.some((e) => e.bytesDone > 0 && e.bytesDone < sizes()[long]!)).toBe(true)
    expect(during.some((e) => e.audioSecondsDone > 0 && e.audioSecondsDone < 60)).toBe(true)
    for (const e of events) expect(e.bytesDone).toBeLessThanOrEqual(total())
    // Every file is taken up, then finished with its whole length.
    for (const f of [long, other, short]) {
      const stages = events.filter((e) => e.path === f).map((e) => e.stage)
      expect(stages[0]).toBe('started')
      expect(stages.at(-1)).toBe('finished')
      expect(events.find((e) => e.path === f && e.stage === 'finished')!.fileAudioSeconds).toBe(seconds[f])
    }
    expect(events.at(-1)).toMatchObject({ done: 3, total: 3, bytesDone: total(), bytesTotal: total(), audioSecondsDone: 108 })
  })

  it('a cached file advances by its whole size at once', async () => {
    const cache = await FingerprintCache.open(join(dir, 'cache.lmdb'))
    await buildCatalog([lib], { jobs: 1, workerScript: WORKER_SCRIPT, cache })
    await cache.save()
    const again = await FingerprintCache.open(join(dir, 'cache.lmdb'))
    const events: Progress[] = []
    const r = await buildCatalog([lib], { jobs: 1, workerScript: WORKER_SCRIPT, cache: again, onProgress: (p) => events.push(p) })
    await again.close()
    expect(r.files.every((f) => f.cached)).toBe(true)
    expect(events.filter((e) => e.stage === 'reading')).toEqual([])
    const finished = events.filter((e) => e.stage === 'finished')
    expect(finished).toHaveLength(3)
    for (const e of finished) expect(e.fileAudioSeconds).toBe(seconds[e.path])
    // Each finished file moved bytesDone by exactly its size (no in-flight bytes are ever counted).
    let prev = 0
    for (const e of events) {
      if (e.stage === 'finished') { expect(e.bytesDone - prev).toBe(sizes()[e.path]); prev = e.bytesDone }
      else expect(e.bytesDone).toBe(prev)
    }
  })
})
