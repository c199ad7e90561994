// Issue 7, item 7: Ctrl-C used to replace a complete report.csv with a partial one that carried
// no marker. A partial report now goes beside the complete one, named <name>.partial.<ext>.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../packages/node/src/cli.js'
import { WORKER_SCRIPT, cli, makeWorld } from './support.js'

describe('an interrupted scan never replaces a complete report', () => {
  const world = makeWorld()
  const pmx = join(world.dir, 'catalog.pmx')
  beforeAll(async () => {
    expect((await cli('catalog', 'build', world.masters, '-o', pmx, '--jobs', '0')).code).toBe(0)
  })
  const interrupted = async (...argv: string[]) => {
    const controller = new AbortController()
    controller.abort()   // Ctrl-C before the first file: the scan stops at once, interrupted
    let out = ''
    const code = await main(argv, { out: (t) => { out += t }, err: () => {}, tty: false, signal: controller.signal, workerScript: WORKER_SCRIPT })
    return { code, out }
  }

  for (const ext of ['csv', 'json']) {
    it(`writes the partial .${ext} beside the complete one, and a complete run removes it`, async () => {
      const report = join(world.dir, `report.${ext}`), partial = join(world.dir, `report.partial.${ext}`)
      const args = ['scan', world.library, '--catalog', pmx, '--no-cache', '--jobs', '0', '--report', report]
      expect((await cli(...args)).code).toBe(1)
      const complete = readFileSync(report)
      expect(complete.toString()).toContain('song-a.mp3')

      const r = await interrupted(...args)
      expect(r.code).toBe(130)
      expect(readFileSync(report).equals(complete)).toBe(true)   // the complete one, untouched
      expect(existsSync(partial)).toBe(true)
      expect(r.out).toMatch(/report\.partial\.(csv|json) \(partial: the scan was interrupted/)
      if (ext === 'json') expect(JSON.parse(readFileSync(partial, 'utf8')).interrupted).toBe(true)

      expect((await cli(...args)).code).toBe(1)
      expect(existsSync(partial)).toBe(false)
      expect(existsSync(report)).toBe(true)
    })
  }
})
