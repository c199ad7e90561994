/** `peakmatch serve --nats …`'s arguments: each mistake is a usage error (exit 2) that says what to give. */
import { describe, expect, it } from 'vitest'
import { cmdServeCluster } from '../../packages/node/src/commands/serve-cluster.js'
import { CliError } from '../../packages/node/src/errors.js'

async function run(...args: string[]): Promise<{ code: number; message: string }> {
  try {
    return { code: await cmdServeCluster(args, { out: () => {}, err: () => {}, tty: false }), message: '' }
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, message: e.message }
    throw e
  }
}

describe('peakmatch serve --nats: arguments', () => {
  it('refuses what cannot run, with the reason', async () => {
    expect(await run('--shard', '0/2')).toEqual({ code: 2, message: expect.stringMatching(/--nats URL is required/) })
    expect(await run('--nats', 'nats://127.0.0.1:1')).toEqual({ code: 2, message: expect.stringMatching(/either --shard K\/N .* or --gateway/) })
    expect(await run('--nats', 'nats://127.0.0.1:1', '--shard', '0/2', '--gateway')).toMatchObject({ code: 2 })
    for (const spec of ['2/2', '1', 'a/b', '0/0', '1/2/3']) expect((await run('--nats', 'nats://127.0.0.1:1', '--shard', spec)).message, spec).toMatch(/--shard must be K\/N with 0 ≤ K < N/)
    expect((await run('--nats', 'nats://127.0.0.1:1', '--shard', '0/2', '--port', '80')).message).toMatch(/a shard has no HTTP port/)
    expect((await run('--nats', 'nats://127.0.0.1:1', '--shard', '0/2', '--name', 'a.b')).message).toMatch(/--name must be 1 to 64 letters/)
    expect((await run('--nats', 'nats://127.0.0.1:1', '--gateway', '--catalog', 'x.pmx')).message).toMatch(/the gateway holds no catalog/)
    expect((await run('--nats', 'nats://127.0.0.1:1', '--shard', '0/2', '--shard-timeout')).message).toMatch(/did you mean --shard-timeout-ms/)
    // NATS not there: said so, exit 2
    expect(await run('--nats', 'nats://127.0.0.1:1', '--shard', '0/2')).toEqual({ code: 2, message: expect.stringMatching(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/) })
  })
})
