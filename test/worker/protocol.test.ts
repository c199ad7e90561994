/**
 * peakmatch/worker's protocol in Node: FingerprintWorker talks to serveFingerprinting through
 * a MessageChannel and through a real worker thread (test/support/worker-endpoints.ts), so the
 * client, the worker and the structured-clone boundary between them run without a browser.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Fingerprinter, PeakmatchError, fingerprint, type ErrorCode, type Fingerprint } from '../../src/index.js'
import { FingerprintWorker, type WorkerLike } from '../../src/worker/index.js'
import { expectCode } from '../support/errors.js'
import { synthMusic } from '../support/synth.js'
import { channelWorker, threadWorker } from '../support/worker-endpoints.js'

async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCode): Promise<PeakmatchError> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error, `expected a rejection with ${code}`).toBeInstanceOf(PeakmatchError)
  expect((error as PeakmatchError).name).toBe('PeakmatchError')
  expect((error as PeakmatchError).code).toBe(code)
  return error as PeakmatchError
}

/** Copies of `channels` from sample `from` for `n` samples: the worker is handed (and detaches) its own. */
const cut = (channels: Float32Array[], from: number, n: number) => channels.map((c) => c.slice(from, from + n))

/** Uneven chunk sizes, cycled: a render quantum, a worklet block, an odd size, a second at 44.1 kHz. */
const SIZES = [128, 4096, 1000, 44100, 777]

/** Index of the first hash anchored at or after `frame`. */
const firstAt = (fp: Fingerprint, frame: number) => { let i = 0; while (i < fp.times.length && fp.times[i]! < frame) i++; return i }

const endpoints: [string, () => WorkerLike][] = [
  ['a MessageChannel', channelWorker],
  ['a worker thread', () => threadWorker().worker],
]

describe.each(endpoints)('FingerprintWorker ↔ serveFingerprinting over %s', (_, connect) => {
  let fw: FingerprintWorker
  afterEach(() => fw?.terminate())

  it('fingerprint() equals fingerprint() in this thread, bit for bit', async () => {
    fw = new FingerprintWorker(connect())
    for (const audio of [synthMusic(51, 12, 44100, 2), synthMusic(52, 9, 22050, 1)]) {
      const expected = fingerprint(audio)
      const moved = audio.channels.map((c) => c.slice())
      const got = await fw.fingerprint({ sampleRate: audio.sampleRate, channels: moved })
      expect(got.hashes.length).toBeGreaterThan(200)
      expect(got).toEqual(expected)                        // hashes, times, ranks, frameSeconds, durationSeconds
      expect(got.hashes).toBeInstanceOf(Uint32Array)
      expect(moved[0]!.length).toBe(0)                     // transferred, not copied
    }
  })

  it('a stream: finish() equals a Fingerprinter fed the same chunks, and snapshot() is the rebased slice of it', async () => {
    fw = new FingerprintWorker(connect())
    const audio = synthMusic(53, 30, 44100, 2)
    const rate = audio.sampleRate, total = audio.channels[0]!.length
    const WINDOW = 5
    const stream = fw.stream({ sampleRate: rate, windowSeconds: WINDOW })
    const local = new Fingerprinter({ sampleRate: rate })
    const snaps: { pushed: number; settled: number; snap: Awaited<ReturnType<typeof stream.snapshot>> }[] = []
    let at = 0, k = 0, nextSnap = 7 * rate
    while (at < total) {
      const n = Math.min(SIZES[k++ % SIZES.length]!, total - at)
      stream.push(cut(audio.channels, at, n))
      local.push(cut(audio.channels, at, n))
      at += n
      if (at >= nextSnap) {
        const snap = await stream.snapshot()
        const pushed = at / rate
        snaps.push({ pushed, settled: local.snapshot(snap.startSeconds).hashes.length, snap })
        nextSnap += 3.3 * rate
      }
    }
    const all = await stream.finish()
    expect(all).toEqual(local.finish())
    expect(snaps.length).toBeGreaterThanOrEqual(7)
    for (const { pushed, settled, snap } of snaps) {
      // The window starts at the first whole frame at or after pushed − windowSeconds.
      const startFrame = Math.round(snap.startSeconds / all.frameSeconds)
      expect(startFrame * all.frameSeconds).toBeCloseTo(snap.startSeconds, 9)
      expect(snap.startSeconds).toBeGreaterThanOrEqual(pushed - WINDOW - 1e-9)
      expect(snap.startSeconds).toBeLessThan(pushed - WINDOW + all.frameSeconds)
      expect(snap.durationSeconds).toBeCloseTo(pushed - snap.startSeconds, 9)
      expect(snap.frameSeconds).toBe(all.frameSeconds)
      // Exactly the settled hashes from the window's start on, times counted from there.
      expect(snap.hashes.length).toBe(settled)
      expect(settled).toBeGreaterThan(40)
      const from = firstAt(all, startFrame)
      expect(from).toBeGreaterThan(0)                       // the window really leaves the start out
      expect(snap.hashes).toEqual(all.hashes.slice(from, from + settled))
      expect(snap.ranks).toEqual(all.ranks!.slice(from, from + settled))
      expect(snap.times).toEqual(all.times.slice(from, from + settled).map((t) => t - startFrame))
    }
  })

  it('a mono-then-stereo stream: snapshot() is a prefix of finish(), which equals Fingerprinter on the same chunks', async () => {
    // The left and right channels are different pieces, so a downmix that kept only channel 0
    // of the stereo chunks (the old snapshot's) gives other hashes than Fingerprinter's average.
    fw = new FingerprintWorker(connect())
    const left = synthMusic(54, 12, 48000, 1).channels[0]!, right = synthMusic(55, 12, 48000, 1).channels[0]!
    const rate = 48000, monoEnd = 4 * rate
    const stream = fw.stream({ sampleRate: rate, windowSeconds: 20 })
    const local = new Fingerprinter({ sampleRate: rate })
    for (let at = 0; at < left.length; at += 4096) {
      const n = Math.min(4096, left.length - at)
      const chunk = at < monoEnd ? [left.slice(at, at + n)] : [left.slice(at, at + n), right.slice(at, at + n)]
      stream.push(chunk.map((c) => c.slice()))
      local.push(chunk)
    }
    const snap = await stream.snapshot()
    const settled = local.snapshot()
    const all = await stream.finish()
    expect(all).toEqual(local.finish())
    expect(snap.startSeconds).toBe(0)
    // The measure: how many snapshot hashes finish() also has (171 of 407 before the fix).
    const final = new Set<string>()
    for (let i = 0; i < all.hashes.length; i++) final.add(`${all.hashes[i]}@${all.times[i]}`)
    let shared = 0
    for (let i = 0; i < snap.hashes.length; i++) if (final.has(`${snap.hashes[i]}@${snap.times[i]}`)) shared++
    expect(`${shared} of ${snap.hashes.length}`).toBe(`${snap.hashes.length} of ${snap.hashes.length}`)
    expect(snap.hashes.length).toBe(settled.hashes.length)
    expect(snap.hashes.length).toBeGreaterThan(all.hashes.length * 0.8)
    expect(snap.hashes).toEqual(all.hashes.slice(0, snap.hashes.length))
    expect(snap.times).toEqual(all.times.slice(0, snap.times.length))
  })

  it('errors keep their PeakmatchError code across the boundary', async () => {
    fw = new FingerprintWorker(connect())
    const signal = synthMusic(56, 3, 22050, 1).channels[0]!
    const bad = signal.slice(); bad[1234] = NaN
    const e1 = await rejectsWithCode(fw.fingerprint({ sampleRate: 22050, channels: [bad] }), 'INVALID_AUDIO')
    expect(e1.message).toContain('sample 1234')

    // A NaN in a pushed chunk surfaces at the next snapshot() …
    const s1 = fw.stream({ sampleRate: 22050 })
    s1.push(signal.slice(0, 10000))
    const chunk = signal.slice(10000, 20000); chunk[5] = NaN
    s1.push(chunk)
    s1.push(signal.slice(20000))
    const e2 = await rejectsWithCode(s1.snapshot(), 'INVALID_AUDIO')
    expect(e2.message).toContain('sample 10005')             // its position in the stream
    await rejectsWithCode(s1.finish(), 'STREAM_FINISHED')     // the failed stream is gone
    // … or at finish(); Infinity is no better than NaN.
    const s2 = fw.stream({ sampleRate: 22050 })
    const inf = signal.slice(); inf[40000] = Infinity
    s2.push(inf)
    const e3 = await rejectsWithCode(s2.finish(), 'INVALID_AUDIO')
    expect(e3.message).toContain('sample 40000')

    // Bad options: rejected in the worker (sample rate) or before posting (window).
    await rejectsWithCode(fw.stream({ sampleRate: 1000 }).snapshot(), 'INVALID_SAMPLE_RATE')
    await rejectsWithCode(fw.fingerprint({ sampleRate: 44100, channels: [new Float32Array(10), new Float32Array(11)] }), 'INVALID_AUDIO')
    for (const w of [0, -1, NaN]) expectCode(() => fw.stream({ sampleRate: 8000, windowSeconds: w }), 'INVALID_OPTIONS')

    // The worker keeps serving after all of that.
    expect(await fw.fingerprint({ sampleRate: 22050, channels: [signal.slice()] })).toEqual(fingerprint({ sampleRate: 22050, channels: [signal] }))
  })

  it('push, snapshot or finish after finish() or close(): STREAM_FINISHED', async () => {
    fw = new FingerprintWorker(connect())
    const s = fw.stream({ sampleRate: 8000 })
    s.push(new Float32Array(8000))
    const fp = await s.finish()
    expect(fp.durationSeconds).toBe(1)
    expect(fp.hashes.length).toBe(0)                         // silence: empty, not an error
    expect(expectCode(() => s.push(new Float32Array(8000)), 'STREAM_FINISHED').message).toContain('push() after finish()')
    await rejectsWithCode(s.snapshot(), 'STREAM_FINISHED')
    await rejectsWithCode(s.finish(), 'STREAM_FINISHED')
    const c = fw.stream({ sampleRate: 8000 })
    c.close()
    expectCode(() => c.push(new Float32Array(10)), 'STREAM_FINISHED')
    await rejectsWithCode(c.snapshot(), 'STREAM_FINISHED')
  })

  it('terminate() rejects the pending requests, and every later one', async () => {
    fw = new FingerprintWorker(connect())
    const long = synthMusic(57, 60, 44100, 2)
    const s = fw.stream({ sampleRate: 44100 })
    s.push(cut(long.channels, 0, 44100 * 5))
    const pending = [fw.fingerprint(long, { transfer: false }), s.snapshot(), s.finish()]
    fw.terminate()
    for (const p of pending) {
      const error = await p.then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).message).toBe('fingerprint worker terminated')
    }
    const later = await fw.fingerprint({ sampleRate: 8000, channels: [new Float32Array(800)] }).then(() => null, (e: unknown) => e)
    expect((later as Error).message).toBe('fingerprint worker terminated')
  })
})

describe('a worker thread, terminated', () => {
  it('exits, and the request it was working on rejects', async () => {
    const { worker, exited } = threadWorker()
    const fw = new FingerprintWorker(worker)
    const audio = synthMusic(58, 3, 44100, 1)
    expect(await fw.fingerprint(audio, { transfer: false })).toEqual(fingerprint(audio))   // the thread is up
    const long = synthMusic(59, 120, 44100, 1)
    const pending = fw.fingerprint(long)                  // about 0.2 s of work in the thread
    await new Promise((r) => setTimeout(r, 20))
    fw.terminate()
    await expect(pending).rejects.toThrow('fingerprint worker terminated')
    expect(await exited).toBe(1)                           // node:worker_threads' code for a terminated thread
  })
})
