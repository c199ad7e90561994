/**
 * Starting a cluster on loopback: nats-server nodes clustered with JetStream (each its own store
 * folder), shard replicas and a gateway as child processes. scripts/cluster.sh runs the full
 * layout (3 NATS nodes, 4 shards × 2 replicas, one gateway); test/cluster/ and bench/cluster-*.ts
 * start smaller and larger versions of it with the same functions.
 *
 * Every process started here is in `Processes`, whose stopAll() ends them (SIGTERM, then SIGKILL
 * for one that has not exited in time): tests call it in afterAll, whatever happened before.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server'
const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** A peakmatch `serve --nats …` process from the TypeScript source. */
const SERVE = [process.execPath, '--import', 'tsx', join(ROOT, 'packages', 'node', 'src', 'bin.ts'), 'serve']

export function natsServerAvailable(): boolean { return existsSync(NATS_SERVER) }

/** A port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const port = (s.address() as { port: number }).port; s.close(() => resolve(port)) })
  })
}

export interface Started {
  name: string
  child: ChildProcess
  /** What the process wrote, for the failure message of a test. */
  output: () => string
  /** Resolves with the exit code (or signal) when it exits. */
  exited: Promise<number | string>
}

/** The processes started, so that they are all ended, even when a test fails half-way. */
export class Processes {
  readonly all = new Set<Started>()

  /**
   * Starts a process. Its output is kept in memory, or with `logFile` written there (a process
   * that outlives this one, as scripts/cluster.sh's do, must not write to a pipe nobody reads).
   */
  start(name: string, command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; detached?: boolean; logFile?: string } = {}): Started {
    const fd = options.logFile ? openSync(options.logFile, 'a') : undefined
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: fd !== undefined ? ['ignore', fd, fd] : ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false })
    if (fd !== undefined) closeSync(fd)
    let text = ''
    const keep = (d: Buffer) => { text += d.toString(); if (text.length > 200_000) text = text.slice(-100_000) }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)))
    const output = options.logFile ? () => { try { return readFileSync(options.logFile!, 'utf8') } catch { return '' } } : () => text
    const p: Started = { name, child, output, exited }
    this.all.add(p)
    void exited.then(() => this.all.delete(p))
    return p
  }

  /** SIGTERM to every process still running, SIGKILL after `graceMs` to what is left; resolves when all have exited. */
  async stopAll(graceMs = 5000): Promise<void> {
    const left = [...this.all]
    for (const p of left) p.child.kill('SIGTERM')
    const timer = setTimeout(() => { for (const p of left) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL') }, graceMs)
    await Promise.all(left.map((p) => p.exited))
    clearTimeout(timer)
  }
}

/** Waits until `p` printed a line matching `pattern` (or fails with its output when it exits first or after `timeoutMs`). */
export function waitForOutput(p: Started, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let exited = false
    const until = Date.now() + timeoutMs
    const onExit = () => { exited = true }
    p.child.once('exit', onExit)
    const poll = setInterval(() => {
      const m = pattern.exec(p.output())
      if (m) { done(); resolve(m[0]) }
      else if (exited) { done(); reject(new Error(`${p.name} exited before ${pattern}; output:\n${p.output()}`)) }
      else if (Date.now() > until) { done(); reject(new Error(`${p.name}: no ${pattern} within ${timeoutMs} ms; output:\n${p.output()}`)) }
    }, 25)
    function done() { clearInterval(poll); p.child.off('exit', onExit) }
  })
}

export interface NatsNode {
  name: string
  port: number
  clusterPort: number
  url: string
  storeDir: string
  configPath: string
  process: Started
}

/**
 * Starts `nodes` nats-server processes on loopback with JetStream, clustered when more than one
 * (routes between them; JetStream's meta group needs a majority, so a cluster of three survives
 * one node's death). Resolves when each logs that it is ready.
 */
export async function startNats(processes: Processes, dir: string, nodes: number, ports?: { client: number[]; cluster: number[] }, detached = false): Promise<NatsNode[]> {
  const client = ports?.client ?? await Promise.all(Array.from({ length: nodes }, freePort))
  const cluster = ports?.cluster ?? await Promise.all(Array.from({ length: nodes }, freePort))
  const list: NatsNode[] = []
  for (let i = 0; i < nodes; i++) {
    const name = `n${i + 1}`
    const storeDir = join(dir, 'nats', name)
    mkdirSync(storeDir, { recursive: true })
    const configPath = join(dir, 'nats', `${name}.conf`)
    const routes = cluster.filter((_, j) => j !== i).map((p) => `"nats-route://127.0.0.1:${p}"`)
    writeFileSync(configPath, [
      `server_name: ${name}`,
      `listen: "127.0.0.1:${client[i]}"`,
      // Whole-file identify fingerprints reach a few MB; NATS's default payload limit is 1 MB.
      'max_payload: 8MB',
      `jetstream { store_dir: "${storeDir}", max_memory_store: 256MB, max_file_store: 8GB }`,
      ...(nodes > 1 ? [`cluster { name: peakmatch, listen: "127.0.0.1:${cluster[i]}", routes: [${routes.join(', ')}] }`] : []),
    ].join('\n') + '\n')
    list.push({ name, port: client[i]!, clusterPort: cluster[i]!, url: `nats://127.0.0.1:${client[i]}`, storeDir, configPath, process: undefined as never })
  }
  for (const n of list) n.process = processes.start(`nats-server ${n.name}`, NATS_SERVER, ['-c', n.configPath], detached ? { detached, logFile: join(dir, 'nats', `${n.name}.log`) } : {})
  await Promise.all(list.map((n) => waitForOutput(n.process, /Server is ready/, 30_000)))
  return list
}

/** Starts one NATS node again, on the same ports and store (after a kill). */
export async function restartNats(processes: Processes, node: NatsNode): Promise<void> {
  node.process = processes.start(`nats-server ${node.name}`, NATS_SERVER, ['-c', node.configPath])
  await waitForOutput(node.process, /Server is ready/, 30_000)
}

export interface ShardOptions {
  nats: string
  shard: number
  shards: number
  catalog?: string
  name?: string
  jsReplicas?: number
  snapshotDelayMs?: number
  replica?: string
  /** Outlive this process (scripts/cluster.sh), writing to this log file. */
  detached?: { logFile: string }
}

/** Starts one shard replica (`peakmatch serve --nats … --shard K/N`); resolves once it printed its ready line. */
export async function startShard(processes: Processes, o: ShardOptions, timeoutMs = 90_000): Promise<Started> {
  const args = [...SERVE.slice(1), '--nats', o.nats, '--shard', `${o.shard}/${o.shards}`]
  if (o.catalog) args.push('--catalog', o.catalog)
  if (o.name) args.push('--name', o.name)
  if (o.jsReplicas) args.push('--js-replicas', String(o.jsReplicas))
  if (o.snapshotDelayMs) args.push('--snapshot-delay-ms', String(o.snapshotDelayMs))
  const p = processes.start(`shard ${o.shard}/${o.shards}${o.replica ? ` ${o.replica}` : ''}`, SERVE[0]!, args, o.detached ? { detached: true, logFile: o.detached.logFile } : {})
  await waitForOutput(p, /peakmatch shard \d+\/\d+ .* ready .*\n/, timeoutMs)
  return p
}

/** Starts the gateway (`peakmatch serve --nats … --gateway --port P`); resolves once it answers /readyz. */
export async function startGateway(processes: Processes, o: { nats: string; port: number; name?: string; shardTimeoutMs?: number; detached?: { logFile: string } }, timeoutMs = 90_000): Promise<Started> {
  const args = [...SERVE.slice(1), '--nats', o.nats, '--gateway', '--port', String(o.port)]
  if (o.name) args.push('--name', o.name)
  if (o.shardTimeoutMs) args.push('--shard-timeout-ms', String(o.shardTimeoutMs))
  const p = processes.start('gateway', SERVE[0]!, args, o.detached ? { detached: true, logFile: o.detached.logFile } : {})
  const until = Date.now() + timeoutMs
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`gateway exited (${p.child.exitCode}):\n${p.output()}`)
    try { if ((await fetch(`http://127.0.0.1:${o.port}/readyz`)).ok) return p } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`gateway not ready within ${timeoutMs} ms:\n${p.output()}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Runs `peakmatch catalog split …` from source; rejects with its output when it fails. */
export async function runSplit(processes: Processes, args: string[]): Promise<string> {
  const p = processes.start('catalog split', process.execPath, ['--import', 'tsx', join(ROOT, 'packages/node/src/bin.ts'), 'catalog', 'split', ...args])
  const code = await p.exited
  if (code !== 0) throw new Error(`catalog split exited ${code}:\n${p.output()}`)
  return p.output()
}
