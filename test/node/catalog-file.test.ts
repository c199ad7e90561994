import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Catalog } from '../../src/index.js'
import { writeFileAtomic } from '../../packages/node/src/atomic.js'
import { CliError } from '../../packages/node/src/errors.js'
import { loadCatalog, saveCatalog } from '../../packages/node/src/scan.js'
import { excerptPrint, makeTracks, type Track } from '../support/corpus.js'
import { join as joinBytes, legacyOf } from '../support/forge.js'

/** saveCatalog / loadCatalog: sections written one by one to the atomic temp file, the file read back in pieces. */
let dir: string
let tracks: Track[]
let catalog: Catalog
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peakmatch-catalog-file-'))
  tracks = makeTracks([{ seed: 81, seconds: 20 }, { seed: 82, seconds: 15 }], 22050)
  catalog = new Catalog()
  for (const t of tracks) catalog.add(t.id, t.fp, { seed: t.seed })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function exitOf(fn: () => unknown): CliError {
  try { fn() } catch (e) { if (e instanceof CliError) return e; throw e }
  throw new Error('expected a CliError')
}

describe('catalog files', () => {
  it('saveCatalog writes the bytes of toBytes, returns their count, and leaves no temp file; loadCatalog reads them back', () => {
    const path = join(dir, 'a.pmx')
    const n = saveCatalog(catalog, path)
    const bytes = catalog.toBytes()
    expect(n).toBe(bytes.length)
    expect(readFileSync(path).equals(Buffer.from(bytes))).toBe(true)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    const loaded = loadCatalog(path)
    expect(loaded.ids()).toEqual(catalog.ids())
    expect(loaded.match(excerptPrint(tracks[1]!, 2))[0]?.trackId).toBe(tracks[1]!.id)
  })

  it('writeFileAtomic takes pieces: a catalog in 64-byte sections loads the same', () => {
    const path = join(dir, 'tiny.pmx')
    const n = writeFileAtomic(path, catalog.toChunks({ sectionBytes: 64 }))
    expect(n).toBe(readFileSync(path).length)
    expect(loadCatalog(path).toBytes()).toEqual(catalog.toBytes())
  })

  it('a piece that throws while writing leaves no temp file and the old file intact', () => {
    const path = join(dir, 'kept.pmx')
    saveCatalog(catalog, path)
    const before = readFileSync(path)
    function* failing(): Generator<Uint8Array> { yield new Uint8Array(100); throw new Error('disk on fire') }
    expect(() => writeFileAtomic(path, failing())).toThrow(/disk on fire/)
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })

  it('a truncated, damaged, or grown file: exit 3, not a usable catalog (CORRUPT_INDEX)', () => {
    const good = catalog.toBytes()
    for (const [name, b] of [['cut', good.subarray(0, good.length - 7)], ['flipped', good.map((v, i) => i === 200 ? v ^ 4 : v)], ['grown', joinBytes([good, new Uint8Array(3)])], ['empty', new Uint8Array(0)]] as const) {
      const path = join(dir, `${name}.pmx`)
      writeFileSync(path, b)
      const e = exitOf(() => loadCatalog(path))
      expect(e.exitCode).toBe(3)
      expect(e.message).toMatch(/is not a usable catalog \(CORRUPT_INDEX\)/)
    }
  })

  it('a missing file or a directory: exit 3, cannot read catalog', () => {
    for (const path of [join(dir, 'missing.pmx'), dir]) {
      const e = exitOf(() => loadCatalog(path))
      expect(e.exitCode).toBe(3)
      expect(e.message).toMatch(/cannot read catalog/)
    }
  })

  it('a version 2 file (no longer read) or a newer version is exit 3 with UNSUPPORTED_VERSION and how to rebuild', () => {
    const v2 = join(dir, 'v2.pmx')
    writeFileSync(v2, legacyOf(catalog.toBytes(), 2))
    const old = exitOf(() => loadCatalog(v2))
    expect(old.exitCode).toBe(3)
    expect(old.message).toMatch(/UNSUPPORTED_VERSION.*rebuild the catalog with this version: peakmatch catalog build/)
    const v9 = catalog.toBytes()
    new DataView(v9.buffer).setUint32(8, 9, true)
    writeFileSync(join(dir, 'v9.pmx'), v9)
    const e = exitOf(() => loadCatalog(join(dir, 'v9.pmx')))
    expect(e.exitCode).toBe(3)
    expect(e.message).toMatch(/UNSUPPORTED_VERSION.*rebuild the catalog with this version: peakmatch catalog build/)
  })

  it('a file fed 1 byte at a time, its size announced, loads the same', () => {
    const bytes = catalog.toBytes()
    const pieces = Array.from(bytes, (v) => Uint8Array.of(v))
    expect(Catalog.fromChunks(pieces, { totalBytes: bytes.length }).toBytes()).toEqual(bytes)
  })
})
