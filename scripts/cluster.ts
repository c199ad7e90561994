/**
 * A local cluster on loopback (docs/cluster.md), run by scripts/cluster.sh:
 *
 *   scripts/cluster.sh start CATALOG.pmx   3 NATS nodes with JetStream, the catalog split into 4
 *                                          shards × 2 replicas, one gateway on :8080
 *   scripts/cluster.sh status              what runs, with pids and ports
 *   scripts/cluster.sh stop                SIGTERM to all (shards drain), SIGKILL after 10 s
 *
 * Environment: PEAKMATCH_CLUSTER_DIR (state, logs, JetStream stores; default
 * $TMPDIR/peakmatch-cluster), PEAKMATCH_NATS_PORT (first client port, default 4222; routes from
 * 6222), PEAKMATCH_GATEWAY_PORT (default 8080), SHARDS (4), REPLICAS (2), GATEWAY=0 (no gateway).
 *
 * Replica a of each shard starts from its shard file (publishing the snapshot), replica b from
 * the object store only, as a new machine would. Processes are detached and log to files; their
 * pids are kept in state.json, and stop ends exactly those.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { Processes, runSplit, startGateway, startNats, startShard } from './local-cluster.js'

interface State { dir: string; started: string; processes: { name: string; pid: number; log?: string }[]; nats: string[]; gateway: string }

const dir = resolve(process.env.PEAKMATCH_CLUSTER_DIR ?? join(tmpdir(), 'peakmatch-cluster'))
const statePath = join(dir, 'state.json')
const [command, catalog] = process.argv.slice(2)

const alive = (pid: number) => { try { process.kill(pid, 0); return true } catch { return false } }
const readState = (): State | undefined => existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) as State : undefined

async function start(): Promise<void> {
  if (!catalog) throw new Error('usage: scripts/cluster.sh start CATALOG.pmx')
  const old = readState()
  if (old?.processes.some((p) => alive(p.pid))) throw new Error(`a cluster is running from ${dir} (scripts/cluster.sh stop first)`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'logs'), { recursive: true })
  const natsPort = Number(process.env.PEAKMATCH_NATS_PORT ?? 4222)
  const port = Number(process.env.PEAKMATCH_GATEWAY_PORT ?? 8080)
  const shards = Number(process.env.SHARDS ?? 4), replicas = Number(process.env.REPLICAS ?? 2)
  const processes = new Processes()
  const state: State = { dir, started: new Date().toISOString(), processes: [], nats: [], gateway: `http://127.0.0.1:${port}` }
  const save = () => { state.processes = [...processes.all].map((p) => ({ name: p.name, pid: p.child.pid! })); writeFileSync(statePath, JSON.stringify(state, null, 2)) }
  try {
    const nodes = await startNats(processes, dir, 3, { client: [0, 1, 2].map((i) => natsPort + i), cluster: [0, 1, 2].map((i) => natsPort + 2000 + i) }, true)
    state.nats = nodes.map((n) => n.url)
    save()
    const urls = state.nats.join(',')
    console.log(`NATS: ${urls} (JetStream, 3 nodes)`)
    await runSplit(processes, [resolve(catalog), '--shards', String(shards), '-o', join(dir, 'shards'), '--publish', '--nats', urls, '--js-replicas', '3'])
    console.log(`split ${catalog} into ${shards} shards, published to JetStream (3 replicas)`)
    for (let r = 0; r < replicas; r++) {
      await Promise.all(Array.from({ length: shards }, async (_, k) => {
        const name = String.fromCharCode(97 + r)
        await startShard(processes, {
          nats: urls, shard: k, shards, replica: name, jsReplicas: 3,
          ...(r === 0 ? { catalog: join(dir, 'shards', `shard-${k}-of-${shards}.pmx`) } : {}),
          detached: { logFile: join(dir, 'logs', `shard-${k}${name}.log`) },
        })
        save()
      }))
      console.log(`replica ${String.fromCharCode(97 + r)} of each shard ready${r === 0 ? ' (from the shard files)' : ' (from the JetStream snapshots)'}`)
    }
    if (process.env.GATEWAY !== '0') {
      await startGateway(processes, { nats: urls, port, detached: { logFile: join(dir, 'logs', 'gateway.log') } })
      save()
      console.log(`gateway: ${state.gateway}`)
    }
    console.log(`logs in ${join(dir, 'logs')}; scripts/cluster.sh stop ends it all`)
  } catch (e) {
    save()
    console.error(`start failed, stopping what started: ${e instanceof Error ? e.message : String(e)}`)
    await processes.stopAll()
    process.exitCode = 1
    return
  }
  // Leave them running: this script's exit must not take them along.
  for (const p of processes.all) p.child.unref()
}

async function stop(): Promise<void> {
  const state = readState()
  if (!state) { console.log(`no cluster state in ${dir}`); return }
  // Gateway first (no new queries), then shards (they drain), NATS last.
  const order = [...state.processes].sort((a, b) => rank(a.name) - rank(b.name))
  for (const group of [0, 1, 2]) {
    const procs = order.filter((p) => rank(p.name) === group && alive(p.pid))
    for (const p of procs) process.kill(p.pid, 'SIGTERM')
    const until = Date.now() + 10_000
    while (procs.some((p) => alive(p.pid)) && Date.now() < until) await new Promise((r) => setTimeout(r, 100))
    for (const p of procs) if (alive(p.pid)) { console.log(`${p.name} (pid ${p.pid}) did not stop in 10 s: SIGKILL`); process.kill(p.pid, 'SIGKILL') }
  }
  rmSync(dir, { recursive: true, force: true })
  console.log(`stopped ${state.processes.length} processes; removed ${dir}`)
}

function rank(name: string): number { return name === 'gateway' ? 0 : name.startsWith('shard') ? 1 : 2 }

function status(): void {
  const state = readState()
  if (!state) { console.log(`no cluster state in ${dir}`); return }
  for (const p of state.processes) console.log(`${alive(p.pid) ? 'up  ' : 'DOWN'}  ${String(p.pid).padStart(7)}  ${p.name}`)
  console.log(`NATS ${state.nats.join(',')}; gateway ${state.gateway}`)
}

// `scripts/cluster.sh status | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e })

if (command === 'start') await start()
else if (command === 'stop') await stop()
else if (command === 'status') status()
else { console.error('usage: scripts/cluster.sh start CATALOG.pmx | status | stop'); process.exitCode = 2 }
