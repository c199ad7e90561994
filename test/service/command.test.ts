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
  // The cluster's options go to the cluster (commands/serve-cluster.ts): its own usage errors.
  const both = await cli('serve', '--nats', 'nats://127.0.0.1:4222', '--shard', '1/4', '--gateway')
  expect([both.code, both.err]).toEqual([2, expect.stringMatching(/either --shard K\/N .* or --gateway/)])
  const noNats = await cli('serve', '--gateway')
  expect([noNats.code, noNats.err]).toEqual([2, expect.stringMatching(/--nats URL is required/)])
})
