/**
 * The `peakmatch` command: build a catalog, scan a library, identify a file, serve a catalog.
 * main() is exported for in-process tests; run() is what the bin (bin.ts → dist/cli.js) calls.
 * Importing this module runs nothing.
 */
import { CliError } from './errors.js'
import { cmdBuild } from './commands/build.js'
import { cmdInfo, cmdList, cmdRemove } from './commands/catalog.js'
import { EXIT, nearest, type Io } from './commands/common.js'
import { cmdDedupe } from './commands/dedupe.js'
import { HELP } from './commands/help.js'
import { cmdIdentify } from './commands/identify.js'
import { cmdScan } from './commands/scan.js'

export { EXIT, type Io } from './commands/common.js'
export { reportPath } from './commands/scan.js'

type Command = (args: string[], io: Io) => Promise<number>
/**
 * serve and catalog split are loaded when asked for: fastify, prom-client and the NATS client
 * add ≈ 0.15 s to a command's start (measured: each 0.04–0.07 s over a bare node), which scan and
 * identify do not need.
 */
const cmdServe: Command = async (args, io) => (await import('./commands/serve.js')).cmdServe(args, io)
const cmdSplit: Command = async (args, io) => (await import('./commands/split.js')).cmdSplit(args, io)
const COMMANDS: Record<string, Command> = { scan: cmdScan, identify: cmdIdentify, dedupe: cmdDedupe, serve: cmdServe }
const CATALOG_COMMANDS: Record<string, Command> = {
  build: (args, io) => cmdBuild(args, io, 'build'), add: (args, io) => cmdBuild(args, io, 'add'), remove: cmdRemove, list: cmdList, info: cmdInfo, split: cmdSplit,
}

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const [cmd, ...rest] = argv
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      const topic = cmd === 'help' ? rest.filter((w) => w !== 'catalog')[0] ?? rest[0] : undefined
      io.out((topic === 'catalog' ? HELP.catalog : topic !== undefined && Object.hasOwn(HELP, topic) && HELP[topic]) || HELP.main!)
      return cmd === undefined ? EXIT.USAGE : EXIT.OK
    }
    if (cmd === '--version' || cmd === '-V') { io.out('peakmatch 0.1.0\n'); return EXIT.OK }
    if (cmd === 'catalog') {
      const [sub, ...args] = rest
      const run = sub !== undefined && Object.hasOwn(CATALOG_COMMANDS, sub) ? CATALOG_COMMANDS[sub] : undefined
      if (run) return await run(args, io)
      if (sub === undefined || sub === '--help' || sub === '-h') { io.out(HELP.catalog!); return sub === undefined ? EXIT.USAGE : EXIT.OK }
      const near = nearest(sub, Object.keys(CATALOG_COMMANDS))
      throw new CliError(EXIT.USAGE, `unknown command: catalog ${sub}${near ? ` (did you mean: peakmatch catalog ${near}?)` : ' (try: peakmatch catalog --help)'}`)
    }
    // Own keys only: `peakmatch constructor` is an unknown command, not Object.prototype's.
    const run = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined
    if (run) return await run(rest, io)
    const near = nearest(cmd, [...Object.keys(COMMANDS), 'catalog'])
    throw new CliError(EXIT.USAGE, `unknown command: ${cmd}${near ? ` (did you mean: peakmatch ${near}?)` : ''}`)
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`peakmatch: ${e.message}\n`)
      if (e.exitCode === EXIT.USAGE) io.err('run `peakmatch --help` for usage\n')
      return e.exitCode
    }
    io.err(`peakmatch: internal error (a bug, please report it): ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
    return EXIT.INTERNAL
  }
}

/**
 * The bin: process.argv in, exit code out; Ctrl-C stops cleanly (a second one at once). `host`
 * overrides Io fields: the bin passes none; tests run the source with a TypeScript worker script.
 */
export async function run(host: Pick<Io, 'workerScript' | 'heartbeatSeconds'> = {}): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.INTERRUPTED)
    process.stderr.write('\nstopping after the files in progress (Ctrl-C again to quit now; outputs are never half-written)\n')
    controller.abort()
  })
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t),
    tty: Boolean(process.stdout.isTTY), errTty: Boolean(process.stderr.isTTY), signal: controller.signal, stdin: process.stdin, ...host,
  })
  process.exitCode = code
}
