/** `peakmatch serve`'s arguments, in process (the running service is process.test.ts's). */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { cli } from '../node/support.js'

it('--help, a missing or damaged catalog, bad numbers, and the cluster flags without the cluster module', async () => {
  const help = await cli('serve', '--help')
  expect(help.code).toBe(0)
  expect(help.out).toMatch(/^Example:\n {2}peakmatch serve --catalog/m)
  expect((await cli('serve')).err).toMatch(/--catalog <catalog\.pmx> is required/)
  const dir = mkdtempSync(join(tmpdir(), 'peakmatch-serve-cmd-'))
  const bad = join(dir, 'bad.pmx')
  writeFileSync(bad, 'not a catalog')
  const damaged = await cli('serve', '--catalog', bad, '--port', '0')
  expect([damaged.code, damaged.err]).toEqual([3, expect.stringMatching(/not a usable catalog/)])
  expect((await cli('serve', '--catalog', join(dir, 'none.pmx'))).code).toBe(3)
  for (const args of [['--port', '70000'], ['--port', 'x'], ['--max-items', '0'], ['--deadline-ms', '-5'], ['--max-body-mb', '1.5']]) {
    const r = await cli('serve', '--catalog', bad, ...args)
    expect(r.code, args.join(' ')).toBe(2)
  }
  const typo = await cli('serve', '--catalog', bad, '--max-item', '3')
  expect(typo.err).toMatch(/unknown option --max-item \(did you mean --max-items\?\)/)
  for (const args of [['--nats', 'nats://127.0.0.1:4222', '--shard', '1/4'], ['--nats', 'nats://x', '--gateway', '--shards', '4']]) {
    const r = await cli('serve', ...args)
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/run a NATS cluster, which this build of peakmatch does not include/)])
  }
})
