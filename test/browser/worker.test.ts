import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openPage, type Session } from './support.js'

let s: Session
beforeAll(async () => { s = await openPage() })
afterAll(async () => { await s?.close() })

describe('FingerprintWorker in Chromium (peakmatch/worker)', () => {
  it('transfers audio to the worker and the fingerprint back, copies only when asked or when it must', async () => {
    const r = await s.page.evaluate(async () => {
      type Fp = { hashes: Uint32Array; times: Uint32Array; durationSeconds: number }
      const pm = (window as unknown as { __peakmatch: {
        fingerprint(a: unknown): Fp
        worker: { fingerprint(a: unknown, o?: { transfer?: boolean }): Promise<Fp>; stream(o: { sampleRate: number; windowSeconds?: number }): { push(c: Float32Array): void; snapshot(): Promise<Fp & { startSeconds: number }>; finish(): Promise<Fp> } }
      } }).__peakmatch
      const tone = (n: number, rate: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(i * 0.05) * Math.sin(i * 0.0007) + 0.2 * Math.sin(i * 0.21 + Math.sin(i * 0.0003) * 40))
      const same = (a: Fp, b: Fp) => a.hashes.length === b.hashes.length && a.hashes.every((h, i) => h === b.hashes[i] && a.times[i] === b.times[i])
      const signal = tone(8 * 22050, 22050)
      const expected = pm.fingerprint({ sampleRate: 22050, channels: [signal] })

      const moved = signal.slice()
      const fp1 = await pm.worker.fingerprint({ sampleRate: 22050, channels: [moved] })
      const kept = signal.slice()
      const fp2 = await pm.worker.fingerprint({ sampleRate: 22050, channels: [kept] }, { transfer: false })
      // A view into part of a bigger buffer: only its samples are copied and sent; the buffer stays.
      const big = new Float32Array(signal.length + 1000)
      big.set(signal, 500)
      const view = big.subarray(500, 500 + signal.length)
      const fp3 = await pm.worker.fingerprint({ sampleRate: 22050, channels: [view] })
      // An AudioBuffer keeps its data (one copy is sent).
      const ab = new AudioBuffer({ length: signal.length, sampleRate: 22050, numberOfChannels: 1 })
      ab.copyToChannel(signal, 0)
      const fp4 = await pm.worker.fingerprint(ab)

      let error: { name: string; code?: string; message: string } | null = null
      try {
        const bad = signal.slice(); bad[1234] = NaN
        await pm.worker.fingerprint({ sampleRate: 22050, channels: [bad] })
      } catch (e) {
        error = { name: (e as Error).name, code: (e as { code?: string }).code, message: (e as Error).message }
      }

      // A stream: push 8 s in 0.5 s chunks; a snapshot of a 4 s window holds the settled hashes
      // of the last 4 s: the slice of finish() from 4 s on, with times counted from 4 s.
      const stream = pm.worker.stream({ sampleRate: 22050, windowSeconds: 4 })
      const half = 11025
      for (let at = 0; at < signal.length; at += half) stream.push(signal.slice(at, at + half))
      const snap = await stream.snapshot()
      const whole = await stream.finish()
      const startFrame = Math.round(snap.startSeconds / 0.016)
      let from = 0
      while (from < whole.times.length && whole.times[from]! < startFrame) from++
      const snapSlice = snap.hashes.length > 0 && snap.hashes.length < whole.hashes.length - from &&
        snap.hashes.every((h, i) => h === whole.hashes[from + i] && snap.times[i] === whole.times[from + i]! - startFrame)
      return {
        hashes: expected.hashes.length,
        transferred: moved.length === 0 && moved.buffer.byteLength === 0, fp1: same(fp1, expected),
        keptIntact: kept.length === signal.length, fp2: same(fp2, expected),
        bigIntact: big.length === signal.length + 1000, fp3: same(fp3, expected),
        audioBufferIntact: ab.getChannelData(0)[100] === signal[100], fp4: same(fp4, expected),
        resultIsTransferredTypedArray: fp1.hashes instanceof Uint32Array,
        error,
        snapStart: snap.startSeconds, snapDuration: snap.durationSeconds, snapSlice, streamSame: same(whole, expected),
      }
    })
    expect(r.hashes).toBeGreaterThan(100)
    expect(r).toMatchObject({
      transferred: true, fp1: true, keptIntact: true, fp2: true, bigIntact: true, fp3: true,
      audioBufferIntact: true, fp4: true, resultIsTransferredTypedArray: true,
      snapStart: 4, snapDuration: 4, snapSlice: true, streamSame: true,
    })
    expect(r.error).toMatchObject({ name: 'PeakmatchError', code: 'INVALID_AUDIO' })
    expect(r.error!.message).toContain('sample 1234')
  })
})
