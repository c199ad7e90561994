/**
 * How `catalog build` and `scan` show their progress. Two forms, never both:
 *   - a bar on stderr, when someone watches a terminal: it advances by bytes of the audio files
 *     (the decoding work known up front; a long file moves it as it decodes), with the files done,
 *     the audio decoded, the ETA and the file being read;
 *   - otherwise (a pipe, a log file, cron, CI) one line per file as it finishes, in walk order,
 *     and a heartbeat line while a long file holds the next line back: a log is never silent
 *     until the end.
 */
import cliProgress from 'cli-progress'
import { formatDuration } from '../report.js'
import type { Progress } from '../scan.js'
import type { Io } from './common.js'

/** Io.heartbeatSeconds' default. */
export const HEARTBEAT_SECONDS = 10

/**
 * 'bar' when the progress would be read on a terminal and stderr (where the bar is drawn) is one;
 * else 'lines'. The progress is read on stdout, or on stderr with --json (stdout is then the one
 * JSON document): `scan | tee log` and `scan 2>err.log` get lines, `scan --json > r.json` a bar.
 */
export function progressMode(io: Io, json: boolean): 'bar' | 'lines' {
  const errTty = io.errTty ?? io.tty
  return (json ? errTty : io.tty && errTty) ? 'bar' : 'lines'
}

export interface ProgressReporter<R> {
  readonly mode: 'bar' | 'lines'
  /** RunOptions.onProgress. */
  progress: (p: Progress) => void
  /** RunOptions.onFile: prints the file's line (in 'lines' mode). */
  file: (result: R, done: number, total: number) => void
  /**
   * The heartbeat timer's tick (exported so tests need no clock): when no line was printed since
   * the previous tick, says which file is being read and how much of its audio is decoded.
   */
  beat: () => void
  stop: () => void
}

export interface ReporterOptions<R> {
  /** The bar's first word: 'scanning', 'fingerprinting'. */
  label: string
  json: boolean
  /** A file's line after its `[ k/N]` (report.ts fileLine for scan). */
  line: (result: R) => string
  /** How a path is shown in the bar and the heartbeat (relative to the one directory given). */
  name: (path: string) => string
}

export function progressReporter<R>(io: Io, options: ReporterOptions<R>): ProgressReporter<R> {
  return progressMode(io, options.json) === 'bar' ? barReporter(options) : lineReporter(io, options)
}

/** Files being read, by path, with their seconds decoded so far; in the order they were taken up. */
function tracker(): { inFlight: Map<string, number>; heard: (p: Progress) => void } {
  const inFlight = new Map<string, number>()
  return {
    inFlight,
    heard: (p) => {
      if (p.stage === 'finished') inFlight.delete(p.path)
      else inFlight.set(p.path, p.fileAudioSeconds)
    },
  }
}

function lineReporter<R>(io: Io, options: ReporterOptions<R>): ProgressReporter<R> {
  const write = options.json ? io.err : io.out
  const { inFlight, heard } = tracker()
  let last: Progress | undefined
  let quiet = true   // nothing printed since the last tick
  const beat = (): void => {
    if (!quiet) { quiet = true; return }
    // The file taken up first is the one holding back the next line (lines come in walk order).
    const first = inFlight.entries().next()
    if (first.done || !last) return
    const [path, seconds] = first.value
    write(`… reading ${options.name(path)}: ${formatDuration(seconds)} of audio so far (${last.done} of ${last.total} files done)\n`)
  }
  const every = io.heartbeatSeconds ?? HEARTBEAT_SECONDS
  const timer = every > 0 ? setInterval(beat, every * 1000) : undefined
  timer?.unref()   // a heartbeat never keeps the process alive
  return {
    mode: 'lines',
    progress: (p) => { last = p; heard(p) },
    file: (r, done, total) => {
      const width = String(total).length
      write(`[${String(done).padStart(width)}/${total}] ${options.line(r)}\n`)
      quiet = false
    },
    beat,
    stop: () => clearInterval(timer),
  }
}

function barReporter<R>(options: ReporterOptions<R>): ProgressReporter<R> {
  const bar = new cliProgress.SingleBar({
    format: `${options.label} {bar} {percentage}% | {files} files | {audio} of audio | ETA {eta_formatted} | {file}`,
    // Updates come per file and per decoder step (about 1 MB or 10 s of audio): the ETA averages
    // the last 100 of them, a few seconds of a scan, so one cached file's jump does not swing it.
    stream: process.stderr, hideCursor: true, etaBuffer: 100, fps: 5,
    // Before anything is decoded the rate is 0 and cli-progress's ETA is 'INF' or 'NULL' (it printed "NFs").
    formatTime: (t, o, round) => (typeof t === 'number' ? cliProgress.Format.TimeFormat(t, o, round) : '…'),
  }, cliProgress.Presets.shades_classic)
  const { inFlight, heard } = tracker()
  let started = false
  return {
    mode: 'bar',
    progress: (p) => {
      heard(p)
      const current = inFlight.keys().next().value ?? p.path
      const name = options.name(current)
      const payload = { files: `${p.done}/${p.total}`, audio: formatDuration(p.audioSecondsDone), file: name.length > 40 ? `…${name.slice(-39)}` : name }
      // A total of 0 (every file empty) would make the percentage NaN.
      if (!started) { bar.start(Math.max(1, p.bytesTotal), 0, payload); started = true }
      bar.update(Math.min(p.bytesDone, Math.max(1, p.bytesTotal)), payload)
    },
    file: () => {},
    beat: () => {},
    stop: () => { if (started) bar.stop() },
  }
}

/** `path` relative to `root` when it is under it (the one directory given), else as it is. */
export function shortName(path: string, root?: string): string {
  return root && path.startsWith(root) ? path.slice(root.length).replace(/^[/\\]/, '') : path
}
