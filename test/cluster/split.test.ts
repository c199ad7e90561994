/**
 * `peakmatch catalog split`: every track lands in the shard of its recording, with its metadata,
 * editions and quality, the catalog's settings are kept, and the shards together are the catalog.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { Catalog } from '../../src/index.js'
import { loadCatalog, saveCatalog } from '../../packages/node/src/scan.js'
import { shardOf } from '../../src/sharded.js'
import { cli } from '../node/support.js'
import { makeWorld, tempDir } from './support.js'

const dir = tempDir('split')
let source: Catalog
const pmx = join(dir, 'catalog.pmx')

beforeAll(() => {
  // Settings a split must keep: a triplet index and a fanout other than the default.
  source = makeWorld(9, 7100, { indexFanout: 3, tripletIndex: true }).catalog
  saveCatalog(source, pmx)
})

describe('peakmatch catalog split', () => {
  it('writes shard-K-of-N.pmx by recording, keeping metadata, editions, quality and settings', async () => {
    const out = join(dir, 'shards')
    const r = await cli('catalog', 'split', pmx, '--shards', '3', '-o', out, '--json')
    expect(r.code, r.err).toBe(0)
    const report = r.json()
    expect(report.tracks).toBe(source.size)
    expect(readdirSync(out).sort()).toEqual(['shard-0-of-3.pmx', 'shard-1-of-3.pmx', 'shard-2-of-3.pmx'])
    const seen = new Set<string>()
    for (let k = 0; k < 3; k++) {
      const shard = loadCatalog(join(out, `shard-${k}-of-3.pmx`))
      expect(shard.settings()).toEqual(source.settings())
      expect(report.shards[k]).toMatchObject({ shard: k, tracks: shard.size })
      for (const id of shard.ids()) {
        const t = shard.track(id)!
        expect(t).toEqual(source.track(id))
        expect(shardOf(t.recordingId, 3)).toBe(k)
        // every edition of the recording is in this shard
        expect(shard.editions(t.recordingId)).toEqual(source.editions(t.recordingId))
        seen.add(id)
      }
    }
    expect([...seen].sort()).toEqual(source.ids().sort())
  })

  it('refuses bad arguments with exit 2 and a reason', async () => {
    expect((await cli('catalog', 'split', pmx, '-o', join(dir, 'x'))).err).toMatch(/--shards N is required/)
    expect((await cli('catalog', 'split', pmx, '--shards', '0', '-o', join(dir, 'x'))).code).toBe(2)
    expect((await cli('catalog', 'split', pmx, '--shards', '2', '-o', join(dir, 'x'), '--publish')).err).toMatch(/--publish needs --nats/)
    expect((await cli('catalog', 'split', join(dir, 'missing.pmx'), '--shards', '2', '-o', join(dir, 'x'))).code).toBe(3)
  })
})
