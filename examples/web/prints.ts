/**
 * demo-prints.bin: each demo track's landmark hashes and times, so the page can plot a query's
 * hashes against the matched track (the Catalog keeps an inverted index, not per-track prints).
 *   "PMPR", u32 version 1, u32 track count, then per track:
 *   u32 id byte length, id UTF-8 padded to 4 bytes, u32 n, u32 hashes[n], u32 times[n]   (little-endian)
 */
export interface TrackPrint { id: string; hashes: Uint32Array; times: Uint32Array }

const MAGIC = 0x52504d50   // "PMPR" read as little-endian u32

export function encodePrints(prints: readonly TrackPrint[]): Uint8Array {
  const ids = prints.map((p) => new TextEncoder().encode(p.id))
  let size = 12
  prints.forEach((p, i) => { size += 4 + pad4(ids[i]!.length) + 4 + 8 * p.hashes.length })
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true); view.setUint32(4, 1, true); view.setUint32(8, prints.length, true)
  let at = 12
  prints.forEach((p, i) => {
    const id = ids[i]!
    view.setUint32(at, id.length, true); out.set(id, at + 4); at += 4 + pad4(id.length)
    view.setUint32(at, p.hashes.length, true); at += 4
    for (const a of [p.hashes, p.times]) for (let k = 0; k < a.length; k++, at += 4) view.setUint32(at, a[k]!, true)
  })
  return out
}

export function decodePrints(bytes: Uint8Array): TrackPrint[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length < 12 || view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== 1) throw new Error('not a demo-prints file')
  const out: TrackPrint[] = []
  let at = 12
  for (let t = view.getUint32(8, true); t > 0; t--) {
    const idLength = view.getUint32(at, true)
    const id = new TextDecoder().decode(bytes.subarray(at + 4, at + 4 + idLength)); at += 4 + pad4(idLength)
    const n = view.getUint32(at, true); at += 4
    const hashes = new Uint32Array(n), times = new Uint32Array(n)
    for (const a of [hashes, times]) for (let k = 0; k < n; k++, at += 4) a[k] = view.getUint32(at, true)
    out.push({ id, hashes, times })
  }
  return out
}

function pad4(n: number): number {
  return (n + 3) & ~3
}
