// Issue 7, items 12 and 13 (silence): a file's format is told by its content, not its name, and
// a file of digital silence is `empty`, not "unmatched, to upload".
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, expect, it } from 'vitest'
import { FIXTURES, cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const lib = join(world.dir, 'mislabelled')
mkdirSync(lib)

/** A 16-bit stereo 44.1 kHz WAV header announcing `seconds` of audio, the data left as a hole (zeros: digital silence, no disk used). */
function sparseSilentWav(path: string, seconds: number): void {
  const dataBytes = Math.round(seconds * 44100) * 4
  const h = Buffer.alloc(44)
  h.write('RIFF', 0); h.writeUInt32LE(36 + dataBytes, 4); h.write('WAVE', 8)
  h.write('fmt ', 12); h.writeUInt32LE(16, 16); h.writeUInt16LE(1, 20); h.writeUInt16LE(2, 22)
  h.writeUInt32LE(44100, 24); h.writeUInt32LE(44100 * 4, 28); h.writeUInt16LE(4, 32); h.writeUInt16LE(16, 34)
  h.write('data', 36); h.writeUInt32LE(dataBytes, 40)
  const fd = openSync(path, 'w')
  try { writeSync(fd, h); ftruncateSync(fd, 44 + dataBytes) } finally { closeSync(fd) }
}

let files: Record<string, any>
beforeAll(async () => {
  expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0')).code).toBe(0)
  copyFileSync(join(FIXTURES, 'song-c.flac'), join(lib, 'flac-named.mp3'))
  copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'mp3-named.m4a'))
  copyFileSync(join(FIXTURES, 'song-a.mp3'), join(lib, 'mp3-named.flac'))
  copyFileSync(join(FIXTURES, 'song-b.ogg'), join(lib, 'ogg-named.wav'))
  copyFileSync(join(FIXTURES, 'song-a.aac'), join(lib, 'song-a.aac'))           // raw ADTS
  copyFileSync(join(FIXTURES, 'song-a.aac'), join(lib, 'adts-named.m4a'))
  // A JPEG (start of image, JFIF) named .mp3: a known type, but not audio.
  writeFileSync(join(lib, 'cover-named.mp3'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), Buffer.alloc(3000, 7)]))
  // Five minutes of digital silence (53 MB announced, a sparse file): the same path as a 2 GB one.
  sparseSilentWav(join(lib, 'silence.wav'), 300)
  const r = await cli('scan', lib, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json')
  files = Object.fromEntries(r.json().files.map((f: any) => [f.path.slice(lib.length + 1), f]))
})

it('reads a file by what it contains, whatever its extension says', () => {
  expect(files['flac-named.mp3']).toMatchObject({ status: 'matched', recordingId: 'c.wav', quality: { codec: 'flac' } })
  expect(files['mp3-named.m4a']).toMatchObject({ status: 'matched', recordingId: 'rec-a', quality: { codec: 'mp3' } })
  expect(files['mp3-named.flac']).toMatchObject({ status: 'matched', recordingId: 'rec-a', quality: { codec: 'mp3' } })
  expect(files['ogg-named.wav']).toMatchObject({ status: 'matched', recordingId: 'rec-b', quality: { codec: 'vorbis' } })
})

it('decodes raw ADTS AAC, under its own name or another', () => {
  expect(files['song-a.aac']).toMatchObject({ status: 'matched', recordingId: 'rec-a', quality: { codec: 'aac' } })
  expect(files['adts-named.m4a']).toMatchObject({ status: 'matched', recordingId: 'rec-a' })
})

it('calls a known non-audio type not-audio', () => {
  expect(files['cover-named.mp3']).toMatchObject({ status: 'unreadable', reason: 'not-audio' })
})

it('calls digital silence empty, not unmatched (nothing to upload)', () => {
  expect(files['silence.wav']).toMatchObject({ status: 'unreadable', reason: 'empty' })
  expect(files['silence.wav'].error).toMatch(/silence/)
})
