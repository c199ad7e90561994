import type { Tags } from './read.js'
import type { BuildResult, ScanFileResult, ScanResult } from './scan.js'
import { SKIP_REASONS } from './walk.js'

/** Human units: 1.2 GB, 340 MB, 12 KB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let i = 0
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++ }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`
}

/**
 * Human durations: 12.3 s, 4 min 05 s, 2 h 03 min. The whole seconds are rounded once, before
 * they are split (rounding the remainder alone printed 119.6 s as "1 min 60 s").
 */
export function formatDuration(seconds: number): string {
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`   // 59.95 would print as "60.0 s"
  const t = Math.round(seconds)
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60
  return h > 0 ? `${h} h ${String(m).padStart(2, '0')} min` : `${m} min ${String(s).padStart(2, '0')} s`
}

/**
 * The scan summary, as printed at the end of `peakmatch scan`. After an interruption it counts the
 * files really done ("8 of 14"); it speaks of the cache only when one was used (not --no-cache).
 */
export function scanSummaryText(r: ScanResult): string {
  const s = r.summary
  // The audio files with a result (the walk's skipped paths are not audio files read or not).
  const done = r.files.filter((f) => f.status !== 'skipped').length
  const lines = [
    `${r.interrupted ? `${done} of ${s.files}` : s.files} audio files scanned in ${formatDuration(s.elapsedSeconds)} (${formatDuration(s.audioSeconds)} of audio; ${s.fingerprinted} fingerprinted${s.cache ? `, ${s.fromCache} from cache` : ''}${s.ignored ? `; ${s.ignored} non-audio files ignored` : ''})`,
    `  matched      ${String(s.matched).padStart(6)}   mirrored from the catalog, ${s.upgradable} of them upgradable to a better edition`,
    ...(s.snippets ? [`  snippets     ${String(s.snippets).padStart(6)}   excerpts of catalog recordings (identified at an offset): neither mirrored nor uploaded`] : []),
    `  unmatched    ${String(s.unmatched).padStart(6)}   to upload, ${formatBytes(s.unmatchedBytes)}`,
    `  ambiguous    ${String(s.ambiguous).padStart(6)}   more than one recording fits: left for review`,
    `  unreadable   ${String(s.unreadable).padStart(6)}   could not be read (reason in the report)`,
  ]
  if (s.failed) lines.push(`  failed       ${String(s.failed).padStart(6)}   read, but the server did not decide them (reason in the report): neither mirrored nor uploaded; scan again`)
  if (s.skipped) lines.push(`  skipped      ${String(s.skipped).padStart(6)}   not read: links to nothing or to folders, FIFOs, unreadable folders (reason in the report)`)
  if (r.interrupted) lines.push(`  (interrupted: ${s.files - done} files not scanned; run the scan again to finish${s.cache ? ' — the cache keeps the files done, so they are not decoded again' : ''})`)
  if (s.cache?.dropped || s.cache?.reset) lines.push(`  cache: ${s.cache.dropped} damaged entries dropped${s.cache.reset ? ' (its damaged store was replaced by an empty one)' : ''}; their files were read again`)
  return lines.join('\n')
}

/**
 * What a person calls a catalog track: "Title" by Artist from the catalog's tags when it has them,
 * else its recording id (and track id when they differ). Scripts get the ids from --json.
 */
export function trackName(f: { recordingId?: string; trackId?: string; catalogTags?: Tags }): string {
  const t = f.catalogTags
  if (t?.title) return `"${t.title}"${t.artist ? ` by ${t.artist}` : ''}`
  return `${f.recordingId}${f.trackId !== f.recordingId ? ` (${f.trackId})` : ''}`
}

/** One line per file, for the terminal. */
export function fileLine(f: ScanFileResult, root?: string): string {
  const name = root && f.path.startsWith(root) ? f.path.slice(root.length).replace(/^[/\\]/, '') : f.path
  switch (f.status) {
    case 'matched':
      return `matched     ${name} → ${trackName(f)}, coverage ${pct(f.coverage)}${f.upgrade ? `, upgrade: ${f.edition?.trackId}${f.edition?.quality ? ` (${qualityText(f.edition.quality)})` : ''}` : ''}`
    case 'snippet':
      return `snippet     ${name} → ${trackName(f)}, identified at ${formatOffset(f.offsetSeconds ?? 0)}${changeText(f)} (confidence ${f.confidence})`
    case 'ambiguous':
      return `ambiguous   ${name} → ${(f.alternatives ?? []).map((a) => `${a.recordingId} ${pct(a.coverage)}`).join(' | ')}`
    case 'unmatched':
      return `unmatched   ${name} (${formatBytes(f.sizeBytes)}, to upload)`
    case 'skipped':
      return `skipped     ${name}: ${f.reason} — ${f.error}`
    case 'failed':
      return `failed      ${name}: ${f.reason} — ${f.error}`
    default:
      return `unreadable  ${name}: ${f.reason} — ${f.error}`
  }
}

/**
 * ", 5 % faster" / ", 2 semitones lower" / ", tempo 5 % faster" for a snippet found under a speed,
 * pitch or tempo change (a pitch change can come with a tempo one: both are said).
 */
export function changeText(f: { speed?: number; pitch?: number; tempo?: number }): string {
  const percent = (x: number) => `${Math.abs(Math.round((x - 1) * 100))} % ${x > 1 ? 'faster' : 'slower'}`
  let text = ''
  if (f.speed !== undefined && f.speed !== 1) text += `, ${percent(f.speed)}`
  else if (f.pitch !== undefined && f.pitch !== 1) {
    const semitones = Math.round(12 * Math.log2(f.pitch) * 10) / 10
    text += `, ${Math.abs(semitones)} semitone${Math.abs(semitones) === 1 ? '' : 's'} ${semitones > 0 ? 'higher' : 'lower'}`
  }
  if (f.tempo !== undefined && f.tempo !== 1) text += `, tempo ${percent(f.tempo)}`
  return text
}

/** An offset into a track: 1:23.4, or −0:02.0 when the file starts before the track. */
export function formatOffset(seconds: number): string {
  const a = Math.abs(seconds)
  const m = Math.floor(a / 60), s = a - 60 * m
  return `${seconds < 0 ? '−' : ''}${m}:${s.toFixed(1).padStart(4, '0')}`
}

const pct = (x: number | undefined) => (x === undefined ? '–' : `${Math.round(x * 100)}%`)

export function qualityText(q: { codec?: string; bitrateKbps?: number; sampleRate?: number; bitDepth?: number; lossless?: boolean }): string {
  const parts = [q.codec ?? '?']
  if (q.bitDepth) parts.push(`${q.bitDepth}-bit`)
  if (q.sampleRate) parts.push(`${q.sampleRate / 1000} kHz`)
  if (q.bitrateKbps && !q.lossless) parts.push(`${q.bitrateKbps} kbit/s`)
  return parts.join(' ')
}

const CSV_COLUMNS = [
  'path', 'status', 'reason', 'recordingId', 'trackId', 'bestEdition', 'upgrade', 'confidence', 'coverage', 'offsetSeconds',
  'durationSeconds', 'sizeBytes', 'codec', 'bitrateKbps', 'sampleRate', 'bitDepth', 'title', 'artist', 'album', 'cached', 'error',
  'catalogTitle', 'catalogArtist', 'catalogAlbum',
] as const

/**
 * One CSV cell: RFC 4180 quoting, and OWASP's defence against CSV (formula) injection — a text
 * cell that begins with =, +, -, @, tab or CR (a tag such as `=HYPERLINK(…)`, a file name)
 * gets a leading single quote so a spreadsheet shows it as text instead of evaluating it.
 * Numbers and booleans are ours (a negative offset stays a number).
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return ''
  const s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) return `"'${s.replace(/"/g, '""')}"`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The scan report as CSV (RFC 4180 quoting, formula-safe: csvCell), one row per file. */
export function scanCsv(r: ScanResult): string {
  const cell = csvCell
  const rows = [CSV_COLUMNS.join(',')]
  for (const f of r.files) {
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      path: f.path, status: f.status, reason: f.reason, recordingId: f.recordingId, trackId: f.trackId, bestEdition: f.edition?.trackId,
      upgrade: f.upgrade, confidence: f.confidence, coverage: f.coverage, offsetSeconds: f.offsetSeconds, durationSeconds: f.durationSeconds,
      sizeBytes: f.sizeBytes, codec: f.quality?.codec, bitrateKbps: f.quality?.bitrateKbps, sampleRate: f.quality?.sampleRate,
      bitDepth: f.quality?.bitDepth, title: f.tags?.title, artist: f.tags?.artist, album: f.tags?.album, cached: f.cached, error: f.error,
      catalogTitle: f.catalogTags?.title, catalogArtist: f.catalogTags?.artist, catalogAlbum: f.catalogTags?.album,
    }
    rows.push(CSV_COLUMNS.map((c) => cell(row[c])).join(','))
  }
  return rows.join('\n') + '\n'
}

/**
 * The summary of `catalog build`, or of `catalog add` when `tracksBefore` is given: the catalog
 * written (`out`, of `bytes`) with the files added and not; after an interruption, what was done
 * and that `out` was not written (`bytes` is then unused).
 */
export function buildSummaryText(r: BuildResult, out: string, bytes: number, tracksBefore?: number): string {
  const s = r.summary
  if (r.interrupted) {
    const done = s.added + s.unreadable
    return `interrupted: ${done} of ${s.files} audio files read${s.unreadable ? ` (${s.unreadable} unreadable)` : ''}; the catalog ${out} was not written (any previous one is untouched)`
  }
  const stats = r.catalog.stats()
  const lines = [
    `catalog ${out}: ${tracksBefore !== undefined ? `${tracksBefore} + ${s.added} = ` : ''}${stats.tracks} tracks (${new Set(r.catalog.ids().map((id) => r.catalog.track(id)!.recordingId)).size} recordings), ${formatDuration(stats.seconds)} of audio, ${formatBytes(bytes)}`,
    `  ${s.added} of ${s.files} files added in ${formatDuration(s.elapsedSeconds)}${s.unreadable ? `, ${s.unreadable} unreadable` : ''}${s.skipped ? `, ${s.skipped} skipped` : ''}${s.ignored ? `, ${s.ignored} non-audio files ignored` : ''}`,
  ]
  for (const f of r.files) if (f.error) lines.push(`  ${SKIP_REASONS.has(f.error.reason) ? 'skipped   ' : 'unreadable'}  ${f.path}: ${f.error.reason} — ${f.error.message}`)
  for (const p of s.unusedEditions) lines.push(`  warning: editions entry ${p} matches no file that was read`)
  return lines.join('\n')
}
