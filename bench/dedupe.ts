/**
 * `peakmatch dedupe` on a library made from the dev corpus, where the truth is known
 * (docs/scan.md, "Finding duplicates"):
 *
 *   npx tsx bench/dedupe.ts --corpus /work/corpus --lib /tmp/dedupe-lib [--jobs 2]
 *
 * The library (made once in --lib; needs lame and ffmpeg): every catalog track and held-out
 * track, every whole-file degraded query (symbolic links: mp3/aac/ogg round trips, trims, fades,
 * padding, loudness, 22 kHz, mono), 12 other tracks encoded to mp3, m4a, opus and flac, 8 excerpts
 * of 30 s and 5 concatenations of two tracks — the last two are no copy of anything. Scored over
 * pairs of files: same predicted group vs same source recording.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { dedupeLibrary, FingerprintCache } from '../packages/node/src/index.js'
import { rng } from '../test/support/synth.js'

const workerScript = new URL('../test/support/scan-worker.mjs', import.meta.url)
const argv = process.argv.slice(2)
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const corpus = arg('--corpus'), lib = arg('--lib')
if (!corpus || !lib) { console.error('usage: npx tsx bench/dedupe.ts --corpus DIR --lib DIR [--jobs 2]'); process.exit(2) }
const jobs = Number(arg('--jobs') ?? 2)

interface Track { trackId: string; file: string }
interface Query { file: string; kind: string; degradation: string; sourceTrackId: string | null }
const read = <T>(name: string): T => JSON.parse(readFileSync(join(corpus, name), 'utf8')) as T
const catalog = read<Track[]>('catalog.json'), negatives = read<Track[]>('negatives.json'), manifest = read<Query[]>('manifest.json')

/** path in the library → the recording it holds (excerpts and mixes: a label of their own). */
const truth = new Map<string, string>()
const link = (src: string, rel: string, label: string) => {
  const p = join(lib, rel)
  mkdirSync(dirname(p), { recursive: true })
  if (!existsSync(p) && !lstatExists(p)) symlinkSync(src, p)
  truth.set(p, label)
}
const lstatExists = (p: string) => { try { lstatSync(p); return true } catch { return false } }
const make = (cmd: string[], rel: string, label: string) => {
  const p = join(lib, rel)
  mkdirSync(dirname(p), { recursive: true })
  if (!existsSync(p)) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), p], { stdio: 'ignore' })
    if (r.status !== 0) { rmSync(p, { force: true }); throw new Error(`${cmd.join(' ')} failed`) }
  }
  truth.set(p, label)
}
for (const t of catalog) link(join(corpus, t.file), `catalog/${t.trackId}.wav`, t.trackId)
for (const t of negatives) link(join(corpus, t.file), `negatives/${t.trackId}.wav`, t.trackId)
const whole = manifest.filter((q) => q.kind === 'whole')
for (const q of whole) link(join(corpus, q.file), `whole/${q.degradation}/${basename(q.file)}`, q.sourceTrackId!)
const sources = new Set(whole.map((q) => q.sourceTrackId))
const rest = catalog.map((t) => t.trackId).filter((id) => !sources.has(id)).sort()
const random = rng(7)
const encoded = rest.slice().sort(() => random() - 0.5).slice(0, 12)
const master = (id: string) => join(corpus, 'catalog', `${id}.wav`)
for (const id of encoded) {
  make(['lame', '--quiet', '-V2', master(id)], `encoded/${id}.mp3`, id)
  make(['ffmpeg', '-loglevel', 'error', '-y', '-i', master(id), '-c:a', 'aac', '-b:a', '128k'], `encoded/${id}.m4a`, id)
  make(['ffmpeg', '-loglevel', 'error', '-y', '-i', master(id), '-c:a', 'libopus', '-b:a', '96k'], `encoded/${id}.opus`, id)
  make(['ffmpeg', '-loglevel', 'error', '-y', '-i', master(id), '-c:a', 'flac'], `encoded/${id}.flac`, id)
}
const others = rest.filter((id) => !encoded.includes(id))
for (const id of others.slice(0, 8)) make(['ffmpeg', '-loglevel', 'error', '-y', '-ss', '40', '-t', '30', '-i', master(id), '-c:a', 'libmp3lame', '-b:a', '192k'], `excerpts/${id}-30s.mp3`, `excerpt:${id}`)
for (let i = 8; i < 18; i += 2) {
  const [a, b] = [others[i]!, others[i + 1]!]
  // ffmpeg's concat filter, after bringing both to one rate and layout (sox refuses to join files of two rates)
  const norm = 'aresample=44100,aformat=sample_fmts=fltp:channel_layouts=stereo'
  make(['ffmpeg', '-loglevel', 'error', '-y', '-i', master(a), '-i', master(b), '-filter_complex', `[0:a]${norm}[x];[1:a]${norm}[y];[x][y]concat=n=2:v=0:a=1`, '-c:a', 'libmp3lame', '-b:a', '192k'], `mixes/${a}+${b}.mp3`, `mix:${a}+${b}`)
}
console.log(`library: ${truth.size} files in ${lib}`)

const cachePath = join(lib, '..', `${basename(lib)}.cache.lmdb`)
rmSync(cachePath, { force: true }); rmSync(`${cachePath}-lock`, { force: true })
for (const pass of ['cold cache', 'from the cache']) {
  const cache = await FingerprintCache.open(cachePath)
  const t0 = performance.now()
  const r = await dedupeLibrary([lib], { jobs, cache, workerScript })
  const seconds = (performance.now() - t0) / 1000
  const group = new Map<string, string>()
  r.groups.forEach((g, k) => { for (const f of [g.keep, ...g.duplicates]) group.set(f.path, `g${k}`) })
  for (const p of r.unique) group.set(p, p)
  const files = [...truth.keys()].filter((p) => group.has(p))
  let tp = 0, fp = 0, fn = 0
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const same = truth.get(files[i]!) === truth.get(files[j]!), together = group.get(files[i]!) === group.get(files[j]!)
      if (same && together) tp++; else if (together) fp++; else if (same) fn++
    }
  }
  const labels = new Map<string, string[]>()
  for (const p of files) labels.set(truth.get(p)!, [...(labels.get(truth.get(p)!) ?? []), p])
  const trueGroups = [...labels.values()].filter((v) => v.length > 1)
  const exact = trueGroups.filter((v) => new Set(v.map((p) => group.get(p))).size === 1 && files.filter((q) => group.get(q) === group.get(v[0]!)).length === v.length).length
  console.log(`${pass}: ${r.summary.files} files, ${(r.summary.audioSeconds / 3600).toFixed(1)} h, ${seconds.toFixed(0)} s (${(r.summary.audioSeconds / seconds).toFixed(0)}× real time, --jobs ${jobs}); ` +
    `${r.groups.length} groups (truth ${trueGroups.length}, ${exact} exactly right); pairs: ${tp} right, ${fp} wrong, ${fn} missed ` +
    `(precision ${(tp / Math.max(1, tp + fp)).toFixed(3)}, recall ${(tp / Math.max(1, tp + fn)).toFixed(3)}); ${files.length} of ${truth.size} files compared; ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`)
}
