/**
 * A catalog split into 3 shard processes on a real nats-server, queried through the gateway's
 * backend (ClusterBackend, in this process), answers as one Catalog of the same tracks: match,
 * identify and a scan's decision. Then every replica of one shard is killed: answers come back
 * marked with the missing shard, a decision refuses them (PARTIAL), and no query the whole
 * catalog leaves unmatched or matches elsewhere comes back "matched" to a wrong recording.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fingerprint, type Fingerprint } from '../../src/index.js'
import { decide, type Reading } from '../../packages/node/src/decide.js'
import { saveCatalog } from '../../packages/node/src/scan.js'
import { ClusterBackend } from '../../packages/node/src/cluster/cluster-backend.js'
import { splitCatalog } from '../../packages/node/src/cluster/split.js'
import { shardOf } from '../../src/sharded.js'
import { PartialAnswerError } from '../../packages/node/src/service/backend.js'
import { pack } from 'msgpackr'
import { fingerprintToBytes } from '../../src/index.js'
import { freePort, Processes, startGateway, startNats, startShard, type NatsNode, type Started } from '../../scripts/local-cluster.js'
import { synthMusic } from '../support/synth.js'
import { HAVE_NATS, makeWorld, tempDir, type World } from './support.js'

const SHARDS = 3
const processes = new Processes()
const dir = tempDir('sharded')
let nats: NatsNode[]
let world: World
let backend: ClusterBackend
const shardProcesses: Started[] = []

beforeAll(async () => {
  if (!HAVE_NATS) return
  world = makeWorld(12, 7300)
  saveCatalog(world.catalog, join(dir, 'catalog.pmx'))
  nats = await startNats(processes, dir, 1)
  splitCatalog(join(dir, 'catalog.pmx'), SHARDS, join(dir, 'shards'))
  // Shards from their files (the first replica of a shard publishes the snapshot and the registry).
  shardProcesses.push(...await Promise.all(Array.from({ length: SHARDS }, (_, k) =>
    startShard(processes, { nats: nats[0]!.url, shard: k, shards: SHARDS, catalog: join(dir, 'shards', `shard-${k}-of-${SHARDS}.pmx`) }))))
  backend = await ClusterBackend.connect({ servers: nats[0]!.url, shardTimeoutMs: 1500 })
  await backend.whenReady()
  // The gateway process: serve's HTTP API over the same cluster
  port = await freePort()
  await startGateway(processes, { nats: nats[0]!.url, port, shardTimeoutMs: 1500 })
})

let port = 0
const post = async (path: string, body: Uint8Array, type = 'application/octet-stream') => {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': type }, body: body as unknown as BodyInit })
  return { status: res.status, json: await res.json() as any }
}

afterAll(async () => {
  await backend?.close()
  await processes.stopAll()
})

function reading(fp: Fingerprint): Reading {
  return { file: { path: '', size: 0 } as Reading['file'], fp, cached: false, info: { quality: { codec: 'mp3', bitrateKbps: 128 }, tags: {}, durationSeconds: fp.durationSeconds, sampleRate: 44100, channels: 2, format: 'mp3' } }
}

describe.skipIf(!HAVE_NATS)('a catalog in shards on NATS', () => {
  it('answers match, identify and decide as one catalog of the same tracks', async () => {
    expect(backend.shards).toBe(SHARDS)
    const info = await backend.info()
    expect(info).toMatchObject({ shards: SHARDS, missingShards: [], stats: { tracks: world.catalog.size } })
    expect(info.settings).toEqual(world.catalog.settings())
    const source = backend.decisionSource()
    let matched = 0
    for (const q of world.queries) {
      const m = await backend.match(q.fp, {})
      expect(m.missingShards).toEqual([])
      expect(m.value, q.name).toEqual(world.catalog.match(q.fp, {}))
      // Down to chance candidates: the same scores and confidences; candidates tied on score may
      // come in another order when they sit in different shards (ShardedCatalog breaks ties by
      // shard, then slot), so each run of tied candidates is compared as a set (a chance
      // candidate of an out-of-catalog query can tie with the first, too).
      const all = (await backend.match(q.fp, { limit: 5, minConfidence: 0 })).value
      const local = world.catalog.match(q.fp, { limit: 5, minConfidence: 0 })
      expect(all.map((x) => [x.score, x.confidence]), q.name).toEqual(local.map((x) => [x.score, x.confidence]))
      const tiedWithFirst = (list: typeof local) => list.filter((x) => x.score === list[0]!.score && x.confidence === list[0]!.confidence)
      // (Only when the run ends inside the 5: past it, the two may cut a longer run elsewhere.)
      if (local.length > 0 && (local.length < 5 || tiedWithFirst(local).length < local.length)) {
        const byTrack = (a: { trackId: string }, b: { trackId: string }) => a.trackId.localeCompare(b.trackId)
        expect(tiedWithFirst(all).sort(byTrack), q.name).toEqual(tiedWithFirst(local).sort(byTrack))
      }
      const id = await backend.identify(q.fp, { quality: { codec: 'mp3', bitrateKbps: 128 } })
      expect(id.value, q.name).toEqual(world.catalog.identify(q.fp, { quality: { codec: 'mp3', bitrateKbps: 128 } }))
      if (id.value.status === 'matched') matched++
      expect(await decide(source, reading(q.fp)), q.name).toEqual(await decide(world.catalog, reading(q.fp)))
    }
    // the comparison means something: most queries are found, the outside ones are not
    expect(matched).toBeGreaterThan(world.queries.length / 2)
    // and the gateway process answers the same over HTTP
    const q = world.queries[0]!
    expect(await post('/v1/match', fingerprintToBytes(q.fp))).toEqual({ status: 200, json: { schemaVersion: 1, matches: world.catalog.match(q.fp, {}) } })
    expect((await fetch(`http://127.0.0.1:${port}/v1/catalog`).then((r) => r.json()) as any)).toMatchObject({ shards: SHARDS, stats: { tracks: world.catalog.size } })
  })

  it('adds a track to the shard of its recording, and removes it', async () => {
    const fp = fingerprint(synthMusic(7391, 25))   // (7390 happens to share enough with rec8 to match it)
    await backend.add('late-addition', fp, { title: 'Late' }, 'rec-late')
    const k = shardOf('rec-late', SHARDS)
    expect(await backend.links[k]!.track('late-addition')).toMatchObject({ recordingId: 'rec-late', metadata: { title: 'Late' } })
    expect((await backend.match(fp, {})).value[0]).toMatchObject({ trackId: 'late-addition', recordingId: 'rec-late' })
    await expect(backend.add('late-addition', fp, undefined, undefined)).rejects.toMatchObject({ code: 'DUPLICATE_TRACK' })
    expect(await backend.remove('late-addition')).toBe(true)
    expect(await backend.remove('late-addition')).toBe(false)
    expect((await backend.match(fp, {})).value).toEqual([])
    expect(world.catalog.match(fp, {})).toEqual([])
  })

  it('with every replica of a shard gone: answers name the missing shard, decisions fail PARTIAL, no wrong "matched"', async () => {
    const gone = 1
    const full = await Promise.all(world.queries.map(async (q) => (await backend.identify(q.fp, {})).value))
    shardProcesses[gone]!.child.kill('SIGKILL')
    await shardProcesses[gone]!.exited
    const source = backend.decisionSource()
    let partial = 0
    for (const [i, q] of world.queries.entries()) {
      const id = await backend.identify(q.fp, {})
      expect(id.missingShards, q.name).toEqual([gone])
      partial++
      // What a partial answer calls matched is what the whole catalog calls matched.
      if (id.value.status === 'matched') expect({ name: q.name, recordingId: id.value.recordingId }).toEqual({ name: q.name, recordingId: full[i]!.recordingId })
      const m = await backend.match(q.fp, {})
      expect(m.missingShards).toEqual([gone])
      for (const x of m.value) expect(shardOf(x.recordingId, SHARDS)).not.toBe(gone)
      await expect(decide(source, reading(q.fp))).rejects.toBeInstanceOf(PartialAnswerError)
    }
    expect(partial).toBe(world.queries.length)
    expect((await backend.info()).missingShards).toEqual([gone])
    // over HTTP: a 200 marked partial; a scan's decision in a batch fails that item PARTIAL
    const q = world.queries[0]!
    const http = await post('/v1/identify', fingerprintToBytes(q.fp))
    expect(http.status).toBe(200)
    expect(http.json.partial).toEqual({ missingShards: [gone] })
    const batch = await post('/v1/batch', pack({ v: 1, items: [{ op: 'decide', fingerprint: fingerprintToBytes(q.fp), options: { durationSeconds: q.fp.durationSeconds } }] }), 'application/vnd.peakmatch.batch+msgpack')
    expect(batch.status).toBe(200)
    expect(batch.json.items[0]).toMatchObject({ ok: false, error: { code: 'PARTIAL' } })
    // No shard left: no answer at all (the service's 503 PARTIAL), not an empty one
    for (const p of shardProcesses) p.child.kill('SIGKILL')
    await Promise.all(shardProcesses.map((p) => p.exited))
    await expect(backend.match(world.queries[0]!.fp, {})).rejects.toMatchObject({ code: 'PARTIAL', missingShards: [0, 1, 2] })
    await expect(backend.identify(world.queries[0]!.fp, {})).rejects.toBeInstanceOf(PartialAnswerError)
  })
})
