import { resolve } from 'node:path'
import { FingerprintCache } from '../cache.js'
import { lockCatalog, requireCatalog } from '../catalog-lock.js'
import { CliError, errorMessage } from '../errors.js'
import { buildSummaryText } from '../report.js'
import type { Catalog } from 'peakmatch'
import { buildCatalog, loadCatalog, loadEditions, saveCatalog, type BuildFileResult } from '../scan.js'
import { EXIT, REPORT_SCHEMA_VERSION, jobsOf, parse, type Io } from './common.js'
import { HELP } from './help.js'
import { progressReporter, shortName } from './progress.js'

/**
 * `catalog build <dir…> -o FILE` fingerprints into a new catalog; `catalog add FILE <path…>` into
 * the catalog FILE holds. Either way the file is written once, atomically, at the end, and only
 * when something was added: an interrupted or empty run leaves the old file as it was.
 */
export async function cmdBuild(args: string[], io: Io, mode: 'build' | 'add' = 'build'): Promise<number> {
  const command = `catalog ${mode}`
  const { values, positionals: given } = parse(command, args, {
    ...(mode === 'build' ? { output: { type: 'string', short: 'o' }, triplets: { type: 'boolean' } } as const : {}),
    editions: { type: 'string', short: 'e' }, jobs: { type: 'string', short: 'j' }, cache: { type: 'string' },
  })
  if (values.help) { io.out(HELP[mode]!); return EXIT.OK }
  let positionals = given
  let output = (values as { output?: string }).output
  let into: Catalog | undefined
  if (mode === 'add') {
    if (given.length < 2) throw new CliError(EXIT.USAGE, 'catalog add: give the catalog, then the audio files or directories to add')
    output = given[0]!
    positionals = given.slice(1)
  } else if (positionals.length === 0) throw new CliError(EXIT.USAGE, 'catalog build: give at least one directory of audio files')
  if (!output) throw new CliError(EXIT.USAGE, 'catalog build: -o <catalog.pmx> is required')
  const editions = values.editions ? loadEditions(values.editions) : undefined
  // A catalog to add to must exist (exit 3), before a lock is made beside it.
  if (mode === 'add') requireCatalog(output)
  // From load to write, no other peakmatch changes this file (catalog-lock.ts). Taken before the
  // work, so an output that cannot be written fails now, not after an hour of fingerprinting.
  const lock = await lockCatalog(output, (m) => io.err(`${m}\n`))
  let result, bytes, before
  const cache = values.cache ? await FingerprintCache.open(resolve(values.cache)) : undefined
  try {
    if (mode === 'add') into = loadCatalog(output)
    before = into?.size ?? 0
    const root = positionals.length === 1 ? resolve(positionals[0]!) : undefined
    const progress = progressReporter<BuildFileResult>(io, { label: 'fingerprinting', json: Boolean(values.json), line: (f) => buildLine(f, root), name: (p) => shortName(p, root) })
    try {
      result = await buildCatalog(positionals, { jobs: jobsOf(values.jobs), editions, cache, catalog: into, tripletIndex: (values as { triplets?: boolean }).triplets ?? false, onProgress: progress.progress, onFile: progress.file, signal: io.signal, workerScript: io.workerScript })
    } finally {
      progress.stop()
    }
    if (result.interrupted) {
      io.err(buildSummaryText(result, output, 0) + '\n')
      return EXIT.INTERRUPTED
    }
    if (result.summary.added === 0) {
      // An empty catalog would silently replace a good one (a wrong or unmounted directory).
      for (const f of result.files) if (f.error) io.err(`  ${f.path}: ${f.error.reason} — ${f.error.message}\n`)
      throw new CliError(EXIT.USAGE, `${command}: no audio file could be added from ${positionals.join(', ')} (${result.summary.files} audio files found, ${result.summary.unreadable} unreadable, ${result.summary.skipped} skipped): ${output} was ${mode === 'add' ? 'left as it was' : 'not written'}`)
    }
    lock.check()
    bytes = saveCatalog(result.catalog, output)
  } finally {
    await lock.release()
    // Whatever became of the catalog (written, interrupted, nothing to add), the fingerprints
    // read are kept: a re-run after Ctrl-C does not decode them again.
    try { await cache?.save() } catch (e) { io.err(`warning: the cache was not saved: ${errorMessage(e)}\n`) }
  }
  if (cache?.problem) io.err(`note: cache ${cache.path}: ${cache.problem}\n`)
  if (values.json) io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(output), bytes, tracksBefore: before, frontEnd: result.frontEnd, summary: result.summary, files: result.files }, null, 2) + '\n')
  else io.out(buildSummaryText(result, output, bytes, mode === 'add' ? before : undefined) + '\n')
  return result.summary.unreadable + result.summary.skipped > 0 ? EXIT.UNREADABLE_FILES : EXIT.OK
}

/** A file's line as `catalog build` reads it: added (as which track, when not its own name), or why not. */
function buildLine(f: BuildFileResult, root: string | undefined): string {
  const name = shortName(f.path, root)
  if (f.error) return `unreadable  ${name}: ${f.error.reason} — ${f.error.message}`
  return `added       ${name}${f.trackId !== name ? ` as ${f.trackId}` : ''}${f.recordingId !== f.trackId ? ` (recording ${f.recordingId})` : ''}`
}
