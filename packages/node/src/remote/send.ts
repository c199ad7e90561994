/**
 * What of a file's fingerprint is sent to the service. bench/remote-scan.ts measures what a
 * decision needs (docs/scan.md, "Scanning against a server").
 */
import type { CatalogSettings, Fingerprint } from 'peakmatch'
import type { DecideOptions } from '../decide.js'

export function fingerprintToSend(fp: Fingerprint, _seconds: number, _options: DecideOptions, _settings: CatalogSettings): Fingerprint {
  return fp
}

/**
 * The fingerprint with only its hashes of target rank < k: what the same front end with fanout
 * k makes (the pairer takes an anchor's targets nearest first), so it is stamped fanout k.
 */
export function keepRanksBelow(fp: Fingerprint, k: number): Fingerprint {
  const ranks = fp.ranks
  if (ranks === undefined || fp.frontEnd.fanout <= k) return fp
  let n = 0
  for (let i = 0; i < ranks.length; i++) if (ranks[i]! < k) n++
  const hashes = new Uint32Array(n), times = new Uint32Array(n), kept = new Uint8Array(n)
  for (let i = 0, j = 0; i < ranks.length; i++) {
    if (ranks[i]! >= k) continue
    hashes[j] = fp.hashes[i]!; times[j] = fp.times[i]!; kept[j++] = ranks[i]!
  }
  return { hashes, times, ranks: kept, frameSeconds: fp.frameSeconds, durationSeconds: fp.durationSeconds, frontEnd: Object.freeze({ ...fp.frontEnd, fanout: k }) }
}
