/**
 * What the cluster tests share: a seeded catalog of synthetic recordings (some with two
 * editions, with metadata and quality), real nats-server processes (scripts/local-cluster.ts),
 * and whether to run at all: without nats-server, the tests skip with a message, except in CI
 * (.ci/run installs it), where its absence fails them.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Catalog, fingerprint, type CatalogOptions, type Fingerprint } from '../../src/index.js'
import { natsServerAvailable, NATS_SERVER } from '../../scripts/local-cluster.js'
import { excerpt, synthMusic, withNoise, type Audio } from '../support/synth.js'

export const HAVE_NATS = natsServerAvailable()
if (!HAVE_NATS && process.env.CI) throw new Error(`${NATS_SERVER} is missing: .ci/run installs Debian's nats-server; the cluster tests need it`)
export const SKIP_MESSAGE = `cluster tests skipped: ${NATS_SERVER} not found (apt-get install nats-server; CI installs it)`
if (!HAVE_NATS) console.warn(SKIP_MESSAGE)

export function tempDir(what: string): string { return mkdtempSync(join(tmpdir(), `peakmatch-${what}-`)) }

export interface World {
  catalog: Catalog
  pieces: Audio[]
  /** Queries: excerpts (snippets) and noisy whole copies of catalog pieces, and pieces not in it. */
  queries: { name: string; fp: Fingerprint }[]
}

/**
 * `recordings` seeded pieces of 30 s; every third one has a second edition (the same audio as
 * a hi-res master); tracks carry titles and quality, so a split must keep them.
 */
export function makeWorld(recordings = 12, seed = 7000, options: CatalogOptions = {}): World {
  const pieces = Array.from({ length: recordings }, (_, i) => synthMusic(seed + i, 30))
  const catalog = new Catalog(options)
  pieces.forEach((p, i) => {
    const fp = fingerprint(p)
    catalog.add(`t${i}`, fp, { title: `Song ${i}`, artist: `Artist ${i % 4}` }, { recordingId: `rec${i}`, quality: { codec: 'aac', bitrateKbps: 256 } })
    if (i % 3 === 0) catalog.add(`t${i}-hires`, fp, { title: `Song ${i}` }, { recordingId: `rec${i}`, quality: { codec: 'flac', lossless: true, sampleRate: 96000, bitDepth: 24 } })
  })
  const outside = Array.from({ length: 3 }, (_, i) => synthMusic(seed + 500 + i, 30))
  const queries = [
    ...pieces.map((p, i) => ({ name: `snippet of rec${i}`, fp: fingerprint(withNoise(excerpt(p, 5 + (i % 10), 10), 10, i)) })),
    ...pieces.filter((_, i) => i % 2 === 0).map((p, i) => ({ name: `whole copy of rec${i * 2}`, fp: fingerprint(withNoise(excerpt(p, 0, 29), 20, 100 + i)) })),
    ...outside.map((p, i) => ({ name: `outside ${i}`, fp: fingerprint(p) })),
  ]
  return { catalog, pieces, queries }
}
