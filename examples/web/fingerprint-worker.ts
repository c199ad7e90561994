// The page's fingerprint worker: all of it. In an app: import { serveFingerprinting } from 'peakmatch/worker'
import { serveFingerprinting } from '../../src/worker/index.js'

serveFingerprinting()
