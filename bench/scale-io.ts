/**
 * Save and load a catalog file for bench/scale.ts, through whichever persistence API the
 * Catalog has: the streaming one (`catalog.toChunks()` / `Catalog.fromChunks(iterable)`,
 * issue 9) when it exists, else `toBytes()` / `fromBytes()`.
 *
 * Why feature-detect instead of calling one API: the streaming API is being written on main
 * while this benchmark measures today's code, and the same script must give the before and the
 * after figures. Today's path holds the whole file in one buffer on save (toBytes) and again on
 * load (readFileSync, then Catalog.fromBytes's own arrays): that double copy is part of what
 * the "peak RSS while loading" column measures, and a Buffer caps near 4 GiB on Node 20.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { Catalog } from '../src/index.js'

export type PersistApi = 'chunks' | 'bytes'

/** Bytes read from the file at a time when loading through fromChunks: 16 MiB, an ordinary stream's read size order. */
const READ_CHUNK = 16 << 20

interface Streaming {
  toChunks?: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array>
}
interface StreamingClass {
  fromChunks?: (chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: { totalBytes?: number }) => Catalog | Promise<Catalog>
}

/** Which API saveCatalog / loadCatalog use with the Catalog as it is now. */
export function persistApi(catalog?: Catalog): PersistApi {
  const instance = catalog as unknown as Streaming | undefined
  const cls = Catalog as unknown as StreamingClass
  const hasTo = instance ? typeof instance.toChunks === 'function' : typeof (Catalog.prototype as unknown as Streaming).toChunks === 'function'
  return hasTo && typeof cls.fromChunks === 'function' ? 'chunks' : 'bytes'
}

/** Writes the catalog to `path`; returns the file's bytes and the API used. */
export async function saveCatalog(catalog: Catalog, path: string): Promise<{ bytes: number; api: PersistApi }> {
  const api = persistApi(catalog)
  if (api === 'bytes') {
    const bytes = catalog.toBytes()
    writeFileSync(path, bytes)
    return { bytes: bytes.length, api }
  }
  const fd = openSync(path, 'w')
  let total = 0
  try {
    const chunks = (catalog as unknown as Required<Streaming>).toChunks()
    if (Symbol.asyncIterator in chunks) {
      for await (const c of chunks) total += writeAll(fd, c)
    } else {
      for (const c of chunks) total += writeAll(fd, c)
    }
  } finally {
    closeSync(fd)
  }
  return { bytes: total, api }
}

function writeAll(fd: number, chunk: Uint8Array): number {
  let at = 0
  while (at < chunk.length) at += writeSync(fd, chunk, at, chunk.length - at)
  return chunk.length
}

/** Reads a catalog saved by saveCatalog. */
export async function loadCatalog(path: string): Promise<{ catalog: Catalog; api: PersistApi }> {
  const api = persistApi()
  if (api === 'bytes') return { catalog: Catalog.fromBytes(readFileSync(path)), api }
  // totalBytes lets the reader size its arrays once instead of growing them (main's fromChunks takes it).
  const catalog = await (Catalog as unknown as Required<StreamingClass>).fromChunks(fileChunks(path), { totalBytes: statSync(path).size })
  return { catalog, api }
}

/**
 * The file in READ_CHUNK pieces, one buffer refilled for each (Catalog.fromChunks keeps nothing
 * of a piece once it asks for the next): a fresh 16 MiB buffer a piece was 9 % of loading's CPU
 * (allocating, zeroing and collecting them; a profile of the 10 000-track catalog's load).
 */
function* fileChunks(path: string): Generator<Uint8Array> {
  const fd = openSync(path, 'r')
  try {
    let left = fstatSync(fd).size
    const buffer = new Uint8Array(Math.min(READ_CHUNK, left))
    while (left > 0) {
      const buf = buffer.subarray(0, Math.min(READ_CHUNK, left))
      let got = 0
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, null)
        if (n === 0) throw new Error(`${path} ended early`)
        got += n
      }
      left -= got
      yield buf
    }
  } finally {
    closeSync(fd)
  }
}

/** GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added to what the caller set (tunables are colon-separated): bench/scale.ts --hugepages, bench/hugepages-ab.ts. */
export function hugePageTunables(set: string | undefined): string {
  const kept = (set ?? '').split(':').filter((t) => t !== '' && !t.startsWith('glibc.malloc.hugetlb='))
  return [...kept, 'glibc.malloc.hugetlb=1'].join(':')
}
