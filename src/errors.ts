/** Stable error codes: scripts may switch on them; messages may change. */
export type ErrorCode =
  | 'INVALID_AUDIO'
  | 'INVALID_SAMPLE_RATE'
  | 'INVALID_OPTIONS'
  | 'INVALID_FINGERPRINT'
  | 'INVALID_TRACK_ID'
  | 'DUPLICATE_TRACK'
  | 'CATALOG_FULL'
  | 'CORRUPT_INDEX'
  | 'UNSUPPORTED_VERSION'
  | 'INCOMPATIBLE_FINGERPRINT'
  | 'STREAM_FINISHED'

/** Every error peakmatch throws on bad input is one of these, with a stable `code`. */
export class PeakmatchError extends Error {
  override readonly name = 'PeakmatchError'
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}
