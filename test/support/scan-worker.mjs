// Test-only worker entry for WorkerPool (RunOptions.workerScript / Io.workerScript): registers
// tsx's loader in the worker thread, then re-exports the TypeScript source of the real worker (a
// piscina task module), so tests and bench/ use worker threads without a build. The shipped
// package runs dist/scan-worker.js.
import { register } from 'tsx/esm/api'

register()
const { default: readTask } = await import('../../packages/node/src/scan-worker.ts')
export default readTask
