/** A tiny seeded catalog and its queries for the service tests, and helpers to call an app. */
import { pack } from 'msgpackr'
import { Catalog, fingerprint, fingerprintToBytes, type Fingerprint } from '../../src/index.js'
import type { Service } from '../../packages/node/src/service/http.js'
import { excerpt, synthMusic, withNoise } from '../support/synth.js'

export const FINGERPRINT_TYPE = 'application/octet-stream'
export const BATCH_TYPE = 'application/vnd.peakmatch.batch+msgpack'

export interface World {
  /** Builds a fresh catalog of the world's tracks (tests that change a catalog take their own). */
  catalog(): Catalog
  /** A 10 s noisy excerpt of track-502, 6 s in; a whole copy of track-501; a 20 s piece not in the catalog. */
  snippet: Fingerprint
  whole: Fingerprint
  unknown: Fingerprint
  /** A print made with other fingerprint options than the catalog's. */
  foreign: Fingerprint
}

let cached: World | undefined

/** Three 20 s tracks (seeds 501–503; 501 and 503 two editions of one recording). Made once per file. */
export function world(): World {
  if (cached) return cached
  const audio = [501, 502, 503].map((seed) => synthMusic(seed, 20, 22050, 1))
  const prints = audio.map((a) => fingerprint(a))
  const catalog = () => {
    const c = new Catalog()
    c.add('track-501', prints[0]!, { title: 'Five-oh-one', artist: 'Synth' }, { recordingId: 'rec-1', quality: { codec: 'mp3', bitrateKbps: 128 } })
    c.add('track-502', prints[1]!, { title: 'Five-oh-two' })
    c.add('track-503', prints[2]!, undefined, { recordingId: 'rec-3', quality: { codec: 'flac', lossless: true, sampleRate: 44100, bitDepth: 16 } })
    return c
  }
  cached = {
    catalog,
    snippet: fingerprint(withNoise(excerpt(audio[1]!, 6, 10), 10, 7)),
    whole: prints[0]!,
    unknown: fingerprint(synthMusic(599, 20, 22050, 1)),
    foreign: fingerprint(excerpt(audio[1]!, 6, 10), { threshold: 0.7 }),
  }
  return cached
}

export const bytesOf = (fp: Fingerprint): Buffer => Buffer.from(fingerprintToBytes(fp))
export const batchOf = (doc: unknown): Buffer => Buffer.from(pack(doc))

/** POST a body; the answer's status, JSON and headers. */
export async function post(s: Service, url: string, body: Buffer | string | undefined, type: string | undefined = FINGERPRINT_TYPE, headers: Record<string, string> = {}) {
  const r = await s.app.inject({ method: 'POST', url, ...(body !== undefined ? { payload: body } : {}), headers: { ...(type ? { 'content-type': type } : {}), ...headers } })
  return { status: r.statusCode, json: r.json() as any, headers: r.headers }
}
