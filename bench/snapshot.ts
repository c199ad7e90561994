/**
 * What a stream's snapshot costs, before and after peakmatch/worker stopped re-fingerprinting
 * its window (docs/browser.md has the table).
 *
 *   npx tsx bench/snapshot.ts [minutes=10] [windowSeconds=20]
 *
 * A stream of 48 kHz mono in 4096-sample blocks (what the demo's capture worklet posts) runs
 * through serveFingerprinting in this thread, over an endpoint that delivers messages
 * synchronously, so the times are the worker's own work (no structured clone). "Before" is
 * the worker as of commit 0ae0318, read from git, fed the same blocks. The audio is a seeded
 * 60 s piece played in a loop: the cost depends on hashes per second, not on the music.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Catalog, Fingerprinter, type Fingerprint } from '../src/index.js'
import type { MessageEndpoint } from '../src/worker/index.js'
import { serveFingerprinting } from '../src/worker/index.js'
import { synthMusic } from '../test/support/synth.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BEFORE = '0ae0318'
const minutes = Number(process.argv[2] ?? 10)
const windowSeconds = Number(process.argv[3] ?? 20)
const RATE = 48000, BLOCK = 4096

type Serve = (scope: MessageEndpoint) => void

/** serveFingerprinting on an endpoint that answers synchronously: post() returns the reply. */
function direct(serve: Serve): (request: Record<string, unknown>, transfer?: ArrayBuffer[]) => unknown {
  let listener: ((event: { data: unknown }) => void) | null = null
  let last: unknown = undefined
  serve({
    postMessage: (message) => { last = message },
    addEventListener: (_type, l) => { listener = l },
  })
  return (request) => {
    last = undefined
    listener!({ data: request })
    return last
  }
}

/** The worker's source at `commit`, importable: its relative imports point into this tree's src/. */
function serveAt(commit: string): Promise<Serve> | null {
  let source: string
  try {
    source = execFileSync('git', ['-C', ROOT, 'show', `${commit}:src/worker/worker.ts`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  } catch {
    return null
  }
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-bench-'))
  const src = pathToFileURL(join(ROOT, 'src')).href
  writeFileSync(join(dir, 'worker.ts'), source.replace(/from '\.\.\//g, `from '${src}/`).replace(/from '\.\//g, `from '${src}/worker/`))
  return import(pathToFileURL(join(dir, 'worker.ts')).href).then((m: { serveFingerprinting: Serve }) => {
    rmSync(dir, { recursive: true, force: true })
    return m.serveFingerprinting
  })
}

/** Median and 90th percentile of `runs` calls, in ms. */
function time(runs: number, fn: () => void): { median: number; p90: number } {
  for (let i = 0; i < Math.min(5, runs); i++) fn()             // warm up
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    fn()
    ms.push(performance.now() - t0)
  }
  ms.sort((a, b) => a - b)
  return { median: ms[Math.floor(runs / 2)]!, p90: ms[Math.floor(runs * 0.9)]! }
}

const fmt = (t: { median: number; p90: number }) => `${t.median.toFixed(3)} ms (p90 ${t.p90.toFixed(3)})`

const piece = synthMusic(61, 60, RATE, 1).channels[0]!
const totalSamples = Math.round(minutes * 60 * RATE)

/** Pushes `minutes` of the looped piece through `post`, stream 1, and through `local` if given. */
function stream(post: ReturnType<typeof direct>, local?: Fingerprinter, checkpoints: number[] = [], at?: (seconds: number) => void): void {
  post({ type: 'open', id: 1, stream: 1, sampleRate: RATE, options: {}, windowSeconds })
  for (let pushed = 0; pushed < totalSamples;) {
    const n = Math.min(BLOCK, totalSamples - pushed)
    const from = pushed % piece.length
    const block = from + n <= piece.length ? piece.slice(from, from + n) : Float32Array.from({ length: n }, (_, i) => piece[(from + i) % piece.length]!)
    local?.push(block)
    post({ type: 'push', stream: 1, channels: [block] })
    const before = pushed
    pushed += n
    for (const c of checkpoints) if (before < c * RATE && pushed >= c * RATE) at?.(pushed / RATE)
  }
}

console.log(`snapshot of a ${windowSeconds} s window of a 48 kHz mono stream, ${BLOCK}-sample blocks (Node ${process.version})`)

// After: this tree's worker, and the Fingerprinter underneath it.
const after = direct(serveFingerprinting)
const local = new Fingerprinter({ sampleRate: RATE })
let snapHashes = 0
const rows: string[] = []
const t0 = performance.now()
stream(after, local, [60, minutes * 60], (seconds) => {
  const reply = after({ type: 'snapshot', id: 2, stream: 1 }) as { snapshot: Fingerprint }
  snapHashes = reply.snapshot.hashes.length
  const worker = time(200, () => after({ type: 'snapshot', id: 2, stream: 1 }))
  const since = Math.max(0, seconds - windowSeconds)
  const windowed = time(200, () => local.snapshot(since))
  const whole = time(seconds > 120 ? 20 : 200, () => local.snapshot())
  rows.push(`after ${(seconds / 60).toFixed(0)} min: worker snapshot ${fmt(worker)} (${snapHashes} hashes); Fingerprinter.snapshot(since) ${fmt(windowed)}; Fingerprinter.snapshot() of the whole stream ${fmt(whole)} (${local.snapshot().hashes.length} hashes)`)
})
const streamMs = performance.now() - t0
for (const r of rows) console.log(r)
console.log(`streaming ${minutes} min through worker + a twin Fingerprinter: ${(streamMs / 1000).toFixed(1)} s`)

// Matching the window, as the demo page does on every tick: against its catalog when built.
const demo = join(ROOT, 'examples/web/dist/data/demo.pmx')
if (existsSync(demo)) {
  const catalog = Catalog.fromBytes(new Uint8Array(readFileSync(demo)))
  const snap = (after({ type: 'snapshot', id: 2, stream: 1 }) as { snapshot: Fingerprint }).snapshot
  console.log(`Catalog.match of that ${snap.hashes.length}-hash snapshot against the demo catalog (${catalog.size} tracks): ${fmt(time(50, () => catalog.match(snap)))}`)
}

// Before: the worker of BEFORE, which kept the window's chunks and fingerprinted them again.
const serveBefore = serveAt(BEFORE)
if (!serveBefore) console.log(`before: git show ${BEFORE} failed (not a git checkout?): skipped`)
else {
  const before = direct(await serveBefore)
  const t1 = performance.now()
  stream(before, undefined, [60, minutes * 60], (seconds) => {
    const reply = before({ type: 'snapshot', id: 2, stream: 1 }) as { fingerprint: Fingerprint }
    const worker = time(20, () => before({ type: 'snapshot', id: 2, stream: 1 }))
    console.log(`before (${BEFORE}), after ${(seconds / 60).toFixed(0)} min: worker snapshot ${fmt(worker)} (${reply.fingerprint.hashes.length} hashes)`)
  })
  console.log(`streaming ${minutes} min through the ${BEFORE} worker (snapshots included): ${((performance.now() - t1) / 1000).toFixed(1)} s`)
}
