/**
 * What Fingerprinter.snapshot(since) of a 20 s window costs on one frame grid and on two
 * (Fingerprint.offGrid; docs/browser.md): a seeded 60 s piece of 48 kHz mono pushed in 4096-sample
 * blocks for 1 and 10 minutes, then 200 snapshots of its last 20 s, wall time (performance.now).
 *
 *   npx tsx bench/snapshot-grids.ts
 */
import { Fingerprinter } from '../src/index.js'
import { synthMusic } from '../test/support/synth.js'

const piece = synthMusic(5, 60, 48000, 1).channels[0]!
for (const grids of [1, 2]) {
  for (const minutes of [1, 10]) {
    const f = new Fingerprinter({ sampleRate: 48000, grids })
    for (let m = 0; m < minutes; m++) for (let at = 0; at < piece.length; at += 4096) f.push(piece.subarray(at, at + 4096))
    const times: number[] = []
    for (let r = 0; r < 200; r++) {
      const t0 = performance.now()
      f.snapshot(minutes * 60 - 20)
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    console.log(`grids ${grids}, after ${minutes} min: snapshot of 20 s p50 ${(times[100]! * 1000).toFixed(0)} µs, p95 ${(times[190]! * 1000).toFixed(0)} µs`)
  }
}
