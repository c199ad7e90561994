import { createHash } from 'node:crypto'
import { createReadStream, existsSync, readFileSync } from 'node:fs'
import { Packr } from 'msgpackr'
import { DEFAULT_FRONT_END, FORMAT_VERSION, PeakmatchError, fingerprintFromBytes, fingerprintToBytes, frontEndMismatch, type Fingerprint } from 'peakmatch'
import { writeFileAtomic } from './atomic.js'
import type { FileInfo } from './read.js'

const MAGIC = 'peakmatch-fingerprint-cache'
const CACHE_VERSION = 2      // 2: fingerprints as fingerprintToBytes (stamped, checksummed)
const packr = new Packr({ useRecords: false, moreTypes: false })

interface Entry {
  size: number
  mtimeMs: number
  /** SHA-256 of the content, when the cache was used with content hashing. */
  sha256?: string
  /** fingerprintToBytes: carries its front end and a CRC, so a stale or damaged entry is a miss. */
  fingerprint: Uint8Array
  info: FileInfo
}

interface CacheFile { magic: string; version: number; formatVersion: number; entries: Record<string, Entry> }

/**
 * Fingerprints of files already read, keyed by absolute path and checked against size and
 * mtime (and, with `contentHash`, the SHA-256 of the content: a touched but unchanged file
 * is then served from the cache). One msgpack file, written atomically. A missing, damaged or
 * outdated cache file is simply an empty cache: it is only ever an accelerator.
 */
export class FingerprintCache {
  private entries = new Map<string, Entry>()
  private used = new Set<string>()
  private dirty = false
  /** Why the file was not loaded, when it existed but was unusable. */
  readonly problem: string | undefined

  constructor(readonly path: string, readonly contentHash = false) {
    if (!existsSync(path)) return
    try {
      const data = packr.unpack(readFileSync(path)) as CacheFile
      if (data?.magic !== MAGIC) throw new Error('not a peakmatch cache file')
      if (data.version !== CACHE_VERSION || data.formatVersion !== FORMAT_VERSION) throw new Error('made by another version: starting afresh')
      for (const [k, v] of Object.entries(data.entries)) this.entries.set(k, v)
    } catch (e) {
      this.problem = e instanceof Error ? e.message : String(e)
      this.entries.clear()
    }
  }

  get size(): number {
    return this.entries.size
  }

  /** The cached reading of a file, when its size and mtime (and content hash) still agree. */
  async get(path: string, size: number, mtimeMs: number): Promise<{ fp: Fingerprint; info: FileInfo } | undefined> {
    const e = this.entries.get(path)
    if (!e || e.size !== size) return undefined
    if (e.mtimeMs !== mtimeMs) {
      if (!this.contentHash || !e.sha256 || (await sha256File(path)) !== e.sha256) return undefined
      e.mtimeMs = mtimeMs
      this.dirty = true
    } else if (this.contentHash && e.sha256 === undefined) {
      return undefined
    }
    const fp = decodeEntry(e.fingerprint)
    if (fp === null) {
      this.entries.delete(path)
      this.dirty = true
      return undefined
    }
    this.used.add(path)
    return { fp, info: e.info }
  }

  async set(path: string, size: number, mtimeMs: number, fp: Fingerprint, info: FileInfo): Promise<void> {
    const e: Entry = {
      size, mtimeMs, fingerprint: fingerprintToBytes(fp), info,
    }
    if (this.contentHash) e.sha256 = await sha256File(path)
    this.entries.set(path, e)
    this.used.add(path)
    this.dirty = true
  }

  /**
   * Writes the cache (atomically) when it changed. With `prune`, entries of files this run
   * did not see under `within` (deleted or moved files) are dropped.
   */
  save(prune?: { within: readonly string[] }): void {
    if (prune) {
      for (const k of this.entries.keys()) {
        if (!this.used.has(k) && prune.within.some((d) => k.startsWith(d))) { this.entries.delete(k); this.dirty = true }
      }
    }
    if (!this.dirty) return
    const file: CacheFile = { magic: MAGIC, version: CACHE_VERSION, formatVersion: FORMAT_VERSION, entries: Object.fromEntries(this.entries) }
    writeFileAtomic(this.path, packr.pack(file))
    this.dirty = false
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')))
  })
}

/** A cached fingerprint, or null when it is damaged or was made by another front end than the scan's. */
function decodeEntry(bytes: Uint8Array): Fingerprint | null {
  try {
    const fp = fingerprintFromBytes(bytes)
    return frontEndMismatch(fp.frontEnd, DEFAULT_FRONT_END, false) === null ? fp : null
  } catch (error) {
    if (error instanceof PeakmatchError) return null
    throw error
  }
}
