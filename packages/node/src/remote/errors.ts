/**
 * Why a scan against a match service cannot start or go on.
 *   unreachable   no HTTP answer: connection refused, DNS, timeouts (or the service stopped answering mid-scan)
 *   not-service   something answered, but not as a peakmatch v1 service does (a wrong URL or path, a proxy's page)
 *   not-ready     the service answered 503 to /readyz through every retry (its catalog still loading?)
 *   incompatible  the service's catalog was fingerprinted with a front end this peakmatch cannot make (another version)
 */
export type ServiceErrorKind = 'unreachable' | 'not-service' | 'not-ready' | 'incompatible'

export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  constructor(readonly kind: ServiceErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}
