/**
 * `peakmatch dedupe`: which files of a library are the same recording (re-encodes, other
 * bitrates, trimmed copies), without a catalog. Every file is read once (readFiles: the cache,
 * the worker pool) into an in-memory catalog of the library, where each file finds its candidate
 * copies; two files whose alignment spans most of both are linked, and the links are closed by
 * union-find into groups. Each group keeps its best-quality file.
 */
import { resolve } from 'node:path'
import { Catalog, qualityRank, type EditionQuality, type Fingerprint } from 'peakmatch'
import type { FingerprintCache } from './cache.js'
import { errorMessage, type FileErrorReason } from './errors.js'
import { readFiles, type Progress, type ReadSummary, type RunOptions } from './scan.js'
import { walkAudio, type SkipReason } from './walk.js'


/**
 * Share of each file's audio that the other must cover: identify's coverage (its 5 s windows
 * that align at one offset, weighted by their hashes), asked both ways. identify's own
 * "matched" bar is 0.5 (MATCH_COVERAGE in src/match/identify.ts, not exported by the core).
 * One way and at 0.5, a file spliced from the first half of song C and the second half of
 * song D was grouped as a copy of C (test: dedupe-cli.test.ts, "spliced"): C's half held 0.79
 * of its hashes. The other way, C is covered 0.52 by it. Copies cover each other all but
 * completely: on the dev corpus the lowest coverage of a true copy (mp3 V9, ogg q2, 22 kHz,
 * fades, trims) was 0.949 one way. Above one half, the bar also keeps a file from being linked
 * to two songs through two disjoint parts of it (see SHARED_OF_LONGER).
 */
const DUPLICATE_COVERAGE = 0.75
/**
 * The stretch two files share (where one's audio lies in the other, from identify's offset and
 * the two durations) must span this share of the LONGER one. Above one half, so that no file can
 * be linked to two others through two disjoint parts of it: a file holding song A then song B
 * (a mix, a medley, two tracks ripped as one) would need each to span more than half of it, so
 * it is linked to one of them at most and cannot chain A's group to B's through union-find. An
 * excerpt (a 30 s ringtone of a 4 min song: 0.125) stays out of its song's group.
 * Measured on the dev corpus (657 files of its 96 + 15 tracks: docs/scan.md, dedupe): the true
 * copies' lowest span was 0.857 (short tracks trimmed by 3.5 s and more), while at 0.6 a 436 s
 * file of a 114 s piece then a 322 s song was linked to the song (0.74). 0.8 separates them:
 * a copy may lose a fifth of the longer file (trims, fades, silence), not gain a quarter.
 * Window coverage alone cannot say this: identify's 5 s windows straddle a seam, and a 12 s
 * file of two 6 s songs came out 0.86 covered by each. Hence the span, from the offset.
 */
const SHARED_OF_LONGER = 0.8
/**
 * Distinct aligned hashes (Catalog.match's score) per second of the query below which a
 * candidate is not checked. A pair that passes needs ≥ 5 aligned hashes in windows holding 3/4
 * of the file (identify's WINDOW_SCORE, DUPLICATE_COVERAGE), about 0.75 per second; this is a third.
 * On the dev corpus (whole files as queries), true copies scored ≥ 5.4 per second, and
 * candidates of comparable length that were not copies ≤ 0.13: the bar only saves the check (an
 * identify, ~5-20 ms) of the latter.
 */
const MIN_SCORE_PER_SECOND = 0.25
/**
 * Seconds of a file that look for its candidates: the middle of the file, at most this long.
 * A copy shares at least SHARED_OF_LONGER (0.8) of the file's timeline, so it misses at most
 * 0.2 of it, at the start, the end or both: the middle 0.6 is in every copy. Looking up that
 * stretch rather than the whole file bounds a lookup's cost whatever the file's length: on the
 * dev corpus (2.1 min a file on average) Catalog.match of whole files took 95% of a run from the
 * cache, and the middle 30 s (a quarter of the hashes) found the same groups, to the file.
 */
const PROBE_SECONDS = 30
/**
 * Candidates of each file (its own track aside) that are checked pair by pair. A file needs to
 * be linked to one member of a group to join it, so a group larger than this is still found
 * whole; files that hold the same audio without being copies (excerpts, mixes) take places here.
 */
const CANDIDATES = 8

/** A file as the first pass read it (DedupeOptions.onFile). */
export interface DedupeReading { path: string; status: 'read' | 'unreadable'; cached: boolean; reason?: FileErrorReason; error?: string }

export interface DedupeOptions extends RunOptions<DedupeReading> {
  cache?: FingerprintCache
  /** Progress of the second pass, where each file is compared with its candidates (onProgress: the reading). */
  onCompareProgress?: (p: Progress) => void
}

/** A file of a group. */
export interface DedupeFile {
  path: string
  sizeBytes: number
  durationSeconds: number
  quality: EditionQuality
  cached: boolean
}

/** A duplicate: a file of a group other than the one kept, and the link that put it there. */
export interface DedupeDuplicate extends DedupeFile {
  /** The group's file it was linked to: the kept file when they aligned directly. */
  linkedTo: string
  /** The lower of two shares: of this file's audio aligned with `linkedTo`, and of `linkedTo`'s aligned with this file. */
  coverage: number
  /** Where this file starts in `linkedTo`, seconds (negative: it has audio before it). */
  offsetSeconds: number
}

export interface DedupeGroup {
  /** The best-quality file: highest qualityRank, then the larger, then the first path. */
  keep: DedupeFile
  /** The others, best quality first. */
  duplicates: DedupeDuplicate[]
  /** Bytes of the duplicates: what removing them would free. */
  bytesFreed: number
}

/** A path that was not compared: unreadable, or met by the walk and not read (see SkipReason). */
export interface DedupeProblem { path: string; status: 'unreadable' | 'skipped'; reason: FileErrorReason | SkipReason; error: string }

export interface DedupeSummary extends ReadSummary {
  /** Files read and compared. */
  compared: number
  groups: number
  /** Files in groups besides the kept ones. */
  duplicates: number
  bytesFreed: number
  /** Files read that are in no group. */
  unique: number
}

export interface DedupeResult {
  /** Largest first (files, then bytes freed, then the kept path). */
  groups: DedupeGroup[]
  /** Files read that have no duplicate, in walk order. */
  unique: string[]
  problems: DedupeProblem[]
  summary: DedupeSummary
  /** Stopped by the signal: the groups are of the files read and compared before it. */
  interrupted: boolean
  /** Problems that did not change the result (the cache could not be saved). */
  warnings: string[]
}

interface Entry extends DedupeFile { fp: Fingerprint }
interface Link { coverage: number; offsetSeconds: number }

/**
 * Groups the audio files under `paths` that are the same recording, in two passes. First each
 * file is read (readFiles: cache, worker pool) and added to a catalog of the library as its own
 * track. Then the middle of each file is looked up in it (Catalog.match, any confidence: see
 * probe) for candidates, and each candidate pair is checked on its own: one file alone in a
 * catalog, the other identified against it, gives the share of the other's audio it covers and
 * the offset between them (and the same the other way).
 *
 * Why not identify each file against the library's catalog directly: identify's gate (rank.ts)
 * measures a candidate against the background of the query's 3rd and 4th distinct recordings.
 * In a library, the other copies of a song, and the excerpts and mixes that hold it, are that
 * background: the test library's WAV, with three copies, an excerpt, a medley and a mix of it,
 * matched nothing, not even itself. Alone in a catalog, a file has no background; the gate is
 * then its fixed minimum and the √votes test, and the coverage and span bars do the rest.
 *
 * Memory: the library's catalog and its fingerprints (about twice the index).
 */
export async function dedupeLibrary(paths: readonly string[], options: DedupeOptions = {}): Promise<DedupeResult> {
  const t0 = performance.now()
  const { files, skipped, ignored } = walkAudio(paths)
  const catalog = new Catalog()
  const entries: Entry[] = []
  const problems: DedupeProblem[] = []
  const warnings: string[] = []
  let audioSeconds = 0
  let read = 0
  const run = await readFiles(files, options, options.cache, (r) => {
    read++
    const fail = (reason: FileErrorReason, error: string): void => {
      problems.push({ path: r.file.path, status: 'unreadable', reason, error })
      options.onFile?.({ path: r.file.path, status: 'unreadable', cached: r.cached, reason, error }, read, files.length)
    }
    if (r.error || !r.fp || !r.info) { fail(r.error?.reason ?? 'corrupt', r.error?.message ?? 'unknown'); return }
    try {
      catalog.add(r.file.path, r.fp)
    } catch (e) {
      fail('corrupt', `cannot be compared: ${errorMessage(e)}`)
      return
    }
    entries.push({ path: r.file.path, sizeBytes: r.file.size, durationSeconds: r.info.durationSeconds, quality: r.info.quality, cached: r.cached, fp: r.fp })
    audioSeconds += r.info.durationSeconds
    options.onFile?.({ path: r.file.path, status: 'read', cached: r.cached }, read, files.length)
  })
  try { await options.cache?.save(run.interrupted ? undefined : { within: paths.map((p) => resolve(p)) }) } catch (e) { warnings.push(`the cache was not saved: ${errorMessage(e)}`) }

  const slot = new Map<string, number>()
  entries.forEach((e, i) => slot.set(e.path, i))
  const parent = Int32Array.from(entries, (_, i) => i)
  const find = (i: number): number => {
    while (parent[i] !== i) { parent[i] = parent[parent[i]!]!; i = parent[i]! }
    return i
  }
  /** links.get(i)?.get(j): file j's alignment with file i (j identified against i alone). */
  const links = new Map<number, Map<number, Link>>()
  const checked = new Set<number>()
  let interrupted = run.interrupted
  const bytesTotal = entries.reduce((n, e) => n + e.sizeBytes, 0)
  let bytesDone = 0, secondsDone = 0
  for (let i = 0; i < entries.length && !interrupted; i++) {
    const a = entries[i]!
    let alone: Catalog | undefined
    const query = probe(a.fp)
    for (const m of catalog.match(query, { limit: CANDIDATES + 1, minConfidence: 0 })) {
      const j = slot.get(m.trackId)!
      const b = entries[j]!
      // Already one group (the check could only add a link); or too different in length or in
      // evidence to pass the bars below: not checked.
      if (find(i) === find(j)) continue
      const shorter = Math.min(a.durationSeconds, b.durationSeconds), longer = Math.max(a.durationSeconds, b.durationSeconds)
      if (shorter < SHARED_OF_LONGER * longer || m.score < MIN_SCORE_PER_SECOND * Math.min(shorter, query.durationSeconds)) continue
      const pair = Math.min(i, j) * entries.length + Math.max(i, j)
      if (checked.has(pair)) continue
      checked.add(pair)
      alone ??= aloneIn(a)
      const link = check(alone, a, b)
      if (!link) continue
      let to = links.get(i)
      if (!to) links.set(i, to = new Map())
      to.set(j, link)
      parent[find(j)] = find(i)
    }
    bytesDone += a.sizeBytes
    secondsDone += a.durationSeconds
    options.onCompareProgress?.({ done: i + 1, total: entries.length, bytesDone, bytesTotal, path: a.path, audioSecondsDone: secondsDone, stage: 'finished', fileAudioSeconds: a.durationSeconds })
    // The checks are synchronous: let Ctrl-C (the signal) and the progress bar in between files.
    await new Promise<void>((r) => setImmediate(r))
    if (options.signal?.aborted) interrupted = true
  }

  const members = new Map<number, number[]>()
  for (let i = 0; i < entries.length; i++) {
    const root = find(i)
    const list = members.get(root)
    if (list) list.push(i)
    else members.set(root, [i])
  }
  const groups: DedupeGroup[] = []
  const unique: string[] = []
  for (const list of members.values()) {
    if (list.length === 1) { unique.push(entries[list[0]!]!.path); continue }
    const ranked = list.slice().sort((x, y) => better(entries[x]!, entries[y]!))
    const keep = ranked[0]!
    // Each duplicate is shown with its alignment with the kept file: checked now when the
    // grouping did not need it (linked through another copy).
    let alone: Catalog | undefined
    for (const i of ranked) {
      if (i === keep || alignment(i, keep, links) || interrupted) continue
      alone ??= aloneIn(entries[keep]!)
      const link = check(alone, entries[keep]!, entries[i]!)
      if (!link) continue
      let to = links.get(keep)
      if (!to) links.set(keep, to = new Map())
      to.set(i, link)
    }
    const duplicates = ranked.slice(1).map((i): DedupeDuplicate => {
      const { linkedTo, link } = linkOf(i, keep, list, links, entries)
      return { ...fileOf(entries[i]!), linkedTo: entries[linkedTo]!.path, coverage: round(link.coverage), offsetSeconds: round(link.offsetSeconds) }
    })
    groups.push({ keep: fileOf(entries[keep]!), duplicates, bytesFreed: duplicates.reduce((s, d) => s + d.sizeBytes, 0) })
  }
  groups.sort((x, y) => y.duplicates.length - x.duplicates.length || y.bytesFreed - x.bytesFreed || (x.keep.path < y.keep.path ? -1 : 1))
  for (const k of skipped) problems.push({ path: k.path, status: 'skipped', reason: k.reason, error: k.message })
  const duplicates = groups.reduce((s, g) => s + g.duplicates.length, 0)
  const summary: DedupeSummary = {
    files: files.length, compared: entries.length, groups: groups.length, duplicates, bytesFreed: groups.reduce((s, g) => s + g.bytesFreed, 0),
    unique: unique.length, unreadable: problems.length - skipped.length, skipped: skipped.length, ignored,
    fingerprinted: run.fingerprinted, fromCache: run.fromCache, ...(options.cache ? { cache: { ...options.cache.stats } } : {}),
    audioSeconds, elapsedSeconds: (performance.now() - t0) / 1000,
  }
  return { groups, unique, problems, summary, interrupted, warnings }
}

/**
 * Seconds two files share when a file of `querySeconds` starts `offsetSeconds` into one of
 * `trackSeconds`: the intersection of [offset, offset + query] with [0, track].
 */
export function shared(querySeconds: number, trackSeconds: number, offsetSeconds: number): number {
  return Math.max(0, Math.min(offsetSeconds + querySeconds, trackSeconds) - Math.max(offsetSeconds, 0))
}

/**
 * The middle of a fingerprint, at most PROBE_SECONDS of it and 1 - 2 × (1 - SHARED_OF_LONGER) of
 * its length, as a fingerprint (times kept as they are, so offsets stay the whole file's);
 * durationSeconds is the stretch's. The whole fingerprint when it is that short already.
 */
function probe(fp: Fingerprint): Fingerprint {
  const d = fp.durationSeconds
  const length = Math.min(PROBE_SECONDS, (1 - 2 * (1 - SHARED_OF_LONGER)) * d)
  const from = Math.floor((d - length) / 2 / fp.frameSeconds), to = Math.ceil((d + length) / 2 / fp.frameSeconds)
  const keep = new Uint8Array(fp.times.length)
  let n = 0
  for (let i = 0; i < fp.times.length; i++) if (fp.times[i]! >= from && fp.times[i]! < to) { keep[i] = 1; n++ }
  if (n === fp.times.length) return fp
  const hashes = new Uint32Array(n), times = new Uint32Array(n), ranks = fp.ranks ? new Uint8Array(n) : undefined
  for (let i = 0, k = 0; i < fp.times.length; i++) {
    if (!keep[i]) continue
    hashes[k] = fp.hashes[i]!
    times[k] = fp.times[i]!
    if (ranks) ranks[k] = fp.ranks![i]!
    k++
  }
  return { hashes, times, ...(ranks ? { ranks } : {}), frameSeconds: fp.frameSeconds, durationSeconds: length, frontEnd: fp.frontEnd }
}

/** A catalog of one file, to check others against without any background (see dedupeLibrary). */
function aloneIn(e: Entry): Catalog {
  const c = new Catalog()
  c.add(e.path, e.fp)
  return c
}

/**
 * Whether `b` is a copy of `a` (`alone` holds only a): their common stretch spans
 * SHARED_OF_LONGER of the longer, and identify covers at least DUPLICATE_COVERAGE of each with
 * the other. Returns b's alignment with a (where b starts in a; coverage: the lower of the two
 * ways), or undefined.
 */
function check(alone: Catalog, a: Entry, b: Entry): Link | undefined {
  const ab = alone.identify(b.fp, { alternatives: 1 }).alternatives[0]
  if (!ab || ab.coverage < DUPLICATE_COVERAGE) return undefined
  if (shared(b.durationSeconds, a.durationSeconds, ab.offsetSeconds) < SHARED_OF_LONGER * Math.max(a.durationSeconds, b.durationSeconds)) return undefined
  const ba = aloneIn(b).identify(a.fp, { alternatives: 1 }).alternatives[0]
  if (!ba || ba.coverage < DUPLICATE_COVERAGE) return undefined
  return { coverage: Math.min(ab.coverage, ba.coverage), offsetSeconds: ab.offsetSeconds }
}

/** Sort order of a group: best quality first, then the larger file, then the first path. */
function better(a: DedupeFile, b: DedupeFile): number {
  return qualityRank(b.quality) - qualityRank(a.quality) || b.sizeBytes - a.sizeBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}

/** File i's alignment with file j (where i starts in j), from whichever side was checked. */
function alignment(i: number, j: number, links: Map<number, Map<number, Link>>): Link | undefined {
  const direct = links.get(j)?.get(i)
  if (direct) return direct
  const back = links.get(i)?.get(j)
  return back && { coverage: back.coverage, offsetSeconds: -back.offsetSeconds }
}

/** The link shown for duplicate `i`: with the kept file when they were linked, else i's strongest link in the group. */
function linkOf(i: number, keep: number, group: number[], links: Map<number, Map<number, Link>>, entries: Entry[]): { linkedTo: number; link: Link } {
  const direct = alignment(i, keep, links)
  if (direct) return { linkedTo: keep, link: direct }
  let best: { linkedTo: number; link: Link } | undefined
  for (const j of group) {
    const link = j === i ? undefined : alignment(i, j, links)
    if (link && (!best || link.coverage > best.link.coverage)) best = { linkedTo: j, link }
  }
  // Union-find put i in the group through at least one link of its own.
  if (!best) throw new Error(`dedupe: ${entries[i]!.path} is in a group without a link`)
  return best
}

function fileOf(e: DedupeFile): DedupeFile {
  return { path: e.path, sizeBytes: e.sizeBytes, durationSeconds: round(e.durationSeconds), quality: e.quality, cached: e.cached }
}

const round = (x: number) => Math.round(x * 1000) / 1000
