import { resolve } from 'node:path'
import { dedupeLibrary, type DedupeFile, type DedupeReading, type DedupeResult } from '../dedupe.js'
import { CliError } from '../errors.js'
import { formatBytes, formatDuration, qualityText } from '../report.js'
import { EXIT, REPORT_SCHEMA_VERSION, jobsOf, openLibraryCache, parse, type Io } from './common.js'
import { HELP } from './help.js'
import { progressMode, progressReporter, shortName } from './progress.js'

export async function cmdDedupe(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('dedupe', args, {
    jobs: { type: 'string', short: 'j' }, cache: { type: 'string' }, 'no-cache': { type: 'boolean' }, 'cache-hash': { type: 'boolean' },
  })
  if (values.help) { io.out(HELP.dedupe!); return EXIT.OK }
  if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'dedupe: give the library directory')
  const jobs = jobsOf(values.jobs)
  const cache = await openLibraryCache(values, io, 'comparing')
  // Progress as scan's (progress.ts): a bar per pass on a terminal; elsewhere a line per file read,
  // then one per tenth of the comparisons (they take a fraction of the reading's time).
  const root = positionals.length === 1 ? resolve(positionals[0]!) : undefined
  const json = Boolean(values.json)
  const reading = progressReporter<DedupeReading>(io, {
    label: 'fingerprinting', json, name: (p) => shortName(p, root),
    line: (f) => f.status === 'read' ? `read        ${shortName(f.path, root)}${f.cached ? ' (cache)' : ''}` : `unreadable  ${shortName(f.path, root)}: ${f.reason} — ${f.error}`,
  })
  const comparing = progressMode(io, json) === 'bar' ? progressReporter<never>(io, { label: 'comparing', json, name: (p) => shortName(p, root), line: () => '' }) : undefined
  const write = json ? io.err : io.out
  let tenth = 0
  let result: DedupeResult
  try {
    result = await dedupeLibrary(positionals, {
      jobs, cache, signal: io.signal, workerScript: io.workerScript, onProgress: reading.progress, onFile: reading.file,
      onCompareProgress: (p) => {
        if (p.done === 1) reading.stop()
        if (comparing) comparing.progress(p)
        else if (Math.floor((10 * p.done) / p.total) > tenth) { tenth = Math.floor((10 * p.done) / p.total); write(`comparing: ${p.done} of ${p.total} files\n`) }
      },
    })
  } finally {
    reading.stop()
    comparing?.stop()
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`)
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  if (values.json) {
    io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, interrupted: result.interrupted, summary: result.summary, groups: result.groups, unique: result.unique, problems: result.problems }, null, 2) + '\n')
  } else {
    io.out(dedupeText(result, root) + '\n')
  }
  if (result.interrupted) return EXIT.INTERRUPTED
  return result.summary.unreadable + result.summary.skipped > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/** The groups, the paths not compared and the summary, as `peakmatch dedupe` prints them. */
export function dedupeText(r: DedupeResult, root?: string): string {
  const name = (p: string) => (root && p.startsWith(root) ? p.slice(root.length).replace(/^[/\\]/, '') : p)
  const file = (f: DedupeFile) => `${name(f.path)} (${qualityText(f.quality)})`
  const lines: string[] = []
  r.groups.forEach((g, k) => {
    lines.push(`group ${k + 1}: ${g.duplicates.length + 1} files, ${formatDuration(g.keep.durationSeconds)}   keep: ${file(g.keep)}`)
    for (const d of g.duplicates) {
      lines.push(`  ${file(d)}   coverage ${Math.round(d.coverage * 100)}%${d.linkedTo !== g.keep.path ? ` (with ${name(d.linkedTo)})` : ''}`)
    }
  })
  if (r.groups.length) lines.push('')
  for (const p of r.problems) lines.push(`${p.status === 'skipped' ? 'skipped   ' : 'unreadable'}  ${name(p.path)}: ${p.reason} — ${p.error}`)
  if (r.problems.length) lines.push('')
  const s = r.summary
  lines.push(
    `${s.files} audio files compared in ${formatDuration(s.elapsedSeconds)} (${formatDuration(s.audioSeconds)} of audio; ${s.fingerprinted} fingerprinted, ${s.fromCache} from cache${s.ignored ? `; ${s.ignored} non-audio files ignored` : ''})`,
    `  groups       ${String(s.groups).padStart(6)}   recordings with more than one file`,
    `  duplicates   ${String(s.duplicates).padStart(6)}   files besides the best of each group: ${formatBytes(s.bytesFreed)} could be freed`,
    `  unique       ${String(s.unique).padStart(6)}   no other file is the same recording`,
    `  unreadable   ${String(s.unreadable).padStart(6)}   could not be read (listed above with the reason)`,
  )
  if (s.skipped) lines.push(`  skipped      ${String(s.skipped).padStart(6)}   not read: links to nothing or to folders, FIFOs, unreadable folders`)
  if (r.interrupted) lines.push('  (interrupted: these groups are of the files compared before it; run it again to finish — the cache keeps what was read)')
  return lines.join('\n')
}
