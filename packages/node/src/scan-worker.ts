/** Worker thread of WorkerPool: reads (decodes + fingerprints) one file per request. */
import { parentPort } from 'node:worker_threads'
import { FileError, errorMessage } from './errors.js'
import { readAudioFile } from './read.js'
import type { WorkerReply, WorkerRequest } from './pool.js'

const port = parentPort
if (!port) throw new Error('scan-worker.js runs as a worker thread (WorkerPool)')

// Decoders log their complaints (e.g. "mpg123-decoder: -1 MPG123_ERR") to the console: keep
// them out of the terminal and add the first one to the file's error instead.
let notes: string[] = []
const note = (...args: unknown[]): void => { if (notes.length < 4) notes.push(args.map(String).join(' ')) }
console.log = note
console.warn = note
console.error = note

port.on('message', (req: WorkerRequest) => {
  notes = []
  readAudioFile(req.path).then(
    ({ fp, info }) => {
      const reply: WorkerReply = { id: req.id, ok: true, fp, info }
      port.postMessage(reply, [fp.hashes.buffer, fp.times.buffer, ...(fp.ranks ? [fp.ranks.buffer] : [])] as ArrayBuffer[])
    },
    (e: unknown) => {
      const reply: WorkerReply = e instanceof FileError
        ? { id: req.id, ok: false, reason: e.reason === 'truncated' && notes.length ? 'corrupt' : e.reason, message: notes.length ? `${e.message} (decoder: ${notes[0]})` : e.message }
        : { id: req.id, ok: false, reason: 'corrupt', message: `unexpected failure: ${errorMessage(e)}` }
      port.postMessage(reply)
    },
  )
})
