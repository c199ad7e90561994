import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { dirname, relative, resolve, sep } from 'node:path'
import { Catalog, PeakmatchError, checkQuality, type EditionQuality, type FrontEnd } from 'peakmatch'
import { writeFileAtomic } from './atomic.js'
import type { CacheStats, FingerprintCache } from './cache.js'
import { CliError, FileError, errorMessage, type FileErrorReason } from './errors.js'
import { catalogFrontEnd, optionsOf } from './front-end.js'
import { WorkerPool, type PoolLimits } from './pool.js'
import { checkReadGrids, readAudioFile, type ReadOptions, type ReadProgress } from './read.js'
import { decide, type DecideOptions, type DecisionSource, type FileDecider, type Reading, type ScanFileResult, type ScanStatus } from './decide.js'
import { walkAudio, type AudioFile, type SkipReason, type SkippedPath } from './walk.js'

/**
 * How a run is going, for a progress bar or log (RunOptions.onProgress). Sent when a file is taken
 * up, as its decoder reports (ReadOptions: throttled), and when it is finished.
 */
export interface Progress {
  /** Files finished: read, served from the cache, or failed. */
  done: number
  total: number
  /**
   * Bytes of the finished files plus what the decoders have consumed of the files in flight: the
   * measure of decoding work known up front, so a bar moves during one long file. A cached file
   * counts its whole size at once.
   */
  bytesDone: number
  bytesTotal: number
  /** Seconds of audio read so far (decoded or from the cache), the files in flight included. */
  audioSecondsDone: number
  /** The file this update is about. */
  path: string
  /** What happened to it: taken up (`started`), its decoder reported (`reading`), `finished`. */
  stage: 'started' | 'reading' | 'finished'
  /** Seconds of audio of that file decoded so far (all of it once finished). */
  fileAudioSeconds: number
}

export interface RunOptions<R = unknown> extends PoolLimits {
  /** Worker threads decoding in parallel; 0 = in this thread. @default 2 */
  jobs?: number
  onProgress?: (p: Progress) => void
  /**
   * Each file's result, in walk order, as soon as it and every file before it are done (the
   * results' order, unlike onProgress's); `done` counts the results given so far, of `total` audio files.
   * A method (bivariant): a plain RunOptions stays assignable to scanLibrary's and buildCatalog's.
   */
  onFile?(result: R, done: number, total: number): void
  /** Stops dispatching files; those in flight finish. The result then has `interrupted`. */
  signal?: AbortSignal
  /** The worker threads' module (see WorkerPool). @default the built scan-worker.js of this package */
  workerScript?: URL | string
  /**
   * The front end to fingerprint with (and to take from the cache). buildCatalog and scanLibrary
   * default it to their catalog's (front-end.ts catalogFrontEnd); readFiles to the defaults.
   */
  frontEnd?: FrontEnd
}

/**
 * Reads every file (cache first, then the worker pool), keeping the pool busy, and calls
 * `use` on each in walk order as soon as it and every file before it are done. The one reading
 * loop of build, scan, identify and dedupe. `admit`, when given, is asked before each file is
 * taken up; a promise it returns holds the reading back until it resolves (FileDecider.admit).
 *
 * `options.grids` (ReadOptions.grids) is identify's alone, not a RunOptions field that scan, build
 * or dedupe could pass on: with more than one grid the cache is neither read nor written, since a
 * cached print is one grid's (a hit would lack the other grids) and what the cache serves must stay
 * exactly what scan would have made.
 */
export async function readFiles(files: readonly AudioFile[], options: RunOptions & Pick<ReadOptions, 'grids'>, cache: FingerprintCache | undefined, use: (r: Reading) => void, admit?: () => Promise<void> | undefined): Promise<{ interrupted: boolean; fingerprinted: number; fromCache: number }> {
  const jobs = options.jobs ?? 2
  optionsOf(options.frontEnd)   // a front end this peakmatch cannot make throws here, not once per file
  const grids = checkReadGrids(options.grids)   // likewise
  const usable = grids === 1 ? cache : undefined
  const pool = new WorkerPool(jobs, options.workerScript, options)
  const bytesTotal = files.reduce((s, f) => s + f.size, 0)
  const results: (Reading | undefined)[] = new Array(files.length)
  let next = 0, emitted = 0, done = 0, fingerprinted = 0, fromCache = 0
  // Finished files' bytes and seconds, plus the last report of each file in flight (by walk index).
  let bytesFinished = 0, secondsFinished = 0
  const inFlight = new Map<number, ReadProgress>()
  const progress = (i: number, stage: Progress['stage'], fileAudioSeconds: number): void => {
    if (!options.onProgress) return
    let bytesDone = bytesFinished, audioSecondsDone = secondsFinished
    for (const p of inFlight.values()) { bytesDone += p.bytesRead; audioSecondsDone += p.audioSeconds }
    options.onProgress({ done, total: files.length, bytesDone, bytesTotal, audioSecondsDone, path: files[i]!.path, stage, fileAudioSeconds })
  }
  const readOne = async (file: AudioFile, i: number): Promise<Reading> => {
    // The cache keys files by their path: one whose name is not UTF-8 (open ≠ path) is not cached.
    const store = file.open === file.path ? usable : undefined
    // A cache is only an accelerator: if consulting it fails (the file vanished while
    // --cache-hash hashed it, …) the file is read, and reported if it cannot be.
    let hit: Awaited<ReturnType<FingerprintCache['get']>>
    try { hit = await store?.get(file.path, file.size, file.mtimeMs, options.frontEnd) } catch { hit = undefined }
    if (hit) { fromCache++; return { file, ...hit, cached: true } }
    try {
      const { fp, info } = await pool.read(file.open, options.onProgress && ((p) => {
        // A file that grew since the walk must not push the bar past its total.
        inFlight.set(i, { bytesRead: Math.min(p.bytesRead, file.size), audioSeconds: p.audioSeconds })
        progress(i, 'reading', p.audioSeconds)
      }), options.frontEnd, grids)
      fingerprinted++
      try { await store?.set(file.path, file.size, file.mtimeMs, fp, info) } catch { /* read fine, just not cached */ }
      return { file, fp, info, cached: false }
    } catch (e) {
      return { file, cached: false, error: e instanceof FileError ? e : new FileError('corrupt', errorMessage(e), { cause: e }) }
    }
  }
  const lane = async (): Promise<void> => {
    while (next < files.length && !options.signal?.aborted) {
      const wait = admit?.()
      if (wait) {
        await wait
        if (next >= files.length || options.signal?.aborted) break
      }
      const i = next++
      inFlight.set(i, { bytesRead: 0, audioSeconds: 0 })
      progress(i, 'started', 0)
      const r = results[i] = await readOne(files[i]!, i)
      // A file that failed half-way keeps the seconds it had decoded: the count never goes back.
      const seconds = r.info?.durationSeconds ?? inFlight.get(i)?.audioSeconds ?? 0
      inFlight.delete(i)
      done++
      bytesFinished += files[i]!.size
      secondsFinished += seconds
      progress(i, 'finished', seconds)
      while (emitted < files.length && results[emitted]) { use(results[emitted]!); results[emitted++] = undefined }
    }
  }
  try {
    // Two files in flight per worker: one decoding, one queued, so no worker waits on the main thread.
    await Promise.all(Array.from({ length: Math.max(1, jobs) * 2 }, lane))
  } finally {
    await pool.close()
  }
  return { interrupted: emitted < files.length, fingerprinted, fromCache }
}

// ---------------------------------------------------------------- catalog build

/**
 * editions.json: which recording a catalog file is an edition of, and its quality.
 * Keys are file paths, relative to the editions.json file (or absolute). Every field is
 * optional; files not listed get trackId = their path relative to the directory given,
 * recordingId = trackId, and the quality read from the file itself.
 */
export interface EditionsFile {
  version?: 1
  files: Record<string, EditionEntry>
}
export interface EditionEntry {
  trackId?: string
  recordingId?: string
  quality?: EditionQuality
  metadata?: Record<string, unknown>
}

export function loadEditions(path: string): Map<string, EditionEntry> {
  let data: unknown
  try { data = JSON.parse(readFileSync(path, 'utf8')) } catch (e) { throw new CliError(2, `cannot read editions file ${path}: ${errorMessage(e)}`) }
  const files = (data as EditionsFile | null)?.files
  if (!files || typeof files !== 'object' || Array.isArray(files)) throw new CliError(2, `${path}: expected { "files": { "<path>": { "recordingId": …, "quality": {…} } } }`)
  const out = new Map<string, EditionEntry>()
  const base = dirname(resolve(path))
  for (const [file, entry] of Object.entries(files)) {
    if (!entry || typeof entry !== 'object') throw new CliError(2, `${path}: entry for ${JSON.stringify(file)} must be an object`)
    for (const k of ['trackId', 'recordingId'] as const) {
      if (entry[k] !== undefined && (typeof entry[k] !== 'string' || entry[k] === '')) throw new CliError(2, `${path}: ${JSON.stringify(file)}.${k} must be a non-empty string`)
    }
    let quality: EditionQuality | undefined
    if (entry.quality !== undefined) {
      // The catalog's own check (peakmatch's checkQuality), so what builds here also loads and identifies.
      try { quality = checkQuality(entry.quality, `${JSON.stringify(file)}.quality`) } catch (e) { throw new CliError(2, `${path}: ${errorMessage(e)}`) }
    }
    out.set(resolve(base, file), quality === undefined ? entry : { ...entry, quality })
  }
  return out
}

export interface BuildFileResult { path: string; trackId?: string; recordingId?: string; cached: boolean; error?: { reason: FileErrorReason | SkipReason; message: string } }
export interface BuildResult {
  catalog: Catalog
  files: BuildFileResult[]
  /** `unreadable`: files that failed to read; `skipped`: other paths not read (see SkipReason), listed in `files` too. */
  summary: { files: number; added: number; unreadable: number; skipped: number; ignored: number; audioSeconds: number; elapsedSeconds: number; unusedEditions: string[] }
  interrupted: boolean
  /** What the files were fingerprinted with: the catalog's front end (RunOptions.frontEnd). */
  frontEnd: FrontEnd
}

/**
 * Fingerprints the audio under `paths` into a new catalog, or into `options.catalog` (catalog add);
 * nothing is written (see saveCatalog). Files are fingerprinted with the catalog's front end
 * (`options.frontEnd`, else the one its tracks are stamped with, else the defaults).
 */
export async function buildCatalog(paths: readonly string[], options: RunOptions<BuildFileResult> & { editions?: Map<string, EditionEntry>; cache?: FingerprintCache; catalog?: Catalog; tripletIndex?: boolean } = {}): Promise<BuildResult> {
  const t0 = performance.now()
  const { files, skipped, ignored } = walkAudio(paths)
  const catalog = options.catalog ?? new Catalog({ tripletIndex: options.tripletIndex ?? false })
  const frontEnd = options.frontEnd ?? catalogFrontEnd(catalog.settings())
  const out: BuildFileResult[] = []
  const unused = new Set(options.editions?.keys() ?? [])
  let audioSeconds = 0
  const { interrupted } = await readFiles(files, { ...options, frontEnd }, options.cache, (r) => {
    addReading(r)
    options.onFile?.(out[out.length - 1]!, out.length, files.length)
  })
  function addReading(r: Reading): void {
    const rel = relative(r.file.root, r.file.path).split(sep).join('/')
    if (r.error || !r.fp || !r.info) {
      out.push({ path: r.file.path, cached: r.cached, error: { reason: r.error?.reason ?? 'corrupt', message: r.error?.message ?? 'unknown' } })
      return
    }
    const entry = options.editions?.get(r.file.path)
    unused.delete(r.file.path)
    const trackId = entry?.trackId ?? rel
    const recordingId = entry?.recordingId ?? trackId
    const metadata = { ...r.info.tags, file: rel, ...(entry?.metadata ?? {}) }
    try {
      catalog.add(trackId, r.fp, metadata, { recordingId, quality: entry?.quality ?? r.info.quality })
      audioSeconds += r.info.durationSeconds
      out.push({ path: r.file.path, trackId, recordingId, cached: r.cached })
    } catch (e) {
      const message = e instanceof PeakmatchError && e.code === 'DUPLICATE_TRACK'
        ? `track id ${JSON.stringify(trackId)} is already in the catalog${options.catalog ? ' (to replace it: peakmatch catalog remove, then add)' : ', taken by another file'}`
        : errorMessage(e)
      out.push({ path: r.file.path, cached: r.cached, error: { reason: 'corrupt', message } })
    }
  }
  const added = out.filter((f) => !f.error).length
  const unreadable = out.length - added
  for (const k of skipped) out.push({ path: k.path, cached: false, error: { reason: k.reason, message: k.message } })
  return {
    catalog, files: out, interrupted, frontEnd,
    summary: { files: files.length, added, unreadable, skipped: skipped.length, ignored, audioSeconds, elapsedSeconds: (performance.now() - t0) / 1000, unusedEditions: [...unused] },
  }
}

/** Bytes loadCatalog reads at a time: the reader copies each piece into the catalog's arrays. */
const READ_PIECE = 16 << 20

/**
 * A catalog file, or exit code 3 with the reason. Read in pieces into Catalog.fromChunks, so
 * memory while loading is the catalog plus one section and one piece, whatever its size.
 */
export function loadCatalog(path: string): Catalog {
  let fd: number
  let size: number
  try {
    fd = openSync(path, 'r')
    try { size = fstatSync(fd).size } catch (e) { closeSync(fd); throw e }
  } catch (e) {
    throw new CliError(3, `cannot read catalog ${path}: ${errorMessage(e)}`)
  }
  function* pieces(): Generator<Uint8Array> {
    const buffer = new Uint8Array(Math.max(1, Math.min(READ_PIECE, size)))
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null)
      if (n === 0) return
      yield buffer.subarray(0, n)
    }
  }
  try {
    return Catalog.fromChunks(pieces(), { totalBytes: size })
  } catch (e) {
    if (!(e instanceof PeakmatchError)) throw new CliError(3, `cannot read catalog ${path}: ${errorMessage(e)}`)
    throw new CliError(3, `${path} is not a usable catalog (${e.code}): ${errorMessage(e)}`)
  } finally {
    closeSync(fd)
  }
}

/**
 * Writes a catalog atomically, one section at a time (Catalog.toChunks: no buffer of the whole
 * file, so it may pass 4 GiB): an interrupted write leaves the previous file intact. Returns the
 * bytes written.
 */
export function saveCatalog(catalog: Catalog, path: string): number {
  const chunks = catalog.toChunks()
  try { return writeFileAtomic(path, chunks) } catch (e) {
    if (e instanceof PeakmatchError) throw e
    throw new CliError(4, `cannot write ${path}: ${errorMessage(e)}`)
  }
}

// ---------------------------------------------------------------- scan

export type { ScanStatus, ScanFileResult } from './decide.js'

/** What every library run (scan, dedupe) counts of its reading, besides its own answers. */
export interface ReadSummary {
  /** Audio files found. */
  files: number
  unreadable: number
  /** Paths met but not read (links, special files, unreadable directories): status `skipped`. */
  skipped: number
  /** Non-audio files skipped by extension, and hidden entries. */
  ignored: number
  fingerprinted: number
  fromCache: number
  /** The fingerprint cache's lookups, and the damaged entries it dropped (absent with --no-cache). */
  cache?: CacheStats
  audioSeconds: number
  elapsedSeconds: number
}

export interface ScanSummary extends ReadSummary {
  matched: number
  /** Files that are excerpts of a catalog recording (status `snippet`): neither mirrored nor uploaded. */
  snippets: number
  upgradable: number
  unmatched: number
  /** Bytes of the unmatched files: what would be uploaded. */
  unmatchedBytes: number
  ambiguous: number
  /** Files read but not decided: the match service refused them or did not answer (status `failed`; scan --server only). */
  failed: number
}

export interface ScanResult {
  files: ScanFileResult[]
  summary: ScanSummary
  interrupted: boolean
  /** Problems that did not stop the scan nor change its results (the cache could not be saved). */
  warnings: string[]
  /** What the files were fingerprinted with: the catalog's front end (RunOptions.frontEnd). */
  frontEnd: FrontEnd
}

/**
 * Identifies every audio file under `paths` against `catalog`: a DecisionSource (a local Catalog)
 * that decide() questions, or a FileDecider (a match service) that decides each file itself.
 */
export async function scanLibrary(paths: readonly string[], catalog: DecisionSource | FileDecider, options: RunOptions<ScanFileResult> & DecideOptions & { cache?: FingerprintCache } = {}): Promise<ScanResult> {
  const t0 = performance.now()
  const { files, skipped, ignored } = walkAudio(paths)
  const out: ScanFileResult[] = []
  const warnings: string[] = []
  let audioSeconds = 0
  // Decisions are asked as files are read, without waiting for one another (a remote source
  // batches them); they are reported and kept in walk order.
  const pending: Promise<ScanFileResult>[] = []
  let reported = Promise.resolve()
  let reportFailure: { e: unknown } | undefined
  const decideOptions: DecideOptions = { ...(options.minConfidence !== undefined ? { minConfidence: options.minConfidence } : {}), ...(options.top !== undefined ? { top: options.top } : {}) }
  const decider = 'decideFile' in catalog ? catalog : undefined
  const frontEnd = options.frontEnd ?? sourceFrontEnd(catalog)
  const run = await readFiles(files, { ...options, frontEnd }, options.cache, (r) => {
    const result = decider ? decider.decideFile(r, decideOptions) : decide(catalog as DecisionSource, r, options)
    result.catch(() => {})   // handled below, in order; not an unhandled rejection meanwhile
    pending.push(result)
    if (r.info) audioSeconds += r.info.durationSeconds
    const n = pending.length
    // A failed decision is thrown below by Promise.all; the chain itself never rejects (an
    // intermediate rejected link would be an unhandled rejection).
    reported = reported.then(() => result).then((res) => { if (!reportFailure) try { options.onFile?.(res, n, files.length) } catch (e) { reportFailure = { e } } }, () => {})
  }, decider?.admit && (() => decider.admit!()))
  await reported
  out.push(...await Promise.all(pending))
  if (reportFailure) throw reportFailure.e
  // A pruned cache forgets files that are gone; not after an interruption (unseen ≠ gone).
  // The scan is done: failing to save the cache must not lose its results (the report).
  try { await options.cache?.save(run.interrupted ? undefined : { within: paths.map((p) => resolve(p)) }) } catch (e) { warnings.push(`the cache was not saved: ${errorMessage(e)}`) }
  for (const k of skipped) out.push(skippedResult(k))
  const count = (s: ScanStatus) => out.filter((f) => f.status === s).length
  const summary: ScanSummary = {
    files: files.length, matched: count('matched'), snippets: count('snippet'), upgradable: out.filter((f) => f.status === 'matched' && f.upgrade).length,
    unmatched: count('unmatched'), unmatchedBytes: out.filter((f) => f.status === 'unmatched').reduce((s, f) => s + f.sizeBytes, 0),
    ambiguous: count('ambiguous'), failed: count('failed'), unreadable: count('unreadable'), skipped: skipped.length, ignored,
    fingerprinted: run.fingerprinted, fromCache: run.fromCache, audioSeconds, elapsedSeconds: (performance.now() - t0) / 1000,
    ...(options.cache ? { cache: { ...options.cache.stats } } : {}),
  }
  return { files: out, summary, interrupted: run.interrupted, warnings, frontEnd }
}

function skippedResult(k: SkippedPath): ScanFileResult {
  return { path: k.path, sizeBytes: 0, status: 'skipped', cached: false, reason: k.reason, error: k.message }
}

/**
 * The front end to fingerprint with for a source: its catalog's (settings(), which a Catalog and a
 * RemoteCatalog have), or the defaults for a source that does not say.
 */
export function sourceFrontEnd(source: DecisionSource | FileDecider): FrontEnd {
  return catalogFrontEnd(typeof source.settings === 'function' ? source.settings() : null)
}

/** Identifies one file (no cache, no workers), fingerprinted with the catalog's front end (sourceFrontEnd). */
export async function identifyFile(path: string, catalog: DecisionSource, options: DecideOptions = {}): Promise<ScanFileResult> {
  if (!existsSync(path)) throw new CliError(2, `no such file: ${path}`)
  const st = statSync(path)
  if (!st.isFile()) throw new CliError(2, `not a file: ${path}`)
  const file: AudioFile = { path: resolve(path), open: resolve(path), root: dirname(resolve(path)), size: st.size, mtimeMs: st.mtimeMs }
  const frontEnd = sourceFrontEnd(catalog)
  let read: Reading
  try {
    read = { file, ...(await readAudioFile(file.open, { frontEnd })), cached: false }
  } catch (e) {
    read = { file, cached: false, error: e instanceof FileError ? e : new FileError('corrupt', errorMessage(e)) }
  }
  return decide(catalog, read, options)
}
