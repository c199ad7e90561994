/**
 * The `peakmatch` command: build a catalog, scan a library, identify a file.
 * main() is exported for in-process tests; run() is what the bin (bin.ts → dist/cli.js) calls.
 * Importing this module runs nothing.
 */
import { mkdirSync, rmSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import cliProgress from 'cli-progress'
import { FingerprintCache } from './cache.js'
import { writeFileAtomic } from './atomic.js'
import { CliError, errorMessage } from './errors.js'
import { buildSummaryText, fileLine, qualityText, scanCsv, scanSummaryText } from './report.js'
import { buildCatalog, identifyFile, loadCatalog, loadEditions, saveCatalog, scanLibrary, type Progress } from './scan.js'

/**
 * Exit codes: stable, documented in README.md ("Scan a library"); each means this and nothing else.
 *   0  done, every file met was read (or ignored by rule: hidden, not audio by extension)
 *   1  done, but some paths were unreadable or skipped: each is listed with its reason
 *   2  usage error: bad arguments or options, a missing input path, a bad editions file, nothing to catalog
 *   3  the catalog is missing, damaged or of another format version
 *   4  the catalog or the report could not be written (a cache that cannot be saved is only a warning)
 *   5  an unexpected internal error (a bug: the message says where)
 * 130  interrupted (Ctrl-C): nothing half-written; a scan's partial report goes beside the complete one
 */
export const EXIT = { OK: 0, UNREADABLE_FILES: 1, USAGE: 2, BAD_CATALOG: 3, WRITE_FAILED: 4, INTERNAL: 5, INTERRUPTED: 130 } as const

export interface Io {
  out: (text: string) => void
  err: (text: string) => void
  /** Show a progress bar (stdout is a terminal and not --json). */
  tty: boolean
  signal?: AbortSignal
  /** The decoding threads' module (RunOptions.workerScript); the bin leaves it to the default. */
  workerScript?: URL | string
}

const HELP: Record<string, string> = {
  main: `peakmatch — identify audio files by their sound against a catalog

Usage:
  peakmatch catalog build <dir...> -o catalog.pmx [--editions editions.json]
  peakmatch scan <library-dir...> --catalog catalog.pmx [--report report.json|report.csv]
  peakmatch identify <file> --catalog catalog.pmx [--json]
  peakmatch <command> --help        details and an example for each command

Exit codes: 0 ok · 1 finished, but some files were unreadable or skipped (each listed with
its reason) · 2 usage error (or nothing to catalog) · 3 catalog missing, damaged or of another
version · 4 the catalog or report could not be written · 5 internal error (a bug) ·
130 interrupted (nothing half-written; a partial report goes to <name>.partial.<ext>)
`,
  build: `peakmatch catalog build <dir...> -o <catalog.pmx> [options]

Fingerprints every audio file under the directories (recursively) into a catalog file.
Track ids are the files' paths relative to the directory given; each track is its own
recording unless editions.json groups it with others.

Options:
  -o, --output FILE      the catalog to write (atomically: temp file + rename)
  -e, --editions FILE    editions.json: recordingId, quality, trackId, metadata per file
  -j, --jobs N           decoding threads (default: 2)
      --cache FILE       reuse fingerprints of unchanged files from this cache file
      --json             machine-readable summary on stdout
  -h, --help

editions.json:
  { "version": 1, "files": { "masters/song.flac": { "recordingId": "rec-42",
      "quality": { "codec": "flac", "lossless": true, "sampleRate": 96000, "bitDepth": 24 } } } }

Example:
  peakmatch catalog build ./masters -o catalog.pmx --editions ./masters/editions.json
`,
  scan: `peakmatch scan <library-dir...> --catalog <catalog.pmx> [options]

Identifies every audio file under the directories against the catalog and prints a summary:
matched (of which upgradable to a better edition), unmatched (to upload, with their size),
ambiguous, unreadable. Fingerprints are cached: a re-run only decodes new or changed files.

Options:
  -c, --catalog FILE     the catalog (from \`peakmatch catalog build\`)
  -r, --report FILE      write every file's result: .json or .csv by extension (an interrupted
                         scan writes FILE's name + .partial instead: report.partial.csv)
  -j, --jobs N           decoding threads (default: 2)
      --cache FILE       fingerprint cache (default: $XDG_CACHE_HOME/peakmatch/fingerprints.lmdb)
      --no-cache         neither read nor write a cache
      --cache-hash       also key the cache by content (SHA-256): touched-but-unchanged files stay cached
  -v, --verbose          one line per file
      --json             the whole report as JSON on stdout
  -h, --help

Example:
  peakmatch scan ~/Music --catalog catalog.pmx --report report.csv
`,
  identify: `peakmatch identify <file> --catalog <catalog.pmx> [--json]

Identifies one file or snippet: matched (the recording, its best edition and whether it is
an upgrade), ambiguous (the candidates) or unmatched. Exit code 0 when the file was read,
1 when it was unreadable.

Options:
  -c, --catalog FILE
      --json
  -h, --help

Example:
  peakmatch identify "Some Song.mp3" --catalog catalog.pmx --json
`,
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true })
  } catch (e) {
    throw new CliError(EXIT.USAGE, errorMessage(e))
  }
}

function jobsOf(v: string | undefined): number {
  if (v === undefined) return 2
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new CliError(EXIT.USAGE, `--jobs must be an integer from 0 to 64, got ${v}`)
  return n
}

function progressBar(io: Io, label: string): { update: (p: Progress) => void; stop: () => void } {
  if (!io.tty) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar({
    format: `${label} {bar} {percentage}% | {value}/{total} files | ETA {eta_formatted} | {file}`,
    stream: process.stderr, hideCursor: true, etaBuffer: 20, fps: 5,
  }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    update: (p) => {
      const file = p.path.length > 40 ? `…${p.path.slice(-39)}` : p.path
      if (!started) { bar.start(p.total, 0, { file }); started = true }
      bar.update(p.done, { file })
    },
    stop: () => { if (started) bar.stop() },
  }
}

function defaultCachePath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'peakmatch', 'fingerprints.lmdb')
}

async function cmdBuild(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    output: { type: 'string', short: 'o' }, editions: { type: 'string', short: 'e' }, jobs: { type: 'string', short: 'j' }, cache: { type: 'string' },
  })
  if (values.help) { io.out(HELP.build!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'catalog build: give at least one directory of audio files')
  if (!values.output) throw new CliError(EXIT.USAGE, 'catalog build: -o <catalog.pmx> is required')
  const editions = values.editions ? loadEditions(values.editions) : undefined
  const cache = values.cache ? await FingerprintCache.open(resolve(values.cache)) : undefined
  const bar = progressBar({ ...io, tty: io.tty && !values.json }, 'fingerprinting')
  let result
  try {
    result = await buildCatalog(positionals, { jobs: jobsOf(values.jobs), editions, cache, onProgress: bar.update, signal: io.signal, workerScript: io.workerScript })
  } finally {
    bar.stop()
  }
  if (result.interrupted) {
    io.err('interrupted: the catalog was not written (any previous one is untouched)\n')
    return EXIT.INTERRUPTED
  }
  if (result.summary.added === 0) {
    // An empty catalog would silently replace a good one (a wrong or unmounted directory).
    for (const f of result.files) if (f.error) io.err(`  ${f.path}: ${f.error.reason} — ${f.error.message}\n`)
    throw new CliError(EXIT.USAGE, `catalog build: no audio file could be added from ${positionals.join(', ')} (${result.summary.files} audio files found, ${result.summary.unreadable} unreadable, ${result.summary.skipped} skipped): ${values.output} was not written`)
  }
  const bytes = saveCatalog(result.catalog, values.output)
  await cache?.save()
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  if (values.json) io.out(JSON.stringify({ catalog: resolve(values.output), bytes, summary: result.summary, files: result.files }, null, 2) + '\n')
  else io.out(buildSummaryText(result, values.output, bytes) + '\n')
  return result.summary.unreadable + result.summary.skipped > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/** Where a scan's report goes: the path asked for, or beside it (name.partial.ext) when the scan was interrupted. */
export function reportPath(path: string, interrupted: boolean): string {
  return interrupted ? path.replace(/(\.[^./\\]+)$/, '.partial$1') : path
}

async function cmdScan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    catalog: { type: 'string', short: 'c' }, report: { type: 'string', short: 'r' }, jobs: { type: 'string', short: 'j' },
    cache: { type: 'string' }, 'no-cache': { type: 'boolean' }, 'cache-hash': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' },
  })
  if (values.help) { io.out(HELP.scan!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'scan: give the library directory')
  if (!values.catalog) throw new CliError(EXIT.USAGE, 'scan: --catalog <catalog.pmx> is required')
  if (values.report && !/\.(json|csv)$/i.test(values.report)) throw new CliError(EXIT.USAGE, '--report must end in .json or .csv')
  const jobs = jobsOf(values.jobs)
  const catalog = loadCatalog(values.catalog)
  let cache: FingerprintCache | undefined
  if (!values['no-cache']) {
    const path = resolve(values.cache ?? defaultCachePath())
    // A cache is an accelerator: when its folder cannot be made, scan without it.
    let folder = true
    try { mkdirSync(dirname(path), { recursive: true }) } catch (e) {
      io.err(`warning: scanning without a cache: cannot create ${dirname(path)}: ${errorMessage(e)}\n`)
      folder = false
    }
    if (folder) cache = await FingerprintCache.open(path, values['cache-hash'] ?? false)
  }
  const bar = progressBar({ ...io, tty: io.tty && !values.json }, 'scanning')
  let result
  try {
    result = await scanLibrary(positionals, catalog, { jobs, cache, onProgress: bar.update, signal: io.signal, workerScript: io.workerScript })
  } finally {
    bar.stop()
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`)
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  const report = { catalog: resolve(values.catalog), summary: result.summary, interrupted: result.interrupted, files: result.files }
  let written: string | undefined
  if (values.report) {
    // A partial report never replaces a complete one: it goes beside it, named .partial.
    written = reportPath(values.report, result.interrupted)
    const text = /\.csv$/i.test(values.report) ? scanCsv(result) : JSON.stringify(report, null, 2) + '\n'
    try { writeFileAtomic(written, new TextEncoder().encode(text)) } catch (e) { throw new CliError(EXIT.WRITE_FAILED, `cannot write ${written}: ${errorMessage(e)}`) }
    // A complete report supersedes the partial one of an earlier interrupted run.
    if (!result.interrupted) try { rmSync(reportPath(values.report, true), { force: true }) } catch { /* left as it was */ }
  }
  if (values.json) io.out(JSON.stringify(report, null, 2) + '\n')
  else {
    if (values.verbose) {
      const root = positionals.length === 1 ? resolve(positionals[0]!) : undefined
      for (const f of result.files) io.out(fileLine(f, root) + '\n')
      io.out('\n')
    } else {
      for (const f of result.files) if (f.status === 'unreadable' || f.status === 'skipped') io.out(fileLine(f) + '\n')
    }
    io.out(scanSummaryText(result) + '\n')
    if (written) io.out(`report: ${written}${result.interrupted ? ` (partial: the scan was interrupted; ${values.report} is left as it was)` : ''}\n`)
  }
  if (result.interrupted) return EXIT.INTERRUPTED
  return result.summary.unreadable + result.summary.skipped > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

async function cmdIdentify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { catalog: { type: 'string', short: 'c' } })
  if (values.help) { io.out(HELP.identify!); return EXIT.OK }
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'identify: give exactly one file')
  if (!values.catalog) throw new CliError(EXIT.USAGE, 'identify: --catalog <catalog.pmx> is required')
  const catalog = loadCatalog(values.catalog)
  const r = await identifyFile(positionals[0]!, catalog)
  if (values.json) io.out(JSON.stringify(r, null, 2) + '\n')
  else {
    io.out(fileLine(r) + '\n')
    if (r.status !== 'unreadable') {
      if (r.edition) io.out(`  best edition: ${r.edition.trackId}${r.edition.quality ? ` (${qualityText(r.edition.quality)})` : ''}${r.upgrade !== undefined ? `, ${r.upgrade ? 'an upgrade' : 'not an upgrade'} over this file (${qualityText(r.quality ?? {})})` : ''}\n`)
      if (r.offsetSeconds !== undefined) io.out(`  the file starts at ${r.offsetSeconds.toFixed(2)} s of ${r.trackId}; confidence ${r.confidence?.toFixed(2)}\n`)
    }
  }
  return r.status === 'unreadable' ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const [cmd, ...rest] = argv
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      const topic = cmd === 'help' ? rest[0] : undefined
      io.out((topic === 'catalog' ? HELP.build : topic && HELP[topic]) || HELP.main!)
      return cmd === undefined ? EXIT.USAGE : EXIT.OK
    }
    if (cmd === '--version' || cmd === '-V') { io.out('peakmatch 0.1.0\n'); return EXIT.OK }
    if (cmd === 'catalog') {
      if (rest[0] === 'build') return await cmdBuild(rest.slice(1), io)
      if (rest[0] === '--help' || rest[0] === '-h') { io.out(HELP.build!); return EXIT.OK }
      throw new CliError(EXIT.USAGE, `unknown command: catalog ${rest[0] ?? ''} (try: peakmatch catalog build --help)`)
    }
    if (cmd === 'scan') return await cmdScan(rest, io)
    if (cmd === 'identify') return await cmdIdentify(rest, io)
    throw new CliError(EXIT.USAGE, `unknown command: ${cmd} (try: peakmatch --help)`)
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`peakmatch: ${e.message}\n`)
      if (e.exitCode === EXIT.USAGE) io.err('run `peakmatch --help` for usage\n')
      return e.exitCode
    }
    io.err(`peakmatch: internal error (a bug, please report it): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
    return EXIT.INTERNAL
  }
}

/** The bin: process.argv in, exit code out; Ctrl-C stops cleanly (a second one at once). */
export async function run(): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.INTERRUPTED)
    process.stderr.write('\nstopping after the files in progress (Ctrl-C again to quit now; outputs are never half-written)\n')
    controller.abort()
  })
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: Boolean(process.stdout.isTTY), signal: controller.signal,
  })
  process.exitCode = code
}
