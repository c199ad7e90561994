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

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
