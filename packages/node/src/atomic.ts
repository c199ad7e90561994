import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, then
 * rename over the target. A crash at any point leaves either the old file or the new one,
 * never a half-written one. The temporary file is removed when the write itself fails.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  let fd = -1
  try {
    fd = openSync(tmp, 'w', 0o644)
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at)
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
}
