// The fingerprint cache's store process (dist/cache-store.js): the only code that maps the LMDB
// file. FingerprintCache (cache.ts) forks it and talks to it over IPC. LMDB trusts its file: a
// damaged B-tree page can make it read past the map (SIGSEGV, SIGBUS on a truncated file), which
// no try/catch survives. In a process of its own such a crash is an "exit" event to the scan,
// which then replaces the store with an empty one and goes on.
import { rmSync } from 'node:fs'
import { open, type RootDatabase } from 'lmdb'

export type StoreRequest =
  | { id: number; op: 'open'; path: string; meta: Uint8Array }
  | { id: number; op: 'reset'; path: string; meta: Uint8Array }
  | { id: number; op: 'get'; key: string }
  | { id: number; op: 'put'; key: string; value: Uint8Array }
  | { id: number; op: 'remove'; keys: string[] }
  | { id: number; op: 'keys'; start: string; end: string }
  | { id: number; op: 'close' }

export type StoreReply =
  | { id: number; ok: true; value?: unknown }
  | { id: number; ok: false; error: string; foreign?: boolean; damage?: boolean }

export const META_KEY = ':peakmatch'

let db: RootDatabase<Uint8Array, string> | undefined

function openStore(path: string): RootDatabase<Uint8Array, string> {
  // binary: cache.ts frames and checksums entries itself; no compression: fingerprints are dense.
  return open<Uint8Array, string>({ path, encoding: 'binary', compression: false, noSubdir: true })
}

const send = (r: StoreReply) => process.send!(r)

async function handle(m: StoreRequest): Promise<unknown> {
  switch (m.op) {
    case 'open': {
      db = openStore(m.path)
      const meta = db.getBinary(META_KEY)
      if (meta === undefined) {
        // A new store, or one of ours without its description (damaged): fine. Anything else is not ours.
        let n = 0, ours = false
        for (const { value } of db.getRange({ limit: 8 })) {
          n++
          if (value instanceof Uint8Array && value[0] === 0x50 && value[1] === 0x4d && value[2] === 0x43) ours = true
        }
        if (n > 0 && !ours) { await db.close(); db = undefined; throw Object.assign(new Error('an LMDB database, but not a peakmatch cache'), { foreign: true }) }
        db.putSync(META_KEY, m.meta)
      } else if (!Buffer.from(meta).equals(Buffer.from(m.meta))) {
        // Ours, made by another version: start afresh.
        db.clearSync()
        db.putSync(META_KEY, m.meta)
      }
      return undefined
    }
    case 'reset':
      rmSync(m.path, { force: true })
      rmSync(m.path + '-lock', { force: true })
      db = openStore(m.path)
      db.putSync(META_KEY, m.meta)
      return undefined
    case 'get':
      return db!.getBinary(m.key)
    case 'put':
      await db!.put(m.key, m.value)   // resolves once committed: the entry survives a crash from here on
      return undefined
    case 'remove':
      for (const k of m.keys) await db!.remove(k)
      return undefined
    case 'keys': {
      const out: string[] = []
      for (const k of db!.getKeys({ start: m.start, end: m.end })) if (typeof k === 'string') out.push(k)
      return out
    }
    case 'close':
      if (db) { await db.flushed; await db.close(); db = undefined }
      return undefined
  }
}

/**
 * Whether an error says the store is damaged (then it is replaced), rather than that it cannot
 * be used now (permissions, a full disk or map, too many readers: then the scan goes on without
 * a cache and leaves the store alone, since other scans may be using it).
 */
function isDamage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code
  if (typeof code === 'number' && code > 0) return false           // an errno
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return false   // Node's EACCES, ENOSPC…
  const message = e instanceof Error ? e.message : String(e)
  return !/MDB_(MAP_FULL|READERS_FULL|TLS_FULL|DBS_FULL|MAP_RESIZED)|permission denied|no space|read-only file system|resource temporarily unavailable/i.test(message)
}

// Any error LMDB throws outside a request (a failed background commit) ends the process: the
// parent sees the exit and treats the store as damaged.
process.on('uncaughtException', () => process.exit(70))
process.on('unhandledRejection', () => process.exit(70))
process.on('disconnect', () => process.exit(0))
process.on('message', (m: StoreRequest) => {
  handle(m).then(
    (value) => { send({ id: m.id, ok: true, value }); if (m.op === 'close') process.disconnect() },
    (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e), foreign: (e as { foreign?: boolean }).foreign === true, damage: isDamage(e) }),
  )
})
