/**
 * The demo data of the web page: a catalog of 8 seeded synthetic pieces (demo.pmx), their
 * prints for the match plot (demo-prints.bin), and sample WAV files to identify:
 *   excerpt-degraded.wav  10 s of a catalog piece with white noise at 5 dB SNR, 16-bit
 *   excerpt-unknown.wav   10 s of a piece that is not in the catalog
 *   mic-excerpt.wav       25 s of a catalog piece with noise at 10 dB: the fake microphone in tests
 * plus samples.json, which names them and the track each should find.
 * Run: npm run web:demo [-- outDir]   (default examples/web/dist/data)
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Catalog, fingerprint } from '../../src/index.js'
import { excerpt, synthMusic, withNoise } from '../../test/support/synth.js'
import { encodePrints, type TrackPrint } from './prints.js'
import { encodeWav16 } from './wav.js'

export const DEMO_TITLES = ['Amber Tide', 'Brass Lantern', 'Cobalt Steps', 'Driftwood', 'Ember Waltz', 'Foxglove', 'Granite Hymn', 'Harbour Lights']
const SEED = 4101, SECONDS = 40

export interface Sample { file: string; label: string; expectedTrackId: string | null; startSeconds?: number }

export function trackId(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-')
}

export function makeDemo(outDir: string): { samples: Sample[]; tracks: number; bytes: number } {
  mkdirSync(outDir, { recursive: true })
  const catalog = new Catalog()
  const prints: TrackPrint[] = []
  const pieces = DEMO_TITLES.map((title, i) => ({ id: trackId(title), title, audio: synthMusic(SEED + i, SECONDS) }))
  for (const p of pieces) {
    const fp = fingerprint(p.audio)
    catalog.add(p.id, fp, { title: p.title, artist: 'peakmatch synth', seconds: SECONDS })
    prints.push({ id: p.id, hashes: fp.hashes, times: fp.times })
  }
  const bytes = catalog.toBytes()
  writeFileSync(join(outDir, 'demo.pmx'), bytes)
  writeFileSync(join(outDir, 'demo-prints.bin'), encodePrints(prints))

  const degraded = pieces[2]!, mic = pieces[5]!
  const wav = (file: string, audio: { sampleRate: number; channels: Float32Array[] }) => writeFileSync(join(outDir, file), encodeWav16(audio.sampleRate, audio.channels))
  wav('excerpt-degraded.wav', withNoise(excerpt(degraded.audio, 12.5, 10), 5, 1))
  wav('excerpt-unknown.wav', excerpt(synthMusic(9001, 20), 5, 10))
  wav('mic-excerpt.wav', withNoise(excerpt(mic.audio, 8, 25), 10, 2))
  const samples: Sample[] = [
    { file: 'excerpt-degraded.wav', label: `10 s of “${degraded.title}”, noisy`, expectedTrackId: degraded.id, startSeconds: 12.5 },
    { file: 'excerpt-unknown.wav', label: '10 s of a piece not in the catalog', expectedTrackId: null },
    { file: 'mic-excerpt.wav', label: `25 s of “${mic.title}”, noisy`, expectedTrackId: mic.id, startSeconds: 8 },
  ]
  writeFileSync(join(outDir, 'samples.json'), JSON.stringify(samples, null, 2))
  return { samples, tracks: catalog.size, bytes: bytes.length }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'dist', 'data'))
  const t0 = performance.now()
  const { tracks, bytes } = makeDemo(outDir)
  console.log(`demo data: ${tracks} tracks, catalog ${(bytes / 1024).toFixed(0)} KiB, in ${outDir} (${(performance.now() - t0).toFixed(0)} ms)`)
}
