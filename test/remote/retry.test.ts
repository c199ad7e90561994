import { describe, expect, it } from 'vitest'
import { backoffMs, DEFAULT_RETRY, retryAfterMs } from '../../packages/node/src/remote/retry.js'
import { keepRanksBelow } from '../../packages/node/src/remote/send.js'
import { fingerprint, fingerprintFromBytes, fingerprintToBytes } from '../../src/index.js'
import { synthMusic } from '../support/synth.js'

describe('retry timing', () => {
  it('doubles from the base with equal jitter: half the nominal wait at least, all of it at most, capped', () => {
    expect(backoffMs(0, DEFAULT_RETRY, () => 0)).toBe(250)
    expect(backoffMs(0, DEFAULT_RETRY, () => 1)).toBe(500)
    expect(backoffMs(3, DEFAULT_RETRY, () => 0.5)).toBe(3000)
    expect(backoffMs(20, DEFAULT_RETRY, () => 1)).toBe(DEFAULT_RETRY.capMs)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000)
    expect(retryAfterMs('0')).toBe(0)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(retryAfterMs(null)).toBeUndefined()
    expect(retryAfterMs('soon')).toBeUndefined()
  })
})

describe('keepRanksBelow', () => {
  it('keeps the hashes of the nearest targets, stamped with that fanout, and encodes', () => {
    const fp = fingerprint(synthMusic(7, 4))
    const two = keepRanksBelow(fp, 2)
    expect(two.frontEnd.fanout).toBe(2)
    expect(two.hashes.length).toBe(fp.ranks!.filter((r) => r < 2).length)
    expect(two.hashes.length).toBeLessThan(fp.hashes.length)
    const back = fingerprintFromBytes(fingerprintToBytes(two))
    expect([...back.hashes]).toEqual([...two.hashes])
    expect(keepRanksBelow(fp, fp.frontEnd.fanout)).toBe(fp)
  })
})
