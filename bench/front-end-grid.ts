/**
 * One point of the front-end grid of docs/algorithm.md §7: the dev catalog rebuilt with other
 * peak options and index fanout, and every snippet of the given query sets fingerprinted with
 * the same options (what the CLI does now: it fingerprints with its catalog's front end).
 *
 *   npx tsx bench/front-end-grid.ts --corpus /work/corpus --sets /work/short2,/work/short3 \
 *     --bins 10 --frames 8 --index-fanout 3 --fanout 5 [--threshold 0.5] [--grids 1]
 *
 * The sets are cut by ../shared/corpus/make-queries.py (bench/short-noisy.ts's header has the
 * command; short3 is the same with --seed 8). The corpus's own snippets count at 10 s only
 * (speed, pitch and tempo rows left to bench/speed-pitch.ts), its out-of-catalog ones at every
 * length. Prints one tab-separated line: the options, MB per audio hour, queries missed, and
 * top-1 % per row@length (D = the corpus's own), negatives matched (neg@length: a count).
 * --grids N fingerprints the queries on N frame grids (Fingerprint.offGrid); the catalog takes one.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Catalog, fingerprint } from '../src/index.js'
import { parseWav } from './wav.js'

const argv = process.argv.slice(2)
const arg = (name: string, fallback?: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1]! : fallback }
const num = (name: string, fallback: number) => Number(arg(name, String(fallback)))
const corpus = arg('--corpus')
if (!corpus) { console.error('usage: npx tsx bench/front-end-grid.ts --corpus DIR [--sets A,B] [--bins N --frames N --index-fanout N --fanout N --threshold X]'); process.exit(2) }
const sets = (arg('--sets') ?? '').split(',').filter(Boolean)
const opts = { neighborhoodBins: num('--bins', 10), neighborhoodFrames: num('--frames', 8), fanout: num('--fanout', 5), threshold: num('--threshold', 0.5) }
const indexFanout = num('--index-fanout', 3)
const grids = num('--grids', 1)

interface Query { file: string; kind: string; degradation: string; lengthS: number; expectedTrackId: string | null }
const tracks = JSON.parse(readFileSync(join(corpus, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
const catalog = new Catalog({ indexFanout })
for (const t of tracks) catalog.add(t.trackId, fingerprint(parseWav(readFileSync(join(corpus, t.file))), opts))
const st = catalog.stats()
const tally = new Map<string, [number, number]>()
for (const dir of [...sets, corpus]) {
  const own = dir === corpus
  for (const q of JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Query[]) {
    if (q.kind !== 'snippet') continue
    if (own && q.expectedTrackId !== null && (q.lengthS !== 10 || /speed|pitch|tempo/.test(q.degradation))) continue
    const best = catalog.match(fingerprint(parseWav(readFileSync(join(dir, q.file))), { ...opts, grids }))[0]
    const key = q.expectedTrackId === null ? `neg@${q.lengthS}` : `${own ? 'D' : ''}${q.degradation}@${q.lengthS}`
    const t = tally.get(key) ?? [0, 0]
    t[1]++
    if (q.expectedTrackId === null ? best !== undefined : best?.trackId === q.expectedTrackId) t[0]++
    tally.set(key, t)
  }
}
let missed = 0, positives = 0
for (const [k, [right, n]] of tally) if (!k.startsWith('neg')) { missed += n - right; positives += n }
const cells = [...tally.entries()].sort().map(([k, [r, n]]) => `${k} ${k.startsWith('neg') ? r : Math.round((100 * r) / n)}`)
console.log([`bins ${opts.neighborhoodBins} frames ${opts.neighborhoodFrames} index/query fanout ${indexFanout}/${opts.fanout} threshold ${opts.threshold} grids ${grids}`,
  `${(st.bytes / (st.seconds / 3600) / 1e6).toFixed(3)} MB/h`, `missed ${missed}/${positives}`, cells.join(' ')].join('\t'))
