import { createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { glob, isDynamicPattern } from 'tinyglobby'
import { QUERY_GRIDS, type Catalog, type FrontEnd } from 'peakmatch'
import { decide, type ScanFileResult } from '../decide.js'
import { CliError, errorMessage } from '../errors.js'
import { catalogFrontEnd } from '../front-end.js'
import { fileLine, formatOffset, qualityText, trackName } from '../report.js'
import { loadCatalog, readFiles } from '../scan.js'
import { walkAudio, type AudioFile } from '../walk.js'
import { EXIT, REPORT_SCHEMA_VERSION, confidenceOf, jobsOf, parse, positiveIntOf, type Io } from './common.js'
import { HELP } from './help.js'

/** Most bytes read from stdin: a stream that never ends (`cat /dev/urandom |`) must not fill the disk. */
const STDIN_LIMIT_BYTES = 4 * 2 ** 30

export async function cmdIdentify(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('identify', args, {
    catalog: { type: 'string', short: 'c' }, top: { type: 'string', short: 'n' }, 'min-confidence': { type: 'string' }, jobs: { type: 'string', short: 'j' },
  })
  if (values.help) { io.out(HELP.identify!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'identify: give the files to identify (paths, globs, directories, or - for stdin)')
  if (!values.catalog) throw new CliError(EXIT.USAGE, 'identify: --catalog <catalog.pmx> is required')
  const top = values.top === undefined ? 0 : positiveIntOf('--top', values.top, 100)
  const minConfidence = values['min-confidence'] === undefined ? undefined : confidenceOf(values['min-confidence'])
  const jobs = jobsOf(values.jobs)
  if (positionals.filter((p) => p === '-').length > 1) throw new CliError(EXIT.USAGE, 'identify: stdin (-) can be given once')
  const paths = await expand(positionals.filter((p) => p !== '-'))
  const catalog = loadCatalog(values.catalog)
  // Files are fingerprinted as the catalog's tracks were (its stamped front end), whatever the defaults.
  const frontEnd = catalogFrontEnd(catalog.settings())
  // ...and on QUERY_GRIDS frame grids: a file asked about is often a short noisy clip, which the
  // other grids' landmarks find more often (Catalog.match). Only here: scan keeps one grid, for
  // its throughput over a library and its cache. No cache is used on this path either way.
  const read = { frontEnd, grids: QUERY_GRIDS }

  const results: ScanFileResult[] = []
  let interrupted = false
  const options = { minConfidence, top }
  if (positionals.includes('-')) {
    const r = await identifyStdin(catalog, read, io, options)
    if (r) results.push(r)
    else interrupted = true
  }
  if (!interrupted && paths.length > 0) {
    const walk = walkAudio(paths)
    const decided: Promise<ScanFileResult>[] = []
    const run = await readFiles(walk.files, { jobs: Math.min(jobs, walk.files.length), signal: io.signal, workerScript: io.workerScript, ...read }, undefined, (r) => { decided.push(decide(catalog, r, options)) })
    results.push(...await Promise.all(decided))
    interrupted = run.interrupted
    for (const k of walk.skipped) results.push({ path: k.path, sizeBytes: 0, status: 'skipped', cached: false, reason: k.reason, error: k.message })
  }

  if (values.json) io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(values.catalog), frontEnd, interrupted, files: results }, null, 2) + '\n')
  else for (const r of results) io.out(identifyText(r))
  if (interrupted) return EXIT.INTERRUPTED
  return results.some((r) => r.status === 'unreadable' || r.status === 'skipped') ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/**
 * Paths as given, with glob patterns expanded (the shell does it unquoted; quoted, or on a shell
 * that does not, we do). A path that exists is taken as it is, even if it has glob characters.
 */
async function expand(given: string[]): Promise<string[]> {
  const out: string[] = []
  for (const p of given) {
    if (existsSync(p) || !isDynamicPattern(p)) { out.push(p); continue }
    const found = (await glob(p, { absolute: true, onlyFiles: true, dot: false, expandDirectories: false })).sort()
    if (found.length === 0) throw new CliError(EXIT.USAGE, `identify: no file matches ${p}`)
    out.push(...found)
  }
  return out
}

/**
 * Audio piped in (`-`): spooled to a private temporary file, since the decoders seek (an MP4's
 * index may sit at its end), then read like any file and removed. Reported as path "-".
 * undefined when interrupted before stdin ended.
 */
async function identifyStdin(catalog: Catalog, read: { frontEnd: FrontEnd; grids: number }, io: Io, options: { minConfidence?: number; top: number }): Promise<ScanFileResult | undefined> {
  const stdin = io.stdin
  if (!stdin) throw new CliError(EXIT.USAGE, 'identify: no stdin to read from')
  // A terminal would wait for audio typed on the keyboard: say what - is for instead.
  if ((stdin as { isTTY?: boolean }).isTTY) throw new CliError(EXIT.USAGE, 'identify: - reads audio from stdin, which is a terminal here: pipe audio in (e.g. arecord -d 10 -f cd -t wav | peakmatch identify - -c catalog.pmx)')
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-stdin-'))
  const spool = join(dir, 'audio')
  try {
    let bytes = 0
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length
        done(bytes > STDIN_LIMIT_BYTES ? new CliError(EXIT.USAGE, `identify: more than ${STDIN_LIMIT_BYTES / 2 ** 30} GiB on stdin`) : null, chunk)
      },
    })
    try {
      await pipeline(stdin, limit, createWriteStream(spool), { signal: io.signal })
    } catch (e) {
      if (io.signal?.aborted) return undefined
      if (e instanceof CliError) throw e
      throw new CliError(EXIT.UNREADABLE_FILES, `identify: cannot read stdin: ${errorMessage(e)}`)
    }
    const file: AudioFile = { path: '-', open: spool, root: dir, size: statSync(spool).size, mtimeMs: 0 }
    let result: ScanFileResult | undefined
    let decided: Promise<ScanFileResult> | undefined
    await readFiles([file], { jobs: 0, ...read }, undefined, (r) => { decided = decide(catalog, r, options) })
    result = await decided
    // The spool's name is ours, not the user's: keep it out of messages.
    if (result?.error) result.error = result.error.split(spool).join('stdin')
    return result
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** A file's answer for a person: the decision line, then the edition, offset and candidates. */
function identifyText(r: ScanFileResult): string {
  const lines = [fileLine(r.path === '-' ? { ...r, path: '(stdin)' } : r)]
  if (r.status !== 'unreadable' && r.status !== 'skipped') {
    if (r.status !== 'snippet' && r.edition) lines.push(`  best edition: ${r.edition.trackId}${r.edition.quality ? ` (${qualityText(r.edition.quality)})` : ''}${r.upgrade !== undefined ? `, ${r.upgrade ? 'an upgrade' : 'not an upgrade'} over this file (${qualityText(r.quality ?? {})})` : ''}`)
    if (r.status !== 'snippet' && r.offsetSeconds !== undefined) lines.push(`  the file starts at ${formatOffset(r.offsetSeconds)} of ${trackName(r)}; confidence ${r.confidence?.toFixed(2)}`)
    if (r.candidates) {
      if (r.candidates.length === 0) lines.push('  no candidate')
      r.candidates.forEach((c, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${trackName(c)}  score ${c.score}, confidence ${c.confidence.toFixed(c.confidence > 0.99 ? 5 : 3)}, at ${formatOffset(c.offsetSeconds)}`))
    }
  }
  return lines.join('\n') + '\n'
}
