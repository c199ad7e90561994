/**
 * The match service's typed errors: every answer that is not a 2xx is `{ error: { code, message } }`
 * with one of these codes (docs/service.md, "Errors"). Codes are stable, messages may change.
 */
import { PeakmatchError } from 'peakmatch'
import { PartialAnswerError } from './backend.js'

export type ServiceErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_FINGERPRINT'
  | 'UNSUPPORTED_VERSION'
  | 'INCOMPATIBLE_FINGERPRINT'
  | 'INVALID_TRACK_ID'
  | 'FINGERPRINT_TOO_LONG'
  | 'BODY_TOO_LARGE'
  | 'TOO_MANY_ITEMS'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'DUPLICATE_TRACK'
  | 'CATALOG_FULL'
  | 'NOT_SUPPORTED'
  | 'NOT_READY'
  | 'OVERLOADED'
  | 'DEADLINE_EXCEEDED'
  | 'PARTIAL'
  | 'RELOAD_FAILED'
  | 'INTERNAL'

/** The HTTP status of each code: 4xx for what the client sent, 5xx only for the service's own state. */
export const STATUS: Record<ServiceErrorCode, number> = {
  INVALID_REQUEST: 400,
  INVALID_FINGERPRINT: 400,
  UNSUPPORTED_VERSION: 400,
  INCOMPATIBLE_FINGERPRINT: 400,
  INVALID_TRACK_ID: 400,
  FINGERPRINT_TOO_LONG: 413,
  BODY_TOO_LARGE: 413,
  TOO_MANY_ITEMS: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  DUPLICATE_TRACK: 409,
  CATALOG_FULL: 409,
  NOT_SUPPORTED: 501,
  NOT_READY: 503,
  OVERLOADED: 503,
  DEADLINE_EXCEEDED: 503,
  PARTIAL: 503,
  RELOAD_FAILED: 500,
  INTERNAL: 500,
}

/** An answer the service gives on purpose: its code, message and, for some, what to retry after. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; missingShards?: number[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  get status(): number { return STATUS[this.code] }
}

/** The JSON body of an error answer (and of a failed batch item). */
export interface ErrorBody {
  code: ServiceErrorCode
  message: string
  /** PARTIAL only: the shards that did not answer. */
  missingShards?: number[]
}

/**
 * Any error thrown while serving, as the ServiceError the client is told. The core's input
 * errors keep their code; anything unknown is INTERNAL (a bug: the caller logs it).
 */
export function toServiceError(e: unknown): ServiceError {
  if (e instanceof ServiceError) return e
  if (e instanceof PartialAnswerError) return new ServiceError('PARTIAL', e.message, { missingShards: e.missingShards })
  if (e instanceof PeakmatchError) {
    switch (e.code) {
      case 'INVALID_FINGERPRINT':
      case 'UNSUPPORTED_VERSION':
      case 'INCOMPATIBLE_FINGERPRINT':
      case 'INVALID_TRACK_ID':
      case 'DUPLICATE_TRACK':
      case 'CATALOG_FULL':
        return new ServiceError(e.code, e.message, {}, { cause: e })
      case 'INVALID_OPTIONS':
        return new ServiceError('INVALID_REQUEST', e.message, {}, { cause: e })
      default:
        break
    }
  }
  return new ServiceError('INTERNAL', 'internal error (a bug: the service log has the details)', {}, { cause: e })
}

export function errorBody(e: ServiceError): ErrorBody {
  const body: ErrorBody = { code: e.code, message: e.message }
  if (e.extra.missingShards) body.missingShards = e.extra.missingShards
  return body
}
