/**
 * `peakmatch serve --nats …` from the TypeScript source, with the bin's signal handling (cli.ts
 * run): what scripts/local-cluster.ts starts for each shard replica and the gateway.
 */
import { cmdServeCluster } from '../packages/node/src/commands/serve-cluster.js'
import { CliError } from '../packages/node/src/errors.js'

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
try {
  process.exitCode = await cmdServeCluster(process.argv.slice(2), {
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: false, signal: controller.signal,
  })
} catch (e) {
  process.stderr.write(`peakmatch: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exitCode = e instanceof CliError ? e.exitCode : 5
}
