/**
 * Worker thread of WorkerPool (a piscina task module): reads (decodes + fingerprints) one file per
 * task. It first says on the task's port that it has started (the pool's clock for the file's time
 * limit starts then), when the header announces one, the file's length (which sets the default
 * limit), then how far decoding has got (readAudioFile's throttled onProgress, for the progress bar).
 */
import { openAsBlob } from 'node:fs'
import { parseBlob } from 'music-metadata'
import { move, transferableSymbol, valueSymbol } from 'piscina'
import { FileError, errorMessage } from './errors.js'
import { readAudioFile } from './read.js'
import { fsPathOf } from './walk.js'
import type { WorkerProgress, WorkerReply, WorkerTask } from './pool.js'

// Decoders log their complaints (e.g. "mpg123-decoder: -1 MPG123_ERR") to the console: keep
// them out of the terminal and add the first one to the file's error instead.
let notes: string[] = []
const note = (...args: unknown[]): void => { if (notes.length < 4) notes.push(args.map(String).join(' ')) }
console.log = note
console.warn = note
console.error = note

/**
 * The announced length in seconds, from the header alone (no decoding); undefined if it has none
 * or cannot be read. By content, as read.ts does (a Blob has no name to guess from), and through
 * fsPathOf, since `path` may be walk.ts's encoding of a name that is not UTF-8.
 */
async function announcedSeconds(path: string): Promise<number | undefined> {
  try {
    return (await parseBlob(await openAsBlob(fsPathOf(path)), { duration: false, skipCovers: true, skipPostHeaders: true })).format.duration
  } catch {
    return undefined   // readAudioFile parses again and gives the failure its reason
  }
}

export default async function readTask({ path, port, frontEnd, grids }: WorkerTask): Promise<WorkerReply> {
  notes = []
  const say = (p: WorkerProgress): void => port.postMessage(p)
  try {
    say({ started: true })
    const durationSeconds = await announcedSeconds(path)
    if (durationSeconds !== undefined) say({ durationSeconds })
    const { fp, info } = await readAudioFile(path, { frontEnd, grids, onProgress: (p) => say({ bytesRead: p.bytesRead, audioSeconds: p.audioSeconds }) })
    const reply: WorkerReply = { ok: true, fp, info }
    const buffers = [fp.hashes.buffer, fp.times.buffer, ...(fp.ranks ? [fp.ranks.buffer] : []), ...(fp.offGrid ? [fp.offGrid.hashes.buffer, fp.offGrid.times.buffer, fp.offGrid.ranks.buffer] : [])] as ArrayBuffer[]
    // piscina transfers (does not copy) what a movable result lists under transferableSymbol.
    return move({ [transferableSymbol]: buffers, [valueSymbol]: reply }) as unknown as WorkerReply
  } catch (e) {
    return e instanceof FileError
      ? { ok: false, reason: e.reason === 'truncated' && notes.length ? 'corrupt' : e.reason, message: notes.length ? `${e.message} (decoder: ${notes[0]})` : e.message }
      : { ok: false, reason: 'corrupt', message: `unexpected failure: ${errorMessage(e)}` }
  } finally {
    port.close()
  }
}
