/** What every command shares: exit codes, the host's I/O, argument parsing, the default cache path. */
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { FingerprintCache } from '../cache.js'
import { CliError, errorMessage } from '../errors.js'

/**
 * Exit codes: stable, documented in README.md ("Exit codes"); each means this and nothing else.
 *   0  done, every file met was read (or ignored by rule: hidden, not audio by extension)
 *   1  done, but some paths were unreadable or skipped, or (scan --server) some files were not
 *      decided by the service: each is listed with its reason
 *   2  usage error: bad arguments or options, a missing input path, a bad editions file, nothing to catalog
 *   3  the catalog is missing, damaged or of another format version
 *   4  the catalog or the report could not be written (a cache that cannot be saved is only a warning)
 *   5  an unexpected internal error (a bug: the message says where)
 *   6  scan --server: the match service cannot be reached, or stopped answering mid-scan
 * 130  interrupted (Ctrl-C): nothing half-written; a scan's partial report goes beside the complete one
 */
export const EXIT = { OK: 0, UNREADABLE_FILES: 1, USAGE: 2, BAD_CATALOG: 3, WRITE_FAILED: 4, INTERNAL: 5, SERVER_UNREACHABLE: 6, INTERRUPTED: 130 } as const

export interface Io {
  out: (text: string) => void
  err: (text: string) => void
  /** stdout is a terminal. With errTty, where the progress goes: see progressMode in progress.ts. */
  tty: boolean
  /** stderr is a terminal (the progress bar is drawn there). @default tty */
  errTty?: boolean
  /**
   * Without a bar, a line saying which file is being read when no file's line came for this many
   * seconds (0: never). @default 10
   */
  heartbeatSeconds?: number
  signal?: AbortSignal
  /** The decoding threads' module (RunOptions.workerScript); the bin leaves it to the default. */
  workerScript?: URL | string
  /** What `identify -` reads (the bin gives process.stdin). */
  stdin?: NodeJS.ReadableStream
}

/**
 * The version of the JSON that scan, identify and dedupe print and write (`schemaVersion`): it
 * changes only when a field is renamed, removed or changes meaning (new fields may appear).
 * README.md ("The scan report") documents the fields.
 */
export const REPORT_SCHEMA_VERSION = 1

/** A command's options, as node:util's parseArgs takes them. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>

type Value<O extends OptionSpec[string]> = O['type'] extends 'string' ? (O['multiple'] extends true ? string[] : string) : (O['multiple'] extends true ? boolean[] : boolean)
export interface Parsed<T extends OptionSpec> {
  values: { [K in keyof T]?: Value<T[K]> } & { help?: boolean; json?: boolean }
  positionals: string[]
}

/**
 * A command's arguments (every command also takes --help and --json). A misspelt option is a
 * usage error that names the nearest option the command has (`--jsno` → "did you mean --json?").
 */
export function parse<T extends OptionSpec>(command: string, args: string[], options: T): Parsed<T> {
  const all: OptionSpec = { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } }
  try {
    return parseArgs({ args, options: all, allowPositionals: true, strict: true }) as Parsed<T>
  } catch (e) {
    const code = (e as { code?: string }).code
    const unknown = /'(-{1,2}[^']+)'/.exec(errorMessage(e))?.[1]
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const near = nearest(unknown.replace(/^-+/, '').split('=')[0]!, Object.keys(all))
      throw new CliError(EXIT.USAGE, `${command}: unknown option ${unknown}${near ? ` (did you mean --${near}?)` : ''}`)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new CliError(EXIT.USAGE, `${command}: ${errorMessage(e).replace(/^Option /, 'option ')}`)
    throw new CliError(EXIT.USAGE, `${command}: ${errorMessage(e)}`)
  }
}

/** The candidate within edit distance 2 (or a third of the word) of `word`, if any: for "did you mean". */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined, bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  return best
}

/** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1, cols = b.length + 1
  const d = new Uint16Array(rows * cols)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1)
      d[i * cols + j] = v
    }
  }
  return d[rows * cols - 1]!
}

export function jobsOf(v: string | undefined): number {
  if (v === undefined) return 2
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new CliError(EXIT.USAGE, `--jobs must be an integer from 0 (decode in the main thread) to 64, got ${JSON.stringify(v)}`)
  return n
}

/** --min-confidence: a number from 0 to 1. */
export function confidenceOf(v: string): number {
  const x = Number(v)
  if (v.trim() === '' || !(x >= 0 && x <= 1)) throw new CliError(EXIT.USAGE, `--min-confidence must be a number from 0 to 1, got ${JSON.stringify(v)}`)
  return x
}

/** An option that counts something: an integer from 1 to `max`. */
export function positiveIntOf(name: string, v: string, max: number): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1 || n > max) throw new CliError(EXIT.USAGE, `${name} must be an integer from 1 to ${max}, got ${JSON.stringify(v)}`)
  return n
}

export function defaultCachePath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'peakmatch', 'fingerprints.lmdb')
}

/**
 * The fingerprint cache of scan and dedupe (--cache, --no-cache, --cache-hash; one default path,
 * so what one read the other does not decode again). A cache is an accelerator: when its folder
 * cannot be made, the command goes on without it (`doing`: "scanning", "comparing").
 */
export async function openLibraryCache(values: { cache?: string; 'no-cache'?: boolean; 'cache-hash'?: boolean }, io: Io, doing: string): Promise<FingerprintCache | undefined> {
  if (values['no-cache']) return undefined
  const path = resolve(values.cache ?? defaultCachePath())
  try { mkdirSync(dirname(path), { recursive: true }) } catch (e) {
    io.err(`warning: ${doing} without a cache: cannot create ${dirname(path)}: ${errorMessage(e)}\n`)
    return undefined
  }
  return FingerprintCache.open(path, values['cache-hash'] ?? false)
}

