/**
 * Faults under load on the local cluster (docs/cluster.md, "Faults"): the dev corpus's catalog
 * in 4 shards × 2 replicas on a 3-node NATS cluster, a gateway, and a bounded load of whole-file
 * identifies (and 10 s snippet matches) while, one after another:
 *
 *   1. kill -9 one replica of shard 1            → failed requests (target 0)
 *   2. kill -9 the other replica of shard 1      → answers marked partial (missing [1]) within the
 *                                                  deadline; never a wrong "matched"
 *   3. restart a replica of shard 1 (no file)    → it loads its snapshot from JetStream and rejoins
 *   4. kill -9 one NATS node of three            → the service goes on (failed requests counted)
 *
 *   tsx bench/cluster-faults.ts [--corpus /work/corpus] [--connections 4] [--phase-seconds 8]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, Processes, runSplit, startGateway, startNats, startShard, type Started } from '../scripts/local-cluster.js'
import { devCorpus, runLoad, summary, type LoadResult } from './cluster-support.js'

const argv = process.argv.slice(2)
const arg = (name: string, d: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : d }
const corpus = arg('--corpus', '/work/corpus')
const connections = Number(arg('--connections', '4'))
const phaseMs = Number(arg('--phase-seconds', '8')) * 1000
const SHARDS = 4, SHARD_TIMEOUT_MS = 2000

const dir = mkdtempSync(join(tmpdir(), 'peakmatch-faults-'))
const processes = new Processes()
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

try {
  const dev = devCorpus(corpus, join(dir, 'catalog.pmx'))
  mkdirSync(join(dir, 'logs'))
  console.log(`catalog: dev corpus, ${dev.tracks} tracks; queries: ${dev.wholes.length} whole files, ${dev.snippets.length} snippets of 10 s; ${connections} connections`)
  // Other work on the machine skews every number here: say how busy it was.
  console.log(`load average at start: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(', ')}`)
  const nodes = await startNats(processes, dir, 3)
  const urls = nodes.map((n) => n.url).join(',')
  const split = await runSplit(processes, [dev.catalogPath, '--shards', String(SHARDS), '-o', join(dir, 'shards'), '--publish', '--nats', urls, '--js-replicas', '3'])
  console.log(`shards: ${[...split.matchAll(/: (\d+) tracks \(/g)].map((m) => m[1]).join(' / ')} tracks`)
  const replicas: Started[][] = []
  for (let k = 0; k < SHARDS; k++) replicas.push([])
  await Promise.all(Array.from({ length: SHARDS }, async (_, k) => {
    replicas[k]!.push(await startShard(processes, { nats: urls, shard: k, shards: SHARDS, replica: 'a', jsReplicas: 3, catalog: join(dir, 'shards', `shard-${k}-of-${SHARDS}.pmx`) }))
    replicas[k]!.push(await startShard(processes, { nats: urls, shard: k, shards: SHARDS, replica: 'b', jsReplicas: 3 }))
  }))
  const port = await freePort()
  const gateway = await startGateway(processes, { nats: urls, port, shardTimeoutMs: SHARD_TIMEOUT_MS })
  let seen = 0
  /** The gateway's lines about shards asked again or given up since the last phase. */
  const gatewayEvents = () => {
    const lines = gateway.output().split('\n')
    const fresh = lines.slice(seen).filter((l) => /asked again/.test(l))
    seen = lines.length - 1   // the last element is the line not yet ended
    return fresh.length ? fresh.map((l) => `  gateway log: ${l.replace(/^.*gateway: /, '')}`).join('\n') : '  gateway log: no retries, no shard given up'
  }
  const base = `http://127.0.0.1:${port}`
  console.log(`cluster up: 3 NATS nodes, ${SHARDS} shards × 2 replicas, gateway ${base} (shard timeout ${SHARD_TIMEOUT_MS} ms)`)

  const phase = async (name: string, fault: () => Promise<string>, kind: 'identify' | 'match' = 'identify'): Promise<LoadResult> => {
    let end!: () => void
    const until = new Promise<void>((r) => { end = r })
    const load = runLoad(base, kind, kind === 'identify' ? dev.wholes : dev.snippets, connections, until)
    await sleep(phaseMs / 4)
    const what = await fault()
    await sleep((phaseMs * 3) / 4)
    end()
    const r = await load
    const worst = Math.max(...r.latenciesMs)
    console.log(`\n## ${name}\n${what}\n${kind}: ${summary(r)}; slowest ${worst.toFixed(0)} ms\n${gatewayEvents()}`)
    return r
  }

  await phase('baseline (no fault)', async () => 'nothing killed')
  await phase('kill -9 one replica of shard 1', async () => {
    replicas[1]![0]!.child.kill('SIGKILL')
    return `killed shard 1 replica a (pid ${replicas[1]![0]!.child.pid})`
  })
  await phase('kill -9 every replica of shard 1', async () => {
    replicas[1]![1]!.child.kill('SIGKILL')
    return `killed shard 1 replica b (pid ${replicas[1]![1]!.child.pid}): shard 1 has no replica`
  })
  await phase('restart shard 1 from JetStream', async () => {
    const t0 = performance.now()
    const p = await startShard(processes, { nats: urls, shard: 1, shards: SHARDS, replica: 'c' })
    const ready = /ready .*: (\d+) tracks from (snapshot [^,]+)/.exec(p.output())
    return `replica c of shard 1 started without --catalog: ready in ${((performance.now() - t0) / 1000).toFixed(1)} s with ${ready?.[1]} tracks from ${ready?.[2]} (answers before it was up are partial)`
  })
  await phase('kill -9 one NATS node of three', async () => {
    nodes[0]!.process.child.kill('SIGKILL')
    return `killed NATS node ${nodes[0]!.name} (pid ${nodes[0]!.process.child.pid}); clients reconnect to the other two`
  })
  await phase('snippet matches with one NATS node down', async () => 'no new fault', 'match')
} finally {
  console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(', ')}`)
  await processes.stopAll()
  rmSync(dir, { recursive: true, force: true })
}
