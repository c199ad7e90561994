import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { cli, makeWorld } from './support.js'

const world = makeWorld()
const pmx = join(world.dir, 'catalog.pmx')
const byName = (files: { path: string }[]) => Object.fromEntries(files.map((f) => [f.path.slice(world.library.length + 1), f])) as Record<string, any>

beforeAll(async () => {
  const r = await cli('catalog', 'build', world.masters, '-o', pmx, '--editions', world.editions, '--jobs', '0', '--json')
  expect(r.code, r.err).toBe(0)
  expect(r.json().summary).toMatchObject({ files: 3, added: 3, unreadable: 0, unusedEditions: [] })
})

describe('peakmatch scan', () => {
  let report: any
  beforeAll(async () => {
    const r = await cli('scan', world.library, '--catalog', pmx, '--cache', join(world.dir, 'cache'), '--jobs', '2', '--json', '--report', join(world.dir, 'report.csv'))
    expect(r.code, r.err).toBe(1)   // finished, but some files were unreadable
    report = r.json()
  })

  it('matches every encoded copy (mp3, m4a both layouts, ogg, flac) to its recording', () => {
    const f = byName(report.files)
    expect(f['album/song-a.mp3']).toMatchObject({ status: 'matched', recordingId: 'rec-a', trackId: 'a.wav', upgrade: true, quality: { codec: 'mp3', bitrateKbps: 64 } })
    expect(f['album/song-a.m4a']).toMatchObject({ status: 'matched', recordingId: 'rec-a', upgrade: true, quality: { codec: 'aac' } })
    expect(f['album/song-b.ogg']).toMatchObject({ status: 'matched', recordingId: 'rec-b', upgrade: true, quality: { codec: 'vorbis' }, tags: { title: 'Song B' } })
    expect(f['album/song-b-moov-at-end.m4a']).toMatchObject({ status: 'matched', recordingId: 'rec-b' })
    // A lossless 16-bit file matched to a 16-bit WAV master: no upgrade.
    expect(f['album/song-c.flac']).toMatchObject({ status: 'matched', recordingId: 'c.wav', upgrade: false, quality: { codec: 'flac', lossless: true } })
    expect(f['album/song-a.mp3'].edition).toMatchObject({ trackId: 'a.wav', quality: { codec: 'flac', bitDepth: 24 }, metadata: { title: 'Song A' } })
  })

  it('leaves unknown tracks unmatched, to upload', () => {
    const f = byName(report.files)
    expect(f['album/unknown.opus'].status).toBe('unmatched')
    expect(f['unknown.wav'].status).toBe('unmatched')
    expect(report.summary.unmatchedBytes).toBe(f['album/unknown.opus'].sizeBytes + f['unknown.wav'].sizeBytes)
  })

  it('reports broken files with a reason and goes on', () => {
    const f = byName(report.files)
    expect(f['truncated.flac']).toMatchObject({ status: 'unreadable', reason: 'truncated' })
    expect(['corrupt', 'truncated']).toContain(f['corrupt.mp3'].reason)
    expect(f['corrupt.mp3'].status).toBe('unreadable')
    expect(f['notes.mp3']).toMatchObject({ status: 'unreadable', reason: 'not-audio' })
    expect(f['cover.jpg']).toBeUndefined()
  })

  it('summarises, and writes the CSV report', () => {
    expect(report.summary).toMatchObject({ files: 10, matched: 5, upgradable: 4, unmatched: 2, ambiguous: 0, unreadable: 3, ignored: 1, fingerprinted: 7, fromCache: 0 })
    const csv = readFileSync(join(world.dir, 'report.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toMatch(/^path,status,reason,recordingId,trackId,bestEdition,upgrade,/)
    expect(csv).toHaveLength(11)
    expect(csv.find((l) => l.includes('song-a.mp3'))).toMatch(/,matched,,rec-a,a\.wav,a\.wav,true,/)
  })

  it('prints a human summary', async () => {
    const r = await cli('scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '0')
    expect(r.code).toBe(1)
    expect(r.out).toMatch(/matched\s+5\s+mirrored from the catalog, 4 of them upgradable/)
    expect(r.out).toMatch(/unmatched\s+2\s+to upload/)
    expect(r.out).toMatch(/unreadable\s+3/)
    expect(r.out).toMatch(/notes\.mp3: not-audio/)
  })
})

describe('peakmatch identify', () => {
  it('names the recording, its best edition and the upgrade', async () => {
    const r = await cli('identify', join(world.library, 'album', 'song-a.mp3'), '--catalog', pmx, '--json')
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ schemaVersion: 1, interrupted: false })
    expect(r.json().files).toHaveLength(1)
    expect(r.json().files[0]).toMatchObject({ status: 'matched', recordingId: 'rec-a', trackId: 'a.wav', upgrade: true, edition: { trackId: 'a.wav' }, catalogTags: { title: 'Song A' } })
    const human = await cli('identify', join(world.library, 'album', 'song-a.mp3'), '--catalog', pmx)
    // the catalog's title, not the ids (those are in --json)
    expect(human.out).toMatch(/matched .*song-a\.mp3 → "Song A", coverage/)
    expect(human.out).toMatch(/best edition: a\.wav \(flac 24-bit 96 kHz\), an upgrade/)
  })

  it('exits 1 on an unreadable file, 3 on a bad catalog, 2 on bad usage', async () => {
    expect((await cli('identify', join(world.library, 'notes.mp3'), '--catalog', pmx)).code).toBe(1)
    const bad = join(world.dir, 'bad.pmx')
    writeFileSync(bad, readFileSync(pmx).subarray(0, 100))
    const r = await cli('identify', join(world.library, 'unknown.wav'), '--catalog', bad)
    expect(r.code).toBe(3)
    expect(r.err).toMatch(/not a usable catalog \(CORRUPT_INDEX\)/)
    expect((await cli('scan', world.library, '--catalog', join(world.dir, 'missing.pmx'))).code).toBe(3)
    expect((await cli('scan', world.library, '--catalog', pmx, '--bogus')).code).toBe(2)
    expect((await cli('scan', world.library)).code).toBe(2)
    expect((await cli('frobnicate')).code).toBe(2)
    expect((await cli('catalog', 'build', world.masters, '-o', join(world.dir, 'x.pmx'), '--jobs', 'many')).code).toBe(2)
  })

  it('has --help with an example for every command', async () => {
    for (const argv of [['--help'], ['catalog', 'build', '--help'], ['catalog', 'add', '--help'], ['catalog', 'remove', '--help'], ['catalog', 'list', '--help'], ['catalog', 'info', '--help'], ['scan', '--help'], ['identify', '--help'], ['dedupe', '--help'], ['catalog', '--help'], ['help', 'identify']]) {
      const r = await cli(...argv)
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/Example|Usage/)
    }
  })
})
