import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CliError } from '../../packages/node/src/errors.js'
import { loadEditions } from '../../packages/node/src/scan.js'

/** editions.json quality goes through the catalog's own checkQuality: what loads here builds, loads and identifies. */
describe('loadEditions: quality is checked as Catalog.add and fromBytes check it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pm-editions-'))
  const load = (quality: unknown) => {
    const path = join(dir, 'editions.json')
    writeFileSync(path, JSON.stringify({ files: { 'a.flac': { recordingId: 'r', quality } } }))
    return loadEditions(path)
  }

  it.each([
    ['{"codec": 5}', { codec: 5 }],
    ['[]', []],
    ['a negative bitrate', { bitrateKbps: -320 }],
    ['lossless as a string', { lossless: 'yes' }],
    ['a misspelt field', { codec: 'mp3', bitrate: 320 }],
  ])('%s is a usage error (exit 2) that names the file and field', (_, quality) => {
    let caught: unknown
    try { load(quality) } catch (e) { caught = e }
    expect(caught).toBeInstanceOf(CliError)
    expect((caught as CliError).exitCode).toBe(2)
    expect((caught as CliError).message).toMatch(/"a\.flac"\.quality/)
  })

  it('a good quality is kept, as a checked copy', () => {
    const entry = [...load({ codec: 'flac', bitDepth: 24, sampleRate: 96000 }).values()][0]
    expect(entry?.quality).toEqual({ codec: 'flac', bitDepth: 24, sampleRate: 96000 })
  })
})
