import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Our temporary files: `.<name>.<pid>.<base-36 ms>.tmp` (see writeFileAtomic). */
const TEMP_NAME = /^\.(.+)\.([1-9][0-9]{0,9})\.([0-9a-z]{6,10})\.tmp$/

/**
 * Removes the temporary files a killed writeFileAtomic left in `dir` (a kill between the write
 * and the rename leaves a full-size one): only regular files named exactly as ours whose
 * process is no longer alive (a live process may be writing it). Returns the names removed.
 * Best effort: an unreadable directory or a file that cannot be removed is left as it is.
 */
export function removeStaleTemps(dir: string): string[] {
  const removed: string[] = []
  let names: string[]
  try { names = readdirSync(dir) } catch { return removed }
  for (const name of names) {
    const m = TEMP_NAME.exec(name)
    if (!m || isAlive(Number(m[2]))) continue
    const path = join(dir, name)
    try {
      if (!lstatSync(path).isFile()) continue
      rmSync(path)
      removed.push(name)
    } catch { /* gone already, or not ours to remove */ }
  }
  return removed
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'   // alive, another user's
  }
}

/**
 * Writes `data` — one byte array, or byte arrays written one after another as they come (a
 * catalog's toChunks(), so that a file larger than any one buffer needs one piece of memory at a
 * time) — to `path` atomically: a temporary file in the same directory, fsync, then rename over
 * the target. A crash at any point leaves either the old file or the new one, never a
 * half-written one. The temporary file is removed when the write itself fails (or making a piece
 * throws), and the stale ones earlier killed writers left in the directory are removed first
 * (removeStaleTemps). Returns the bytes written.
 */
export function writeFileAtomic(path: string, data: Uint8Array | Iterable<Uint8Array>): number {
  removeStaleTemps(dirname(path))
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  let fd = -1
  let written = 0
  try {
    fd = openSync(tmp, 'w', 0o644)
    for (const bytes of data instanceof Uint8Array ? [data] : data) {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at)
      written += bytes.length
    }
    fsyncSync(fd)
    closeSync(fd)
    fd = -1
    // Test hook: die between the temporary write and the rename, as a power cut or kill -9 would.
    if (process.env.PEAKMATCH_TEST_CRASH_BEFORE_RENAME === '1') process.kill(process.pid, 'SIGKILL')
    renameSync(tmp, path)
  } catch (e) {
    if (fd >= 0) closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
  try {
    // Make the rename itself durable (not possible on every platform: best effort).
    const dir = openSync(dirname(path), 'r')
    try { fsyncSync(dir) } finally { closeSync(dir) }
  } catch { /* directories cannot be fsynced on Windows */ }
  return written
}
