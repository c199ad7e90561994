// The built packages as a user gets them: `import` and `require` by name, through the exports
// maps, and the `peakmatch` bin. Run after `npm run build`: node test/package-smoke.mjs
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import assert from 'node:assert/strict'
import * as esm from 'peakmatch'
import * as esmWorker from 'peakmatch/worker'
import * as esmSharded from 'peakmatch/sharded'
import * as esmNode from 'peakmatch-node'

const require = createRequire(import.meta.url)
const cjs = { core: require('peakmatch'), worker: require('peakmatch/worker'), sharded: require('peakmatch/sharded'), node: require('peakmatch-node') }
const dir = mkdtempSync(join(tmpdir(), 'peakmatch-smoke-'))
const fixture = (name) => new URL(`./fixtures/${name}`, import.meta.url).pathname

/** A WorkerLike whose worker answers every request with a PeakmatchError. */
function failingWorker() {
  const listeners = []
  return {
    addEventListener: (type, listener) => { if (type === 'message') listeners.push(listener) },
    postMessage: (message) => queueMicrotask(() => {
      for (const l of listeners) l({ data: { type: 'error', id: message.id, error: { name: 'PeakmatchError', message: 'test', code: 'INVALID_AUDIO' } } })
    }),
    terminate: () => {},
  }
}

for (const [kind, lib, worker, node, sharded] of [['import', esm, esmWorker, esmNode, esmSharded], ['require', cjs.core, cjs.worker, cjs.node, cjs.sharded]]) {
  const tone = new Float32Array(44100 * 12)
  for (let i = 0; i < tone.length; i++) tone[i] = Math.sin(i * 0.05) * Math.sin(i * 0.0002) + 0.3 * Math.sin(i * 0.173)
  const fp = lib.fingerprint({ sampleRate: 44100, channels: [tone] })
  assert.ok(fp.hashes.length > 0, `${kind}: no hashes`)
  const catalog = new lib.Catalog()
  catalog.add('tone', fp)
  const again = lib.Catalog.fromBytes(catalog.toBytes())
  assert.equal(again.size, 1, `${kind}: round trip`)
  assert.throws(() => lib.fingerprint({ sampleRate: 0, channels: [tone] }), (e) => e instanceof lib.PeakmatchError && e.code === 'INVALID_SAMPLE_RATE')

  // peakmatch/worker and peakmatch-node use the core's classes, not copies of them.
  await assert.rejects(new worker.FingerprintWorker(failingWorker()).fingerprint({ sampleRate: 8000, channels: [new Float32Array(8000)] }),
    (e) => e instanceof lib.PeakmatchError && e.code === 'INVALID_AUDIO', `${kind}: peakmatch/worker's PeakmatchError is peakmatch's`)
  // peakmatch/sharded: one shard, linked in-process, answers as the catalog; its errors are peakmatch's.
  const one = { passes: async (f, r) => sharded.shardPasses(catalog, f, r), align: async (f, r) => sharded.shardAlign(catalog, f, r), track: async (id) => catalog.track(id), editions: async (r) => catalog.editions(r), stats: async () => catalog.stats() }
  const viaShard = await new sharded.ShardedCatalog([one]).match(fp)
  assert.deepEqual(viaShard.matches, catalog.match(fp), `${kind}: peakmatch/sharded`)
  assert.throws(() => sharded.shardOf('x', 0), (e) => e instanceof lib.PeakmatchError, `${kind}: peakmatch/sharded's PeakmatchError is peakmatch's`)
  const pmx = join(dir, `${kind}.pmx`)
  node.saveCatalog(catalog, pmx)
  assert.ok(node.loadCatalog(pmx) instanceof lib.Catalog, `${kind}: peakmatch-node's Catalog is peakmatch's`)
  const { fp: fromFile } = await node.readAudioFile(fixture('song-c.flac'))
  assert.ok(fromFile.hashes.length > 0, `${kind}: readAudioFile`)
  console.log(`${kind}: ok (${fp.hashes.length} hashes; ${fromFile.hashes.length} from song-c.flac)`)
}

// The bin, with a decoding thread: WorkerPool's default worker script is dist/scan-worker.js.
const bin = (...args) => spawnSync(process.execPath, [new URL('../packages/node/dist/cli.js', import.meta.url).pathname, ...args], { encoding: 'utf8' })
const pmx = join(dir, 'bin.pmx')
const build = bin('catalog', 'build', fixture('song-c.flac'), '-o', pmx, '--jobs', '1')
assert.equal(build.status, 0, `peakmatch catalog build: ${build.stderr}`)
const scan = bin('scan', fixture('song-c.flac'), fixture('song-a.mp3'), '--catalog', pmx, '--jobs', '1', '--no-cache', '--json')
assert.equal(scan.status, 0, `peakmatch scan: ${scan.stderr}`)
const statuses = JSON.parse(scan.stdout).files.map((f) => f.status)
assert.deepEqual(statuses, ['matched', 'unmatched'], `peakmatch scan --json: ${statuses}`)
console.log(`bin: ok (catalog build and scan --jobs 1: ${statuses.join(', ')})`)
rmSync(dir, { recursive: true, force: true })
