// Test-only worker entry for WorkerPool (RunOptions.workerScript / Io.workerScript): registers
// tsx's loader in the worker thread, then runs the TypeScript source of the real worker, so tests
// and bench/ use worker threads without a build. The shipped package runs dist/scan-worker.js.
import { register } from 'tsx/esm/api'

register()
await import('../../packages/node/src/scan-worker.ts')
