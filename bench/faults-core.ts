/**
 * Fault injection for the core (docs/reliability/core.md):
 *
 *   npx tsx bench/faults-core.ts [--catalogs 100000] [--seed 1] [--loops 8,16,32,64]
 *
 * catalogs: mutated catalogs (test/support/catalog-faults.ts: bit flips, truncations, insertions,
 * header and msgpack-level edits, CRC recomputed) through Catalog.fromBytes and, when accepted,
 * through match, identify, JSON.stringify of their results, toBytes, fromBytes of those bytes,
 * and an add. Every error must be a PeakmatchError and every accepted catalog must reload.
 *
 * loops: a 2 s synthetic pattern looped for N minutes, identified against a catalog holding
 * it, each length in a child process (time, peak RSS, work counters, verdict).
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { emptyCounts, faultWorld, mutate, probe, rng } from '../test/support/catalog-faults.js'

interface Args { catalogs: number; seed: number; loops: number[]; loopChild?: number }

function parseArgs(argv: string[]): Args {
  const args: Args = { catalogs: 100_000, seed: 1, loops: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v }
    if (a === '--catalogs') args.catalogs = Number(value())
    else if (a === '--seed') args.seed = Number(value())
    else if (a === '--loops') args.loops = value().split(',').filter(Boolean).map(Number)
    else if (a === '--loop-child') args.loopChild = Number(value())
    else throw new Error(`unknown argument ${a}`)
  }
  return args
}

function catalogs(n: number, seed: number): boolean {
  const world = faultWorld()
  const r = rng(seed)
  const counts = emptyCounts()
  const t0 = performance.now()
  for (let i = 0; i < n; i++) {
    const { bytes, kind } = mutate(world.bytes, r)
    probe(bytes, kind, world, counts)
    if ((i + 1) % 20000 === 0) console.error(`  ${i + 1} / ${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
  }
  const s = ((performance.now() - t0) / 1000).toFixed(1)
  console.log(`mutated catalogs: ${counts.cases} (seed ${seed}, ${s} s): ${counts.rejected} rejected by fromBytes, ${counts.accepted} accepted`)
  console.log('  by kind:', Object.entries(counts.byKind).map(([k, v]) => `${k} ${v.cases} (${v.accepted} accepted)`).join(', '))
  console.log(`  untyped errors: ${counts.untyped}; accepted catalogs that did not reload their own toBytes(): ${counts.noReload}; results JSON.stringify refused: ${counts.noJson}`)
  for (const f of counts.failures) console.log(`  ! ${f}`)
  return counts.untyped === 0 && counts.noReload === 0 && counts.noJson === 0
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.loopChild !== undefined) {
    const { loopRun } = await import('../test/support/loop.js')
    console.log(JSON.stringify(loopRun(args.loopChild)))
    return
  }
  let ok = true
  if (args.catalogs > 0) ok = catalogs(args.catalogs, args.seed) && ok
  if (args.loops.length > 0) {
    console.log('\nlooped 2 s pattern, identified against a catalog holding it (one child process per length):')
    console.log('minutes  hashes  identify ms  peak RSS MB  hits  max votes/key  status   coverage  offset s')
    for (const m of args.loops) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--loop-child', String(m)], { encoding: 'utf8', maxBuffer: 1 << 20 })
      const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | string>
      console.log([m, r.hashes, r.identifyMs, r.peakRssMB, r.hits, r.maxKeyVotes, r.status, r.coverage, r.offsetSeconds].map((v) => String(v).padStart(7)).join('  '))
    }
  }
  if (!ok) process.exitCode = 1
}

await main()
