/**
 * `catalog remove`, `catalog list` and `catalog info`: a catalog kept without rebuilding it
 * (`catalog add` is build.ts's); `catalog split`: a catalog into shard files for a cluster.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { FORMAT_VERSION, type Catalog, type TrackInfo } from 'peakmatch'
import { catalogTags } from '../decide.js'
import { lockCatalog, requireCatalog, type CatalogLock } from '../catalog-lock.js'
import { CliError, errorMessage } from '../errors.js'
import { frontEndText, isDefaultFrontEnd } from '../front-end.js'
import { formatBytes, formatDuration, qualityText } from '../report.js'
import { loadCatalog, saveCatalog } from '../scan.js'
import { EXIT, REPORT_SCHEMA_VERSION, nearest, parse, type Io } from './common.js'
import { HELP } from './help.js'

/**
 * Removes tracks by id, all or none: an id the catalog does not hold is a usage error (exit 2,
 * with the nearest id when it looks like a typo) and the file is left as it was.
 */
export async function cmdRemove(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('catalog remove', args, { recording: { type: 'boolean' } })
  if (values.help) { io.out(HELP.remove!); return EXIT.OK }
  if (positionals.length < 2) throw new CliError(EXIT.USAGE, 'catalog remove: give the catalog, then the track ids to remove (see peakmatch catalog list)')
  const [path, ...ids] = positionals as [string, ...string[]]
  requireCatalog(path)
  const lock = await lockCatalog(path, (m) => io.err(`${m}\n`))
  try {
    return remove(path, ids, values.recording ?? false, Boolean(values.json), io, lock)
  } finally {
    await lock.release()
  }
}

function remove(path: string, ids: string[], byRecording: boolean, json: boolean, io: Io, lock: CatalogLock): number {
  const catalog = loadCatalog(path)
  const tracks = new Map<string, TrackInfo>()
  const unknown: string[] = []
  for (const id of ids) {
    const found = byRecording ? catalog.editions(id) : [catalog.track(id)].filter((t) => t !== undefined)
    if (found.length === 0) unknown.push(id)
    for (const t of found) tracks.set(t.id, t)
  }
  if (unknown.length > 0) {
    const known = byRecording ? [...new Set(catalog.ids().map((id) => catalog.track(id)!.recordingId))] : catalog.ids()
    const hints = unknown.map((id) => { const n = nearest(id, known); return `${JSON.stringify(id)}${n ? ` (did you mean ${JSON.stringify(n)}?)` : ''}` })
    throw new CliError(EXIT.USAGE, `catalog remove: ${path} holds no ${byRecording ? 'recording' : 'track'} ${hints.join(', ')}: nothing was removed (peakmatch catalog list ${path} shows what it holds)`)
  }
  for (const id of tracks.keys()) catalog.remove(id)
  lock.check()
  const bytes = saveCatalog(catalog, path)
  const removed = [...tracks.values()]
  if (json) {
    io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(path), bytes, removed: removed.map((t) => t.id), tracks: catalog.size }, null, 2) + '\n')
  } else {
    for (const t of removed) io.out(`removed ${t.id}${t.recordingId !== t.id ? ` (recording ${t.recordingId})` : ''}\n`)
    io.out(`catalog ${path}: ${catalog.size} tracks left, ${formatBytes(bytes)}\n`)
  }
  return EXIT.OK
}

/** Every track: id, recording, length, quality, title and artist; --json for scripts. */
export async function cmdList(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('catalog list', args, {})
  if (values.help) { io.out(HELP.list!); return EXIT.OK }
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'catalog list: give one catalog')
  const catalog = loadCatalog(positionals[0]!)
  const tracks = catalog.ids().map((id) => catalog.track(id)!)
  if (values.json) {
    const out = tracks.map((t) => ({ trackId: t.id, recordingId: t.recordingId, durationSeconds: Math.round(t.durationSeconds * 1000) / 1000, ...(t.quality ? { quality: t.quality } : {}), ...(t.metadata !== undefined ? { metadata: t.metadata } : {}) }))
    io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, catalog: resolve(positionals[0]!), tracks: out }, null, 2) + '\n')
    return EXIT.OK
  }
  const editions = new Map<string, number>()
  for (const t of tracks) editions.set(t.recordingId, (editions.get(t.recordingId) ?? 0) + 1)
  const idWidth = Math.min(40, Math.max(8, ...tracks.map((t) => t.id.length)))
  io.out(`${'track'.padEnd(idWidth)}  ${'length'.padStart(10)}  ${'quality'.padEnd(24)}  title\n`)
  for (const t of tracks) {
    const tags = catalogTags(t.metadata)
    const title = tags?.title ? `${tags.title}${tags.artist ? ` — ${tags.artist}` : ''}` : ''
    const recording = t.recordingId !== t.id || editions.get(t.recordingId)! > 1 ? `  [recording ${t.recordingId}, ${editions.get(t.recordingId)} edition${editions.get(t.recordingId)! > 1 ? 's' : ''}]` : ''
    io.out(`${t.id.padEnd(idWidth)}  ${formatDuration(t.durationSeconds).padStart(10)}  ${(t.quality ? qualityText(t.quality) : '–').padEnd(24)}  ${title}${recording}\n`)
  }
  io.out(`${tracks.length} tracks, ${editions.size} recordings, ${formatDuration(tracks.reduce((s, t) => s + t.durationSeconds, 0))} of audio\n`)
  return EXIT.OK
}

/** The catalog's size, file format and fingerprint parameters. */
export async function cmdInfo(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse('catalog info', args, {})
  if (values.help) { io.out(HELP.info!); return EXIT.OK }
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, 'catalog info: give one catalog')
  const path = positionals[0]!
  const catalog = loadCatalog(path)
  const info = catalogInfo(catalog, path)
  if (values.json) { io.out(JSON.stringify({ schemaVersion: REPORT_SCHEMA_VERSION, ...info }, null, 2) + '\n'); return EXIT.OK }
  const fe = info.fingerprint
  io.out([
    `catalog ${path}`,
    `  tracks          ${info.tracks} (${info.recordings} recordings), ${formatDuration(info.audioSeconds)} of audio`,
    `  file            ${formatBytes(info.fileBytes)}, format version ${info.formatVersion}${info.formatVersion < FORMAT_VERSION ? ` (this peakmatch writes version ${FORMAT_VERSION}: any change rewrites it so)` : ''}`,
    `  index           ${formatBytes(info.indexBytes)} in memory, ${info.postings} postings (${info.postings ? (info.indexBytes / info.postings).toFixed(2) : '–'} B each), ${info.audioSeconds ? (info.indexBytes / 1e6 / (info.audioSeconds / 3600)).toFixed(2) : '–'} MB per audio hour`,
    `  indexing        ${info.indexFanout} pairs per anchor peak${info.tripletIndex ? ', and a triplet per anchor (large-catalog queries)' : ''}`,
    fe ? `  fingerprints    ${frontEndText(fe)}${info.defaultFrontEnd ? ' (the defaults)' : ' (not this peakmatch\'s defaults: identify, scan and add fingerprint with these)'}` : '  fingerprints    none yet (an empty catalog takes the parameters of its first track)',
  ].join('\n') + '\n')
  return EXIT.OK
}

export interface CatalogInfo {
  catalog: string
  fileBytes: number
  formatVersion: number
  tracks: number
  recordings: number
  audioSeconds: number
  postings: number
  indexBytes: number
  indexFanout: number
  tripletIndex: boolean
  /** The front end of its tracks (null: empty), which identify, scan and add fingerprint with. */
  fingerprint: ReturnType<Catalog['settings']>['frontEnd']
  /** Whether that is this peakmatch's default front end (null: empty). */
  defaultFrontEnd: boolean | null
}

function catalogInfo(catalog: Catalog, path: string): CatalogInfo {
  const stats = catalog.stats()
  const settings = catalog.settings()
  return {
    catalog: resolve(path), fileBytes: statSync(path).size, formatVersion: formatVersionOf(path),
    tracks: stats.tracks, recordings: new Set(catalog.ids().map((id) => catalog.track(id)!.recordingId)).size,
    audioSeconds: Math.round(stats.seconds * 1000) / 1000, postings: stats.hashes, indexBytes: stats.bytes,
    indexFanout: settings.indexFanout, tripletIndex: settings.tripletIndex, fingerprint: settings.frontEnd,
    defaultFrontEnd: settings.frontEnd === null ? null : isDefaultFrontEnd(settings.frontEnd),
  }
}

/** The version field of a catalog file's header (bytes 8–11, docs/format.md); the file has loaded, so it is there. */
function formatVersionOf(path: string): number {
  const header = new Uint8Array(12)
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    readSync(fd, header, 0, 12, 0)
  } catch (e) {
    throw new CliError(EXIT.BAD_CATALOG, `cannot read catalog ${path}: ${errorMessage(e)}`)
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
  return new DataView(header.buffer).getUint32(8, true)
}
