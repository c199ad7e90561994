export { FingerprintWorker, FingerprintStream, fingerprintInWorker } from './client.js'
export { serveFingerprinting } from './worker.js'

export type { WorkerLike, TransferOptions, StreamOptions, StreamSnapshot } from './client.js'
export type { MessageEndpoint } from './protocol.js'
