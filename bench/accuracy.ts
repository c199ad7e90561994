/**
 * Accuracy and speed on a corpus made by ../shared/corpus/make-dev-corpus.sh:
 *
 *   npm run bench -- --corpus DIR [--lengths 10,5,3] [--whole] [--dump scores.jsonl] [--opt name=value ...]
 *
 * Without --corpus it runs on seeded synthetic music (a smoke run, not a measurement).
 * Prints: top-1 accuracy per degradation and query length, false positives on out-of-catalog
 * queries, fingerprinting speed (× real time, one core), query time, index size per hour.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cpus } from 'node:os'
import { Catalog, fingerprint, type Fingerprint, type FingerprintOptions } from '../src/index.js'
import { internals } from '../src/match/catalog.js'
import { parseWav, type Wav } from './wav.js'
import { syntheticCorpus, type CorpusTrack, type CorpusQuery } from './synthetic.js'

interface Args { corpus?: string; lengths: number[]; whole: boolean; dump?: string; options: FingerprintOptions; queryOptions: FingerprintOptions; maxQueries: number }

function parseArgs(argv: string[]): Args {
  const args: Args = { lengths: [10, 5, 3], whole: false, options: {}, queryOptions: {}, maxQueries: Infinity }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    const value = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v }
    if (a === '--corpus') args.corpus = value()
    else if (a === '--lengths') args.lengths = value().split(',').filter(Boolean).map(Number)
    else if (a === '--whole') args.whole = true
    else if (a === '--dump') args.dump = value()
    else if (a === '--max-queries') args.maxQueries = Number(value())
    else if (a === '--opt') { const [k, v] = value().split('='); (args.options as Record<string, number>)[k!] = Number(v) }
    else if (a === '--qopt') { const [k, v] = value().split('='); (args.queryOptions as Record<string, number>)[k!] = Number(v) }
    else throw new Error(`unknown argument ${a}`)
  }
  return args
}

interface Manifest { file: string; kind: string; degradation: string; lengthS: number | null; durationS: number; expectedTrackId: string | null; expectedOffsetS: number | null; alsoAtS?: number[] }

function loadCorpus(dir: string, args: Args): { tracks: CorpusTrack[]; queries: CorpusQuery[] } {
  const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest[]
  const tracks = catalog.map((t) => ({ id: t.trackId, load: () => parseWav(readFileSync(join(dir, t.file))) }))
  const queries = manifest
    .filter((q) => (q.kind === 'snippet' && args.lengths.includes(q.lengthS ?? -1)) || (q.kind === 'whole' && args.whole))
    .slice(0, args.maxQueries)
    .map((q) => ({
      kind: q.kind, degradation: q.degradation, lengthS: q.lengthS ?? 0, expected: q.expectedTrackId,
      offsets: q.expectedOffsetS === null ? [] : [q.expectedOffsetS, ...(q.alsoAtS ?? [])],
      load: () => parseWav(readFileSync(join(dir, q.file))),
    }))
  return { tracks, queries }
}

const seconds = (w: Wav) => w.channels[0]!.length / w.sampleRate
const pct = (a: number, b: number) => (b === 0 ? '–' : `${((100 * a) / b).toFixed(1)}%`)
const quantile = (xs: number[], q: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : NaN }

function main(): void {
  const args = parseArgs(process.argv.slice(2))
  const { tracks, queries } = args.corpus ? loadCorpus(args.corpus, args) : syntheticCorpus()
  console.log(`peakmatch benchmark — ${args.corpus ?? 'synthetic corpus (no --corpus given)'}`)
  console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, options ${JSON.stringify(args.options)}, query options ${JSON.stringify(args.queryOptions)}\n`)

  // Index.
  const catalog = new Catalog()
  let audioSeconds = 0, fpMs = 0, stereo44Seconds = 0, stereo44Ms = 0
  for (const t of tracks) {
    const wav = t.load()
    const t0 = performance.now()
    const fp = fingerprint(wav, args.options)
    const ms = performance.now() - t0
    fpMs += ms
    audioSeconds += seconds(wav)
    if (wav.sampleRate === 44100 && wav.channels.length === 2) { stereo44Ms += ms; stereo44Seconds += seconds(wav) }
    catalog.add(t.id, fp)
  }
  const stats = catalog.stats()
  const bytes = catalog.toBytes()
  const hours = stats.seconds / 3600

  // Queries.
  type Row = { ok: number; n: number; offsetOk: number }
  const byKey = new Map<string, Row>()
  const neg = new Map<string, { fp: number; n: number }>()
  const queryMs: number[] = []
  const whole = new Map<string, { right: number; wrong: number; ambiguous: number; unmatched: number; n: number }>()
  const identifyMs: number[] = []
  const dump: string[] = []
  for (const q of queries) {
    const wav = q.load()
    const fp: Fingerprint = fingerprint(wav, { ...args.options, ...args.queryOptions })
    const t0 = performance.now()
    const matches = catalog.match(fp)
    const ms = performance.now() - t0
    if (q.kind === 'snippet' && q.lengthS === 10) queryMs.push(ms)
    if (args.dump) {
      const ids = catalog.ids()
      // The four best by score (as re-scored, before the decision orders them by confidence).
      const pass = (shift: boolean) => {
        const list = internals(catalog).searchPass(fp, shift)
        return list.items.slice(0, list.count).map((c) => ({ id: ids[c.track], score: c.score, hits: c.hits, off: c.offset, track: c.track }))
          .sort((a, b) => b.score - a.score || a.track - b.track).slice(0, 4).map(({ track: _, ...c }) => c)
      }
      dump.push(JSON.stringify({ kind: q.kind, deg: q.degradation, len: q.lengthS, expected: q.expected, hashes: fp.hashes.length,
        exact: pass(false), shifted: pass(true), matched: matches[0]?.trackId ?? null }))
    }
    if (q.kind === 'whole') {
      const t1 = performance.now()
      const id = catalog.identify(fp)
      identifyMs.push(performance.now() - t1)
      const key = q.expected === null ? '(out of catalog)' : q.degradation
      const r = whole.get(key) ?? { right: 0, wrong: 0, ambiguous: 0, unmatched: 0, n: 0 }
      r.n++
      if (id.status === 'matched') { if (id.recordingId === q.expected) r.right++; else r.wrong++ }
      else if (id.status === 'ambiguous') r.ambiguous++
      else r.unmatched++
      whole.set(key, r)
      if (args.dump) dump.push(JSON.stringify({ kind: 'whole', deg: q.degradation, expected: q.expected, status: id.status, rec: id.recordingId ?? null, coverage: +id.coverage.toFixed(3), windows: id.windows, alt: id.alternatives.slice(0, 3).map((a) => [a.recordingId, +a.coverage.toFixed(3)]) }))
      continue
    }
    const len = `${q.lengthS}s`
    if (q.expected === null) {
      const r = neg.get(len) ?? { fp: 0, n: 0 }
      r.n++
      if (matches.length > 0) r.fp++
      neg.set(len, r)
      continue
    }
    const key = `${q.degradation}|${len}`
    const r = byKey.get(key) ?? { ok: 0, n: 0, offsetOk: 0 }
    r.n++
    const top = matches[0]
    if (top && top.trackId === q.expected) {
      r.ok++
      if (q.offsets.some((o) => Math.abs(o - top.offsetSeconds) <= 0.1)) r.offsetOk++
    }
    byKey.set(key, r)
  }
  if (args.dump) writeFileSync(args.dump, dump.join('\n') + '\n')

  if (whole.size > 0) {
    console.log('whole files (identify): matched right / matched wrong / ambiguous / unmatched')
    let right = 0, wrong = 0, n = 0
    for (const [deg, r] of whole) {
      console.log(`${deg.padEnd(18)} ${pct(r.right, r.n).padStart(7)} ${String(r.wrong).padStart(4)} ${String(r.ambiguous).padStart(4)} ${String(r.unmatched).padStart(4)}   n=${r.n}`)
      if (deg !== '(out of catalog)') { right += r.right; wrong += r.wrong; n += r.n }
    }
    const neg = whole.get('(out of catalog)')
    console.log(`positives matched right ${pct(right, n)} (${right}/${n}), matched wrong ${wrong}; out-of-catalog matched ${neg ? `${pct(neg.right + neg.wrong, neg.n)} (${neg.right + neg.wrong}/${neg.n})` : '–'}`)
    console.log(`identify: median ${quantile(identifyMs, 0.5).toFixed(1)} ms, p95 ${quantile(identifyMs, 0.95).toFixed(1)} ms per file\n`)
  }

  // Table.
  const lens = [...new Set([...byKey.keys()].map((k) => k.split('|')[1]!))].sort((a, b) => parseFloat(b) - parseFloat(a))
  const degs = [...new Set([...byKey.keys()].map((k) => k.split('|')[0]!))]
  console.log(`top-1 accuracy (right track first; in brackets: offset within ±0.1 s)`)
  console.log(['degradation'.padEnd(18), ...lens.map((l) => l.padStart(22))].join(''))
  const totals = new Map<string, Row>()
  for (const d of degs) {
    const cells = lens.map((l) => {
      const r = byKey.get(`${d}|${l}`)
      if (!r) return ''.padStart(22)
      const t = totals.get(l) ?? { ok: 0, n: 0, offsetOk: 0 }
      t.ok += r.ok; t.n += r.n; t.offsetOk += r.offsetOk; totals.set(l, t)
      return `${pct(r.ok, r.n)} (${pct(r.offsetOk, r.n)}) n=${r.n}`.padStart(22)
    })
    console.log([d.padEnd(18), ...cells].join(''))
  }
  console.log(['all'.padEnd(18), ...lens.map((l) => { const t = totals.get(l)!; return `${pct(t.ok, t.n)} (${pct(t.offsetOk, t.n)}) n=${t.n}`.padStart(22) })].join(''))
  console.log(`\nout-of-catalog queries matched (false positives): ${[...neg].map(([l, r]) => `${l} ${pct(r.fp, r.n)} (${r.fp}/${r.n})`).join(', ') || 'none run'}`)
  console.log(`\nfingerprinting: ${(audioSeconds / (fpMs / 1000)).toFixed(0)}× real time over ${(audioSeconds / 3600).toFixed(2)} h of catalog audio` +
    (stereo44Seconds > 0 ? `; ${(stereo44Seconds / (stereo44Ms / 1000)).toFixed(0)}× on its 44.1 kHz stereo files` : ''))
  console.log(`query (10 s snippets, match only): median ${quantile(queryMs, 0.5).toFixed(2)} ms, p95 ${quantile(queryMs, 0.95).toFixed(2)} ms`)
  console.log(`index: ${stats.tracks} tracks, ${(stats.hashes / stats.seconds).toFixed(1)} hashes/s; in memory ${(stats.bytes / 1e6 / hours).toFixed(3)} MB/h, on disk ${(bytes.length / 1e6 / hours).toFixed(3)} MB/h (${(bytes.length / 1e6).toFixed(2)} MB for ${hours.toFixed(2)} h)`)
}

main()
