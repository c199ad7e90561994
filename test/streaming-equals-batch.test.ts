import { describe, expect, it } from 'vitest'
import { fingerprint, Fingerprinter, type Fingerprint } from '../src/index.js'
import { rng, synthMusic, type Audio } from './support/synth.js'

/** Chunk lengths for a stream of `total` samples, drawn from `next` until the total is reached. */
function schedule(total: number, next: (i: number) => number): number[] {
  const out: number[] = []
  for (let at = 0, i = 0; at < total; i++) {
    const n = Math.min(total - at, next(i))
    out.push(n)
    at += n
  }
  return out
}

const schedules: Record<string, (total: number) => number[]> = {
  'one sample at a time': (total) => schedule(total, () => 1),
  'chunks of 17': (total) => schedule(total, () => 17),
  'chunks of 4096': (total) => schedule(total, () => 4096),
  // 0-length chunks, primes, and one chunk bigger than the fingerprinter's internal block (2^15).
  'uneven chunks': (total) => {
    const rand = rng(total)
    return schedule(total, (i) => (i === 3 ? 70_001 : i % 5 === 2 ? 0 : 1 + Math.floor(rand() * 9000)))
  },
}

/** Pushes `audio` as stereo (or mono) channel arrays, cut by `lengths`. */
function streamChannels(audio: Audio, lengths: number[]): Fingerprint {
  const f = new Fingerprinter({ sampleRate: audio.sampleRate })
  let at = 0
  for (const n of lengths) {
    f.push(audio.channels.map((c) => c.subarray(at, at + n)))
    at += n
  }
  expect(at).toBe(audio.channels[0]!.length)
  return f.finish()
}

/** Pushes a mono signal as bare Float32Array chunks (copies, so no chunk aliases the whole). */
function streamMono(samples: Float32Array, sampleRate: number, lengths: number[]): Fingerprint {
  const f = new Fingerprinter({ sampleRate })
  let at = 0
  for (const n of lengths) {
    f.push(samples.slice(at, at + n))
    at += n
  }
  return f.finish()
}

describe.each([8000, 22050, 44100, 48000, 96000])('at %i Hz', (sampleRate) => {
  const stereo = synthMusic(7, 4, sampleRate, 2)
  const mono = synthMusic(8, 4, sampleRate, 1)
  const total = stereo.channels[0]!.length
  const batchStereo = fingerprint(stereo)
  const batchMono = fingerprint(mono)

  it('the batch fingerprint is not trivially empty', () => {
    // 4 s of music: dozens of landmarks; an empty result would make the comparisons below vacuous.
    expect(batchStereo.hashes.length).toBeGreaterThan(30)
    expect(batchMono.hashes.length).toBeGreaterThan(30)
  })

  it.each(Object.keys(schedules))('stereo channel arrays, %s', (name) => {
    const lengths = schedules[name]!(total)
    const streamed = streamChannels(stereo, lengths)
    expect(streamed.hashes).toEqual(batchStereo.hashes)
    expect(streamed.times).toEqual(batchStereo.times)
    expect(streamed.ranks).toEqual(batchStereo.ranks)
    expect(streamed.frameSeconds).toBe(batchStereo.frameSeconds)
    expect(streamed.durationSeconds).toBe(batchStereo.durationSeconds)
  })

  it.each(Object.keys(schedules))('mono Float32Array chunks, %s', (name) => {
    const streamed = streamMono(mono.channels[0]!, sampleRate, schedules[name]!(total))
    expect(streamed.hashes).toEqual(batchMono.hashes)
    expect(streamed.times).toEqual(batchMono.times)
    expect(streamed.ranks).toEqual(batchMono.ranks)
    expect(streamed.durationSeconds).toBe(batchMono.durationSeconds)
  })
})

describe('streams and inputs that must agree', () => {
  const audio = synthMusic(9, 5, 44100, 2)
  const batch = fingerprint(audio)

  it('an AudioBuffer-like input gives the same fingerprint as { sampleRate, channels }', () => {
    const buffer = {
      sampleRate: audio.sampleRate,
      numberOfChannels: audio.channels.length,
      getChannelData: (c: number) => audio.channels[c]!,
    }
    const fp = fingerprint(buffer)
    expect(fp.hashes).toEqual(batch.hashes)
    expect(fp.times).toEqual(batch.times)
  })

  it('reset() starts a new stream: the same audio again gives the same fingerprint', () => {
    const f = new Fingerprinter({ sampleRate: 44100 })
    f.push(synthMusic(10, 3, 44100, 2).channels)   // a different stream, abandoned unfinished
    f.reset()
    f.push(audio.channels)
    const first = f.finish()
    f.reset()
    f.push(audio.channels.map((c) => c.subarray(0, 100_000)))
    f.push(audio.channels.map((c) => c.subarray(100_000)))
    const second = f.finish()
    expect(first.hashes).toEqual(batch.hashes)
    expect(second.hashes).toEqual(batch.hashes)
    expect(second.times).toEqual(batch.times)
  })

  it('options reach the streaming path as they reach the batch path', () => {
    const options = { fanout: 5, neighborhoodBins: 6, threshold: 1.5 }
    const b = fingerprint(audio, options)
    const f = new Fingerprinter({ sampleRate: audio.sampleRate, ...options })
    for (let at = 0; at < audio.channels[0]!.length; at += 1000) f.push(audio.channels.map((c) => c.subarray(at, at + 1000)))
    const s = f.finish()
    expect(s.hashes).toEqual(b.hashes)
    expect(s.times).toEqual(b.times)
    expect(b.hashes).not.toEqual(batch.hashes)   // the options did change something
  })

  it('fingerprinting does not modify its input', () => {
    const bytes = (c: Float32Array) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)
    const copy = audio.channels.map((c) => Buffer.from(bytes(c)))
    fingerprint(audio)
    expect(audio.channels.map((c, i) => bytes(c).equals(copy[i]!))).toEqual([true, true])
  })
})
