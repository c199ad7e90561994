/**
 * One writer per catalog file. `catalog add` and `remove` (and `build -o`) load, change and
 * rewrite a catalog: two at once (two cron jobs, an operator and a script) would each write their
 * own version, and the last rename would silently drop the other's tracks. The file is locked
 * for the whole load-change-write; a second command waits for the first, says so once, and then
 * loads what the first wrote.
 *
 * The lock is a directory, `<catalog>.lock` (mkdir is atomic, also on network file systems),
 * holding owner.json: host, PID and the process's start time. A lock whose owner is on this host
 * and no longer runs (kill -9, a crash, a power cut) is taken over at once. Not an mtime
 * heartbeat, as proper-lockfile keeps (tried first): loading or saving a catalog of many GB is
 * synchronous, a heartbeat timer cannot fire meanwhile, and a waiting process would take a live
 * lock as stale. A lock held from another host is taken over only when its owner.json has not
 * been touched for REMOTE_STALE_MS (the holder touches it every TOUCH_MS while its event loop runs).
 */
import { mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { CliError, errorMessage } from './errors.js'

const POLL_MS = 200
const TOUCH_MS = 30_000
const REMOTE_STALE_MS = 10 * 60_000
/** A lock directory without a readable owner.json (its maker died between mkdir and write) is stale after this. */
const ORPHAN_STALE_MS = 10_000

interface Owner { host: string; pid: number; started: string }

/** A catalog that a command changes must be a file that is there: exit 3 otherwise, as loadCatalog says. */
export function requireCatalog(path: string): void {
  let st
  try { st = statSync(path) } catch (e) { throw new CliError(3, `cannot read catalog ${path}: ${errorMessage(e)}`) }
  if (!st.isFile()) throw new CliError(3, `cannot read catalog ${path}: not a file`)
}

export interface CatalogLock {
  /** Throws CliError(4) if the lock is no longer ours (taken over by another host): do not write then. */
  check(): void
  release(): Promise<void>
}

/** Locks `path` (which need not exist yet) for writing; `waiting` is told once if another holds it. */
export async function lockCatalog(path: string, waiting: (message: string) => void): Promise<CatalogLock> {
  const dir = `${path}.lock`
  const me: Owner = { host: hostname(), pid: process.pid, started: startTime(process.pid) }
  let told = false
  for (;;) {
    try {
      mkdirSync(dir)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new CliError(4, `cannot lock ${path} for writing: ${errorMessage(e)}`)
    }
    if (stale(dir)) { rmSync(dir, { recursive: true, force: true }); continue }
    if (!told) { waiting(`waiting for another peakmatch that is changing ${path} (its lock: ${dir})`); told = true }
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
  const ownerFile = join(dir, 'owner.json')
  try { writeFileSync(ownerFile, JSON.stringify(me)) } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw new CliError(4, `cannot lock ${path} for writing: ${errorMessage(e)}`)
  }
  const touch = setInterval(() => { try { const now = new Date(); utimesSync(ownerFile, now, now) } catch { /* checked before writing */ } }, TOUCH_MS)
  touch.unref()
  // Ctrl-C twice (process.exit) or an error thrown past us: the lock goes with the process.
  const onExit = (): void => { if (ours()) rmSync(dir, { recursive: true, force: true }) }
  process.on('exit', onExit)
  const ours = (): boolean => {
    const o = readOwner(ownerFile)
    return o !== undefined && o.host === me.host && o.pid === me.pid && o.started === me.started
  }
  return {
    check: () => { if (!ours()) throw new CliError(4, `the lock on ${path} was taken over while this command held it: nothing was written, run it again`) },
    release: async () => {
      clearInterval(touch)
      process.off('exit', onExit)
      if (ours()) rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Whether the lock in `dir` belongs to nobody alive (see the module's comment). */
function stale(dir: string): boolean {
  const file = join(dir, 'owner.json')
  const owner = readOwner(file)
  if (!owner) return ageMs(dir) > ORPHAN_STALE_MS
  if (owner.host !== hostname()) return ageMs(file) > REMOTE_STALE_MS
  if (!alive(owner.pid)) return true
  // A live PID that started at another time is another process that reuses the number.
  const started = startTime(owner.pid)
  return started !== '' && owner.started !== '' && started !== owner.started
}

function readOwner(file: string): Owner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Owner
    return typeof o.host === 'string' && Number.isInteger(o.pid) && typeof o.started === 'string' ? o : undefined
  } catch {
    return undefined
  }
}

function ageMs(path: string): number {
  try { return Date.now() - statSync(path).mtimeMs } catch { return Infinity }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM' }
}

/** The process's start time in clock ticks since boot (Linux /proc/PID/stat field 22), or '' where there is none. */
function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}
