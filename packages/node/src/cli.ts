/**
 * The `peakmatch` command: build a catalog, scan a library, identify a file.
 * main() is exported for in-process tests; run() is what the bin (bin.ts → dist/cli.js) calls.
 * Importing this module runs nothing.
 */
import { CliError } from './errors.js'
import { cmdBuild } from './commands/build.js'
import { cmdDedupe } from './commands/dedupe.js'
import { EXIT, type Io } from './commands/common.js'
import { HELP } from './commands/help.js'
import { cmdIdentify } from './commands/identify.js'
import { cmdScan } from './commands/scan.js'

export { EXIT, type Io } from './commands/common.js'
export { reportPath } from './commands/scan.js'

/** Runs the CLI; returns the exit code (never calls process.exit). */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const [cmd, ...rest] = argv
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      const topic = cmd === 'help' ? rest[0] : undefined
      io.out((topic === 'catalog' ? HELP.build : topic && HELP[topic]) || HELP.main!)
      return cmd === undefined ? EXIT.USAGE : EXIT.OK
    }
    if (cmd === '--version' || cmd === '-V') { io.out('peakmatch 0.1.0\n'); return EXIT.OK }
    if (cmd === 'catalog') {
      if (rest[0] === 'build') return await cmdBuild(rest.slice(1), io)
      if (rest[0] === '--help' || rest[0] === '-h') { io.out(HELP.build!); return EXIT.OK }
      throw new CliError(EXIT.USAGE, `unknown command: catalog ${rest[0] ?? ''} (try: peakmatch catalog build --help)`)
    }
    if (cmd === 'scan') return await cmdScan(rest, io)
    if (cmd === 'identify') return await cmdIdentify(rest, io)
    if (cmd === 'dedupe') return await cmdDedupe(rest, io)
    throw new CliError(EXIT.USAGE, `unknown command: ${cmd} (try: peakmatch --help)`)
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

/** The bin: process.argv in, exit code out; Ctrl-C stops cleanly (a second one at once). */
export async function run(): Promise<void> {
  const controller = new AbortController()
  let interrupts = 0
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.INTERRUPTED)
    process.stderr.write('\nstopping after the files in progress (Ctrl-C again to quit now; outputs are never half-written)\n')
    controller.abort()
  })
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: Boolean(process.stdout.isTTY), signal: controller.signal,
  })
  process.exitCode = code
}
