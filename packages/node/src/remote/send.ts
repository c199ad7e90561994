/**
 * What of a file's fingerprint is sent to the service: no more than its decision needs.
 *
 * A catalog indexes only the hashes of target rank < indexFanout; a query's higher ranks find
 * those pairs when the query has extra peaks between anchor and target (rank r reaches past
 * r − indexFanout + 1 such peaks). A file longer than SNIPPET_MAX_SECONDS is decided by
 * identify alone (decide.ts: the snippet search is for shorter files), over many 5 s windows,
 * where the ranks past indexFanout + 1 changed nothing: on the dev corpus's 498 files over 60 s,
 * ranks < 3 (75 % of the hashes, indexFanout 2) gave every decision identical to the last field,
 * while ranks < 2 moved 2 confidences by up to 0.016 (bench/remote-scan.ts; docs/scan.md). A
 * shorter file, or one asked for --top candidates, goes whole: on short snippets every rank
 * counts (ranks < 3 changed 8 of 1202 answers).
 */
import type { CatalogSettings, Fingerprint } from 'peakmatch'
import { SNIPPET_MAX_SECONDS, type DecideOptions } from '../decide.js'

export function fingerprintToSend(fp: Fingerprint, seconds: number, options: DecideOptions, settings: CatalogSettings): Fingerprint {
  if (seconds <= SNIPPET_MAX_SECONDS || (options.top ?? 0) > 0) return fp
  return keepRanksBelow(fp, settings.indexFanout + 1)
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
