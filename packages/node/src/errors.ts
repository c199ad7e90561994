/**
 * Why a file could not be read. Stable strings: the report and --json carry them.
 *   not-audio    no audio format recognised (a text file named .mp3, an image, …)
 *   unsupported  an audio format or codec no decoder here handles
 *   drm          the audio is encrypted (e.g. FairPlay-protected .m4p)
 *   corrupt      the decoder failed on the data
 *   truncated    the file ends well before its header says it should
 *   empty        no samples (or only silence too short to fingerprint)
 *   io           the file could not be opened or read (permissions, vanished)
 *   timeout      reading it took longer than the per-file time limit (the worker was stopped)
 *   too-large    decoding it needed more than a worker's memory limit (the worker was replaced)
 */
export type FileErrorReason = 'not-audio' | 'unsupported' | 'drm' | 'corrupt' | 'truncated' | 'empty' | 'io' | 'timeout' | 'too-large'

/** A per-file failure: the scan reports it and goes on. */
export class FileError extends Error {
  override readonly name = 'FileError'
  constructor(readonly reason: FileErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** The error of a whole command (bad arguments, bad catalog, unwritable output), with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(readonly exitCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * What went wrong, in words for the user. A file-system error is told by its code, without
 * Node's "ENOENT: no such file or directory, lstat '/…'" wording or the path it names (which may
 * be one of our temporary files): the caller says which file it was about.
 */
export function errorMessage(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code
  if (typeof code === 'string' && Object.hasOwn(FS_ERRORS, code) && typeof (e as NodeJS.ErrnoException).syscall === 'string') return FS_ERRORS[code]!
  return e instanceof Error ? e.message : String(e)
}

/** A file-system error code in words ('EACCES' → 'permission denied'); an unknown code as it is. */
export function fsErrorText(code: string): string {
  return Object.hasOwn(FS_ERRORS, code) ? FS_ERRORS[code]! : code
}

const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error (a failing disk or a disconnected drive?)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
  EEXIST: 'it already exists',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
  EBUSY: 'the resource is busy',
  EFBIG: 'the file is too large for the file system',
  EXDEV: 'cannot move across file systems',
}
