import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Sample } from '../../examples/web/make-demo.js'
import { DATA_DIR, artifactPath, openPage } from './support.js'

const FAKE_MIC = ['--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required']
const LIMIT_MS = 20_000

describe('Listen, with a WAV file as the microphone', () => {
  it('names the right track within 20 s and stops listening', async () => {
    const sample = (JSON.parse(readFileSync(join(DATA_DIR, 'samples.json'), 'utf8')) as Sample[]).find((x) => x.file === 'mic-excerpt.wav')!
    const s = await openPage([...FAKE_MIC, '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${join(DATA_DIR, sample.file)}`])
    try {
      const t0 = performance.now()
      await s.page.click('#listen')
      await s.page.waitForFunction(() => {
        const state = document.querySelector('.result')?.getAttribute('data-state')
        return state !== undefined && state !== null && state !== 'pending'
      }, undefined, { timeout: LIMIT_MS })
      const ms = performance.now() - t0
      const card = s.page.locator('.result').first()
      await s.page.screenshot({ path: artifactPath('listen-fake-microphone.png'), fullPage: true })
      console.log(`microphone: ${await s.page.locator('#listen-status').textContent()} (${ms.toFixed(0)} ms from the click)`)
      expect(await card.getAttribute('data-state')).toBe('match')
      expect(await card.getAttribute('data-track-id')).toBe(sample.expectedTrackId)
      // The fake microphone plays the file from its start, which is startSeconds into the track.
      expect(Math.abs(Number(await card.getAttribute('data-offset-seconds')) - sample.startSeconds!)).toBeLessThan(1)
      expect(await s.page.locator('#listen-status').textContent()).toMatch(/^Identified after/)
      expect(await s.page.locator('#listen').textContent()).toBe('Listen')      // stopped by itself
      expect(ms).toBeLessThan(LIMIT_MS)
      expect(s.errors).toEqual([])
    } finally {
      await s.close()
    }
  })

  it('Stop while the microphone runs: no chunk is pushed after the stream is closed', async () => {
    // The capture worklet posts a 4096-frame block every ~85 ms from the audio thread, and
    // blocks posted before the async context.close() ends are still delivered after stop().
    // The flake: when the main thread was busy (matching, on a loaded machine) blocks queued
    // up, stop() ran from that busy task, and the queued blocks then reached stream.push()
    // after stream.close(): "push() after finish() or close()". Here the main thread is kept
    // busy for 300 ms (3–4 blocks queue up) and Stop is clicked at the end of the same task.
    const sample = (JSON.parse(readFileSync(join(DATA_DIR, 'samples.json'), 'utf8')) as Sample[]).find((x) => x.file === 'mic-excerpt.wav')!
    const s = await openPage([...FAKE_MIC, '--use-fake-ui-for-media-stream', `--use-file-for-fake-audio-capture=${join(DATA_DIR, sample.file)}`])
    try {
      for (let round = 0; round < 3; round++) {
        await s.page.click('#listen')
        await s.page.waitForFunction(() => document.querySelector('#listen')?.textContent === 'Stop')
        await s.page.waitForTimeout(200 + 100 * round)
        await s.page.evaluate(() => {
          const t0 = performance.now()
          while (performance.now() - t0 < 300) { /* busy, as a long match on a loaded machine */ }
          ;(document.querySelector('#listen') as HTMLButtonElement).click()
        })
        expect(await s.page.locator('#listen-status').textContent()).toBe('Stopped.')
        await s.page.waitForTimeout(400)                           // the queued blocks are delivered by now
      }
      expect(s.errors).toEqual([])
    } finally {
      await s.close()
    }
  })

  it('permission refused: says so', async () => {
    const s = await openPage([...FAKE_MIC, '--deny-permission-prompts'])
    try {
      await s.page.click('#listen')
      await s.page.locator('#message:not([hidden])').waitFor({ timeout: 10_000 })
      expect(await s.page.locator('#message').textContent()).toContain('Microphone permission was refused')
      expect(await s.page.locator('.result').count()).toBe(0)
    } finally {
      await s.close()
    }
  })
})
