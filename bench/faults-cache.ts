/**
 * Fault injection for the fingerprint cache (docs/reliability/cache.md has the numbers):
 *
 *   npx tsx bench/faults-cache.ts [--cases 2000] [--seed 7] [--rounds 5]
 *
 * 1. Damaged caches. A small library is scanned once into a cache (an LMDB store); then, for
 *    each case, a copy of that store gets 1–4 random bit flips (anywhere, or in its two meta
 *    pages) or is truncated at a random length (its `-lock` file copied beside it, as a real
 *    store always has it), and `peakmatch scan` runs on it (in-process
 *    `main()`, in a child process that runs cases in turn, so that a crash of the process
 *    itself — SIGSEGV, SIGBUS from a mapped page past the end — is seen and counted, not
 *    hidden). Each scan must exit 0 (never 4, never a crash) and report `cache.dropped` in its
 *    --json summary; a second scan on the same cache must then be served wholly from it.
 * 2. Concurrent scans. Two, then four `peakmatch scan` processes (the real CLI, spawned at
 *    once) on one new cache, each on its own part of the library, `--rounds` times: afterwards
 *    every file of every part must be in the cache (a last scan of the whole library reads
 *    every file from it: zero lost entries).
 */
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main, type Io } from '../packages/node/src/cli.js'
import { rng, synthMusic } from '../test/support/synth.js'
import { encodeWav } from '../test/support/wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const CASES = Number(arg('--cases') ?? 2000)
const SEED = Number(arg('--seed') ?? 7)
const ROUNDS = Number(arg('--rounds') ?? 5)
const CLI = new URL('../packages/node/src/bin.ts', import.meta.url).pathname

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = ''
  const io: Io = { out: (t) => { out += t }, err: (t) => { err += t }, tty: false }
  const code = await main(args, io)
  return { code, out, err }
}

/** A library of `parts` folders of `perPart` seeded 4 s WAVs, and a catalog of the first file. */
function makeLibrary(dir: string, parts: number, perPart: number): { library: string; pmx: string; files: number } {
  const library = join(dir, 'library')
  let seed = 500
  for (let p = 0; p < parts; p++) {
    mkdirSync(join(library, `part${p}`), { recursive: true })
    for (let i = 0; i < perPart; i++) writeFileSync(join(library, `part${p}`, `t${i}.wav`), encodeWav(synthMusic(seed++, 4, 11025, 1)))
  }
  return { library, pmx: join(dir, 'catalog.pmx'), files: parts * perPart }
}

type Damage = 'flip' | 'flip-meta' | 'truncate'
interface CaseResult { i: number; damage: Damage; code: number; dropped: number; reset: boolean; healed: boolean; note: string }

/** Child: runs cases [from, to) and prints one JSON line per case (so the parent knows which one crashed). */
async function runCases(dir: string, from: number, to: number): Promise<void> {
  const { library, pmx } = JSON.parse(readFileSync(join(dir, 'world.json'), 'utf8')) as { library: string; pmx: string }
  const pristine = join(dir, 'pristine.lmdb')
  for (let i = from; i < to; i++) {
    const random = rng(SEED * 1_000_003 + i)
    const store = join(dir, `case.lmdb`)
    rmSync(store, { force: true }); rmSync(store + '-lock', { force: true })
    copyFileSync(pristine, store)
    copyFileSync(pristine + '-lock', store + '-lock')   // a store always has its lock file beside it
    const size = statSync(store).size
    const kind: Damage = random() < 0.2 ? 'truncate' : random() < 0.2 ? 'flip-meta' : 'flip'
    if (kind === 'truncate') truncateSync(store, Math.floor(random() * size))
    else {
      const bytes = readFileSync(store)
      const span = kind === 'flip-meta' ? Math.min(size, 8192) : size
      const flips = 1 + Math.floor(random() * 4)
      for (let f = 0; f < flips; f++) { const at = Math.floor(random() * span); bytes[at]! ^= 1 << Math.floor(random() * 8) }
      writeFileSync(store, bytes)
    }
    process.stdout.write(JSON.stringify({ start: i, damage: kind }) + '\n')
    const first = await cli('scan', library, '--catalog', pmx, '--cache', store, '--jobs', '0', '--json')
    let dropped = -1, reset = false, healed = false
    try {
      const s = JSON.parse(first.out).summary
      dropped = s.cache.dropped; reset = s.cache.reset
      const again = await cli('scan', library, '--catalog', pmx, '--cache', store, '--jobs', '0', '--json')
      const t = JSON.parse(again.out).summary
      healed = again.code === 0 && t.fingerprinted === 0 && t.fromCache === t.files
    } catch { /* counted below: no summary */ }
    const r: CaseResult = { i, damage: kind, code: first.code, dropped, reset, healed, note: first.code === 0 ? '' : first.err.trim().slice(0, 200) }
    process.stdout.write(JSON.stringify(r) + '\n')
  }
}

async function damagedCaches(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-faults-cache-'))
  const { library, pmx, files } = makeLibrary(dir, 2, 3)
  writeFileSync(join(dir, 'world.json'), JSON.stringify({ library, pmx }))
  if ((await cli('catalog', 'build', join(library, 'part0', 't0.wav'), '-o', pmx, '--jobs', '0')).code !== 0) throw new Error('catalog build failed')
  const first = await cli('scan', library, '--catalog', pmx, '--cache', join(dir, 'pristine.lmdb'), '--jobs', '0', '--json')
  if (first.code !== 0) throw new Error(`first scan: exit ${first.code}: ${first.err}`)
  console.log(`damaged caches: ${CASES} cases, seed ${SEED}; library of ${files} files; store ${statSync(join(dir, 'pristine.lmdb')).size} bytes`)
  const results: CaseResult[] = []
  const crashes: { i: number; damage: string; signal: string }[] = []
  let next = 0
  const t0 = performance.now()
  while (next < CASES) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', dir, String(next), String(CASES), '--seed', String(SEED)],
      { encoding: 'utf8', maxBuffer: 1 << 28 })
    let started: { start: number; damage: string } | undefined
    for (const line of child.stdout.split('\n')) {
      if (!line.startsWith('{')) continue
      const m = JSON.parse(line)
      if ('start' in m) started = m
      else { results.push(m); started = undefined; next = m.i + 1 }
    }
    if (started) {   // the process died inside a case
      crashes.push({ i: started.start, damage: started.damage, signal: child.signal ?? `exit ${child.status}: ${child.stderr.slice(-300)}` })
      next = started.start + 1
    } else if (child.status !== 0) {
      // Died between cases (after case next - 1 printed its result): count it against that case.
      crashes.push({ i: next - 1, damage: 'between cases', signal: child.signal ?? `exit ${child.status}: ${child.stderr.slice(-300)}` })
      console.log(`  child died between cases, after case ${next - 1}: ${child.signal ?? child.status} ${child.stderr.slice(-300)}`)
    }
  }
  const by = (f: (r: CaseResult) => boolean) => results.filter(f).length
  const kinds: Damage[] = ['flip', 'flip-meta', 'truncate']
  console.log(`| damage | cases | next scan exit 0 | exit 4 | other exit | process crashed | entries dropped (cases) | store replaced | healed (2nd scan all cached) |`)
  console.log(`|---|---:|---:|---:|---:|---:|---:|---:|---:|`)
  for (const k of [...kinds, 'all'] as const) {
    const rs = results.filter((r) => k === 'all' || r.damage === k)
    const cr = crashes.filter((c) => k === 'all' || c.damage === k).length
    const n = (f: (r: CaseResult) => boolean) => rs.filter(f).length
    console.log(`| ${k} | ${rs.length + cr} | ${n((r) => r.code === 0)} | ${n((r) => r.code === 4)} | ${n((r) => r.code !== 0 && r.code !== 4)} | ${cr} | ${rs.reduce((s, r) => s + Math.max(0, r.dropped), 0)} (${n((r) => r.dropped > 0)}) | ${n((r) => r.reset)} | ${n((r) => r.healed)} |`)
  }
  for (const r of results.filter((x) => x.code !== 0).slice(0, 10)) console.log(`  case ${r.i} (${r.damage}): exit ${r.code}: ${r.note}`)
  for (const c of crashes.slice(0, 10)) console.log(`  case ${c.i} (${c.damage}): process died: ${c.signal}`)
  console.log(`  no summary: ${by((r) => r.dropped < 0)}; ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  rmSync(dir, { recursive: true, force: true })
}

/** The real CLI as a process. */
function spawnScan(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, 'scan', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = '', err = ''
    p.stdout.on('data', (d) => { out += d }); p.stderr.on('data', (d) => { err += d })
    p.on('close', (code) => resolve({ code, out, err }))
  })
}

async function concurrentScans(): Promise<void> {
  for (const n of [2, 4]) {
    let lost = 0, total = 0, failed = 0
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'peakmatch-concurrent-'))
      const { library, pmx, files } = makeLibrary(dir, n, 3)
      if ((await cli('catalog', 'build', join(library, 'part0', 't0.wav'), '-o', pmx, '--jobs', '0')).code !== 0) throw new Error('catalog build failed')
      const cache = join(dir, 'shared.lmdb')
      const runs = await Promise.all(Array.from({ length: n }, (_, p) => spawnScan([join(library, `part${p}`), '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json'])))
      failed += runs.filter((r) => r.code !== 0).length
      for (const r of runs) if (r.code !== 0) console.log(`  scan exit ${r.code}: ${r.err.slice(0, 300)}`)
      const last = await cli('scan', library, '--catalog', pmx, '--cache', cache, '--jobs', '0', '--json')
      const s = JSON.parse(last.out).summary
      total += files
      lost += s.fingerprinted
      rmSync(dir, { recursive: true, force: true })
    }
    console.log(`${n} concurrent scans × ${ROUNDS} rounds: ${total} entries written, ${lost} lost, ${failed} scans not exiting 0`)
  }
}

/**
 * The cache's store process, bundled once with esbuild (lmdb stays external, resolved from this
 * repository's node_modules): forking it through tsx for each of thousands of scans would be slow.
 */
function buildStoreScript(): void {
  if (process.env.PEAKMATCH_CACHE_STORE) return
  const out = new URL('../node_modules/.cache/peakmatch-bench/cache-store.mjs', import.meta.url).pathname
  const r = spawnSync(new URL('../node_modules/.bin/esbuild', import.meta.url).pathname, [new URL('../packages/node/src/cache-store.ts', import.meta.url).pathname,
    '--bundle', '--platform=node', '--format=esm', '--external:lmdb', `--outfile=${out}`, '--log-level=error'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`esbuild: ${r.stderr}`)
  process.env.PEAKMATCH_CACHE_STORE = out
}

if (argv[0] === '--child') {
  await runCases(argv[1]!, Number(argv[2]), Number(argv[3]))
} else {
  if (!existsSync(CLI)) throw new Error(`no ${CLI}`)
  buildStoreScript()
  if (!argv.includes('--no-damage')) await damagedCaches()
  if (!argv.includes('--no-concurrency')) await concurrentScans()
}
