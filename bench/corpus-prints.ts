/**
 * The dev corpus (../shared/corpus/make-dev-corpus.sh) as fingerprints, computed once and cached
 * in one file, so that bench/scale.ts does not decode and fingerprint ~9 GB of WAV for every
 * catalog size it builds (its child processes each load the cache instead).
 *
 *   tsx bench/corpus-prints.ts [--corpus /work/corpus]     builds (or reuses) the cache and prints a summary
 *
 * The cache is <corpus>/.prints.bin: msgpackr of { key, prints: CorpusPrint[] }, each print's
 * fingerprint as fingerprintToBytes() (≈ 4 bytes a hash). `key` names the corpus's manifest.json
 * and catalog.json by size and mtime, the default front end and QUERY_GRIDS: a corpus remade, or
 * a front end that hashes differently, rebuilds the cache instead of reusing stale prints.
 * Snippet queries are fingerprinted on QUERY_GRIDS frame grids, as the hosts make a query;
 * tracks and whole files on one (a catalog indexes one; identify uses one).
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pack, unpack } from 'msgpackr'
import { Catalog, DEFAULT_FRONT_END, QUERY_GRIDS, fingerprint, fingerprintFromBytes, fingerprintToBytes, type Fingerprint } from '../src/index.js'
import { parseWav } from './wav.js'

/** One corpus file's fingerprint: a catalog track, a snippet query or a whole-file query. */
export interface CorpusPrint {
  id: string
  kind: 'track' | 'snippet' | 'whole'
  degradation: string
  /** Snippet length in seconds; 0 for tracks and whole files. */
  lengthS: number
  /** The catalog track the query comes from; null for out-of-catalog queries (and for tracks). */
  expected: string | null
  /** Where the snippet sits in the expected track, seconds (more than one when the music repeats). */
  offsets: number[]
  bytes: Uint8Array
}

interface Manifest { file: string; kind: string; degradation: string; lengthS: number | null; expectedTrackId: string | null; expectedOffsetS: number | null; alsoAtS?: number[] }

const CACHE_NAME = '.prints.bin'

function cacheKey(dir: string): string {
  const stamp = (f: string) => { const s = statSync(join(dir, f)); return `${f}:${s.size}:${s.mtimeMs}` }
  return JSON.stringify([stamp('manifest.json'), stamp('catalog.json'), DEFAULT_FRONT_END, QUERY_GRIDS])
}

/**
 * The corpus's prints, from the cache when its key matches, else fingerprinted now (with
 * default options, as bench/accuracy.ts does) and cached. `log` hears progress.
 */
export function loadCorpusPrints(dir: string, log: (line: string) => void = () => {}): CorpusPrint[] {
  const path = join(dir, CACHE_NAME)
  const key = cacheKey(dir)
  if (existsSync(path)) {
    const cached = unpack(readFileSync(path)) as { key: string; prints: CorpusPrint[] }
    if (cached.key === key) return cached.prints
    log(`${path} is for another corpus or front end: rebuilding it`)
  }
  const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8')) as { trackId: string; file: string }[]
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest[]
  const jobs: { file: string; print: Omit<CorpusPrint, 'bytes'> }[] = [
    ...catalog.map((t) => ({ file: t.file, print: { id: t.trackId, kind: 'track' as const, degradation: '', lengthS: 0, expected: null, offsets: [] } })),
    ...manifest.filter((q) => q.kind === 'snippet' || q.kind === 'whole').map((q) => ({
      file: q.file,
      print: {
        id: q.file, kind: q.kind as 'snippet' | 'whole', degradation: q.degradation, lengthS: q.lengthS ?? 0, expected: q.expectedTrackId,
        offsets: q.expectedOffsetS === null ? [] : [q.expectedOffsetS, ...(q.alsoAtS ?? [])],
      },
    })),
  ]
  const prints: CorpusPrint[] = []
  const t0 = performance.now()
  let audioSeconds = 0
  for (let j = 0; j < jobs.length; j++) {
    const { file, print } = jobs[j]!
    const wav = parseWav(readFileSync(join(dir, file)))
    audioSeconds += wav.channels[0]!.length / wav.sampleRate
    prints.push({ ...print, bytes: fingerprintToBytes(fingerprint(wav, { grids: print.kind === 'snippet' ? QUERY_GRIDS : 1 })) })
    if ((j + 1) % 100 === 0 || j + 1 === jobs.length) {
      const s = (performance.now() - t0) / 1000
      log(`fingerprinted ${j + 1}/${jobs.length} files, ${(audioSeconds / 3600).toFixed(1)} h of audio in ${s.toFixed(0)} s`)
    }
  }
  // Write then rename: a run killed mid-write leaves no half cache that a later run would trust.
  writeFileSync(`${path}.tmp`, pack({ key, prints }))
  renameSync(`${path}.tmp`, path)
  return prints
}

/** A print's fingerprint (decoded on each call: callers keep only what they need). */
export function printFingerprint(p: CorpusPrint): Fingerprint {
  return fingerprintFromBytes(p.bytes)
}

/** The corpus's catalog tracks as a Catalog, each with its id as its title (what the service and cluster benches serve). */
export function corpusCatalog(prints: readonly CorpusPrint[]): Catalog {
  const catalog = new Catalog()
  for (const p of prints) if (p.kind === 'track') catalog.add(p.id, printFingerprint(p), { title: p.id })
  return catalog
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--corpus')
  const dir = i >= 0 ? process.argv[i + 1]! : '/work/corpus'
  const t0 = performance.now()
  const prints = loadCorpusPrints(dir, console.log)
  const count = (k: string) => prints.filter((p) => p.kind === k).length
  const bytes = prints.reduce((s, p) => s + p.bytes.length, 0)
  console.log(`${prints.length} prints (${count('track')} tracks, ${count('snippet')} snippets, ${count('whole')} whole files), ` +
    `${(bytes / 1e6).toFixed(1)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}
