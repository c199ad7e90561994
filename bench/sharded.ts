/**
 * A sharded catalog against one catalog on real music (issue 10): the dev corpus's catalog split
 * by recording into N shards (shardOf), reached through in-process links that copy every request
 * and reply through msgpack as the NATS cluster does, asked every snippet query (Catalog.match)
 * and every whole-file query (Catalog.identify) of the corpus, in and out of the catalog:
 *
 *   npx tsx bench/sharded.ts --corpus /work/corpus [--shards 4]
 *
 * Prints how many answers were the same (match: the answer's track, score, confidence, offset and
 * factors; identify: status, recording, track, coverage, confidence, offset), lists any that were
 * not, and the CPU the merge adds (one process does the shards' work and the gateway's here).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Packr } from 'msgpackr'
import { Catalog, fingerprint, type Fingerprint } from '../src/index.js'
import { ShardedCatalog, shardAlign, shardOf, shardPasses, type ShardLink } from '../src/sharded.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus')
if (!corpus) { console.error('usage: npx tsx bench/sharded.ts --corpus DIR [--shards N]'); process.exit(2) }
const N = Number(arg('--shards') ?? 4)

interface Query { file: string; kind: 'snippet' | 'whole'; degradation: string; lengthS: number | null; expectedTrackId: string | null }
const manifest = JSON.parse(readFileSync(join(corpus, 'manifest.json'), 'utf8')) as Query[]
const tracks = JSON.parse(readFileSync(join(corpus, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]

const whole = new Catalog()
const shards = Array.from({ length: N }, () => new Catalog())
for (const t of tracks) {
  const fp = fingerprint(parseWav(readFileSync(join(corpus, t.file))))
  whole.add(t.trackId, fp)
  shards[shardOf(t.trackId, N)]!.add(t.trackId, fp)
}
console.log(`catalog: ${whole.size} tracks; shards of ${shards.map((s) => s.size).join(' / ')}`)

const packr = new Packr({ useRecords: false })
const wire = <T>(x: T): T => packr.unpack(packr.pack(x)) as T
const link = (c: Catalog): ShardLink => ({
  passes: async (fp, r) => wire(shardPasses(c, fp, r)),
  align: async (fp, r) => wire(shardAlign(c, fp, r)),
  track: async (id) => wire(c.track(id)),
  editions: async (r) => wire(c.editions(r)),
  stats: async () => c.stats(),
})
const sharded = new ShardedCatalog(shards.map(link), { frontEnd: whole.settings().frontEnd })

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const r3 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1000) / 1000)
let same = 0, differ = 0, oneMs = 0, manyMs = 0
const counts = { snippet: 0, whole: 0 }
for (const q of manifest) {
  const fp: Fingerprint = fingerprint(parseWav(readFileSync(join(corpus, q.file))))
  let a: unknown, b: unknown
  if (q.kind === 'snippet') {
    let c = cpuMs()
    const [m] = whole.match(fp)
    oneMs += cpuMs() - c
    c = cpuMs()
    const [n] = (await sharded.match(fp)).matches
    manyMs += cpuMs() - c
    const key = (x: typeof m) => x && [x.trackId, x.score, r3(x.confidence), r3(x.offsetSeconds), r3(x.speed), r3(x.pitch)]
    a = key(m); b = key(n)
  } else {
    let c = cpuMs()
    const i = whole.identify(fp)
    oneMs += cpuMs() - c
    c = cpuMs()
    const j = (await sharded.identify(fp)).identification
    manyMs += cpuMs() - c
    const key = (x: typeof i) => [x.status, x.recordingId, x.trackId, r3(x.coverage), r3(x.confidence), r3(x.offsetSeconds)]
    a = key(i); b = key(j)
  }
  counts[q.kind]++
  if (JSON.stringify(a) === JSON.stringify(b)) same++
  else { differ++; console.log(`DIFFERENT ${q.file} (${q.kind} ${q.degradation}): one ${JSON.stringify(a)} sharded ${JSON.stringify(b)}`) }
}
console.log(`${counts.snippet} snippet and ${counts.whole} whole-file queries: ${same} answers the same, ${differ} different`)
console.log(`CPU: one catalog ${oneMs.toFixed(0)} ms, ${N} shards + merge ${manyMs.toFixed(0)} ms (×${(manyMs / oneMs).toFixed(2)})`)
