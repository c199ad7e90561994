import { Catalog, Fingerprinter, type Fingerprint } from '../../src/index.js'
import { internals } from '../../src/match/catalog.js'
import { synthMusic } from './synth.js'

/**
 * Repetitive audio: a seeded 2 s pattern of synthetic music looped for `seconds`, streamed through
 * one Fingerprinter (so an hour costs no hour of samples in memory). Every landmark of the
 * pattern recurs once per loop, in the file and in a catalog track made of the same file.
 */
export function loopPrint(seconds: number, seed = 7, rate = 8000): Fingerprint {
  const key = `${seconds}/${seed}/${rate}`
  let fp = made.get(key)
  if (!fp) made.set(key, (fp = makeLoop(seconds, seed, rate)))
  return fp
}

/** Loops already fingerprinted (tests ask for the same one twice; nobody mutates a Fingerprint). */
const made = new Map<string, Fingerprint>()

function makeLoop(seconds: number, seed: number, rate: number): Fingerprint {
  const pattern = synthMusic(seed, 2, rate, 1).channels[0]!
  const f = new Fingerprinter({ sampleRate: rate })
  for (let t = 0; t < seconds; t += 2) f.push(pattern)
  return f.finish()
}

/** Most votes any one (query hash, track) pair cast in the last lookup's hits. */
export function maxVotesPerKey(catalog: Catalog, fp: Fingerprint): number {
  const hits = internals(catalog).scratch.hits
  const votes = new Map<number, number>()
  let max = 0
  for (let i = 0; i < hits.count; i++) {
    const k = fp.hashes[hits.query[i]!]! * 65536 + hits.track[i]!
    const v = (votes.get(k) ?? 0) + 1
    votes.set(k, v)
    if (v > max) max = v
  }
  return max
}

/** One measurement for bench/faults-core.ts --loops: a loop of `minutes` identified against itself. */
export function loopRun(minutes: number): Record<string, number | string> {
  const fp = loopPrint(minutes * 60)
  const catalog = new Catalog()
  catalog.add('loop', fp)
  catalog.stats()
  const t0 = performance.now()
  const id = catalog.identify(fp)
  const identifyMs = Math.round(performance.now() - t0)
  const hits = internals(catalog).scratch.hits.count
  return {
    minutes, hashes: fp.hashes.length, identifyMs, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    hits, maxKeyVotes: hits <= 5e6 ? maxVotesPerKey(catalog, fp) : '-', status: id.status,
    coverage: Math.round(id.coverage * 1000) / 1000, offsetSeconds: Math.round(id.offsetSeconds * 1000) / 1000,
  }
}
