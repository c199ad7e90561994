import { readdirSync, statSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'

/** Extensions of the files a scan reads; everything else in a library is ignored, not an error. */
export const AUDIO_EXTENSIONS = new Set([
  'mp3', 'm4a', 'm4b', 'm4p', 'mp4', 'aac', 'flac', 'ogg', 'oga', 'opus', 'wav', 'wave', 'aif', 'aiff', 'aifc',
  'wma', 'webm', 'mka', 'caf', 'wv', 'ape', 'mpc', 'tta',
])

export interface AudioFile {
  /** Absolute path. */
  path: string
  /** The directory given on the command line that holds it (for relative names). */
  root: string
  size: number
  mtimeMs: number
}

export interface WalkResult {
  files: AudioFile[]
  /** Files skipped because their extension is not audio (cover art, playlists, …). */
  ignored: number
}

export function isAudioPath(path: string): boolean {
  return AUDIO_EXTENSIONS.has(extname(path).slice(1).toLowerCase())
}

/**
 * Audio files under `paths` (files or directories), recursively, in a stable (sorted) order.
 * Hidden entries (".…") are skipped, and symbolic links to directories are not followed
 * (no cycles). A path given explicitly is taken whatever its extension.
 */
export function walkAudio(paths: readonly string[]): WalkResult {
  const files: AudioFile[] = []
  let ignored = 0
  const seen = new Set<string>()
  const visit = (dir: string, root: string): void => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const e of entries) {
      if (e.name.startsWith('.')) continue
      const p = join(dir, e.name)
      if (e.isDirectory()) visit(p, root)
      else if (e.isFile() || e.isSymbolicLink()) {
        if (!isAudioPath(p)) { ignored++; continue }
        let st
        try { st = statSync(p) } catch { continue }   // a dangling link
        if (!st.isFile() || seen.has(p)) continue
        seen.add(p)
        files.push({ path: p, root, size: st.size, mtimeMs: st.mtimeMs })
      }
    }
  }
  for (const given of paths) {
    const p = resolve(given)
    const st = statSync(p)
    if (st.isDirectory()) visit(p, p)
    else if (!seen.has(p)) { seen.add(p); files.push({ path: p, root: resolve(p, '..'), size: st.size, mtimeMs: st.mtimeMs }) }
  }
  return { files, ignored }
}
