import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fingerprint, FRAME_SECONDS } from '../../src/index.js'
import { crc32 } from '../../src/crc32.js'
import { u32Bytes } from '../support/reference.js'
import { synthMusic } from '../support/synth.js'

/**
 * Golden fingerprint of one seeded signal (as Chromaprint's fpcalc.out): any change to the
 * front end (resampler, STFT, peaks, pairing, hash layout) changes it. When such a change is
 * intended, regenerate the file and commit it with the change:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/fingerprint/golden.test.ts
 *
 * Without UPDATE_GOLDEN the file is only read, and compared exactly.
 */
const GOLDEN = fileURLToPath(new URL('./golden.json', import.meta.url))

interface Golden {
  signal: string
  frameSeconds: number
  durationSeconds: number
  count: number
  /** CRC-32 of the hashes / times as little-endian uint32. */
  hashesCrc32: number
  timesCrc32: number
  /** CRC-32 of the target ranks, when the fingerprint has them. */
  ranksCrc32: number | null
  firstHashes: number[]
  firstTimes: number[]
}

function compute(): Golden {
  const fp = fingerprint(synthMusic(42, 20, 44100, 2))
  return {
    signal: 'synthMusic(42, 20, 44100, 2)',
    frameSeconds: fp.frameSeconds,
    durationSeconds: fp.durationSeconds,
    count: fp.hashes.length,
    hashesCrc32: crc32(u32Bytes(fp.hashes)),
    timesCrc32: crc32(u32Bytes(fp.times)),
    ranksCrc32: fp.ranks ? crc32(fp.ranks) : null,
    firstHashes: Array.from(fp.hashes.subarray(0, 8)),
    firstTimes: Array.from(fp.times.subarray(0, 8)),
  }
}

describe('golden fingerprint of synthMusic(42, 20) at 44100 Hz stereo', () => {
  const actual = compute()
  if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`)

  it('has a sane number of landmarks for 20 s of music', () => {
    // 10..400 landmarks a second: fewer means peaks are lost, more means noise is hashed.
    expect(actual.count).toBeGreaterThanOrEqual(200)
    expect(actual.count).toBeLessThanOrEqual(8000)
    expect(actual.durationSeconds).toBe(20)
    expect(actual.frameSeconds).toBe(FRAME_SECONDS)
  })

  it('matches test/fingerprint/golden.json exactly', () => {
    expect(existsSync(GOLDEN), 'golden.json is missing: run with UPDATE_GOLDEN=1 once').toBe(true)
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden
    expect(actual).toEqual(golden)
  })

  it('is the same on a second run (no hidden state between calls)', () => {
    expect(compute()).toEqual(actual)
  })
})
