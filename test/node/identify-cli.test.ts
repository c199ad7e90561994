import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { beforeAll, describe, expect, it } from 'vitest'
import { main, type Io } from '../../packages/node/src/cli.js'
import { convertRate } from '../support/reference.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'
import { encodeWav } from '../support/wav.js'
import { WORKER_SCRIPT, cli, makeWorld } from './support.js'

/**
 * A catalog of three 40 s recordings with titles, and files to identify: whole copies, excerpts
 * (snippets), a noisy short excerpt, an unknown piece, a broken file.
 */
const world = makeWorld()
const masters = join(world.dir, 'long-masters')
const files = join(world.dir, 'files')
const pmx = join(world.dir, 'long.pmx')
const songs = [701, 702, 703].map((seed) => synthMusic(seed, 40))

beforeAll(async () => {
  mkdirSync(masters); mkdirSync(join(files, 'sub'), { recursive: true })
  songs.forEach((s, i) => writeFileSync(join(masters, `song${i}.wav`), encodeWav(s)))
  writeFileSync(join(masters, 'editions.json'), JSON.stringify({ files: {
    'song0.wav': { metadata: { title: 'First Light', artist: 'The Synths' } },
    'song1.wav': { metadata: { title: 'Second Wind' } },
  } }))
  const r = await cli('catalog', 'build', masters, '-o', pmx, '--editions', join(masters, 'editions.json'), '--jobs', '0')
  expect(r.code, r.err).toBe(0)
  writeFileSync(join(files, 'copy0.wav'), encodeWav(excerpt(songs[0]!, 1, 38)))
  writeFileSync(join(files, 'clip1.wav'), encodeWav(excerpt(songs[1]!, 20, 10)))            // 10 s of 40: a snippet
  writeFileSync(join(files, 'sub', 'noisy2.wav'), encodeWav(withNoise(excerpt(songs[2]!, 12, 4), 0, 9)))   // 4 s at 0 dB SNR
  writeFileSync(join(files, 'unknown.wav'), encodeWav(synthMusic(799, 20)))
  writeFileSync(join(files, 'broken.wav'), 'RIFF....WAVEnot really')
  // 15 s (coverage ≈ 0.4: ambiguous) and 25 s (≈ 0.6: matched) of song0, the rest another piece
  for (const [name, seconds] of [['mixed15.wav', 15], ['mixed25.wav', 25]] as const) {
    const mixed = excerpt(synthMusic(798, 40), 0, 40)
    mixed.channels.forEach((c, i) => c.set(excerpt(songs[0]!, 0, seconds).channels[i]!, 0))
    writeFileSync(join(files, name), encodeWav(mixed))
  }
})

const CLI = new URL('../../packages/node/src/bin.ts', import.meta.url).pathname
const ROOT = new URL('../../', import.meta.url).pathname
const byName = (out: any) => Object.fromEntries(out.files.map((f: any) => [f.path.split('/').pop(), f]))

describe('peakmatch identify', () => {
  it('takes many files, globs and directories, in one run', async () => {
    const r = await cli('identify', join(files, 'copy0.wav'), join(files, 'c*.wav'), join(files, 'sub'), '--catalog', pmx, '--json')
    const f = byName(r.json())
    expect(r.code, r.err).toBe(0)
    expect(r.json().files).toHaveLength(3)   // copy0.wav given twice (path and glob) is read once
    expect(f['copy0.wav']).toMatchObject({ status: 'matched', trackId: 'song0.wav', catalogTags: { title: 'First Light', artist: 'The Synths' } })
    expect(f['clip1.wav']).toMatchObject({ status: 'snippet', trackId: 'song1.wav' })
    expect(Math.abs(f['clip1.wav'].offsetSeconds - 20)).toBeLessThan(0.2)
  })

  it('calls an excerpt a snippet at its offset, not a file to upload, even when noisy and short', async () => {
    const r = await cli('identify', join(files, 'clip1.wav'), join(files, 'sub', 'noisy2.wav'), '--catalog', pmx)
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/snippet\s+.*clip1\.wav → "Second Wind", identified at 0:20\.\d/)
    expect(r.out).toMatch(/snippet\s+.*noisy2\.wav → song2\.wav, identified at 0:1[12]\.\d/)
    expect(r.out).not.toMatch(/to upload/)
  })

  it('--top N lists candidates with score and confidence, weak ones included', async () => {
    const r = await cli('identify', join(files, 'unknown.wav'), '--catalog', pmx, '--top', '3', '--json')
    const f = r.json().files[0]
    expect(f.status).toBe('unmatched')
    expect(f.candidates.length).toBeGreaterThan(0)
    expect(f.candidates.length).toBeLessThanOrEqual(3)
    for (const c of f.candidates) {
      expect(c.confidence).toBeLessThan(0.5)
      expect(c.score).toBeGreaterThan(0)
    }
    const hit = await cli('identify', join(files, 'copy0.wav'), '--catalog', pmx, '-n', '2')
    expect(hit.out).toMatch(/^\s+1\. "First Light" by The Synths\s+score \d+, confidence 1\.00000, at 0:01\.0/m)
  })

  it('--min-confidence sets the bar of matched on the confidence it reports, both ways; outside 0..1 it is refused', async () => {
    const ask = async (name: string, ...more: string[]) => (await cli('identify', join(files, name), '--catalog', pmx, '--json', ...more)).json().files[0]
    const part = await ask('mixed15.wav')
    expect(part.status).toBe('ambiguous')
    expect(part.confidence).toBeGreaterThan(0.2)
    expect((await ask('mixed15.wav', '--min-confidence', String(part.confidence))).status).toBe('matched')
    const most = await ask('mixed25.wav')
    expect(most.status).toBe('matched')
    expect(most.confidence).toBeLessThan(0.8)
    expect((await ask('mixed25.wav', '--min-confidence', '0.8')).status).toBe('ambiguous')
    for (const bad of ['1.5', '-1', 'high', '']) {
      const r = await cli('identify', join(files, 'copy0.wav'), '--catalog', pmx, `--min-confidence=${bad}`)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/--min-confidence must be a number from 0 to 1/)
    }
  })

  it('reads audio from stdin (-), and keeps its temporary file out of messages', async () => {
    const run = async (bytes: Uint8Array) => {
      let out = '', err = ''
      const io: Io = { out: (t) => { out += t }, err: (t) => { err += t }, tty: false, workerScript: WORKER_SCRIPT, stdin: Readable.from([Buffer.from(bytes)]) }
      const code = await main(['identify', '-', '--catalog', pmx, '--json'], io)
      return { code, out, err }
    }
    const ok = await run(readFileSync(join(files, 'copy0.wav')))
    expect(ok.code, ok.err).toBe(0)
    expect(JSON.parse(ok.out).files[0]).toMatchObject({ path: '-', status: 'matched', trackId: 'song0.wav' })
    const bad = await run(new TextEncoder().encode('hello, not audio'))
    expect(bad.code).toBe(1)
    const f = JSON.parse(bad.out).files[0]
    expect(f).toMatchObject({ path: '-', status: 'unreadable' })
    expect(f.error).not.toMatch(/peakmatch-stdin-|\/tmp\//)
    const twice = await cli('identify', '-', '-', '--catalog', pmx)
    expect(twice.code).toBe(2)
    // stdin a terminal: refused at once instead of waiting for keyboard input
    let err = ''
    const terminal = Object.assign(Readable.from([]), { isTTY: true })
    const code = await main(['identify', '-', '--catalog', pmx], { out: () => {}, err: (t) => { err += t }, tty: false, stdin: terminal })
    expect(code).toBe(2)
    expect(err).toMatch(/stdin, which is a terminal here: pipe audio in/)
  })

  it('reports a snippet found under a speed change, with the factor', async () => {
    // 10 s of song2 played 5 % faster: resampled to 95 % of the samples, kept at 44.1 kHz
    const dir = join(world.dir, 'changed')
    mkdirSync(dir, { recursive: true })
    const clip = excerpt(songs[2]!, 15, 10.5)
    const fast = { sampleRate: 44100, channels: clip.channels.map((c) => convertRate(c, 44100, Math.round(44100 / 1.05))) }
    writeFileSync(join(dir, 'fast2.wav'), encodeWav(fast))
    const r = await cli('identify', join(dir, 'fast2.wav'), '--catalog', pmx, '--json')
    const f = r.json().files[0]
    expect(f).toMatchObject({ status: 'snippet', trackId: 'song2.wav', pitch: 1 })
    expect(Math.abs(f.speed - 1.05)).toBeLessThan(0.015)
    const human = await cli('identify', join(dir, 'fast2.wav'), '--catalog', pmx)
    expect(human.out).toMatch(/snippet .*fast2\.wav → song2\.wav, identified at 0:1\d\.\d, [4-6] % faster/)
  })

  it('reads a WAV piped into a real process (identify - through a pipe)', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'identify', '-', '--catalog', pmx, '--json'], {
      cwd: ROOT, encoding: 'utf8', input: readFileSync(join(files, 'clip1.wav')), env: { ...process.env, XDG_CACHE_HOME: world.dir },
    })
    expect(child.status, child.stderr).toBe(0)
    expect(JSON.parse(child.stdout).files[0]).toMatchObject({ path: '-', status: 'snippet', trackId: 'song1.wav' })
  })

  it('exits 1 when a file is unreadable (the others are still answered), 2 when a glob matches nothing', async () => {
    const r = await cli('identify', join(files, 'broken.wav'), join(files, 'copy0.wav'), '--catalog', pmx, '--json')
    expect(r.code).toBe(1)
    expect(byName(r.json())['copy0.wav'].status).toBe('matched')
    const none = await cli('identify', join(files, '*.flac'), '--catalog', pmx)
    expect(none.code).toBe(2)
    expect(none.err).toMatch(/no file matches .*\*\.flac/)
    const missing = await cli('identify', join(files, 'missing.wav'), '--catalog', pmx)
    expect(missing.code).toBe(2)
    expect(missing.err).not.toMatch(/ENOENT|lstat/)
  })
})

describe('peakmatch scan with snippets and --min-confidence', () => {
  it('counts snippets apart: neither mirrored nor uploaded; the JSON report has schemaVersion 1', async () => {
    const r = await cli('scan', files, '--catalog', pmx, '--no-cache', '--jobs', '2', '--json')
    const report = r.json()
    expect(report.schemaVersion).toBe(1)
    expect(report.summary).toMatchObject({ matched: 2, snippets: 2, unmatched: 1, ambiguous: 1, unreadable: 1 })
    const human = await cli('scan', files, '--catalog', pmx, '--no-cache', '--jobs', '0')
    expect(human.out).toMatch(/snippets\s+2\s+excerpts of catalog recordings/)
    const csv = join(world.dir, 'snip.csv')
    await cli('scan', files, '--catalog', pmx, '--no-cache', '--jobs', '0', '--report', csv)
    const rows = readFileSync(csv, 'utf8').trim().split('\n')
    expect(rows[0]).toMatch(/,catalogTitle,catalogArtist,catalogAlbum$/)
    expect(rows.find((l) => l.includes('clip1.wav'))).toMatch(/,snippet,,song1\.wav,song1\.wav,.*,Second Wind,,$/)
  })

  it('--min-confidence changes what scan calls matched', async () => {
    const scan = async (bar: string) => (await cli('scan', files, '--catalog', pmx, '--no-cache', '--jobs', '0', '--json', '--min-confidence', bar)).json().summary
    expect(await scan('0.2')).toMatchObject({ matched: 3, ambiguous: 0 })
    expect(await scan('0.8')).toMatchObject({ matched: 1, ambiguous: 2 })
    expect((await cli('scan', files, '--catalog', pmx, '--min-confidence', '2')).code).toBe(2)
  })
})
