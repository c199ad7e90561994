import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import { FACTORS, REFINEMENTS, type Factor } from './factors.js'
import type { HashIndex } from './hash-index.js'
import { CHECKED, GATE_VOTES_PER_KEY, alignedWindows, fileWindows } from './identify.js'
import { OFF_GRID_LOOKS, correctedConfidence, offGridExactPass, scaledPrint, screenVotes, searchPass, withOffGrid, type QueryPrint, type QueryScratch } from './query.js'
import { DECISION_CONFIDENCE } from './rank.js'
import { fitAnswer, speedOrTempo } from './tempo.js'
import type { TrackRegistry } from './registry.js'
import type { TrackInfo } from './types.js'
import { integerIn } from '../integers.js'

/**
 * One shard's side of a sharded catalog (issue 10): a catalog split by recording across processes
 * answers a query as one catalog would when every shard runs the same passes and a gateway
 * (sharded-catalog.ts) merges their candidates before deciding. What a shard returns is the raw
 * material of the decision, not the decision: the decision's background (the 3rd and 4th
 * recordings, rank.ts) is a property of the whole catalog, and a shard alone would set it too low
 * and say "match" to what the whole catalog calls chance.
 *
 * Requests and replies are plain data (numbers, strings, arrays, objects), to travel as msgpack.
 */

/** One pass of a query on a shard, as search() and identify() run them (query.ts). */
export interface ShardPassRequest {
  /**
   * 'exact' and 'shifted' (±1 bin, a wider window) as Catalog.match runs them; 'gate' is identify's
   * first pass; 'screen' is a factor's screen (query.ts screenVotes: factorSearch 'screened'), whose
   * reply has no candidates, only `votes`.
   */
  pass: 'exact' | 'shifted' | 'gate' | 'screen'
  /** With 'shifted' (and required with 'screen'): the query is first rescaled by FACTORS[k] ([k]) or its refinement REFINEMENTS[k][j] ([k, j]). */
  factor?: number[]
  /**
   * With 'exact' or 'shifted' and no factor: the query's off-grid hashes too (Fingerprint.offGrid;
   * query.ts withOffGrid). On a shard that takes the triplet path, an 'exact' one verifies the first
   * grid's alignments with them (query.ts offGridExactPass); the gateway asks no 'shifted' one there.
   */
  offGrid?: boolean
}

/** A shard's candidate, with the fields the decision needs. Offsets in frames. */
export interface ShardCandidate {
  trackId: string
  recordingId: string
  /** The track's position in its shard: ties between shards' candidates break by (shard, slot), as one catalog breaks them by slot. */
  slot: number
  /** Votes in the best window (what cut the candidates to the best VERIFIED), and distinct hashes aligned there. */
  votes: number
  score: number
  hits: number
  offset: number
  first: number
  last: number
  /**
   * The best candidate's line fit, when it moved something (tempo.ts fitAnswer): [offset at the
   * query's start, tempo], or [offset, 1, speed] when a plain pass's line drifts as a speed change
   * (tempo.ts speedOrTempo, as query.ts plainFitted tells). Only on the shard's best candidate, and
   * only when that one is decided on the shard: the gateway's answer is then that candidate (a
   * shard's background is at most the catalog's), and only this shard holds its hits.
   */
  fit?: [number, number] | [number, number, number]
}

export interface ShardPassReply {
  candidates: ShardCandidate[]
  /** Postings the pass walked (the factor grid's budget, query.ts gridPasses). */
  walked: number
  /** The pass went by triplets (a large shard). */
  triplets: boolean
  /** Postings in the shard. */
  postings: number
  /** A 'screen' pass's answer: query.ts screenVotes (the shard's best alignment's votes under the factor, one more for a query under 7.5 s). */
  votes?: number
}

/** Which of its windows a file aligns with one candidate at the candidate's offsets (identify.ts). */
export interface ShardAlignRequest {
  trackId: string
  first: number
  last: number
}

export interface ShardAlignReply {
  trackId: string
  recordingId: string
  /** Distinct aligned hashes per 5 s window of the file; empty when the track has left the shard. */
  aligned: number[]
  /** The editions of its recording (every one lives in this shard: shardOf). */
  editions: TrackInfo[]
}

/**
 * The shard of n that holds a recording's tracks: FNV-1a of its id (UTF-16 code units), mod n.
 * By recording, not by track, so that every edition of a recording is in one shard and the
 * shard that identifies a file also names its best edition.
 */
export function shardOf(recordingId: string, shards: number): number {
  if (!integerIn(shards, 1, Infinity)) throw new PeakmatchError('INVALID_OPTIONS', `shards must be an integer ≥ 1, got ${String(shards)}`)
  let h = 0x811c9dc5
  for (let i = 0; i < recordingId.length; i++) h = Math.imul(h ^ recordingId.charCodeAt(i), 0x01000193) >>> 0
  return h % shards
}

/** The factor a request names; INVALID_OPTIONS for one the grid does not have. */
export function requestedFactor(factor: readonly number[] | undefined): Factor | null {
  if (factor === undefined) return null
  // Checked to be an array before it is read: `const [k, j] = 5` (or null) throws a TypeError, not INVALID_OPTIONS.
  const ok = Array.isArray(factor) && (factor.length === 1 || factor.length === 2) && integerIn(factor[0], 0, FACTORS.length - 1) &&
    (factor.length === 1 || integerIn(factor[1], 0, REFINEMENTS[factor[0]!]!.length - 1))
  if (!ok) throw new PeakmatchError('INVALID_OPTIONS', `factor must be [k] or [k, j] of the grid (k < ${FACTORS.length}), got ${JSON.stringify(factor)}`)
  const [k, j] = factor
  return j === undefined ? FACTORS[k!]! : REFINEMENTS[k!]![j]!
}

function checkPassRequest(r: ShardPassRequest): Factor | null {
  if (r === null || typeof r !== 'object' || (r.pass !== 'exact' && r.pass !== 'shifted' && r.pass !== 'gate' && r.pass !== 'screen')) {
    throw new PeakmatchError('INVALID_OPTIONS', `pass must be 'exact', 'shifted', 'gate' or 'screen', got ${JSON.stringify((r as { pass?: unknown } | null)?.pass)}`)
  }
  const factor = requestedFactor(r.factor)
  if (factor ? r.pass !== 'shifted' && r.pass !== 'screen' : r.pass === 'screen') throw new PeakmatchError('INVALID_OPTIONS', 'a factor goes with the shifted pass, and a screen needs one')
  if (r.offGrid !== undefined && (typeof r.offGrid !== 'boolean' || (r.offGrid && (factor || r.pass === 'gate')))) {
    throw new PeakmatchError('INVALID_OPTIONS', 'offGrid is a boolean, for the exact and shifted passes without a factor')
  }
  return factor
}

/** One pass on a shard's prepared index (catalog-shard.ts shardPasses is the entry). */
export function shardPass(index: HashIndex, registry: TrackRegistry, scratch: QueryScratch, fp: Fingerprint, request: ShardPassRequest): ShardPassReply {
  const factor = checkPassRequest(request)
  if (request.pass === 'screen') return { candidates: [], walked: 0, triplets: true, postings: index.postingCount, votes: screenVotes(index, fp, factor!, scratch) }
  const print: QueryPrint = factor ? scaledPrint(fp, factor, scratch) : request.offGrid ? withOffGrid(fp, scratch) : fp
  const list = request.offGrid && request.pass === 'exact' ? offGridExactPass(index, registry, fp, print, scratch)
    : searchPass(index, registry, print, request.pass === 'shifted', scratch, request.pass === 'gate' ? GATE_VOTES_PER_KEY : 0)
  const candidates: ShardCandidate[] = []
  for (let i = 0; i < list.count; i++) {
    const c = list.items[i]!
    const t = registry.at(c.track)
    candidates.push({ trackId: t.id, recordingId: t.recordingId, slot: c.track, votes: c.votes, score: c.score, hits: c.hits, offset: c.offset, first: c.first, last: c.last })
  }
  // The best candidate's line, as search() fits a decided answer's (query.ts fitted): on this pass's hits.
  const top = list.items[0]
  const confidence = !top ? 0 : factor ? correctedConfidence(top.confidence) : request.offGrid ? correctedConfidence(top.confidence, OFF_GRID_LOOKS) : top.confidence
  if (top && request.pass !== 'gate' && scratch.lastPass !== 'triplets' && confidence >= DECISION_CONFIDENCE) {
    const tempo = factor?.tempo ?? 1, c = { track: top.track, first: top.first, last: top.last, offset: top.offset }
    const found = fitAnswer(c, scratch.hits, print.times, tempo, scratch.line)
    const speed = !factor && found !== 1 && speedOrTempo(index, print.hashes, print.times, top.track, found, scratch.line)
    if (c.offset !== top.offset || found !== tempo) candidates[0]!.fit = speed ? [c.offset, 1, found] : [c.offset, found]
  }
  return { candidates, walked: scratch.hits.count, triplets: scratch.lastPass === 'triplets', postings: index.postingCount }
}

/** Per-window alignment of the file with some of this shard's tracks (catalog-shard.ts shardAlign is the entry). */
export function shardAlign(index: HashIndex, registry: TrackRegistry, scratch: QueryScratch, fp: Fingerprint, requests: readonly ShardAlignRequest[]): ShardAlignReply[] {
  if (!Array.isArray(requests) || requests.length > 4 * CHECKED) throw new PeakmatchError('INVALID_OPTIONS', `align takes an array of at most ${4 * CHECKED} requests`)
  const windows = fileWindows(fp)
  const aligned = new Uint32Array(windows.count)
  return requests.map((r) => {
    if (r === null || typeof r !== 'object' || typeof r.trackId !== 'string' || !Number.isInteger(r.first) || !Number.isInteger(r.last)) {
      throw new PeakmatchError('INVALID_OPTIONS', 'an align request is { trackId: string, first: integer, last: integer }')
    }
    const slot = registry.slotOf(r.trackId)
    if (slot === undefined) return { trackId: r.trackId, recordingId: '', aligned: [], editions: [] }
    const t = registry.at(slot)
    alignedWindows(index, scratch, fp, slot, r.first, r.last, windows, aligned)
    const editions = registry.editions(t.recordingId).map(({ id, recordingId, quality, durationSeconds, metadata }) => ({ id, recordingId, quality, durationSeconds, metadata }))
    return { trackId: t.id, recordingId: t.recordingId, aligned: Array.from(aligned), editions }
  })
}
