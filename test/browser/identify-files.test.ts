import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sample } from '../../examples/web/make-demo.js'
import { DATA_DIR, artifactPath, openPage, type Session } from './support.js'

let s: Session
const samples = (): Sample[] => JSON.parse(readFileSync(join(DATA_DIR, 'samples.json'), 'utf8')) as Sample[]

beforeAll(async () => { s = await openPage() })
afterAll(async () => { await s?.close() })

/** Chooses `file` in the page's file input and waits for its result card to settle. */
async function identify(file: string) {
  const before = await s.page.locator('.result').count()
  await s.page.setInputFiles('#audio-file', file)
  const card = s.page.locator('.result').first()
  await s.page.waitForFunction((n) => document.querySelectorAll('.result').length > n, before)
  await s.page.waitForFunction(() => document.querySelector('.result')?.getAttribute('data-state') !== 'pending', undefined, { timeout: 30_000 })
  return card
}

describe('the demo page in Chromium', () => {
  it('loads the demo catalog under a strict Content-Security-Policy', async () => {
    expect(await s.page.locator('#catalog-status').getAttribute('data-tracks')).toBe('8')
    expect(s.errors).toEqual([])
  })

  it('a degraded excerpt of a catalog track: the right track, its offset, and the plot', async () => {
    const sample = samples().find((x) => x.file === 'excerpt-degraded.wav')!
    const t0 = performance.now()
    const card = await identify(join(DATA_DIR, sample.file))
    const ms = performance.now() - t0
    expect(await card.getAttribute('data-state')).toBe('match')
    expect(await card.getAttribute('data-track-id')).toBe(sample.expectedTrackId)
    expect(await card.locator('.track').textContent()).toBe('Cobalt Steps')
    expect(await card.locator('.answer').textContent()).toContain('at 0:12.5 in the track')
    expect(await card.locator('canvas').count()).toBe(1)
    await s.page.screenshot({ path: artifactPath('identify-degraded-excerpt.png'), fullPage: true })
    console.log(`degraded excerpt identified in the page in ${ms.toFixed(0)} ms (choose → result)`)
    expect(s.errors).toEqual([])
  })

  it('an excerpt of a piece that is not in the catalog: "no match"', async () => {
    const card = await identify(join(DATA_DIR, 'excerpt-unknown.wav'))
    expect(await card.getAttribute('data-state')).toBe('nomatch')
    expect(await card.locator('.answer').textContent()).toMatch(/^No match/)
    await s.page.screenshot({ path: artifactPath('identify-unknown-excerpt.png'), fullPage: true })
  })

  it('a file the browser cannot decode: a clear message, no crash', async () => {
    const file = artifactPath('not-audio.wav')
    writeFileSync(file, 'this is not audio at all, just text with a .wav name\n'.repeat(50))
    const card = await identify(file)
    expect(await card.getAttribute('data-state')).toBe('error')
    expect(await card.locator('.answer').textContent()).toContain('could not be decoded')
  })

  it('an empty catalog file: says so, and refuses to identify', async () => {
    const empty = await s.page.evaluate(() => {
      const pm = (window as unknown as { __peakmatch: { Catalog: new () => { toBytes(): Uint8Array } } }).__peakmatch
      return Array.from(new pm.Catalog().toBytes())
    })
    const file = artifactPath('empty.pmx')
    writeFileSync(file, Uint8Array.from(empty))
    await s.page.setInputFiles('#catalog-file', file)
    await s.page.locator('#message:not([hidden])').waitFor()
    expect(await s.page.locator('#message').textContent()).toContain('The catalog is empty')
    expect(await s.page.locator('#catalog-status').getAttribute('data-tracks')).toBe('0')
    // …and choosing a file now gives the message instead of a result.
    const cards = await s.page.locator('.result').count()
    await s.page.setInputFiles('#audio-file', join(DATA_DIR, 'excerpt-degraded.wav'))
    await s.page.waitForTimeout(300)
    expect(await s.page.locator('.result').count()).toBe(cards)
    expect(await s.page.locator('#message').textContent()).toContain('The catalog is empty')
  })
})
