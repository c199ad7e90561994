/**
 * One writer per catalog file. `catalog add` and `remove` load, change and rewrite a catalog:
 * two at once (two cron jobs, an operator and a script) would each write their own version, and
 * the last rename would silently drop the other's tracks. The file is locked for the whole
 * load-change-write; a second command waits for the first, says so once, and then loads what
 * the first wrote.
 *
 * proper-lockfile (the lock npm and many tools use): an atomic mkdir of `<catalog>.lock`, its
 * mtime refreshed while held, so the lock of a process that died (kill -9, a crash) is taken
 * over once stale (10 s), and it also works on network file systems, where a PID file does not.
 */
import { statSync } from 'node:fs'
import lockfile from 'proper-lockfile'
import { CliError, errorMessage } from './errors.js'

/** A catalog that a command changes must be a file that is there: exit 3 otherwise, as loadCatalog says. */
export function requireCatalog(path: string): void {
  let st
  try { st = statSync(path) } catch (e) { throw new CliError(3, `cannot read catalog ${path}: ${errorMessage(e)}`) }
  if (!st.isFile()) throw new CliError(3, `cannot read catalog ${path}: not a file`)
}

export interface CatalogLock {
  /** Throws CliError(4) if the lock was lost while held (its directory removed): do not write then. */
  check(): void
  release(): Promise<void>
}

/** Locks `path` (which need not exist yet) for writing; `waiting` is told once if another holds it. */
export async function lockCatalog(path: string, waiting: (message: string) => void): Promise<CatalogLock> {
  const options = { realpath: false, stale: 10_000, update: 2_000 } as const
  let compromised: Error | undefined
  const onCompromised = (e: Error) => { compromised = e }
  try {
    return wrap(path, await lockfile.lock(path, { ...options, onCompromised }), () => compromised)
  } catch (e) {
    if ((e as { code?: string }).code !== 'ELOCKED') throw new CliError(4, `cannot lock ${path} for writing: ${errorMessage(e)}`)
  }
  waiting(`waiting for another peakmatch that is changing ${path} (its lock: ${path}.lock)`)
  try {
    return wrap(path, await lockfile.lock(path, { ...options, onCompromised, retries: { forever: true, minTimeout: 100, maxTimeout: 1000 } }), () => compromised)
  } catch (e) {
    throw new CliError(4, `cannot lock ${path} for writing: ${errorMessage(e)}`)
  }
}

function wrap(path: string, release: () => Promise<void>, compromised: () => Error | undefined): CatalogLock {
  return {
    check: () => {
      const e = compromised()
      if (e) throw new CliError(4, `the lock on ${path} was lost while this command held it (${errorMessage(e)}): nothing was written, run it again`)
    },
    release: async () => {
      if (compromised()) return
      try { await release() } catch { /* already released or removed */ }
    },
  }
}
