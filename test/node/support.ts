import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main, type Io } from '../../packages/node/src/cli.js'
import { Catalog, DEFAULT_FRONT_END, fingerprint, type FrontEnd } from '../../src/index.js'
import { synthMusic } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'

export const FIXTURES = new URL('../fixtures/', import.meta.url).pathname
/** WorkerPool's threads from the TypeScript source (the package's default is the built dist/scan-worker.js). */
export const WORKER_SCRIPT = new URL('../support/scan-worker.mjs', import.meta.url)

/** Runs the CLI in-process; returns its exit code and what it wrote. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string; json: () => any }> {
  let out = '', err = ''
  const io: Io = { out: (t) => { out += t }, err: (t) => { err += t }, tty: false, workerScript: WORKER_SCRIPT }
  const code = await main(argv, io)
  return { code, out, err, json: () => JSON.parse(out) }
}

/**
 * A catalog folder of the three fixture recordings as WAV masters (seeds 301–303, as
 * test/fixtures/make-fixtures.ts made them), editions.json, and a library folder of the
 * committed encoded fixtures plus an unknown WAV, broken files and a non-audio file.
 */
export function makeWorld(): { dir: string; masters: string; library: string; editions: string } {
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-cli-'))
  const masters = join(dir, 'masters'), library = join(dir, 'library')
  mkdirSync(masters); mkdirSync(join(library, 'album'), { recursive: true })
  writeFileSync(join(masters, 'a.wav'), encodeWav(synthMusic(301, 6)))
  writeFileSync(join(masters, 'b.wav'), encodeWav(synthMusic(302, 6)))
  writeFileSync(join(masters, 'c.wav'), encodeWav(synthMusic(303, 6, 11025, 1)))
  const editions = join(masters, 'editions.json')
  writeFileSync(editions, JSON.stringify({
    version: 1,
    files: {
      'a.wav': { recordingId: 'rec-a', quality: { codec: 'flac', lossless: true, sampleRate: 96000, bitDepth: 24 }, metadata: { title: 'Song A' } },
      'b.wav': { recordingId: 'rec-b' },
    },
  }))
  for (const f of ['song-a.mp3', 'song-a.m4a', 'song-b.ogg', 'song-b-moov-at-end.m4a', 'song-c.flac', 'unknown.opus']) copyFileSync(join(FIXTURES, f), join(library, 'album', f))
  writeFileSync(join(library, 'unknown.wav'), encodeWav(synthMusic(398, 6)))
  const flac = readFileSync(join(FIXTURES, 'song-c.flac'))
  writeFileSync(join(library, 'truncated.flac'), flac.subarray(0, Math.floor(flac.length / 3)))
  const mp3 = Buffer.from(readFileSync(join(FIXTURES, 'song-a.mp3')))
  for (let i = 2000; i < mp3.length; i += 7) mp3[i] = (mp3[i]! * 31 + 17) & 255   // damaged frames
  writeFileSync(join(library, 'corrupt.mp3'), mp3)
  writeFileSync(join(library, 'notes.mp3'), 'these are liner notes, not audio\n')
  writeFileSync(join(library, 'cover.jpg'), 'not looked at')
  return { dir, masters, library, editions }
}

/** Sparser peaks, each indexed with more of its targets (docs/algorithm.md §7's "14 × 11, 3 / 5" row). */
export const SPARSE_OPTIONS = { neighborhoodBins: 14, neighborhoodFrames: 11, fanout: 5 } as const
export const SPARSE: FrontEnd = { ...DEFAULT_FRONT_END, ...SPARSE_OPTIONS }

/**
 * The fixture recordings (seeds 301–303, as makeWorld's masters) fingerprinted by the library with
 * SPARSE_OPTIONS into a catalog of indexFanout 3, with the track ids `catalog build` gives them.
 */
export function sparseCatalog(): Catalog {
  const catalog = new Catalog({ indexFanout: 3 })
  catalog.add('a.wav', fingerprint(synthMusic(301, 6), SPARSE_OPTIONS), { title: 'Song A' }, { recordingId: 'rec-a' })
  catalog.add('b.wav', fingerprint(synthMusic(302, 6), SPARSE_OPTIONS), {}, { recordingId: 'rec-b' })
  catalog.add('c.wav', fingerprint(synthMusic(303, 6, 11025, 1), SPARSE_OPTIONS))
  return catalog
}

/** What each readable file of makeWorld's library is (the default catalog's answers, and the sparse one's). */
export const EXPECTED: Record<string, string | undefined> = {
  'song-a.mp3': 'rec-a', 'song-a.m4a': 'rec-a', 'song-b.ogg': 'rec-b', 'song-b-moov-at-end.m4a': 'rec-b', 'song-c.flac': 'c.wav',
  'unknown.opus': undefined, 'unknown.wav': undefined,
}
export const answers = (files: any[]) => Object.fromEntries(files.filter((f) => f.status !== 'unreadable' && f.status !== 'skipped').map((f) => [f.path.split('/').pop(), f.recordingId]))
