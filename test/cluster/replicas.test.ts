/**
 * Shard replicas on a real nats-server: a replica started without --catalog loads its shard's
 * snapshot from JetStream and answers; adds and removes reach every replica of the owning shard
 * through its update log (and a replica started later replays them); a replica killed with
 * SIGKILL loses no request, because the link asks again within the deadline and NATS gives the
 * retry to the replica that is alive.
 */
import { join } from 'node:path'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprint } from '../../src/index.js'
import { saveCatalog } from '../../packages/node/src/scan.js'
import { ClusterNames } from '../../packages/node/src/cluster/names.js'
import { NatsShardLink } from '../../packages/node/src/cluster/shard-link.js'
import { ClusterStore } from '../../packages/node/src/cluster/store.js'
import { publishSplit, splitCatalog } from '../../packages/node/src/cluster/split.js'
import { addUpdate, removeUpdate } from '../../packages/node/src/cluster/updates.js'
import { shardOf } from '../../src/sharded.js'
import { Processes, startNats, startShard, type NatsNode, type Started } from '../../scripts/local-cluster.js'
import { synthMusic } from '../support/synth.js'
import { HAVE_NATS, makeWorld, tempDir, type World } from './support.js'

const processes = new Processes()
const dir = tempDir('replicas')
let nats: NatsNode[]
let nc: NatsConnection
let world: World
const names = new ClusterNames('replicas')
const SHARDS = 2

beforeAll(async () => {
  if (!HAVE_NATS) return
  world = makeWorld(8, 7200)
  saveCatalog(world.catalog, join(dir, 'catalog.pmx'))
  nats = await startNats(processes, dir, 1)
  nc = await connect({ servers: nats[0]!.url })
  // catalog split --publish, in this process (test/cluster/split.test.ts runs the command)
  await publishSplit(await ClusterStore.open(nc, names), splitCatalog(join(dir, 'catalog.pmx'), SHARDS, join(dir, 'shards')))
})

afterAll(async () => {
  await nc?.close()
  await processes.stopAll()
})

describe.skipIf(!HAVE_NATS)('shard replicas on NATS', () => {
  let a: Started, b: Started
  const link = (k: number, timeoutMs = 4000) => new NatsShardLink(nc, names, k, SHARDS, timeoutMs)
  const inShard0 = () => world.catalog.ids().filter((id) => shardOf(world.catalog.track(id)!.recordingId, SHARDS) === 0)
  let removed = ''

  it('a replica started without --catalog loads its snapshot from JetStream and answers', async () => {
    const url = nats[0]!.url
    ;[a, b] = await Promise.all([
      // No snapshot rewrite during the test (a replica started later must replay the log)
      startShard(processes, { nats: url, shard: 0, shards: SHARDS, name: names.catalog, replica: 'a', snapshotDelayMs: 600_000 }),
      startShard(processes, { nats: url, shard: 0, shards: SHARDS, name: names.catalog, replica: 'b', snapshotDelayMs: 600_000 }),
    ])
    expect(a.output()).toMatch(/from snapshot peakmatch-replicas-snapshots\/shard-0-of-2/)
    const ids = inShard0()
    expect(ids.length).toBeGreaterThan(1)
    removed = ids[0]!
    const status = await link(0).status()
    expect(status.stats.tracks).toBe(ids.length)
    for (const id of ids) expect(await link(0).track(id)).toEqual(world.catalog.track(id))
    const rec = world.catalog.track(ids[0]!)!.recordingId
    expect(await link(0).editions(rec)).toEqual(world.catalog.editions(rec))
    expect(await link(0).track('no such track')).toBeUndefined()
  })

  it('adds and removes reach every replica of the owning shard; a replica started later replays them, and SIGTERM drains it without losing a request', async () => {
    const store = await ClusterStore.open(nc, names)
    // a recording that belongs to shard 0
    let rec = 'new-0'
    for (let i = 1; shardOf(rec, SHARDS) !== 0; i++) rec = `new-${i}`
    const fp = fingerprint(synthMusic(7299, 20))
    const seq = await store.publishUpdate(0, SHARDS, addUpdate('added', rec, fp, { title: 'Added' }))
    // Both replicas apply it: ask until each one has said so (the queue group picks one replica per request).
    const applied = new Set<number>()
    for (let i = 0; i < 400 && applied.size < 2; i++) {
      const s = await link(0).status()
      if (s.seq >= seq) applied.add(s.pid)
      else await new Promise((r) => setTimeout(r, 10))
    }
    expect(applied.size).toBe(2)
    expect(await link(0).track('added')).toMatchObject({ id: 'added', recordingId: rec, metadata: { title: 'Added' } })
    const removeSeq = await store.publishUpdate(0, SHARDS, removeUpdate(removed))
    const late = await startShard(processes, { nats: nats[0]!.url, shard: 0, shards: SHARDS, name: names.catalog, replica: 'c' })
    expect(late.output()).toMatch(/update \d+: added added/)
    expect(late.output()).toMatch(new RegExp(`update ${removeSeq}: removed ${removed}`))
    // SIGTERM under load: it drains (what NATS gave it is answered: nothing to ask again) and,
    // being ahead of the store's snapshot, writes it; then exits 0
    const l = link(0, 4000)
    const ids = inShard0().filter((id) => id !== removed)
    let stopped = false, failed = 0, answered = 0
    const load = Promise.all(Array.from({ length: 6 }, async (_, c) => {
      for (let i = c; !stopped; i += 6) {
        try { if (await l.track(ids[i % ids.length]!)) answered++; else failed++ } catch { failed++ }
      }
    }))
    await new Promise((r) => setTimeout(r, 200))
    late.child.kill('SIGTERM')
    expect(await late.exited, late.output()).toBe(0)
    stopped = true
    await load
    expect({ failed, retries: l.counters.retries }).toEqual({ failed: 0, retries: 0 })
    expect(answered).toBeGreaterThan(0)
    expect(late.output()).toMatch(/SIGTERM: draining/)
    expect(late.output()).toMatch(new RegExp(`snapshot written at update ${removeSeq}`))
    expect(await store.snapshotInfo(0, SHARDS)).toMatchObject({ seq: removeSeq })
  })

  it('kill -9 of one replica of two: every request is answered (the lost ones asked again)', async () => {
    const l = link(0, 3000)
    const ids = inShard0().filter((id) => id !== removed)
    let answered = 0, failed = 0
    const load = (async () => {
      for (let i = 0; i < 300; i++) {
        const batch = await Promise.allSettled(Array.from({ length: 8 }, (_, j) => l.track(ids[(i + j) % ids.length]!)))
        for (const r of batch) if (r.status === 'fulfilled' && r.value) answered++; else failed++
      }
    })()
    await new Promise((r) => setTimeout(r, 300))
    // Frozen first, then killed: the requests NATS gave it meanwhile are surely lost with it.
    a.child.kill('SIGSTOP')
    await new Promise((r) => setTimeout(r, 300))
    a.child.kill('SIGKILL')
    await load
    expect(failed).toBe(0)
    expect(answered).toBe(2400)
    expect(l.counters.retries).toBeGreaterThan(0)
    expect(l.counters.failures).toBe(0)
  })
})
