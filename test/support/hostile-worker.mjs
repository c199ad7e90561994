// Test-only worker entry for WorkerPool that misbehaves as a hostile file can make a decoder do,
// chosen by the file's name (with or without .wav); any other path is read by the real worker (scan-worker.mjs).
//   …/hang      never answers: a synchronous endless loop, as a decoder stuck on its input
//   …/grow      allocates without bound (JS objects, in V8's heap) until the heap limit stops it
//   …/crash     the thread dies (process.exit in a worker ends the thread, as a decoder abort)
import readTask from './scan-worker.mjs'

export default async function hostileTask(task) {
  const name = task.path.slice(task.path.lastIndexOf('/') + 1).replace(/\.wav$/, '')   // hang.wav too (a scan walks by extension)
  if (name === 'hang' || name === 'grow' || name === 'crash') {
    task.port.postMessage({ started: true })
    if (name === 'hang') for (;;) { /* stuck */ }
    if (name === 'grow') { const hoard = []; for (let i = 0; ; i++) hoard.push({ i, s: `chunk ${i}`, a: [i, i + 1, i + 2] }) }
    process.exit(3)
  }
  return readTask(task)
}
