/**
 * What bench/cluster-load.ts and bench/cluster-faults.ts share: the dev corpus's catalog as a
 * file (from bench/corpus-prints.ts's cached fingerprints), its query fingerprints as request
 * bodies, and a bounded HTTP load loop that counts every failure.
 */
import { existsSync } from 'node:fs'
import { fingerprintToBytes } from '../src/index.js'
import { saveCatalog } from '../packages/node/src/scan.js'
import { corpusCatalog, loadCorpusPrints, printFingerprint, type CorpusPrint } from './corpus-prints.js'

export interface DevCorpus { catalogPath: string; tracks: number; snippets: CorpusPrint[]; wholes: CorpusPrint[] }

/** The dev corpus's 96 tracks as a catalog file at `catalogPath` (made once), and its 10 s snippet and whole-file queries. */
export function devCorpus(corpus: string, catalogPath: string): DevCorpus {
  const prints = loadCorpusPrints(corpus, (l) => console.error(l))
  const tracks = prints.filter((p) => p.kind === 'track')
  if (!existsSync(catalogPath)) saveCatalog(corpusCatalog(prints), catalogPath)
  return {
    catalogPath, tracks: tracks.length,
    snippets: prints.filter((p) => p.kind === 'snippet' && p.lengthS === 10),
    wholes: prints.filter((p) => p.kind === 'whole'),
  }
}

export const bodyOf = (p: CorpusPrint): Uint8Array => fingerprintToBytes(printFingerprint(p))

export interface LoadResult {
  requests: number
  ok: number
  /** Answers marked partial (some shard missing). */
  partial: number
  /** Non-2xx answers and transport errors, by status or error text. */
  failed: Record<string, number>
  /** Answers that say "matched" to another recording than the query's. */
  wrongMatched: number
  latenciesMs: number[]
  seconds: number
}

/**
 * `connections` loops, each sending one request after another until `stop()` resolves:
 * /v1/identify with whole-file queries or /v1/match with snippets. Every answer is checked:
 * status, `partial`, and for identify a "matched" to a recording other than the expected one.
 */
export async function runLoad(base: string, kind: 'identify' | 'match', queries: CorpusPrint[], connections: number, until: Promise<void>): Promise<LoadResult> {
  const bodies = queries.map((q) => ({ body: bodyOf(q), expected: q.expected }))
  const r: LoadResult = { requests: 0, ok: 0, partial: 0, failed: {}, wrongMatched: 0, latenciesMs: [], seconds: 0 }
  let stopped = false
  void until.then(() => { stopped = true })
  const t0 = performance.now()
  await Promise.all(Array.from({ length: connections }, async (_, c) => {
    for (let i = c; !stopped; i += connections) {
      const q = bodies[i % bodies.length]!
      const t = performance.now()
      r.requests++
      try {
        const res = await fetch(`${base}/v1/${kind}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: q.body as unknown as BodyInit })
        const json = await res.json() as { partial?: unknown; identification?: { status: string; recordingId?: string } }
        r.latenciesMs.push(performance.now() - t)
        if (!res.ok) { r.failed[res.status] = (r.failed[res.status] ?? 0) + 1; continue }
        r.ok++
        if (json.partial) r.partial++
        const id = json.identification
        if (id?.status === 'matched' && q.expected !== null && id.recordingId !== q.expected) r.wrongMatched++
        if (id?.status === 'matched' && q.expected === null) r.wrongMatched++
      } catch (e) {
        const key = e instanceof Error ? e.message : String(e)
        r.failed[key] = (r.failed[key] ?? 0) + 1
      }
    }
  }))
  r.seconds = (performance.now() - t0) / 1000
  return r
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

export function summary(r: LoadResult): string {
  const s = [...r.latenciesMs].sort((a, b) => a - b)
  const failed = Object.values(r.failed).reduce((a, b) => a + b, 0)
  return `${r.requests} requests in ${r.seconds.toFixed(1)} s (${(r.ok / r.seconds).toFixed(1)} ok/s), p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, p99 ${percentile(s, 99).toFixed(1)} ms; failed ${failed}${failed ? ` ${JSON.stringify(r.failed)}` : ''}, partial ${r.partial}, wrong matched ${r.wrongMatched}`
}
