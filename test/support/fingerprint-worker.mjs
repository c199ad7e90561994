// Test-only worker thread bootstrap: lets node:worker_threads load src/worker/*.ts through tsx,
// then serves fingerprinting on the thread's parentPort, as a Web Worker serves it on `self`.
import { parentPort } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

register()
const { serveFingerprinting } = await import('../../src/worker/index.ts')
serveFingerprinting(parentPort)
