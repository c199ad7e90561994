/**
 * The README's main job, on a fresh machine with no arguments: builds a demo catalog of
 * seeded synthetic recordings (with a hi-res edition for some), makes a demo library of
 * degraded copies of them (noise, mono 22 kHz, trimmed, quieter, mp3/m4a/ogg/flac fixtures),
 * a few unknown tracks and a broken file, scans it with the `peakmatch` CLI code and prints
 * the report. Everything is written under .cache/demo/. Run: npm run demo
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { main, type Io } from '../packages/node/src/cli.js'
import { excerpt, synthMusic, withNoise, type Audio } from '../test/support/synth.js'
import { encodeWav } from '../test/support/wav.js'

const root = new URL('../.cache/demo/', import.meta.url).pathname
const masters = join(root, 'catalog'), library = join(root, 'library')
rmSync(root, { recursive: true, force: true })
mkdirSync(masters, { recursive: true })
for (const d of ['Degraded', 'Encoded', 'Unknown']) mkdirSync(join(library, d), { recursive: true })
const t0 = performance.now()

// The catalog: eight 40 s recordings, and two short ones that committed mp3/m4a/ogg fixtures encode.
/** Mono at half the rate: a two-tap average, then every other sample. */
const mono22k = (a: Audio): Audio => {
  const n = Math.floor(a.channels[0]!.length / 2), out = new Float32Array(n), k = 0.25 / a.channels.length
  for (const c of a.channels) for (let i = 0; i < n; i++) out[i] = out[i]! + k * (c[2 * i]! + c[2 * i + 1]!) * 2
  return { sampleRate: a.sampleRate / 2, channels: [out] }
}
const gain = (a: Audio, db: number): Audio => ({ sampleRate: a.sampleRate, channels: a.channels.map((c) => c.map((v) => v * 10 ** (db / 20))) })
const editions: Record<string, unknown> = {}
for (let i = 1; i <= 8; i++) {
  const name = `piece-${i}.wav`
  writeFileSync(join(masters, name), encodeWav(synthMusic(7000 + i, 40)))
  editions[name] = { recordingId: `Piece ${i}`, ...(i <= 4 ? { quality: { codec: 'flac', lossless: true, sampleRate: 96000, bitDepth: 24 } } : {}) }
}
const fixtures = new URL('../test/fixtures/', import.meta.url).pathname
writeFileSync(join(masters, 'song-a.wav'), encodeWav(synthMusic(301, 6)))
writeFileSync(join(masters, 'song-b.wav'), encodeWav(synthMusic(302, 6)))
writeFileSync(join(masters, 'editions.json'), JSON.stringify({ version: 1, files: editions }, null, 2))

// The library: what a listener's folder holds.
const expected: Record<string, string | null> = {}
const put = (name: string, audio: Audio, recording: string | null) => { writeFileSync(join(library, name), encodeWav(audio)); expected[name] = recording }
for (let i = 1; i <= 8; i++) {
  const a = synthMusic(7000 + i, 40)
  const kind = i % 4
  if (kind === 0) put(`Degraded/piece-${i} (noisy).wav`, withNoise(a, 10, i), `Piece ${i}`)
  else if (kind === 1) put(`Degraded/piece-${i} (mono 22k).wav`, mono22k(a), `Piece ${i}`)
  else if (kind === 2) put(`Degraded/piece-${i} (trimmed).wav`, excerpt(a, 4, 32), `Piece ${i}`)
  else put(`Degraded/piece-${i} (-6 dB).wav`, gain(a, -6), `Piece ${i}`)
}
for (const [f, rec] of [['song-a.mp3', 'song-a.wav'], ['song-a.m4a', 'song-a.wav'], ['song-b.ogg', 'song-b.wav'], ['unknown.opus', null]] as const) {
  copyFileSync(join(fixtures, f), join(library, 'Encoded', f))
  expected[`Encoded/${f}`] = rec
}
for (let i = 1; i <= 3; i++) put(`Unknown/home recording ${i}.wav`, synthMusic(9100 + i, 30), null)
writeFileSync(join(library, 'Unknown', 'broken.mp3'), 'ID3\u0003\u0000\u0000\u0000\u0000\u0000\u0000 a tag and then nothing')
writeFileSync(join(library, 'folder.jpg'), 'cover art is ignored')
console.log(`demo audio written to ${root} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)

// workerScript: the decoding threads run the TypeScript source (no build needed for the demo).
const workerScript = new URL('../test/support/scan-worker.mjs', import.meta.url)
const io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: Boolean(process.stdout.isTTY), workerScript }
const pmx = join(root, 'catalog.pmx')
console.log(`$ peakmatch catalog build ${masters} -o ${pmx} --editions editions.json`)
if (await main(['catalog', 'build', masters, '-o', pmx, '--editions', join(masters, 'editions.json')], io) !== 0) process.exit(1)
const report = join(root, 'report.json')
console.log(`\n$ peakmatch scan ${library} --catalog ${pmx} --report ${report} --verbose`)
const code = await main(['scan', library, '--catalog', pmx, '--report', report, '--cache', join(root, 'fingerprints.cache'), '--verbose'], io)

// Check the answers against what the demo library was made of.
const { readFileSync } = await import('node:fs')
const files = (JSON.parse(readFileSync(report, 'utf8')) as { files: { path: string; status: string; recordingId?: string }[] }).files
let right = 0
for (const f of files) {
  const name = f.path.slice(library.length + 1)
  if (!(name in expected)) continue
  const want = expected[name]
  if (want === null ? f.status === 'unmatched' : f.status === 'matched' && f.recordingId === want) right++
  else console.log(`  UNEXPECTED: ${name}: ${f.status} ${f.recordingId ?? ''} (expected ${want ?? 'unmatched'})`)
}
const total = Object.keys(expected).length
console.log(`\n${right}/${total} files identified as expected (exit code ${code}: 1 = some files unreadable, here the deliberately broken one); ${((performance.now() - t0) / 1000).toFixed(1)} s in all`)
if (right !== total) process.exitCode = 1
