import { expect, it } from 'vitest'
import { WorkerPool } from '../../packages/node/src/pool.js'
import { readAudioFile } from '../../packages/node/src/read.js'
import { FIXTURES, WORKER_SCRIPT } from './support.js'

it('loads no TypeScript by itself: from source, without a workerScript, it says the built worker is missing', () => {
  expect(() => new WorkerPool(1)).toThrow(/packages\/node\/src\/scan-worker\.js is missing/)
  expect(() => new WorkerPool(0)).not.toThrow()       // no threads, no worker script needed
})

it('reads a file on a worker thread given a worker script (here the tsx bootstrap), as in the calling thread', async () => {
  const pool = new WorkerPool(1, WORKER_SCRIPT)
  try {
    const threaded = await pool.read(`${FIXTURES}song-c.flac`)
    const inline = await readAudioFile(`${FIXTURES}song-c.flac`)
    expect(threaded.fp.hashes).toEqual(inline.fp.hashes)
    expect(threaded.info).toEqual(inline.info)
  } finally {
    await pool.close()
  }
})
