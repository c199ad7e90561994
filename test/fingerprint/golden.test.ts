import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fingerprint, FRAME_SECONDS, FRONT_END_VERSION } from '../../src/index.js'
import { crc32 } from '../../src/crc32.js'
import { u32Bytes } from '../support/reference.js'
import { synthMusic } from '../support/synth.js'

/**
 * Golden fingerprint of one seeded signal (as Chromaprint's fpcalc.out): any change to the
 * front end (resampler, STFT, peaks, pairing, hash layout) changes it. The file also records
 * the FRONT_END_VERSION it was made with, and the two are pinned together: fingerprints carry
 * that version, so caches and catalogs refuse stale ones only if every hash-changing change
 * bumps it. When such a change is intended, bump FRONT_END_VERSION
 * (src/fingerprint/front-end.ts), then regenerate the file and commit both with the change:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/fingerprint/golden.test.ts
 *
 * UPDATE_GOLDEN refuses to record new hashes under the old version. Without it the file is
 * only read, and compared exactly.
 */
const GOLDEN = fileURLToPath(new URL('./golden.json', import.meta.url))

/** The hash digest of the golden signal, and the front-end version that made it. */
interface Golden extends Digest {
  frontEndVersion: number
}

interface Digest {
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

// The options it was made with, given explicitly: the golden pins how the front end computes
// hashes, not which options are the default (fanout went 4 → 5 without changing a hash).
const OPTIONS = { fanout: 4 } as const

function compute(): Golden {
  const fp = fingerprint(synthMusic(42, 20, 44100, 2), OPTIONS)
  return {
    frontEndVersion: fp.frontEnd.version,
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

function digestOf(g: Golden): Digest {
  const { frontEndVersion: _, ...digest } = g
  return digest
}

function sameDigest(a: Golden, b: Golden): boolean {
  return JSON.stringify(digestOf(a)) === JSON.stringify(digestOf(b))
}

/**
 * What is wrong between the stored golden file and this build's result, or null: the message
 * tells the developer what to do (bump FRONT_END_VERSION, or regenerate the file).
 */
function goldenVerdict(stored: Golden, actual: Golden): string | null {
  const same = sameDigest(stored, actual)
  if (!same && stored.frontEndVersion === actual.frontEndVersion) {
    return `the golden hashes changed but FRONT_END_VERSION is still ${actual.frontEndVersion}: if the change is meant, ` +
      'bump FRONT_END_VERSION in src/fingerprint/front-end.ts (so that caches and catalogs refuse fingerprints of the old ' +
      'front end instead of silently failing to match them), then run UPDATE_GOLDEN=1 npx vitest run test/fingerprint/golden.test.ts'
  }
  if (!same || stored.frontEndVersion !== actual.frontEndVersion) {
    return `golden.json was made by front-end version ${stored.frontEndVersion}, this build is version ${actual.frontEndVersion}` +
      `${same ? ' with the same hashes' : ''}: run UPDATE_GOLDEN=1 npx vitest run test/fingerprint/golden.test.ts and commit golden.json`
  }
  return null
}

function readGolden(): Golden | undefined {
  return existsSync(GOLDEN) ? (JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden) : undefined
}

describe('golden fingerprint of synthMusic(42, 20) at 44100 Hz stereo', () => {
  const actual = compute()
  if (process.env.UPDATE_GOLDEN) {
    // New hashes may only be recorded under a new version: otherwise the check below fails
    // and says to bump FRONT_END_VERSION.
    const stored = readGolden()
    if (stored === undefined || sameDigest(stored, actual) || stored.frontEndVersion !== actual.frontEndVersion) {
      writeFileSync(GOLDEN, `${JSON.stringify(actual, null, 2)}\n`)
    }
  }

  it('has a sane number of landmarks for 20 s of music', () => {
    // 10..400 landmarks a second: fewer means peaks are lost, more means noise is hashed.
    expect(actual.count).toBeGreaterThanOrEqual(200)
    expect(actual.count).toBeLessThanOrEqual(8000)
    expect(actual.durationSeconds).toBe(20)
    expect(actual.frameSeconds).toBe(FRAME_SECONDS)
    expect(actual.frontEndVersion).toBe(FRONT_END_VERSION)
  })

  it('matches test/fingerprint/golden.json exactly, under the same FRONT_END_VERSION', () => {
    const golden = readGolden()
    expect(golden, 'golden.json is missing: run with UPDATE_GOLDEN=1 once').toBeDefined()
    const verdict = goldenVerdict(golden!, actual)
    if (verdict !== null) expect.fail(verdict)   // the whole message, not a truncated diff
    expect(actual).toEqual(golden)
  })

  it('is the same on a second run (no hidden state between calls)', () => {
    expect(compute()).toEqual(actual)
  })
})

describe('goldenVerdict (the pin between FRONT_END_VERSION and the golden hashes)', () => {
  const base = compute()
  const changed = { ...base, hashesCrc32: (base.hashesCrc32 + 1) >>> 0 }

  it('accepts the same hashes under the same version', () => {
    expect(goldenVerdict(base, { ...base })).toBeNull()
  })

  it('asks for a FRONT_END_VERSION bump when the hashes change under the same version', () => {
    expect(goldenVerdict(base, changed)).toMatch(/hashes changed but FRONT_END_VERSION is still 1: .*bump FRONT_END_VERSION/)
    expect(goldenVerdict(base, { ...base, count: base.count - 1 })).toMatch(/bump FRONT_END_VERSION/)
  })

  it('asks to regenerate golden.json once the version was bumped', () => {
    expect(goldenVerdict(base, { ...changed, frontEndVersion: 2 })).toMatch(/made by front-end version 1, this build is version 2: run UPDATE_GOLDEN=1/)
    expect(goldenVerdict(base, { ...base, frontEndVersion: 2 })).toMatch(/version 2 with the same hashes: run UPDATE_GOLDEN=1/)
  })
})
