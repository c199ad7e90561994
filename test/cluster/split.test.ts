/**
 * `peakmatch catalog split`: every track lands in the shard of its recording, with its metadata,
 * editions and quality, the catalog's settings are kept, and the shards together are the catalog.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Catalog } from '../../src/index.js'
import { loadCatalog, saveCatalog } from '../../packages/node/src/scan.js'
import { shardOf } from '../../src/sharded.js'
import { ClusterNames } from '../../packages/node/src/cluster/names.js'
import { ClusterStore } from '../../packages/node/src/cluster/store.js'
import { Processes, startNats } from '../../scripts/local-cluster.js'
import { cli } from '../node/support.js'
import { HAVE_NATS, makeWorld, tempDir } from './support.js'

const processes = new Processes()
afterAll(() => processes.stopAll())

const dir = tempDir('split')
let source: Catalog
const pmx = join(dir, 'catalog.pmx')

beforeAll(() => {
  // Settings a split must keep: a triplet index and a fanout other than the default.
  source = makeWorld(9, 7100, { indexFanout: 4, tripletIndex: true }).catalog
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

describe.skipIf(!HAVE_NATS)('peakmatch catalog split --publish', () => {
  it('uploads each shard as its snapshot, the track → shard registry and the shard count', async () => {
    const [node] = await startNats(processes, tempDir('split-nats'), 1)
    const r = await cli('catalog', 'split', pmx, '--shards', '2', '-o', join(dir, 'published'), '--publish', '--nats', node!.url, '--name', 'splittest')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/published shard 1\/2 to peakmatch-splittest-snapshots/)
    const nc = await connect({ servers: node!.url })
    try {
      const store = await ClusterStore.open(nc, new ClusterNames('splittest'), { create: false })
      expect(await store.meta()).toMatchObject({ shards: 2, settings: { indexFanout: 4, tripletIndex: true } })
      for (let k = 0; k < 2; k++) {
        const shard = loadCatalog(join(dir, 'published', `shard-${k}-of-2.pmx`))
        expect(await store.snapshotInfo(k, 2)).toMatchObject({ tracks: shard.size, seq: 0 })
        const loaded = (await store.loadSnapshot(k, 2))!
        expect(loaded.catalog.ids()).toEqual(shard.ids())
      }
      for (const id of source.ids()) expect(await store.track(id)).toEqual({ shard: shardOf(source.track(id)!.recordingId, 2), recordingId: source.track(id)!.recordingId })
    } finally {
      await nc.close()
    }
  })

  it('says why when NATS cannot be reached, after writing the files (exit 4)', async () => {
    const r = await cli('catalog', 'split', pmx, '--shards', '2', '-o', join(dir, 'unpublished'), '--publish', '--nats', 'nats://127.0.0.1:1')
    expect(r.code).toBe(4)
    expect(r.err).toMatch(/the shard files are written, but publishing to nats:\/\/127.0.0.1:1 failed: cannot connect/)
    expect(readdirSync(join(dir, 'unpublished'))).toHaveLength(2)
  })
})
