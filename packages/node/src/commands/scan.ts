import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { writeFileAtomic } from '../atomic.js'
import { CliError, errorMessage } from '../errors.js'
import { frontEndText, isDefaultFrontEnd } from '../front-end.js'
import { fileLine, scanCsv, scanSummaryText } from '../report.js'
import { ServiceError } from '../remote/errors.js'
import { RemoteCatalog, serviceBase } from '../remote/remote-catalog.js'
import { loadCatalog, scanLibrary, sourceFrontEnd, type ScanFileResult } from '../scan.js'
import { EXIT, REPORT_SCHEMA_VERSION, confidenceOf, jobsOf, openLibraryCache, parse, positiveIntOf, type Io } from './common.js'
import { HELP } from './help.js'
import { progressReporter, shortName } from './progress.js'

/** Where a scan's report goes: the path asked for, or beside it (name.partial.ext) when the scan was interrupted. */
export function reportPath(path: string, interrupted: boolean): string {
  return interrupted ? path.replace(/(\.[^./\\]+)$/, '.partial$1') : path
}

export async function cmdScan(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('scan', args, {
    catalog: { type: 'string', short: 'c' }, report: { type: 'string', short: 'r' }, jobs: { type: 'string', short: 'j' },
    cache: { type: 'string' }, 'no-cache': { type: 'boolean' }, 'cache-hash': { type: 'boolean' }, verbose: { type: 'boolean', short: 'v' }, 'min-confidence': { type: 'string' },
    server: { type: 'string', short: 's' }, batch: { type: 'string' }, retries: { type: 'string' }, 'timeout-seconds': { type: 'string' },
  })
  if (values.help) { io.out(HELP.scan!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'scan: give the library directory')
  if (values.catalog && values.server) throw new CliError(EXIT.USAGE, 'scan: give --catalog <catalog.pmx> (a local catalog) or --server <URL> (a match service), not both')
  if (!values.catalog && !values.server) throw new CliError(EXIT.USAGE, 'scan: --catalog <catalog.pmx> or --server <URL> is required')
  if (!values.server) for (const flag of ['batch', 'retries', 'timeout-seconds'] as const) if (values[flag] !== undefined) throw new CliError(EXIT.USAGE, `scan: --${flag} is an option of --server`)
  if (values.report && !/\.(json|csv)$/i.test(values.report)) throw new CliError(EXIT.USAGE, '--report must end in .json or .csv')
  const jobs = jobsOf(values.jobs)
  const minConfidence = values['min-confidence'] === undefined ? undefined : confidenceOf(values['min-confidence'])
  // The catalog first, a service's included, so that a wrong path or URL fails before any decoding.
  const stop = new AbortController()
  const remote = values.server === undefined ? undefined : await connect(values.server, values, () => stop.abort())
  const catalog = remote ?? loadCatalog(values.catalog!)
  const cache = await openLibraryCache(values, io, 'scanning')
  // One directory: paths are shown relative to it, as in the report's listing.
  const root = positionals.length === 1 ? resolve(positionals[0]!) : undefined
  // Files are fingerprinted as the catalog's tracks were; said with -v when that is not the defaults.
  const frontEnd = sourceFrontEnd(catalog)
  if (values.verbose && !values.json && !isDefaultFrontEnd(frontEnd)) io.err(`fingerprinting with the catalog's ${frontEndText(frontEnd)} (not this peakmatch's defaults)\n`)
  const progress = progressReporter<ScanFileResult>(io, { label: 'scanning', json: Boolean(values.json), line: (f) => fileLine(f, root), name: (p) => shortName(p, root) })
  let result
  try {
    const signal = remote ? eitherSignal(io.signal, stop.signal) : io.signal
    result = await scanLibrary(positionals, catalog, { jobs, cache, minConfidence, frontEnd, onProgress: progress.progress, onFile: progress.file, signal, workerScript: io.workerScript })
  } finally {
    progress.stop()
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`)
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  // With --server, `catalog` is the service's URL (and `server` says it is one).
  const report = { schemaVersion: REPORT_SCHEMA_VERSION, catalog: remote ? remote.info.url : resolve(values.catalog!), ...(remote ? { server: remote.info.url } : {}), frontEnd: result.frontEnd, summary: result.summary, interrupted: result.interrupted, files: result.files }
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
    // Without a bar each file's line was printed as it finished, so -v has nothing to add (every
    // file twice would be noise); the problems are listed above the summary in both modes, as
    // without -v: in a long log they are then found beside the counts.
    if (values.verbose && progress.mode === 'bar') {
      for (const f of result.files) io.out(fileLine(f, root) + '\n')
      io.out('\n')
    } else {
      if (progress.mode === 'lines' && result.files.length > 0) io.out('\n')
      for (const f of result.files) if (f.status === 'unreadable' || f.status === 'skipped' || f.status === 'failed') io.out(fileLine(f) + '\n')
    }
    io.out(scanSummaryText(result) + '\n')
    if (written) io.out(`report: ${written}${result.interrupted ? ` (partial: the scan was interrupted; ${values.report} is left as it was)` : ''}\n`)
  }
  const lost = remote?.lost
  if (lost) {
    const decided = result.files.filter((f) => f.status !== 'failed' && f.status !== 'skipped' && f.status !== 'unreadable').length
    io.err(`peakmatch: the service at ${remote!.info.url} stopped answering: ${lost.message}. The scan stopped: ${decided} files were decided, ${result.summary.failed} read but not decided (status failed)${result.interrupted ? ', the rest not read' : ''}${written ? `; the report ${written} has them` : ''}. Scan again when the service is back${cache ? ' (the cache keeps the files read)' : ''}.\n`)
    return EXIT.SERVER_UNREACHABLE
  }
  if (result.interrupted) return EXIT.INTERRUPTED
  return result.summary.unreadable + result.summary.skipped + result.summary.failed > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/** scan --server: the service checked (ServiceError → exit 6, or 3 for a catalog this scan cannot query). */
async function connect(server: string, values: { batch?: string; retries?: string; 'timeout-seconds'?: string }, onLost: () => void): Promise<RemoteCatalog> {
  const batchSize = values.batch === undefined ? undefined : positiveIntOf('--batch', values.batch, 256)
  const retries = values.retries === undefined ? undefined : retriesOf(values.retries)
  const timeoutSeconds = values['timeout-seconds'] === undefined ? undefined : positiveIntOf('--timeout-seconds', values['timeout-seconds'], 3600)
  // A URL that is none (no http://, a query) is a usage error, said before any request.
  try { serviceBase(server) } catch (e) { throw new CliError(EXIT.USAGE, `--server: ${errorMessage(e)}`) }
  try {
    return await RemoteCatalog.connect(server, { ...(batchSize ? { batchSize } : {}), ...(retries !== undefined ? { retries } : {}), ...(timeoutSeconds ? { timeoutSeconds } : {}), onLost })
  } catch (e) {
    if (!(e instanceof ServiceError)) throw e
    if (e.kind === 'incompatible') throw new CliError(EXIT.BAD_CATALOG, e.message)
    throw new CliError(EXIT.SERVER_UNREACHABLE, `${e.message}; nothing was scanned`)
  }
}

function retriesOf(v: string): number {
  const n = Number(v)
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 20) throw new CliError(EXIT.USAGE, `--retries must be an integer from 0 to 20, got ${JSON.stringify(v)}`)
  return n
}

/** A signal that aborts when either does (AbortSignal.any is Node ≥ 20.3; the package takes any Node 20). */
function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  if (!a) return b
  const both = new AbortController()
  const abort = (): void => both.abort()
  if (a.aborted || b.aborted) abort()
  a.addEventListener('abort', abort, { once: true })
  b.addEventListener('abort', abort, { once: true })
  return both.signal
}

