/**
 * kill -9 of real `peakmatch catalog build` and `peakmatch scan` processes on a generated library
 * (issue 7; counts and command in docs/reliability/scan.md):
 *
 *   npx tsx bench/faults-scan.ts [--kills 48] [--seed 7] [--files 40] [--seconds 10]
 *
 * Each round starts from a known state (the previous catalog, a complete report, a cache),
 * starts the command, SIGKILLs it after a seeded random delay, and checks what is on disk:
 *   - the catalog is byte for byte the old one or the new complete one (never anything else);
 *   - report.csv is absent or a complete report (same rows as the reference; the `cached`
 *     column may differ), and any report.partial.csv parses;
 * then runs the same command again to the end (the "next start") and checks that it succeeds,
 * that its outputs are the new complete ones, and that no temporary file of ours
 * (.<name>.<pid>.<stamp>.tmp) is left in the output folders. One round in four kills at the
 * worst moment instead, between the temporary write and the rename (the test hook
 * PEAKMATCH_TEST_CRASH_BEFORE_RENAME), which is the case that leaves a temporary file behind.
 * Exit code 1 if anything was damaged or left over. The children run the CLI from source
 * (node --import tsx packages/node/src/bin.ts) with --jobs 0, decoding in the main thread:
 * from source the worker threads would need test/support/scan-worker.mjs, which the bin does
 * not take; a SIGKILL ends every thread of a process alike.
 *
 * test/node/kill9.test.ts runs a small version (3 kills) of the same harness.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Catalog } from '../src/index.js'
import { rng, synthMusic } from '../test/support/synth.js'
import { encodeWav } from '../test/support/wav.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const CLI = fileURLToPath(new URL('../packages/node/src/bin.ts', import.meta.url))

export interface Run { code: number | null; signal: NodeJS.Signals | null; stderr: string; ms: number }

/** The CLI in a child process (from source, via tsx); SIGKILLed after `killAfterMs` if given. */
export function runCli(args: string[], opts: { killAfterMs?: number; crashBeforeRename?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const env = { ...process.env }
    if (opts.crashBeforeRename) env.PEAKMATCH_TEST_CRASH_BEFORE_RENAME = '1'
    else delete env.PEAKMATCH_TEST_CRASH_BEFORE_RENAME
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs)
    child.on('error', reject)
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stderr, ms: performance.now() - t0 }) })
  })
}

/** Our temporary files (writeFileAtomic's naming: .<name>.<pid>.<stamp>.tmp) in `dir`. */
export function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp'))
}

/** A CSV report's rows without the `cached` column (which legitimately differs between runs). */
export function reportRows(text: string): string[] {
  const lines = text.trimEnd().split('\n')
  const cached = lines[0]!.split(',').indexOf('cached')
  // Cells of these reports hold no commas inside quotes except in the error column (last).
  return lines.map((l) => { const c = l.split(','); c.splice(cached, 1); return c.join(',') })
}

export interface World {
  dir: string; masters: string; out: string; catalog: string; report: string; cache: string
  oldCatalog: Buffer; newCatalog: Buffer; reference: string[]
  /** How long the complete build and scan (no cache) took, start-up included. */
  buildMs: number; scanMs: number
}

/** Masters (WAV, seeded), a library (the same files), an old catalog (half of them) and the reference outputs. */
export async function makeFaultWorld(files: number, seconds: number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-kill9-'))
  const masters = join(dir, 'masters'), out = join(dir, 'out')
  mkdirSync(masters); mkdirSync(out)
  for (let i = 0; i < files; i++) writeFileSync(join(masters, `t${String(i).padStart(3, '0')}.wav`), encodeWav(synthMusic(500 + i, seconds, 22050, 1)))
  const half = join(dir, 'half')
  mkdirSync(half)
  for (let i = 0; i < files / 2; i++) copyFileSync(join(masters, `t${String(i).padStart(3, '0')}.wav`), join(half, `t${String(i).padStart(3, '0')}.wav`))
  const catalog = join(out, 'catalog.pmx'), report = join(out, 'report.csv'), cache = join(out, 'fingerprints.cache')
  const must = async (args: string[]) => { const r = await runCli(args); if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}\n${r.stderr}`); return r }
  await must(['catalog', 'build', half, '-o', catalog, '--jobs', '0'])
  const oldCatalog = readFileSync(catalog)
  const buildMs = (await must(['catalog', 'build', masters, '-o', catalog, '--jobs', '0'])).ms
  const newCatalog = readFileSync(catalog)
  const scanMs = (await must(['scan', masters, '--catalog', catalog, '--report', report, '--cache', cache, '--jobs', '0'])).ms
  const reference = reportRows(readFileSync(report, 'utf8'))
  return { dir, masters, out, catalog, report, cache, oldCatalog, newCatalog, reference, buildMs, scanMs }
}

export interface Counts {
  /** Rounds; of them `landed`: the SIGKILL came before the process ended; `atRename`: by the hook. */
  kills: number; landed: number; atRename: number
  /** Kills after which the output was already the new one (the killed run had replaced it). */
  replaced: number
  damaged: number; leftoverTemps: number; failedRestarts: number
  notes: string[]
}

export const newCounts = (): Counts => ({ kills: 0, landed: 0, atRename: 0, replaced: 0, damaged: 0, leftoverTemps: 0, failedRestarts: 0, notes: [] })

/** One kill of `catalog build`: the catalog is old or new; after the next start it is new and no temp is left. */
export async function killBuild(w: World, c: Counts, delayMs: number, atRename: boolean): Promise<void> {
  writeFileSync(w.catalog, w.oldCatalog)
  const args = ['catalog', 'build', w.masters, '-o', w.catalog, '--jobs', '0']
  const r = await runCli(args, atRename ? { crashBeforeRename: true } : { killAfterMs: delayMs })
  c.kills++
  if (r.signal === 'SIGKILL') c.landed++
  if (atRename) c.atRename++
  const now = readFileSync(w.catalog)
  if (now.equals(w.newCatalog)) c.replaced++
  if (!now.equals(w.oldCatalog) && !now.equals(w.newCatalog)) { c.damaged++; c.notes.push(`build: catalog neither old nor new after a kill at ${delayMs} ms`) }
  const next = await runCli(args)
  if (next.code !== 0 || !readFileSync(w.catalog).equals(w.newCatalog)) { c.failedRestarts++; c.notes.push(`build: next start exit ${next.code}: ${next.stderr.slice(0, 200)}`) }
  const left = tempFiles(w.out)
  if (left.length) { c.leftoverTemps += left.length; c.notes.push(`build: after the next start, left: ${left.join(' ')}`) }
  for (const f of left) rmSync(join(w.out, f))   // each round starts clean, so each is counted once
}

/** One kill of `scan`: report.csv is absent or complete; after the next start it is complete and no temp is left. */
export async function killScan(w: World, c: Counts, delayMs: number, atRename: boolean): Promise<void> {
  const args = ['scan', w.masters, '--catalog', w.catalog, '--report', w.report, '--cache', w.cache, '--jobs', '0']
  // Half the rounds start without a cache, so the kill lands while files are being decoded.
  if (c.kills % 2 === 0) rmSync(w.cache, { force: true })
  const before = existsSync(w.report) ? statSync(w.report).ino : -1
  const r = await runCli(args, atRename ? { crashBeforeRename: true } : { killAfterMs: delayMs })
  c.kills++
  if (r.signal === 'SIGKILL') c.landed++
  if (atRename) c.atRename++
  if (existsSync(w.report) && statSync(w.report).ino !== before) c.replaced++
  const check = (what: string) => {
    if (existsSync(w.report) && reportRows(readFileSync(w.report, 'utf8')).join('\n') !== w.reference.join('\n')) { c.damaged++; c.notes.push(`scan: report.csv not a complete report ${what}`) }
    const partial = w.report.replace(/\.csv$/, '.partial.csv')
    if (existsSync(partial) && !readFileSync(partial, 'utf8').startsWith('path,status,')) { c.damaged++; c.notes.push(`scan: damaged partial report ${what}`) }
  }
  check(`after a kill at ${delayMs} ms`)
  const next = await runCli(args)
  if (next.code !== 0 || !existsSync(w.report)) { c.failedRestarts++; c.notes.push(`scan: next start exit ${next.code}: ${next.stderr.slice(0, 200)}`) }
  if (/not used \(/.test(next.stderr)) { c.damaged++; c.notes.push(`scan: the cache was damaged: ${next.stderr.trim()}`) }
  check('after the next start')
  const left = tempFiles(w.out)
  if (left.length) { c.leftoverTemps += left.length; c.notes.push(`scan: after the next start, left: ${left.join(' ')}`) }
  for (const f of left) rmSync(join(w.out, f))
}

/**
 * `kills` rounds alternating build and scan; kill delays uniform in [0.8 × start-up, 0.95 × a
 * complete run), start-up being how long `peakmatch --version` takes (node + tsx), so that most
 * kills land while files are read or outputs written rather than while modules load.
 */
export async function runFaults(w: World, kills: number, seed: number): Promise<{ build: Counts; scan: Counts; buildMs: number; scanMs: number; startMs: number }> {
  const random = rng(seed)
  const startMs = (await runCli(['--version'])).ms
  const { buildMs, scanMs } = w
  const build = newCounts(), scan = newCounts()
  for (let i = 0; i < kills; i++) {
    const atRename = i % 8 >= 6   // one build round and one scan round in every eight
    const delay = (ms: number) => Math.round(0.8 * startMs + random() * Math.max(0, 0.95 * ms - 0.8 * startMs))
    if (i % 2 === 0) await killBuild(w, build, delay(buildMs), atRename)
    else await killScan(w, scan, delay(scanMs), atRename)
  }
  return { build, scan, buildMs, scanMs, startMs }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2)
  const arg = (name: string, d: number) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : d }
  const kills = arg('--kills', 48), seed = arg('--seed', 7), files = arg('--files', 40), seconds = arg('--seconds', 10)
  const t0 = performance.now()
  const w = await makeFaultWorld(files, seconds)
  // Catalog bytes must be reproducible, or "old or new" could not be checked byte for byte.
  const again = await runCli(['catalog', 'build', w.masters, '-o', join(w.dir, 'again.pmx'), '--jobs', '0'])
  if (again.code !== 0 || !readFileSync(join(w.dir, 'again.pmx')).equals(w.newCatalog)) throw new Error('catalog build is not reproducible byte for byte')
  Catalog.fromBytes(w.newCatalog)
  const r = await runFaults(w, kills, seed)
  const line = (name: string, c: Counts) =>
    `| ${name} | ${c.kills} | ${c.landed} | ${c.atRename} | ${c.replaced} | ${c.damaged} | ${c.leftoverTemps} | ${c.failedRestarts} |`
  console.log(`library: ${files} WAV files × ${seconds} s (22.05 kHz mono); a complete build took ${(r.buildMs / 1000).toFixed(1)} s, a scan ${(r.scanMs / 1000).toFixed(1)} s, start-up ${(r.startMs / 1000).toFixed(1)} s; seed ${seed}`)
  console.log('| command | kill -9 rounds | landed (process still running) | of them at the rename (hook) | output already the new one | damaged files | temp files left after the next start | failed next starts |')
  console.log('|---|---|---|---|---|---|---|---|')
  console.log(line('catalog build', r.build))
  console.log(line('scan', r.scan))
  for (const n of [...r.build.notes, ...r.scan.notes]) console.log(`  ${n}`)
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  rmSync(w.dir, { recursive: true, force: true })
  const bad = r.build.damaged + r.scan.damaged + r.build.leftoverTemps + r.scan.leftoverTemps + r.build.failedRestarts + r.scan.failedRestarts
  process.exitCode = bad > 0 ? 1 : 0
}
