import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs'
import { extname, resolve, sep } from 'node:path'
import { CliError, fsErrorText } from './errors.js'

/** Extensions of the files a scan reads; everything else in a library is ignored, not an error. */
export const AUDIO_EXTENSIONS = new Set([
  'mp3', 'm4a', 'm4b', 'm4p', 'mp4', 'aac', 'flac', 'ogg', 'oga', 'opus', 'wav', 'wave', 'aif', 'aiff', 'aifc',
  'wma', 'webm', 'mka', 'caf', 'wv', 'ape', 'mpc', 'tta',
])

export interface AudioFile {
  /**
   * Absolute path, as shown and reported. For a name that is not valid UTF-8 (which a string
   * cannot hold exactly) it is a lossy rendering with each undecodable byte as `\xNN`; `open`
   * then holds the exact bytes.
   */
  path: string
  /** What to open: `path` itself, or fsPathArg(the raw bytes) for a name that is not UTF-8. */
  open: string
  /** The directory given on the command line that holds it (for relative names). */
  root: string
  size: number
  mtimeMs: number
}

/**
 * Why the walk met a path and did not hand it to the decoder:
 *   dangling-link         a symbolic link to nothing
 *   symlink-loop          a symbolic link that leads back to itself (ELOOP)
 *   directory-link        a symbolic link to a directory: not followed (no cycles, no double counts)
 *   special-file          a FIFO, socket or device: reading it could block or never end
 *   unreadable-directory  a directory whose entries could not be listed (EACCES, EIO, …)
 *   io                    the entry could not be examined (stat failed otherwise)
 */
export type SkipReason = 'dangling-link' | 'symlink-loop' | 'directory-link' | 'special-file' | 'unreadable-directory' | 'io'
/** The SkipReasons that are not also FileErrorReasons ('io' is both). */
export const SKIP_REASONS: ReadonlySet<string> = new Set(['dangling-link', 'symlink-loop', 'directory-link', 'special-file', 'unreadable-directory'])

export interface SkippedPath { path: string; reason: SkipReason; message: string }

export interface WalkResult {
  files: AudioFile[]
  /** Every other path the walk met that was not ignored by rule, with the reason. */
  skipped: SkippedPath[]
  /** Files skipped because their extension is not audio (cover art, playlists, …), and hidden (".…") entries. */
  ignored: number
}

/** Injected file-system calls (tests simulate EACCES, which root never gets, through these). */
export interface WalkFs {
  readdir: (dir: Buffer) => Dirent<Buffer>[]
  lstat: (path: Buffer) => Stats
  stat: (path: Buffer) => Stats
}

const realFs: WalkFs = {
  readdir: (dir) => readdirSync(dir, { withFileTypes: true, encoding: 'buffer' }),
  lstat: (p) => lstatSync(p),
  stat: (p) => statSync(p),
}

export function isAudioPath(path: string): boolean {
  return AUDIO_EXTENSIONS.has(extname(path).slice(1).toLowerCase())
}

// A path whose bytes are not UTF-8 travels as a string (to worker threads, as cache keys) in
// this form: a NUL, which no real path contains, then the bytes as latin1 (one char per byte).
const RAW = '\0raw:'

/** A string that fsPathOf turns back into `p`: `p` itself when it is a string. */
export function fsPathArg(p: string | Buffer): string {
  return typeof p === 'string' ? p : RAW + p.toString('latin1')
}

/** What to pass to fs for a path made by fsPathArg (or any ordinary path). */
export function fsPathOf(arg: string): string | Buffer {
  return arg.startsWith(RAW) ? Buffer.from(arg.slice(RAW.length), 'latin1') : arg
}

/** The bytes as text when they are valid UTF-8, else null. */
function utf8(b: Buffer): string | null {
  const s = b.toString('utf8')
  return Buffer.from(s, 'utf8').equals(b) ? s : null
}

/** The bytes as text, each byte that is not part of a valid UTF-8 sequence shown as \xNN. */
export function displayPath(b: Buffer): string {
  const exact = utf8(b)
  if (exact !== null) return exact
  let out = ''
  for (let i = 0; i < b.length;) {
    const c = b[i]!
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0
    const s = n > 0 && i + n <= b.length ? utf8(b.subarray(i, i + n)) : null
    if (s !== null) { out += s; i += n } else { out += `\\x${c.toString(16).padStart(2, '0').toUpperCase()}`; i++ }
  }
  return out
}

const SEP = Buffer.from(sep)
const DOT = '.'.charCodeAt(0)

function errnoOf(e: unknown): string {
  return (e as NodeJS.ErrnoException | null)?.code ?? 'error'
}

/** An errno code in words, for the skipped path's message (the report shows it to the user). */
const said = (e: unknown): string => fsErrorText(errnoOf(e))

/**
 * Audio files under `paths` (files or directories), recursively, in a stable (byte-sorted)
 * order, and every other path met that is not ignored by rule, with its reason (see
 * SkipReason). Names are read as bytes, so a file name that is not valid UTF-8 is still found
 * and opened. Ignored by rule, and counted: hidden entries (".…") and files whose extension is
 * not audio. Symbolic links to directories are not followed (listed as directory-link); a
 * link to a file is read. A path given explicitly is taken whatever its extension.
 * A given path that does not exist throws CliError(2): that is a usage error, not a library's.
 */
export function walkAudio(paths: readonly string[], fs: WalkFs = realFs): WalkResult {
  const files: AudioFile[] = []
  const skipped: SkippedPath[] = []
  let ignored = 0
  const seen = new Set<string>()
  const skip = (p: Buffer, reason: SkipReason, message: string) => { skipped.push({ path: displayPath(p), reason, message }) }
  const take = (p: Buffer, st: Stats, root: string): void => {
    const key = p.toString('latin1')
    if (seen.has(key)) return
    seen.add(key)
    const text = utf8(p)
    files.push({ path: text ?? displayPath(p), open: text ?? fsPathArg(p), root, size: st.size, mtimeMs: st.mtimeMs })
  }
  /** A non-directory entry (or a given path); `named` = it was given explicitly. */
  const visitFile = (p: Buffer, root: string, named: boolean): void => {
    let lst: Stats
    try { lst = fs.lstat(p) } catch (e) { skip(p, 'io', `cannot examine: ${said(e)}`); return }
    let st = lst
    if (lst.isSymbolicLink()) {
      try { st = fs.stat(p) } catch (e) {
        const code = errnoOf(e)
        if (code === 'ELOOP') skip(p, 'symlink-loop', 'a symbolic link that leads back to itself')
        else if (code === 'ENOENT' || code === 'ENOTDIR') skip(p, 'dangling-link', 'a symbolic link to nothing')
        else skip(p, 'io', `cannot follow the link: ${fsErrorText(code)}`)
        return
      }
      if (st.isDirectory() && !named) { skip(p, 'directory-link', 'a symbolic link to a directory (not followed)'); return }
    }
    if (st.isDirectory()) { visitDir(p, named ? displayPath(p) : root); return }
    if (!st.isFile()) { skip(p, 'special-file', `not a regular file (${kindOf(st)}): not read`); return }
    if (!named && !isAudioPath(displayPath(p))) { ignored++; return }
    take(p, st, root)
  }
  const visitDir = (dir: Buffer, root: string): void => {
    let entries: Dirent<Buffer>[]
    try { entries = fs.readdir(dir) } catch (e) { skip(dir, 'unreadable-directory', `cannot list the directory: ${said(e)}`); return }
    entries.sort((a, b) => Buffer.compare(a.name, b.name))
    for (const e of entries) {
      if (e.name[0] === DOT) { ignored++; continue }
      const p = Buffer.concat([dir, SEP, e.name])
      if (e.isDirectory()) visitDir(p, root)
      else if (e.isFile()) {
        if (!isAudioPath(displayPath(e.name))) { ignored++; continue }
        let st: Stats
        try { st = fs.stat(p) } catch (err) { skip(p, 'io', `cannot examine: ${said(err)}`); continue }
        take(p, st, root)
      } else visitFile(p, root, false)   // links, FIFOs, sockets, devices, unknown types
    }
  }
  for (const given of paths) {
    const p = Buffer.from(resolve(given))
    let st: Stats
    try { st = fs.lstat(p) } catch (e) {
      if (errnoOf(e) === 'ENOENT') throw new CliError(2, `no such file or directory: ${given}`, { cause: e })
      skip(p, 'io', `cannot examine: ${said(e)}`)
      continue
    }
    if (st.isDirectory()) visitDir(p, resolve(given))
    else visitFile(p, resolve(given, '..'), true)
  }
  return { files, skipped, ignored }
}

function kindOf(st: Stats): string {
  return st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() ? 'a character device' : st.isBlockDevice() ? 'a block device' : 'unknown type'
}
