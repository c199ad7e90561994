import cliProgress from 'cli-progress'
import type { Progress } from '../scan.js'
import type { Io } from './common.js'

export function progressBar(io: Io, label: string): { update: (p: Progress) => void; stop: () => void } {
  if (!io.tty) return { update: () => {}, stop: () => {} }
  const bar = new cliProgress.SingleBar({
    format: `${label} {bar} {percentage}% | {value}/{total} files | ETA {eta_formatted} | {file}`,
    stream: process.stderr, hideCursor: true, etaBuffer: 20, fps: 5,
  }, cliProgress.Presets.shades_classic)
  let started = false
  return {
    update: (p) => {
      const file = p.path.length > 40 ? `…${p.path.slice(-39)}` : p.path
      if (!started) { bar.start(p.total, 0, { file }); started = true }
      bar.update(p.done, { file })
    },
    stop: () => { if (started) bar.stop() },
  }
}

