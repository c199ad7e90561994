/**
 * What packed postings (src/match/packed.ts) cost a query and save in bytes, on the dev catalog:
 * the catalog as this code builds it (packed), and its twin with every chunk unpacked to the
 * plain layout (same postings, same code), queried in turn query by query, so that the VM's
 * drift falls on both alike. Reports index bytes (in memory and as a file), 10 s query CPU and
 * whole-file identify CPU.
 *
 *   npx tsx bench/packed-cost.ts [--corpus /work/corpus] [--rounds 4]
 *
 * The dev corpus's 10 s snippets (bench/scale-synth.ts selectQueries, 400), Catalog.match, and
 * its whole files, Catalog.identify; the first round not timed. Both catalogs answer alike
 * (checked here on every query and file).
 */
import { Catalog } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { catalogFromBytes, catalogToBytes } from '../src/match/codec.js'
import { loadCorpusPrints, printFingerprint } from './corpus-prints.js'
import { selectQueries } from './scale-synth.js'
import { unpackedParts } from '../test/support/unpacked.js'

const arg = (name: string, fallback: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1]! : fallback }
const prints = loadCorpusPrints(arg('--corpus', '/work/corpus'))
const rounds = Number(arg('--rounds', '4'))


const packed = new Catalog()
for (const p of prints) if (p.kind === 'track') packed.add(p.id, printFingerprint(p))
const packedBytes = packed.toBytes()
const plain = Catalog.fromBytes(catalogToBytes(unpackedParts(catalogFromBytes(packedBytes))))
const hours = prints.filter((p) => p.kind === 'track').reduce((h, p) => h + printFingerprint(p).durationSeconds / 3600, 0)
const memory = (c: Catalog) => internals(c).index.bytes()
const chunks = internals(packed).index.parts().partitions.flatMap((p) => p.postings.chunks)
console.log(`dev catalog: ${packed.size} tracks, ${hours.toFixed(2)} h, ${chunks.filter((c) => c.lows !== null).length} of ${chunks.length} pair chunks packed (${chunks.map((c) => c.bits).join(', ')}-bit entries)`)
for (const [name, c, bytes] of [['packed', packed, packedBytes.length], ['plain', plain, plain.toBytes().length]] as const) {
  console.log(`  ${name.padEnd(6)} in memory ${(memory(c) / 1e6 / hours).toFixed(3)} MB/h, file ${(bytes / 1e6 / hours).toFixed(3)} MB/h (${(bytes / 2 ** 20).toFixed(2)} MiB)`)
}

const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return `p50 ${s[s.length >> 1]!.toFixed(2)} p95 ${s[Math.floor(0.95 * s.length)]!.toFixed(2)} mean ${(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2)}`
}

/**
 * `ask` of each item on both catalogs, `rounds` times (the first not timed), prints CPU ms and
 * how many answers differ. Which goes first alternates, so that neither always finds the other's
 * caches warm.
 */
function alternate<T>(what: string, items: T[], rounds: number, ask: (c: Catalog, item: T) => unknown): void {
  const times = { packed: [] as number[], plain: [] as number[] }
  let differ = 0
  for (let round = 0; round < rounds; round++) {
    for (const [i, item] of items.entries()) {
      const order = (i + round) % 2 === 0 ? (['packed', 'plain'] as const) : (['plain', 'packed'] as const)
      const answers: string[] = []
      for (const name of order) {
        const t = cpu()
        answers.push(JSON.stringify(ask(name === 'packed' ? packed : plain, item)))
        if (round > 0) times[name].push(cpu() - t)
      }
      if (answers[0] !== answers[1]) differ++
    }
  }
  console.log(`${items.length} ${what} × ${rounds - 1} rounds, CPU ms (answers differing: ${differ}):`)
  console.log(`  packed ${stats(times.packed)}`)
  console.log(`  plain  ${stats(times.plain)}`)
}

const queries = selectQueries(prints, 400).filter((q) => q.cls === '10s').map((q) => printFingerprint(q.print))
alternate('10 s queries (match)', queries, rounds, (c, q) => c.match(q))
const files = prints.filter((p) => p.kind === 'whole').map((p) => printFingerprint(p))
alternate('whole files (identify)', files, Math.min(rounds, 2), (c, f) => c.identify(f))
