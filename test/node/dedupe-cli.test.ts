// `peakmatch dedupe` (issue #12): files of a library that are the same recording, grouped without
// a catalog. Real files: generated WAVs and the committed encoded fixtures (song-a.* and
// song-b.ogg are synthMusic seeds 301 and 302, 6 s: test/fixtures/README.md).
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main, type Io } from '../../packages/node/src/cli.js'
import { dedupeLibrary } from '../../packages/node/src/dedupe.js'
import { synthMusic, type Audio } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { FIXTURES, WORKER_SCRIPT, cli } from './support.js'

/** Seconds [start, end) of `audio`, every channel kept. */
const cut = (audio: Audio, start: number, end: number): Audio => ({
  sampleRate: audio.sampleRate,
  channels: audio.channels.map((c) => c.slice(Math.floor(start * audio.sampleRate), Math.floor(end * audio.sampleRate))),
})
/** `a` then `b` (same rate and channel count). */
const join2 = (a: Audio, b: Audio): Audio => ({
  sampleRate: a.sampleRate,
  channels: a.channels.map((c, i) => { const out = new Float32Array(c.length + b.channels[i]!.length); out.set(c); out.set(b.channels[i]!, c.length); return out }),
})

const dir = mkdtempSync(join(tmpdir(), 'peakmatch-dedupe-'))
const library = join(dir, 'library')
const cache = join(dir, 'cache')
const songA = synthMusic(301, 6), songB = synthMusic(302, 6)

beforeAll(() => {
  mkdirSync(join(library, 'album'), { recursive: true })
  mkdirSync(join(library, 'other'))
  // Recording A: the WAV, the committed mp3 and m4a of it, and a copy with 0.8 s cut off the start
  // and 0.3 s off the end (of 6 s: as much as dedupe allows, a fifth, is 1.2 s).
  writeFileSync(join(library, 'album', 'a.wav'), encodeWav(songA))
  copyFileSync(join(FIXTURES, 'song-a.mp3'), join(library, 'album', 'a.mp3'))
  copyFileSync(join(FIXTURES, 'song-a.m4a'), join(library, 'other', 'a.m4a'))
  writeFileSync(join(library, 'other', 'a-trimmed.wav'), encodeWav(cut(songA, 0.8, 5.7)))
  // Recording B: the WAV and the committed ogg.
  writeFileSync(join(library, 'b.wav'), encodeWav(songB))
  copyFileSync(join(FIXTURES, 'song-b.ogg'), join(library, 'other', 'b.ogg'))
  // Alone: another song (seed 303), an unknown one, A then B in one file, the second half of A then
  // the first half of B (a medley), a 2.5 s excerpt of A (a ringtone), and a broken file.
  copyFileSync(join(FIXTURES, 'song-c.flac'), join(library, 'c.flac'))
  copyFileSync(join(FIXTURES, 'unknown.opus'), join(library, 'unknown.opus'))
  writeFileSync(join(library, 'mix.wav'), encodeWav(join2(songA, songB)))
  writeFileSync(join(library, 'medley.wav'), encodeWav(join2(cut(songA, 3, 6), cut(songB, 0, 3))))
  writeFileSync(join(library, 'ringtone.wav'), encodeWav(cut(songA, 2, 4.5)))
  // B after 2.5 s of A: B is all there, but a third of the file is something else.
  writeFileSync(join(library, 'intro-then-b.wav'), encodeWav(join2(cut(songA, 0, 2.5), songB)))
  writeFileSync(join(library, 'broken.mp3'), 'not audio at all, only a name\n')
  writeFileSync(join(library, 'cover.jpg'), 'ignored')
})

const rel = (p: string) => p.slice(library.length + 1)

describe('peakmatch dedupe', () => {
  let first: any
  beforeAll(async () => {
    const r = await cli('dedupe', library, '--cache', cache, '-j', '2', '--json')
    expect(r.code, r.err).toBe(1)   // done, but broken.mp3 was unreadable
    first = r.json()
  })

  it('groups the copies of each recording, and keeps the best file of each', () => {
    const groups = first.groups.map((g: any) => [rel(g.keep.path), ...g.duplicates.map((d: any) => rel(d.path))])
    // A: the two lossless WAVs rank alike; the larger (untrimmed) is kept. Then aac 64 (≈ mp3 83) before mp3 64.
    expect(groups).toEqual([
      ['album/a.wav', 'other/a-trimmed.wav', 'other/a.m4a', 'album/a.mp3'],
      ['b.wav', 'other/b.ogg'],
    ])
    const a = first.groups[0]
    expect(a.keep).toMatchObject({ quality: { codec: 'wav', lossless: true }, cached: false })
    expect(a.duplicates[0]).toMatchObject({ quality: { codec: 'wav' } })
    expect(a.duplicates[2]).toMatchObject({ quality: { codec: 'mp3', bitrateKbps: 64 } })
    // Each duplicate is shown against the kept file, even when it was grouped through another copy.
    for (const d of a.duplicates) expect(d).toMatchObject({ linkedTo: a.keep.path, coverage: expect.toSatisfy((c: number) => c >= 0.75) })
    // The trimmed copy starts 0.8 s into the kept file.
    expect(a.duplicates[0].offsetSeconds).toBeCloseTo(0.8, 1)
    expect(a.bytesFreed).toBe(a.duplicates.reduce((s: number, d: any) => s + d.sizeBytes, 0))
  })

  it('does not glue two songs through a file that holds both, nor an excerpt to its song', () => {
    expect(first.unique.map(rel).sort()).toEqual(['c.flac', 'intro-then-b.wav', 'medley.wav', 'mix.wav', 'ringtone.wav', 'unknown.opus'])
  })

  it('lists the unreadable file with its reason, and summarises', () => {
    expect(first.schemaVersion).toBe(1)
    expect(first.interrupted).toBe(false)
    expect(first.problems).toEqual([{ path: join(library, 'broken.mp3'), status: 'unreadable', reason: 'not-audio', error: expect.any(String) }])
    const freed = first.groups.reduce((s: number, g: any) => s + g.bytesFreed, 0)
    expect(first.summary).toMatchObject({
      files: 13, compared: 12, groups: 2, duplicates: 4, unique: 6, unreadable: 1, skipped: 0, ignored: 1,
      fingerprinted: 12, fromCache: 0, bytesFreed: freed,
    })
  })

  it('reuses the cache on a second run, and prints the groups', async () => {
    const r = await cli('dedupe', library, '--cache', cache, '-j', '2')
    expect(r.code, r.err).toBe(1)
    expect(r.out).toMatch(/^group 1: 4 files, 6\.0 s {3}keep: album\/a\.wav \(wav 16-bit 44\.1 kHz\)\n {2}other\/a-trimmed\.wav \(wav 16-bit 44\.1 kHz\) {3}coverage \d+%/m)
    expect(r.out).toMatch(/\n {2}album\/a\.mp3 \(mp3 24 kHz 64 kbit\/s\) {3}coverage \d+%/)
    expect(r.out).toMatch(/\ngroup 2: 2 files, 6\.0 s {3}keep: b\.wav /)
    expect(r.out).toMatch(/unreadable {2}broken\.mp3: not-audio/)
    expect(r.out).toMatch(/13 audio files compared in .* 0 fingerprinted, 12 from cache; 1 non-audio files ignored/)
    expect(r.out).toMatch(/\n {2}groups +2 +recordings with more than one file\n/)
    expect(r.out).toMatch(/\n {2}duplicates +4 +files besides the best of each group: [\d.]+ [KM]B could be freed/)
    expect(r.out).toMatch(/\n {2}unique +6 +no other file/)
    // not a terminal: a line per file read, then a line per tenth of the comparisons, before the groups
    expect(r.out).toMatch(/^\[ 1\/13\] read {8}\S+ \(cache\)$/m)
    expect(r.out).toMatch(/^\[13\/13\] /m)
    expect(r.out).toMatch(/^comparing: 12 of 12 files$/m)
    expect(r.out.indexOf('comparing: 12 of 12')).toBeLessThan(r.out.indexOf('group 1:'))
  })

  it('finds a group larger than the candidates checked per file (8) whole, through union-find', async () => {
    const many = join(dir, 'many')
    mkdirSync(many)
    const song = synthMusic(304, 6)
    // Twelve copies, each at its own gain, so no two are the same bytes.
    for (let k = 0; k < 12; k++) writeFileSync(join(many, `copy-${k}.wav`), encodeWav({ sampleRate: song.sampleRate, channels: song.channels.map((c) => c.map((v) => v * (0.4 + k * 0.05))) }))
    writeFileSync(join(many, 'other.wav'), encodeWav(synthMusic(305, 6)))
    const r = await cli('dedupe', many, '--no-cache', '-j', '2', '--json')
    expect(r.code, r.err).toBe(0)
    const out = r.json()
    expect(out.groups).toHaveLength(1)
    expect(out.groups[0].duplicates).toHaveLength(11)
    for (const d of out.groups[0].duplicates) expect(d.linkedTo).toBe(out.groups[0].keep.path)
    expect(out.unique).toEqual([join(many, 'other.wav')])
    expect(out.summary).toMatchObject({ files: 13, groups: 1, duplicates: 11, unique: 1, unreadable: 0 })
  })

  it('does not take a file spliced from the halves of two songs for a copy of either', async () => {
    // 30 s songs, so that identify's 5 s windows fall on the seam: the splice lies over the whole
    // timeline of each song (span 1.0) and is covered 0.5 by each. Each song also has a copy (the
    // copies tie on quality and size: the first path is kept).
    const splice = join(dir, 'splice')
    mkdirSync(splice)
    const c = synthMusic(306, 30), d = synthMusic(307, 30)
    writeFileSync(join(splice, 'c.wav'), encodeWav(c))
    writeFileSync(join(splice, 'c-quiet.wav'), encodeWav({ sampleRate: c.sampleRate, channels: c.channels.map((x) => x.map((v) => v * 0.5)) }))
    writeFileSync(join(splice, 'd.wav'), encodeWav(d))
    writeFileSync(join(splice, 'd-quiet.wav'), encodeWav({ sampleRate: d.sampleRate, channels: d.channels.map((x) => x.map((v) => v * 0.5)) }))
    writeFileSync(join(splice, 'spliced.wav'), encodeWav(join2(cut(c, 0, 15), cut(d, 15, 30))))
    const r = await cli('dedupe', splice, '--no-cache', '-j', '2', '--json')
    expect(r.code, r.err).toBe(0)
    const out = r.json()
    expect(out.groups.map((g: any) => [g.keep.path, ...g.duplicates.map((x: any) => x.path)].map((p: string) => p.slice(splice.length + 1)))).toEqual([['c-quiet.wav', 'c.wav'], ['d-quiet.wav', 'd.wav']])
    expect(out.unique).toEqual([join(splice, 'spliced.wav')])
  })

  it('stops comparing when interrupted after the reading, and says so', async () => {
    const controller = new AbortController()
    const r = await dedupeLibrary([library], {
      jobs: 0, signal: controller.signal,
      onCompareProgress: (p) => { if (p.done === 1) controller.abort() },
    })
    expect(r.interrupted).toBe(true)
    expect(r.summary).toMatchObject({ files: 13, compared: 12 })
    // Only the first file (album/a.mp3) was compared: its group is there, not B's.
    expect(r.groups.map((g) => rel(g.keep.path))).toEqual(['album/a.wav'])
  })

  it('exits 2 on bad usage and 130 when interrupted', async () => {
    expect((await cli('dedupe')).code).toBe(2)
    const typo = await cli('dedupe', library, '--no-cahce')
    expect(typo.code).toBe(2)
    expect(typo.err).toMatch(/did you mean --no-cache\?/)
    expect((await cli('dedupe', join(dir, 'missing'))).code).toBe(2)
    let out = ''
    const io: Io = { out: (t) => { out += t }, err: () => {}, tty: false, signal: AbortSignal.abort(), workerScript: WORKER_SCRIPT }
    expect(await main(['dedupe', library, '--no-cache', '-j', '0'], io)).toBe(130)
    expect(out).toMatch(/interrupted: these groups are of the files compared before it/)
    const help = await cli('dedupe', '--help')
    expect(help.code).toBe(0)
    expect(help.out).toMatch(/Example:\n {2}peakmatch dedupe/)
    expect((await cli('--help')).out).toMatch(/peakmatch dedupe <library-dir\.\.\.>/)
  })
})

