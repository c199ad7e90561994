import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

/**
 * Starts a CPU profile of this process (node's inspector) and returns what stops it and writes it
 * to `out` (a .cpuprofile for Chrome's or VS Code's viewer): for timing a stretch of a bench and
 * not its set-up (bench/query-time.ts, bench/screen-cost.ts --profile).
 */
export async function startCpuProfile(out: string): Promise<() => Promise<void>> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return async () => {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(out, JSON.stringify(profile))
    session.disconnect()
  }
}
