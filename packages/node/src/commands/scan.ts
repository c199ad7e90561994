import { rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { writeFileAtomic } from '../atomic.js'
import { CliError, errorMessage } from '../errors.js'
import { fileLine, scanCsv, scanSummaryText } from '../report.js'
import { loadCatalog, scanLibrary, type ScanFileResult } from '../scan.js'
import { EXIT, REPORT_SCHEMA_VERSION, confidenceOf, jobsOf, openLibraryCache, parse, type Io } from './common.js'
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
  })
  if (values.help) { io.out(HELP.scan!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'scan: give the library directory')
  if (!values.catalog) throw new CliError(EXIT.USAGE, 'scan: --catalog <catalog.pmx> is required')
  if (values.report && !/\.(json|csv)$/i.test(values.report)) throw new CliError(EXIT.USAGE, '--report must end in .json or .csv')
  const jobs = jobsOf(values.jobs)
  const minConfidence = values['min-confidence'] === undefined ? undefined : confidenceOf(values['min-confidence'])
  const catalog = loadCatalog(values.catalog)
  const cache = await openLibraryCache(values, io, 'scanning')
  // One directory: paths are shown relative to it, as in the report's listing.
  const root = positionals.length === 1 ? resolve(positionals[0]!) : undefined
  const progress = progressReporter<ScanFileResult>(io, { label: 'scanning', json: Boolean(values.json), line: (f) => fileLine(f, root), name: (p) => shortName(p, root) })
  let result
  try {
    result = await scanLibrary(positionals, catalog, { jobs, cache, minConfidence, onProgress: progress.progress, onFile: progress.file, signal: io.signal, workerScript: io.workerScript })
  } finally {
    progress.stop()
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`)
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  const report = { schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(values.catalog), summary: result.summary, interrupted: result.interrupted, files: result.files }
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
      for (const f of result.files) if (f.status === 'unreadable' || f.status === 'skipped') io.out(fileLine(f) + '\n')
    }
    io.out(scanSummaryText(result) + '\n')
    if (written) io.out(`report: ${written}${result.interrupted ? ` (partial: the scan was interrupted; ${values.report} is left as it was)` : ''}\n`)
  }
  if (result.interrupted) return EXIT.INTERRUPTED
  return result.summary.unreadable + result.summary.skipped > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

