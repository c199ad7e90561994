import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { FRAME_SECONDS, HASH_BITS } from '../options.js'

/** Checks a fingerprint handed to the catalog: shape, frame rate and hash range. */
export function checkFingerprint(fp: Fingerprint, what: string): void {
  if (fp === null || typeof fp !== 'object') throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: fingerprint must be an object, got ${String(fp)}`)
  const { hashes, times } = fp
  if (!(hashes instanceof Uint32Array) || !(times instanceof Uint32Array)) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: hashes and times must be Uint32Array`)
  }
  if (hashes.length !== times.length) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: ${hashes.length} hashes but ${times.length} times`)
  }
  if (fp.ranks !== undefined && (!(fp.ranks instanceof Uint8Array) || fp.ranks.length !== hashes.length)) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: ranks must be a Uint8Array with one entry per hash`)
  }
  if (fp.frameSeconds !== FRAME_SECONDS) {
    throw new PeakmatchError('INCOMPATIBLE_FINGERPRINT', `${what}: frameSeconds ${String(fp.frameSeconds)} is not this version's ${FRAME_SECONDS}`)
  }
  if (typeof fp.durationSeconds !== 'number' || !(fp.durationSeconds >= 0) || !Number.isFinite(fp.durationSeconds)) {
    throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: durationSeconds must be a finite number ≥ 0, got ${String(fp.durationSeconds)}`)
  }
  const limit = 2 ** HASH_BITS
  for (let i = 0; i < hashes.length; i++) {
    if (hashes[i]! >= limit) throw new PeakmatchError('INVALID_FINGERPRINT', `${what}: hash ${i} is ${hashes[i]}, beyond ${HASH_BITS} bits`)
  }
}
