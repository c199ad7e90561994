import { fork, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, createReadStream, existsSync, lstatSync, openSync, readSync, statSync } from 'node:fs'
import { sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Packr } from 'msgpackr'
import { DEFAULT_FRONT_END, PeakmatchError, crc32, fingerprintFromBytes, fingerprintToBytes, frontEndMismatch, type Fingerprint, type FrontEnd } from 'peakmatch'
import type { StoreReply, StoreRequest } from './cache-store.js'
import { CliError } from './errors.js'
import { isDefaultFrontEnd } from './front-end.js'
import type { FileInfo } from './read.js'

const MAGIC = 'peakmatch-fingerprint-cache'
/** 3: an LMDB store, one entry per file (2 was one msgpack file, now ignored). */
const CACHE_VERSION = 3
/** Every entry value starts with these 4 bytes ("PMC" 3), then a CRC-32 of the rest (msgpack). */
const ENTRY_MAGIC = Uint8Array.of(0x50, 0x4d, 0x43, CACHE_VERSION)
const packr = new Packr({ useRecords: false, moreTypes: false })

interface Entry {
  size: number
  mtimeMs: number
  /** SHA-256 of the content, when the cache was used with content hashing. */
  sha256?: string
  /** fingerprintToBytes: carries its front end and a CRC, so a stale or damaged one is a miss. */
  fingerprint: Uint8Array
  info: FileInfo
}

/** What the cache did during a run (the scan summary's `cache`). */
export interface CacheStats {
  /** Files served from the cache. */
  hits: number
  /** Files looked up and not served (absent, out of date, or damaged): read again. */
  misses: number
  /** Damaged entries dropped, plus the entries of a damaged store that was replaced. */
  dropped: number
  /** The store itself was damaged (unreadable, truncated, or it crashed its process) and was replaced by an empty one. */
  reset: boolean
}

/**
 * Fingerprints of files already read, keyed by absolute path and front end (entryKey: a file
 * scanned against two catalogs of different front ends has one entry for each, so neither
 * evicts the other's) and checked against size and mtime (and, with `contentHash`, the SHA-256
 * of the content: a touched but unchanged file is then served from the cache). An entry is only
 * ever served for the front end its fingerprint is stamped with.
 *
 * The store is an LMDB environment (lmdb-js): one file plus its `-lock` file, mapped by a
 * process of its own (cache-store.ts). Entries are read when asked for (nothing is loaded up
 * front) and each is committed as its file finishes, so a crash loses at most the files in
 * flight, and several scans can share one cache without losing each other's entries (LMDB
 * transactions). Each entry carries a CRC: a damaged entry is a miss, dropped and counted. A
 * damaged store (truncated, LMDB errors, or a crash of the store process) is replaced by an
 * empty one and the scan goes on: the cache is only an accelerator. A path that exists and is
 * not a peakmatch cache is refused (CliError, exit 2), never overwritten.
 *
 * Use `await FingerprintCache.open(path)`; `save()` (or `close()`) ends the store process.
 */
export class FingerprintCache {
  private store: StoreClient | undefined
  private used = new Set<string>()
  private pending = new Set<Promise<unknown>>()
  private opening: Promise<void>
  readonly stats: CacheStats = { hits: 0, misses: 0, dropped: 0, reset: false }
  /** Why the store was replaced or not used, when something went wrong with it. */
  problem: string | undefined

  /** Opens (or creates) the cache at `path`; rejects with CliError 2 when `path` is something else. */
  static async open(path: string, contentHash = false): Promise<FingerprintCache> {
    const cache = new FingerprintCache(path, contentHash)
    await cache.opening
    return cache
  }

  /** Prefer `FingerprintCache.open`, which also reports a foreign LMDB database before the scan starts. */
  constructor(readonly path: string, readonly contentHash = false) {
    const kind = storeKind(path)
    if (kind === 'foreign') throw refuse(path, 'it is not a peakmatch cache')
    this.opening = this.start()
    // Used through `new` on another program's LMDB database: no cache (and `problem` says why).
    this.opening.catch((e: unknown) => { this.problem = (e as Error).message })
  }

  /** Resolves once the store is open, or known to be unusable; never rejects. */
  private ready(): Promise<void> {
    return this.opening.catch(() => undefined)
  }

  private async start(): Promise<void> {
    this.store = new StoreClient()
    const r = await this.store.call({ op: 'open', path: this.path, meta: metaBytes() })
    if (r.ok) return
    await this.store.end()
    this.store = undefined
    if (!r.ok && r.foreign) throw refuse(this.path, r.error)
    if (!r.ok && r.damage === false) { this.problem = `not used (${r.error}); going on without a cache`; return }
    return this.replace(r.error)
  }

  /**
   * The cached reading of a file made with `frontEnd`, when its size and mtime (and content hash)
   * still agree.
   */
  async get(path: string, size: number, mtimeMs: number, frontEnd: FrontEnd = DEFAULT_FRONT_END): Promise<{ fp: Fingerprint; info: FileInfo } | undefined> {
    const hit = await this.lookup(path, size, mtimeMs, frontEnd)
    if (hit) { this.stats.hits++; this.used.add(path) } else this.stats.misses++
    return hit
  }

  private async lookup(path: string, size: number, mtimeMs: number, frontEnd: FrontEnd): Promise<{ fp: Fingerprint; info: FileInfo } | undefined> {
    await this.ready()
    const key = entryKey(path, frontEnd)
    if (!storable(key)) return undefined
    const bytes = await this.request({ op: 'get', key }) as Uint8Array | undefined
    if (!(bytes instanceof Uint8Array)) return undefined
    const e = decodeEntry(bytes)
    const fp = e ? decodeFingerprint(e.fingerprint, frontEnd) : 'damaged'
    if (!e || fp === 'damaged') {
      this.stats.dropped++
      this.track(this.request({ op: 'remove', keys: [key] }))
      return undefined
    }
    // Made by another front end (the defaults' key after the defaults changed): replaced when the file is read again.
    if (fp === 'stale') return undefined
    if (e.size !== size) return undefined
    if (e.mtimeMs !== mtimeMs) {
      if (!this.contentHash || !e.sha256 || (await sha256File(path)) !== e.sha256) return undefined
      e.mtimeMs = mtimeMs
      this.track(this.request({ op: 'put', key, value: encodeEntry(e) }))
    } else if (this.contentHash && e.sha256 === undefined) {
      return undefined
    }
    return { fp, info: e.info }
  }

  /** Stores a file's reading under its fingerprint's front end (committed in the background; `save` waits for it). */
  async set(path: string, size: number, mtimeMs: number, fp: Fingerprint, info: FileInfo): Promise<void> {
    this.used.add(path)
    const key = entryKey(path, fp.frontEnd)
    if (!storable(key)) return
    const e: Entry = { size, mtimeMs, fingerprint: fingerprintToBytes(fp), info }
    if (this.contentHash) e.sha256 = await sha256File(path)
    await this.ready()
    this.track(this.request({ op: 'put', key, value: encodeEntry(e) }))
  }

  /**
   * Waits for the writes, then, with `prune`, removes the entries under the directories
   * `within` (compared by path component: /music/rock does not contain /music/rockabilly) of
   * files that this run did not read and that no longer exist, then ends the store process.
   * Never throws: a cache that could not be written is a note in `problem`.
   */
  async save(prune?: { within: readonly string[] }): Promise<void> {
    await this.ready()
    await this.settle()
    if (prune) {
      for (const dir of prune.within) {
        const base = dir.endsWith(sep) ? dir.slice(0, -1) : dir
        // Keys are ordered by their UTF-8 bytes: those starting with "dir/" lie in ["dir/", "dir0").
        // Every front end's entry of a file that is gone goes.
        const keys = await this.request({ op: 'keys', start: base + sep, end: base + String.fromCharCode(sep.charCodeAt(0) + 1) }) as string[] | undefined
        const gone = (keys ?? []).filter((k) => { const p = pathOfKey(k); return p.startsWith(base + sep) && !this.used.has(p) && !isFile(p) })
        if (gone.length > 0) await this.request({ op: 'remove', keys: gone })
      }
    }
    await this.close()
  }

  /** Waits for the writes and ends the store process, without pruning. */
  async close(): Promise<void> {
    await this.ready()
    await this.settle()
    const store = this.store
    this.store = undefined
    if (store) { await store.call({ op: 'close' }); await store.end() }
  }

  /** A store request; when the store fails (LMDB error, crash), it is replaced and the answer is undefined. */
  private async request(req: DistributiveOmit<StoreRequest, 'id'>): Promise<unknown> {
    const store = this.store
    if (!store) return undefined
    const r = await store.call(req)
    if (r.ok) return r.value
    if (this.store === store) {
      this.store = undefined
      void store.end()
      // Not damage (a full disk, permissions…): leave the store to the other scans that may use it.
      if (r.damage === false) { this.problem = `not used any more (${r.error}); going on without a cache`; return undefined }
      await (this.recovering ??= this.replace(r.error).finally(() => { this.recovering = undefined }))
    }
    return undefined
  }

  private recovering: Promise<void> | undefined

  private track(p: Promise<unknown>): void {
    this.pending.add(p)
    void p.finally(() => this.pending.delete(p))
  }

  private async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending])
  }

  /** The store is unusable: count what it held, then go on with an empty one (once; after that, without a cache). */
  private async replace(why: string): Promise<void> {
    if (this.stats.reset) { this.problem = `the store failed again (${why}); going on without a cache`; return }
    this.stats.reset = true
    this.stats.dropped += entriesIn(this.path)
    this.problem = `damaged store replaced by an empty one (${why})`
    const store = new StoreClient()
    const r = await store.call({ op: 'reset', path: this.path, meta: metaBytes() })
    if (r.ok) { this.store = store; return }
    await store.end()
    this.problem = `damaged store could not be replaced (${r.error}); going on without a cache`
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function refuse(path: string, why: string): CliError {
  return new CliError(2, `--cache ${path}: ${why}; refusing to use it, so as not to overwrite it (give another path, or remove the file)`)
}

/**
 * The store process. Every request gets one reply; if the process dies, every request then
 * pending (and every later one) gets { ok: false }.
 */
class StoreClient {
  private child: ChildProcess
  private nextId = 1
  private waiting = new Map<number, (r: StoreReply) => void>()
  private dead: string | undefined
  private exited: Promise<void>

  constructor() {
    const { script, execArgv } = storeScript()
    this.child = fork(script, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] })
    this.exited = new Promise((resolve) => {
      const die = (why: string) => {
        this.dead ??= why
        for (const [id, reply] of this.waiting) reply({ id, ok: false, error: this.dead })
        this.waiting.clear()
        resolve()
      }
      this.child.on('exit', (code, signal) => die(`the store process ended (${signal ?? `exit code ${code}`})`))
      this.child.on('error', (e) => die(`the store process failed: ${e.message}`))
    })
    this.child.on('message', (r: StoreReply) => {
      const reply = this.waiting.get(r.id)
      this.waiting.delete(r.id)
      if (this.waiting.size === 0) this.idle(true)
      reply?.(r)
    })
    this.idle(true)
  }

  /** An idle store process does not keep the scan's process alive (if it ends without `close`, so does the store). */
  private idle(yes: boolean): void {
    const channel = this.child.channel as { ref(): void; unref(): void } | null | undefined
    if (yes) { this.child.unref(); channel?.unref() } else { this.child.ref(); channel?.ref() }
  }

  call(req: DistributiveOmit<StoreRequest, 'id'>): Promise<StoreReply> {
    const id = this.nextId++
    if (this.dead) return Promise.resolve({ id, ok: false, error: this.dead })
    return new Promise((resolve) => {
      if (this.waiting.size === 0) this.idle(false)
      this.waiting.set(id, resolve)
      this.child.send({ ...req, id } as StoreRequest, (e) => { if (e) { this.waiting.delete(id); resolve({ id, ok: false, error: e.message }) } })
    })
  }

  /** Lets the process finish (it exits when disconnected) and waits for it. */
  async end(): Promise<void> {
    if (this.dead) return
    this.idle(false)   // wait for it: it may still be closing the store
    if (this.child.connected) this.child.disconnect()
    await this.exited
  }
}

/**
 * dist/cache-store.js, built beside the code that forks it; from the TypeScript sources (tests,
 * bench) cache-store.ts through tsx. PEAKMATCH_CACHE_STORE names another module (bench/ uses a
 * pre-built one: forking tsx for each of thousands of scans is slow).
 */
function storeScript(): { script: string; execArgv: string[] } {
  if (process.env.PEAKMATCH_CACHE_STORE) return { script: process.env.PEAKMATCH_CACHE_STORE, execArgv: [] }
  const built = fileURLToPath(new URL('./cache-store.js', import.meta.url))
  if (existsSync(built)) return { script: built, execArgv: [] }
  return { script: fileURLToPath(new URL('./cache-store.ts', import.meta.url)), execArgv: ['--import', 'tsx'] }
}

// ---------------------------------------------------------------- telling our store from other files

const LMDB_MAGIC = 0xbeefc0de
/** Offset of MDB_meta in a meta page (the page header: pgno, txnid, pad, flags, lower/upper). */
const META_AT = 24

/**
 * 'absent', 'ours' (an LMDB file, our lock file beside it, or an empty file), or 'foreign'
 * (something else: a catalog, a song, an old msgpack cache: never touched).
 */
function storeKind(path: string): 'absent' | 'ours' | 'foreign' {
  if (!existsSync(path)) return 'absent'
  const st = statSync(path)
  if (!st.isFile()) return 'foreign'
  const metas = readMetas(readHead(path, st.size))
  const hasLock = existsSync(path + '-lock')
  // Whether it is damaged (truncated, bad meta pages) is for LMDB to find, in the store process
  // and under LMDB's locks: judged from here, a store another scan is creating at this moment
  // (empty, or not yet grown to its meta page's last page) looked damaged and was replaced,
  // losing that scan's entries (9 of 240 in a bench run of 4 concurrent scans).
  return metas.length > 0 || hasLock || st.size === 0 ? 'ours' : 'foreign'
}

/** How many entries a (damaged) store held, as its newest meta page says; 0 when unknown. */
function entriesIn(path: string): number {
  try {
    const size = statSync(path).size
    const metas = readMetas(readHead(path, size))
    if (metas.length === 0) return 0
    const n = metas.reduce((a, b) => (b.txnid > a.txnid ? b : a)).entries - 1   // less the store's description
    return n > 0 && n < size / 16 ? n : 0
  } catch {
    return 0
  }
}

function readHead(path: string, size: number): Uint8Array {
  const head = new Uint8Array(Math.min(size, 2 * 65536))
  const fd = openSync(path, 'r')
  try { readSync(fd, head, 0, head.length, 0) } finally { closeSync(fd) }
  return head
}

interface Meta { pageSize: number; lastPage: number; txnid: number; entries: number }

/** The valid meta pages at the start of an LMDB file (page 0, and page 1 at the page size page 0 gives). */
function readMetas(head: Uint8Array): Meta[] {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength)
  const at = (page: number): Meta | undefined => {
    const m = page + META_AT
    if (m + 144 > head.length || view.getUint32(m, true) !== LMDB_MAGIC) return undefined
    const pageSize = view.getUint32(m + 24, true)   // mm_dbs[FREE_DBI].md_pad
    const lastPage = Number(view.getBigUint64(m + 120, true))
    const txnid = Number(view.getBigUint64(m + 128, true))
    const entries = Number(view.getBigUint64(m + 104, true))   // mm_dbs[MAIN_DBI].md_entries
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0 || !Number.isSafeInteger(lastPage) || lastPage < 1) return undefined
    return { pageSize, lastPage, txnid, entries }
  }
  const out: Meta[] = []
  const first = at(0)
  if (first) out.push(first)
  for (const size of first ? [first.pageSize] : [4096, 8192, 16384, 32768, 65536]) {
    const second = at(size)
    if (second && second.pageSize === size) { out.push(second); break }
  }
  return out
}

/**
 * The store's description; one that differs starts the store afresh (cache-store.ts). Its
 * `formatVersion` stays 6, the catalog format when this was written: it once followed
 * FORMAT_VERSION, so a new catalog format (7: triplet directories) would have emptied every
 * listener's cache, whose entries are fingerprints that say their own version and front end.
 */
const META_FORMAT_VERSION = 6

function metaBytes(): Uint8Array {
  return packr.pack({ magic: MAGIC, version: CACHE_VERSION, formatVersion: META_FORMAT_VERSION })
}


// ---------------------------------------------------------------- entries

/**
 * Between a file's path and its front end in the key of an entry made with another front end
 * than the defaults: never inside a path the walk gives (resolved, so no empty component; on
 * Windows no '/' at all), so the path is the part before it.
 */
const FRONT_END_SEP = '//'

/**
 * An entry's key: the file's path for the default front end (so the entries of every cache made
 * before front ends were keyed stay hits), `path//v1:10-237:10x8:0.5:4` for any other (version,
 * bins, neighbourhood, threshold, fanout).
 */
export function entryKey(path: string, fe: FrontEnd): string {
  if (isDefaultFrontEnd(fe)) return path
  return `${path}${FRONT_END_SEP}v${fe.version}:${fe.minBin}-${fe.maxBin}:${fe.neighborhoodBins}x${fe.neighborhoodFrames}:${fe.threshold}:${fe.fanout}`
}

/**
 * LMDB's longest key (lmdb-js: 1978 bytes). A file whose key is longer (a path of some 2 000
 * bytes) is not cached: its put would fail, and the store be taken for damaged and replaced.
 */
const MAX_KEY_BYTES = 1978

function storable(key: string): boolean {
  return Buffer.byteLength(key) <= MAX_KEY_BYTES
}

/** The file path of an entry's key. */
function pathOfKey(key: string): string {
  const at = key.indexOf(FRONT_END_SEP)
  return at < 0 ? key : key.slice(0, at)
}

function encodeEntry(e: Entry): Uint8Array {
  const body = packr.pack(e)
  const out = new Uint8Array(8 + body.length)
  out.set(ENTRY_MAGIC)
  new DataView(out.buffer).setUint32(4, crc32(body), true)
  out.set(body, 8)
  return out
}

/** An entry, or null when its bytes are damaged (magic, CRC, or shape). */
function decodeEntry(bytes: Uint8Array): Entry | null {
  if (bytes.length < 8 || ENTRY_MAGIC.some((b, i) => bytes[i] !== b)) return null
  const body = bytes.subarray(8)
  if (crc32(body) !== new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true)) return null
  let e: Entry
  try { e = packr.unpack(body) as Entry } catch { return null }
  if (!e || typeof e !== 'object' || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number' || !(e.fingerprint instanceof Uint8Array)
    || !e.info || typeof e.info !== 'object' || (e.sha256 !== undefined && typeof e.sha256 !== 'string')) return null
  return e
}

/** A cached fingerprint, 'damaged', or 'stale' when another front end than `frontEnd` made it. */
function decodeFingerprint(bytes: Uint8Array, frontEnd: FrontEnd): Fingerprint | 'damaged' | 'stale' {
  try {
    const fp = fingerprintFromBytes(bytes)
    return frontEndMismatch(fp.frontEnd, frontEnd, false) === null ? fp : 'stale'
  } catch (error) {
    if (error instanceof PeakmatchError) return 'damaged'
    throw error
  }
}

function isFile(path: string): boolean {
  try { return lstatSync(path).isFile() || statSync(path).isFile() } catch { return false }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(path).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')))
  })
}
