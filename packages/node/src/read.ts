import { openAsBlob } from 'node:fs'
import { open, stat } from 'node:fs/promises'
// The named export: esbuild's CommonJS output (dist/index.cjs) would take the default import of
// this ESM-only package as its whole namespace, which is not callable.
import { decodeChunked } from 'audio-decode'
import { CouldNotDetermineFileTypeError, UnsupportedFileTypeError, parseBlob, type IAudioMetadata } from 'music-metadata'
import { Fingerprinter, MAX_GRIDS, PeakmatchError, type EditionQuality, type Fingerprint, type FrontEnd } from 'peakmatch'
import { FileError, errorMessage } from './errors.js'
import { optionsOf } from './front-end.js'
import { mp4Chunks, range } from './mp4.js'
import { fsPathOf } from './walk.js'

/** Tags of a file, for the report. */
export interface Tags { title?: string; artist?: string; album?: string }

/** What reading a file found out besides its fingerprint. */
export interface FileInfo {
  /** Codec, bitrate and resolution: the file's side of `upgrade`. */
  quality: EditionQuality
  tags: Tags
  /** Seconds of audio decoded. */
  durationSeconds: number
  sampleRate: number
  channels: number
  /** audio-decode's name for the format ('mp3', 'm4a', 'flac', 'oga', …). */
  format: string
}

export interface FileReading { fp: Fingerprint; info: FileInfo }

/** How far the reading of one file has got (ReadOptions.onProgress). */
export interface ReadProgress {
  /** Bytes of the file the decoder has consumed (the file's size at the end). */
  bytesRead: number
  /** Seconds of audio decoded so far (the file's duration at the end). */
  audioSeconds: number
}

export interface ReadOptions {
  /**
   * Called as the decoder consumes the file: at most once per PROGRESS_BYTES of the file or
   * PROGRESS_SECONDS of audio (so a worker does not flood its port), and once at the end with the
   * whole size and duration when the file decoded. Neither number ever decreases.
   */
  onProgress?: (p: ReadProgress) => void
  /**
   * The front end to fingerprint with: the catalog's the file is matched against or added to
   * (front-end.ts catalogFrontEnd). Throws PeakmatchError for one this peakmatch cannot make.
   * @default this peakmatch's defaults (DEFAULT_FRONT_END)
   */
  frontEnd?: FrontEnd
  /**
   * Frame grids to fingerprint on (FingerprinterOptions.grids): QUERY_GRIDS for a file that is
   * only asked about (identify), whose short noisy clips are then found more often, at the cost of
   * another spectrogram per grid; 1 for what is cached (scan) or added to a catalog (which indexes
   * the first grid only). Throws PeakmatchError (INVALID_OPTIONS) outside 1..MAX_GRIDS.
   * @default 1
   */
  grids?: number
}

/**
 * ReadOptions.grids checked before any file is read: the Fingerprinter would only throw at the
 * first decoded chunk, where the caller's mistake would be reported as a corrupt file.
 */
export function checkReadGrids(grids: number | undefined): number {
  if (grids === undefined) return 1
  if (!Number.isInteger(grids) || grids < 1 || grids > MAX_GRIDS) {
    throw new PeakmatchError('INVALID_OPTIONS', `read option grids must be an integer in [1, ${MAX_GRIDS}], got ${String(grids)}`)
  }
  return grids
}

const CHUNK_BYTES = 1 << 16
/** onProgress steps: about 6 s of CD-quality WAV, or a minute of a 128 kbit/s MP3… */
const PROGRESS_BYTES = 1 << 20
/** …or 10 s of audio, whichever comes first: a long compressed file still moves in small steps. */
const PROGRESS_SECONDS = 10
type DecoderName = 'mp3' | 'flac' | 'opus' | 'oga' | 'm4a' | 'wav' | 'aac' | 'aiff' | 'caf' | 'webm' | 'amr' | 'wma'

/**
 * Decodes a file in chunks of CHUNK_BYTES straight into a streaming Fingerprinter, so memory
 * stays bounded however long the file is (no whole-file PCM). The format is told by the file's
 * content, never its name: the tag reader (music-metadata) is given the file as a Blob, which
 * has no name, so it sniffs the bytes (a FLAC named .mp3 is read as FLAC). It also gives the
 * quality and tags. Every failure is a FileError with a reason.
 *
 * `path` is a path, or walk.ts's encoding of a name that is not valid UTF-8 (fsPathArg).
 */
export async function readAudioFile(path: string, options: ReadOptions = {}): Promise<FileReading> {
  const fsPath = fsPathOf(path)
  // Before any reading: a front end this peakmatch cannot make is the caller's error, not the file's.
  const fingerprintOptions = optionsOf(options.frontEnd)
  const grids = checkReadGrids(options.grids)
  let size: number
  try { size = (await stat(fsPath)).size } catch (e) { throw new FileError('io', `cannot read: ${errorMessage(e)}`, { cause: e }) }
  if (size === 0) throw new FileError('empty', 'the file is empty')
  let meta: IAudioMetadata
  try {
    meta = await parseBlob(await openAsBlob(fsPath), { duration: false, skipCovers: true })
  } catch (e) {
    throw headerError(e)
  }
  const codec = meta.format.codec ?? ''
  if (/drms|drmi|fairplay|protected|encrypted|enca/i.test(`${codec} ${meta.format.container ?? ''}`)) {
    throw new FileError('drm', `the audio is encrypted (${codec || meta.format.container}): DRM-protected files cannot be decoded`)
  }
  if (!meta.format.container && !codec && !meta.format.sampleRate) throw new FileError('not-audio', 'not an audio file (no known audio format)')
  const format = decoderFor(meta)
  if (!format) throw new FileError('unsupported', `no decoder for ${meta.format.container ?? '?'} / ${codec || '?'}`)

  let fingerprinter: Fingerprinter | null = null
  let samples = 0, sampleRate = 0, channels = 0
  // Progress is counted where the bytes leave the source (what the decoder has consumed), and in
  // samples where the PCM comes out; reported only when either has moved a step since the last time.
  const onProgress = options.onProgress
  let bytesRead = 0, reportedBytes = 0, reportedSamples = 0
  const report = (): void => {
    reportedBytes = bytesRead
    reportedSamples = samples
    onProgress!({ bytesRead, audioSeconds: sampleRate ? samples / sampleRate : 0 })
  }
  const fh = await open(fsPath, 'r').catch((e: unknown) => { throw new FileError('io', `cannot open: ${errorMessage(e)}`, { cause: e }) })
  try {
    const chunks = format === 'm4a' ? mp4Chunks(fh, size, CHUNK_BYTES) : range(fh, 0, size, CHUNK_BYTES)
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunks) {
        // mp4Chunks reorders boxes but yields each byte once; the cap is for a file that grew since stat.
        bytesRead = Math.min(size, bytesRead + chunk.length)
        yield chunk
      }
    }
    const source = onProgress ? counted() : chunks
    for await (const pcm of decodeChunked(source, format)) {
      const ch = pcm.channelData
      if (ch.length === 0 || ch[0]!.length === 0) continue
      if (!fingerprinter) {
        sampleRate = pcm.sampleRate
        fingerprinter = new Fingerprinter({ ...fingerprintOptions, sampleRate, grids })
      }
      channels = Math.max(channels, ch.length)
      fingerprinter.push(ch)
      samples += ch[0]!.length
      if (onProgress && (bytesRead - reportedBytes >= PROGRESS_BYTES || samples - reportedSamples >= PROGRESS_SECONDS * sampleRate)) report()
    }
  } catch (e) {
    if (e instanceof FileError) throw e
    const m = errorMessage(e)
    if (/encrypt|drm|protected|drms|enca/i.test(m)) throw new FileError('drm', `the audio is encrypted: ${m}`, { cause: e })
    if (/unsupported|no decoder/i.test(m)) throw new FileError('unsupported', m, { cause: e })
    if (samples > 0 && /end of|unexpected eof|truncat|incomplete|out of range|offset/i.test(m)) {
      throw new FileError('truncated', `the data ends early after ${(samples / sampleRate).toFixed(1)} s: ${m}`, { cause: e })
    }
    throw new FileError('corrupt', `decoding failed${samples > 0 ? ` after ${(samples / sampleRate).toFixed(1)} s` : ''}: ${m}`, { cause: e })
  } finally {
    await fh.close()
  }
  if (!fingerprinter || samples === 0) throw new FileError(size < 4096 ? 'truncated' : 'corrupt', 'no audio could be decoded')
  const durationSeconds = samples / sampleRate
  // The header's length (music-metadata, without scanning the file) against what was decoded.
  const expected = meta.format.duration
  if (expected !== undefined && expected > 1 && durationSeconds < 0.9 * expected - 0.5) {
    throw new FileError('truncated', `decoded ${durationSeconds.toFixed(1)} s of the ${expected.toFixed(1)} s its header announces (cut short or damaged)`)
  }
  if (onProgress) { bytesRead = size; report() }
  const fp = fingerprinter.finish()
  // Digital silence (or sound too faint or short to have a single landmark) can match nothing:
  // it is not a track to upload.
  if (fp.hashes.length === 0) throw new FileError('empty', `no sound to fingerprint in ${durationSeconds.toFixed(1)} s of audio (silence)`)
  return { fp, info: { quality: qualityOf(meta, format, size, durationSeconds), tags: tagsOf(meta), durationSeconds, sampleRate, channels, format } }
}

/**
 * The reason for a failure of the tag reader, from music-metadata's (and its tokenizer's)
 * error classes and Node's error codes rather than from the wording of messages.
 */
function headerError(e: unknown): FileError {
  const m = errorMessage(e)
  const code = (e as NodeJS.ErrnoException | null)?.code
  const name = (e as Error | null)?.name
  // Opening failed, or the Blob's file changed or vanished while it was read.
  if (typeof code === 'string' && code.startsWith('E') || name === 'NotReadableError' || name === 'NotFoundError') {
    return new FileError('io', `cannot read: ${m}`, { cause: e })
  }
  if (e instanceof CouldNotDetermineFileTypeError) return new FileError('not-audio', 'not an audio file (no known audio format in its content)', { cause: e })
  if (e instanceof UnsupportedFileTypeError) {
    // The content is a known type that music-metadata does not read: audio/… or something else.
    const audio = /\baudio\//.test(m)
    return new FileError(audio ? 'unsupported' : 'not-audio', audio ? `an audio format no reader here handles (${m})` : `not an audio file (${m})`, { cause: e })
  }
  if (name === 'EndOfStreamError') return new FileError('truncated', 'the file ends inside its header', { cause: e })
  return new FileError('corrupt', `unreadable header: ${m}`, { cause: e })
}

/** audio-decode's decoder for what music-metadata found, or null when none fits. */
function decoderFor(meta: IAudioMetadata): DecoderName | null {
  const container = (meta.format.container ?? '').toLowerCase()
  const codec = (meta.format.codec ?? '').toLowerCase()
  if (container.startsWith('mpeg') || codec.includes('layer 3')) return codec.includes('layer 3') || codec === '' ? 'mp3' : null
  if (container === 'flac') return 'flac'
  if (container === 'ogg') return codec.includes('opus') ? 'opus' : codec.includes('vorbis') ? 'oga' : codec.includes('flac') ? null : null
  if (container.startsWith('m4a') || container.startsWith('mp4') || container.includes('isom') || container.startsWith('m4b') || container.startsWith('3gp') || container.startsWith('qt')) return 'm4a'
  if (container === 'wave' || container === 'wav') return 'wav'
  if (container.startsWith('aiff')) return 'aiff'
  if (container.startsWith('adts')) return 'aac'   // 'ADTS/MPEG-4', 'ADTS/MPEG-2 AAC'
  if (container === 'webm' || container === 'ebml/webm' || container.includes('webm')) return 'webm'
  if (container.startsWith('asf')) return 'wma'
  if (container === 'caf' || container.startsWith('caf')) return 'caf'
  if (container === 'amr') return 'amr'
  return null
}

const CODEC_NAMES: [RegExp, string][] = [
  [/layer 3/, 'mp3'], [/aac/, 'aac'], [/alac/, 'alac'], [/flac/, 'flac'], [/vorbis/, 'vorbis'],
  [/opus/, 'opus'], [/wma|windows media/, 'wma'], [/amr/, 'amr'],
]

/** The file's quality in the catalog's terms (EditionQuality). */
export function qualityOf(meta: IAudioMetadata, format: string, size: number, seconds: number): EditionQuality {
  const c = (meta.format.codec ?? '').toLowerCase()
  let codec = CODEC_NAMES.find(([re]) => re.test(c))?.[1]
  if (!codec) codec = format === 'wav' ? 'wav' : format === 'aiff' ? 'aiff' : (c || format)
  const lossless = meta.format.lossless ?? ['flac', 'alac', 'wav', 'aiff'].includes(codec)
  const q: EditionQuality = { codec, lossless }
  const bitrate = meta.format.bitrate ?? (seconds > 0 ? (size * 8) / seconds : undefined)
  if (!lossless && bitrate) q.bitrateKbps = Math.round(bitrate / 1000)
  if (meta.format.sampleRate) q.sampleRate = meta.format.sampleRate
  if (lossless && meta.format.bitsPerSample) q.bitDepth = meta.format.bitsPerSample
  return q
}

function tagsOf(meta: IAudioMetadata): Tags {
  const t: Tags = {}
  if (meta.common.title) t.title = meta.common.title
  if (meta.common.artist) t.artist = meta.common.artist
  if (meta.common.album) t.album = meta.common.album
  return t
}
