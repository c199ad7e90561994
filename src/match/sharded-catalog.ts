import { PeakmatchError } from '../errors.js'
import type { Fingerprint } from '../fingerprint/fingerprinter.js'
import type { FrontEnd } from '../fingerprint/front-end.js'
import { FRAME_SECONDS } from '../options.js'
import { checkFingerprint, checkMatchOptions } from './checks.js'
import { FACTORS, REFINEMENTS, reportChange, type Factor } from './factors.js'
import { CHECKED, alignmentOf, checkIdentifyOptions, conclude, fileWindows, rankAlignments, type Alignment, type Identification, type IdentifyOptions } from './identify.js'
import { OFF_GRID_LOOKS, SCREEN_VOTES, VERIFIED, betterPass, correctedConfidence, firstGridWalk, gridPasses, refines, settles } from './query.js'
import { decide } from './rank.js'
import type { ShardAlignReply, ShardAlignRequest, ShardCandidate, ShardPassReply, ShardPassRequest } from './shard.js'
import type { CatalogStats, Match, MatchOptions, TrackInfo } from './types.js'
import { sortCandidates, type Candidate } from './votes.js'
import { integerIn } from '../integers.js'

/**
 * A catalog split into shards (shard.ts), queried as one: every pass of Catalog.match and
 * Catalog.identify goes to every shard, and their candidates are merged and decided here as one
 * catalog decides its own. Merged this way the answers are those of one catalog of the same
 * tracks — same tracks, scores, offsets and confidences — on the pair path (test/match/sharded.test.ts);
 * a shard large enough to take the triplet path (query.ts tripletPass) keeps its best alignments
 * only, so there the merge is as good as each shard's cut.
 *
 * How the shards are reached is the host's (ShardLink: in-process, HTTP, NATS). A link that
 * rejects with a PeakmatchError about the query (a bad fingerprint) fails the query; any other
 * rejection (a timeout, a shard that is down) leaves that shard out, and the answer names it
 * in `missingShards`: an answer from part of the catalog, which the caller must not mistake for
 * the catalog's (a file the missing shard holds would come out "unmatched").
 */

/** How a gateway reaches one shard. Each call may reject; see ShardedCatalog. */
export interface ShardLink {
  /** Passes of one query, answered in order (shardPasses of peakmatch/sharded): the factor grid asks several in one round trip. */
  passes(fp: Fingerprint, requests: ShardPassRequest[]): Promise<ShardPassReply[]>
  align(fp: Fingerprint, requests: ShardAlignRequest[]): Promise<ShardAlignReply[]>
  track(trackId: string): Promise<TrackInfo | undefined>
  editions(recordingId: string): Promise<TrackInfo[]>
  stats(): Promise<CatalogStats>
}

export interface ShardedOptions {
  /** The front end of the catalog's fingerprints: queries made otherwise are refused before any shard is asked. */
  frontEnd?: FrontEnd | null
}

/** A candidate of the merged list: the shard's, with its place in the merge. */
export interface Merged extends Candidate {
  readonly trackId: string
  readonly recordingId: string
  readonly shard: number
  /** Its shard's line fit, when it was the shard's decided best and the fit moved something (ShardCandidate.fit). */
  readonly fit?: [number, number] | [number, number, number]
}

export interface MergedList {
  count: number
  items: Merged[]
}

/**
 * Factor passes asked of the shards in one round trip (the grid has 22, nearest first): a query
 * out of the catalog needs them all, and one round trip each made a cluster of 4 shards answer 10 s
 * snippets at a third of one process's rate (docs/cluster.md); 8 at a time make it 3 trips, and a
 * query found at the first factor costs the shards at most 7 passes it did not need.
 */
const GRID_ROUND = 8

/** Errors about the query itself: a shard that says so speaks for all of them. */
const QUERY_ERRORS = new Set(['INVALID_FINGERPRINT', 'INCOMPATIBLE_FINGERPRINT', 'INVALID_OPTIONS'])

export class ShardedCatalog {
  readonly #links: readonly ShardLink[]
  readonly #frontEnd: FrontEnd | null

  constructor(links: readonly ShardLink[], options: ShardedOptions = {}) {
    if (!Array.isArray(links) || links.length === 0) throw new PeakmatchError('INVALID_OPTIONS', 'a sharded catalog needs at least one shard')
    this.#links = [...links]
    this.#frontEnd = options.frontEnd ?? null
  }

  get shards(): number { return this.#links.length }

  /** Catalog.match across the shards. */
  async match(fp: Fingerprint, options: MatchOptions = {}): Promise<{ matches: Match[]; missingShards: number[] }> {
    const { limit, minConfidence, factorSearch } = checkMatchOptions(options)
    checkFingerprint(fp, 'query', this.#frontEnd)
    const run = new Run(this.#links, fp)
    // search() (query.ts), pass for pass, with each pass merged across the shards.
    let [answer] = await run.passes([{ pass: 'exact' }]) as [MergedList]
    let factor: Factor | null = null
    // With off-grid hashes, the exact and speed passes again with them (query.ts search()).
    const grids = fp.offGrid !== undefined && fp.offGrid.hashes.length > 0
    // A cluster whose shards take the triplet path runs the speed pass on the first grid (query.ts search()).
    const triplets = run.triplets
    if (!settles(answer) && grids) [answer] = await run.passes([{ pass: 'exact', offGrid: true }]) as [MergedList]
    if (!settles(answer)) {
      const [shifted] = await run.passes([{ pass: 'shifted', ...(grids && !triplets ? { offGrid: true } : {}) }]) as [MergedList]
      answer = betterPass(answer, shifted)
      // The factor passes take the first grid only: the speed pass's walk, scaled to it, is their budget's measure.
      const walked = grids && !triplets ? firstGridWalk(run.walked, fp.hashes.length, fp.hashes.length + fp.offGrid!.hashes.length) : run.walked
      const passes = settles(answer) ? 0 : gridPasses(factorSearch, run.triplets, run.postings, walked)
      // 'screened' and 'auto' on the triplet path (query.ts screenVotes): every factor's screen in one
      // round, a factor's votes the best shard's; the full passes for those that reach SCREEN_VOTES.
      const screened = factorSearch !== true && run.triplets
      let todo = Array.from({ length: passes }, (_, k) => k), votes: number[] = []
      if (screened && passes > 0) {
        votes = await run.screens(todo.map((k) => [k]))
        todo = todo.filter((k) => votes[k]! >= SCREEN_VOTES)
      }
      grid: for (let k0 = 0; k0 < todo.length; k0 += GRID_ROUND) {
        const ks = todo.slice(k0, k0 + GRID_ROUND)
        const lists = await run.passes(ks.map((k) => ({ pass: 'shifted', factor: [k] })))
        for (let i = 0; i < ks.length; i++) {
          let found = lists[i]!
          if (!settles(found)) continue
          const k = ks[i]!
          let f = FACTORS[k]!
          // Screened, only the refinement whose screen outvotes the others and the factor's gets a pass (query.ts refine).
          // 'auto' on the triplet path refines the kind only: the first refinement (factors.ts OTHER_KIND).
          let js = screened && factorSearch === 'auto' ? [0] : REFINEMENTS[k]!.map((_, j) => j)
          if (screened) {
            const rv = await run.screens(js.map((j) => [k, j]))
            let best = votes[k]!, only = -1
            rv.forEach((v, j) => { if (v > best) { best = v; only = j } })
            js = only < 0 ? [] : [only]
          }
          const refined = js.length === 0 ? [] : await run.passes(js.map((j) => ({ pass: 'shifted', factor: [k, j] })))
          refined.forEach((out, i) => {
            const j = js[i]!
            if (out.count > 0 && refines(out.items[0]!, found.items[0]!, out.items[0]!.trackId === found.items[0]!.trackId)) { found = out; f = REFINEMENTS[k]![j]! }
          })
          answer = found
          factor = f
          break grid
        }
      }
    }
    // The decided answer's line (query.ts fitted), fitted on the winner's shard: its offset, and its tempo or speed.
    let tempo = factor?.tempo ?? 1, speed = 1
    const top = answer.items[0]
    if (settles(answer) && top?.fit) { top.offset = top.fit[0]; tempo = top.fit[1]; speed = top.fit[2] ?? 1 }
    const kept = answer.items.slice(0, answer.count).filter((d) => d.confidence >= minConfidence).slice(0, limit)
    // Metadata from the shard that holds the track (one more round, only for what is returned).
    const infos = await Promise.all(kept.map((d) => run.ask(d.shard, (l) => l.track(d.trackId))))
    const matches = kept.map((d, i): Match => {
      const m: Match = { trackId: d.trackId, recordingId: d.recordingId, score: d.score, confidence: d.confidence, offsetSeconds: d.offset * FRAME_SECONDS }
      reportChange(m, factor, tempo, i === 0, speed)
      const metadata = infos[i]?.metadata
      if (metadata !== undefined) m.metadata = metadata
      return m
    })
    return { matches, missingShards: run.missing() }
  }

  /** Catalog.identify across the shards: the gate pass merged, then each checked candidate aligned by its own shard. */
  async identify(fp: Fingerprint, options: IdentifyOptions = {}): Promise<{ identification: Identification; missingShards: number[] }> {
    checkIdentifyOptions(options)
    checkFingerprint(fp, 'file', this.#frontEnd)
    const run = new Run(this.#links, fp)
    const windows = fileWindows(fp)
    const [gate] = await run.passes([{ pass: 'gate' }]) as [MergedList]
    const checked: Merged[] = []
    for (let i = 0; i < Math.min(CHECKED, gate.count) && settles({ count: 1, items: [gate.items[i]!] }); i++) checked.push(gate.items[i]!)
    const byShard = new Map<number, Merged[]>()
    for (const c of checked) byShard.set(c.shard, [...(byShard.get(c.shard) ?? []), c])
    const replies = new Map<Merged, ShardAlignReply>()
    await Promise.all([...byShard].map(async ([shard, cands]) => {
      const got = await run.ask(shard, (l) => l.align(fp, cands.map((c) => ({ trackId: c.trackId, first: c.first, last: c.last }))))
      if (got) cands.forEach((c, i) => { if (got[i]) replies.set(c, got[i]!) })
    }))
    // In the gate's order, as identify() checks them: ties between recordings go the same way.
    const found: Alignment[] = []
    for (const c of checked) {
      const r = replies.get(c)
      if (!r || r.aligned.length !== windows.count) continue
      const a = alignmentOf(windows, r.aligned, c.recordingId, c.trackId, c.offset * fp.frameSeconds)
      if (a) found.push(a)
    }
    const ranked = rankAlignments(found)
    const editions = ranked[0] ? [...replies.values()].find((r) => r.recordingId === ranked[0]!.recordingId)?.editions ?? [] : []
    return { identification: conclude(ranked, windows, editions, options), missingShards: run.missing() }
  }

  /** A track, from whichever shard holds it. */
  async track(trackId: string): Promise<TrackInfo | undefined> {
    const all = await Promise.all(this.#links.map((l) => l.track(trackId).catch(() => undefined)))
    return all.find((t) => t !== undefined)
  }

  /** Every edition of a recording (all in one shard when the catalog was split by shardOf; asked of all). */
  async editions(recordingId: string): Promise<TrackInfo[]> {
    const all = await Promise.all(this.#links.map((l) => l.editions(recordingId).catch(() => [] as TrackInfo[])))
    return all.flat()
  }

  /** The shards' stats summed; missing shards named. */
  async stats(): Promise<{ stats: CatalogStats; missingShards: number[] }> {
    const all = await Promise.allSettled(this.#links.map((l) => l.stats()))
    const stats: CatalogStats = { tracks: 0, hashes: 0, bytes: 0, seconds: 0 }
    const missingShards: number[] = []
    all.forEach((r, i) => {
      if (r.status === 'rejected') { missingShards.push(i); return }
      stats.tracks += r.value.tracks; stats.hashes += r.value.hashes; stats.bytes += r.value.bytes; stats.seconds += r.value.seconds
    })
    return { stats, missingShards }
  }
}

/** One query's passes across the shards: which shards failed, and what the passes walked. */
class Run {
  readonly #missing = new Set<number>()
  walked = 0
  triplets = false
  postings = 0

  constructor(readonly links: readonly ShardLink[], readonly fp: Fingerprint) {}

  missing(): number[] { return [...this.#missing].sort((a, b) => a - b) }

  /** One call to one shard; undefined (and the shard missing) when it fails for a reason not the query's. */
  async ask<T>(shard: number, call: (link: ShardLink) => Promise<T>): Promise<T | undefined> {
    if (this.#missing.has(shard)) return undefined
    try {
      return await call(this.links[shard]!)
    } catch (e) {
      if (e instanceof PeakmatchError && QUERY_ERRORS.has(e.code)) throw e
      this.#missing.add(shard)
      return undefined
    }
  }

  /**
   * Passes of the query on every shard, one round trip, each merged and decided (mergeReplies).
   * `walked`, `postings` and `triplets` are the first pass's (the speed pass's, for gridPasses).
   */
  async passes(requests: ShardPassRequest[]): Promise<MergedList[]> {
    const replies = await Promise.all(this.links.map((_, s) => this.ask(s, async (l) => {
      const r = await l.passes(this.fp, requests)
      // A shard that answers something else than one reply a pass is not answering.
      if (!Array.isArray(r) || r.length !== requests.length) throw new Error(`shard ${s}: ${Array.isArray(r) ? r.length : typeof r} replies to ${requests.length} passes`)
      return r
    })))
    let walked = 0, postings = 0
    for (const r of replies) {
      if (!r) continue
      walked += r[0]!.walked
      postings += r[0]!.postings
      this.triplets ||= r[0]!.triplets
    }
    this.walked = walked
    this.postings = postings
    return requests.map((request, i) => mergeReplies(replies.map((r) => r?.[i]), request))
  }

  /** The screens of `factors` on every shard, one round trip: each factor's votes, the best shard's. */
  async screens(factors: number[][]): Promise<number[]> {
    const replies = await Promise.all(this.links.map((_, s) => this.ask(s, async (l) => {
      const r = await l.passes(this.fp, factors.map((factor) => ({ pass: 'screen', factor })))
      if (!Array.isArray(r) || r.length !== factors.length) throw new Error(`shard ${s}: ${Array.isArray(r) ? r.length : typeof r} replies to ${factors.length} screens`)
      return r
    })))
    return factors.map((_, i) => Math.max(0, ...replies.map((r) => screenVotesOf(r?.[i]))))
  }
}

/** A shard's screen votes: a count, or 0 for anything else (a shard that says nothing sensible screens nothing in). */
function screenVotesOf(r: ShardPassReply | undefined): number {
  const v = r?.votes
  return integerIn(v, 0, Infinity) ? v : 0
}

/** A shard's fit as ShardCandidate.fit says: an integer offset and a positive time factor, and a positive speed with tempo 1. */
function validFit(fit: unknown): fit is [number, number] | [number, number, number] {
  if (!Array.isArray(fit) || (fit.length !== 2 && fit.length !== 3) || !Number.isInteger(fit[0])) return false
  const factor = (x: unknown) => typeof x === 'number' && x > 0 && Number.isFinite(x)
  return factor(fit[1]) && (fit.length === 2 || (fit[1] === 1 && factor(fit[2])))
}

/**
 * One pass's shard replies (undefined: the shard is missing) merged and decided: the candidates
 * cut to the best VERIFIED by their window votes, then ordered by distinct score and decided
 * (rank.ts), as searchPass does on one index. Ties break by (shard, slot), one catalog's by slot.
 * A factor pass's confidences are corrected for the grid, an off-grid pass's for OFF_GRID_LOOKS (query.ts).
 */
export function mergeReplies(replies: readonly (ShardPassReply | undefined)[], request: ShardPassRequest): MergedList {
  const all: { c: ShardCandidate; shard: number }[] = []
  replies.forEach((r, shard) => { if (r) for (const c of r.candidates) all.push({ c, shard }) })
  all.sort((a, b) => b.c.votes - a.c.votes || a.shard - b.shard || a.c.slot - b.c.slot)
  const cut = all.slice(0, VERIFIED).sort((a, b) => a.shard - b.shard || a.c.slot - b.c.slot)
  // `track` is the merged position in (shard, slot) order: what rank.ts and sortCandidates break ties by.
  const items: Merged[] = cut.map(({ c, shard }, i) => ({
    track: i, trackId: c.trackId, recordingId: c.recordingId, shard,
    score: c.score, votes: c.votes, hits: c.hits, offset: c.offset, first: c.first, last: c.last, strength: 0, confidence: 0,
    ...(validFit(c.fit) ? { fit: c.fit.length === 3 ? [c.fit[0], c.fit[1], c.fit[2]] as [number, number, number] : [c.fit[0], c.fit[1]] as [number, number] } : {}),
  }))
  const recordings = items.map((m) => m.recordingId)
  const list = { count: items.length, items }
  sortCandidates(list)
  decide(list, request.pass === 'shifted', { recordingOf: (t) => recordings[t]! })
  if (request.factor) for (const m of items) m.confidence = correctedConfidence(m.confidence)
  else if (request.offGrid) for (const m of items) m.confidence = correctedConfidence(m.confidence, OFF_GRID_LOOKS)
  return list
}
