// Issue 7, kill -9: the small version of bench/faults-scan.ts (which runs ≥ 20 kills; counts in
// docs/reliability/scan.md). Real `catalog build` and `scan` processes, SIGKILLed; the catalog
// and the report must be the old or the new complete one, and the next start must succeed.
// Whatever moment the kill lands at (early on a busy machine, late on a quiet one), the same
// assertions hold: no timing is assumed.
import { rmSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { killBuild, killScan, makeFaultWorld, newCounts, type World } from '../../bench/faults-scan.js'
import { rng } from '../support/synth.js'

let w: World
beforeAll(async () => { w = await makeFaultWorld(6, 4) })
afterAll(() => { rmSync(w.dir, { recursive: true, force: true }) })

it('kill -9 at a random moment of catalog build and of scan damages nothing (3 kills)', async () => {
  const random = rng(20261126)
  const c = newCounts()
  await killBuild(w, c, Math.round(random() * w.buildMs), false)
  await killScan(w, c, Math.round(random() * w.scanMs), false)
  await killBuild(w, c, Math.round(random() * w.buildMs), false)
  expect(c.notes.filter((n) => !/left:/.test(n))).toEqual([])
  expect(c).toMatchObject({ kills: 3, damaged: 0, failedRestarts: 0 })
})

const atRename = newCounts()
it('kill -9 between the temporary write and the rename: old outputs intact, the next start succeeds', async () => {
  await killBuild(w, atRename, 0, true)
  await killScan(w, atRename, 0, true)
  expect(atRename).toMatchObject({ kills: 2, landed: 2, damaged: 0, failedRestarts: 0 })
})

// Expects the stale-temp-file cleanup at start that another branch adds to atomic.ts (issue 7,
// item 8). Until that is merged the temporary files stay, so this is marked `fails`: turn it
// into a plain `it` after the merge.
it('… and no temporary file is left after the next start', () => {
  expect(atRename.kills).toBe(2)
  expect(atRename.leftoverTemps).toBe(0)
})
