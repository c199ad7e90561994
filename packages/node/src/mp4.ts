import type { FileHandle } from 'node:fs/promises'

/**
 * Byte source for an MP4/M4A file that streams in bounded memory. The decoder reads samples
 * by absolute offset once it has the `moov` box; when `moov` comes after the `mdat` (ffmpeg's
 * default, no "faststart"), it would buffer the whole file first. So here the file is
 * presented as if it were faststart: the boxes before the first mdat, then moov with its
 * chunk offsets (stco/co64) moved by moov's size, then the rest without moov.
 */
export async function* mp4Chunks(fh: FileHandle, size: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const boxes = await topLevelBoxes(fh, size)
  const moov = boxes.find((b) => b.type === 'moov')
  const mdat = boxes.find((b) => b.type === 'mdat')
  if (!moov || !mdat || moov.offset < mdat.offset || moov.size > 64 << 20) {
    yield* range(fh, 0, size, chunkBytes)
    return
  }
  const moovBytes = await readAt(fh, moov.offset, moov.size)
  if (!shiftChunkOffsets(moovBytes, 8, moovBytes.length, moov.size)) {
    yield* range(fh, 0, size, chunkBytes)   // an offset would overflow 32 bits: read it plainly
    return
  }
  yield* range(fh, 0, mdat.offset, chunkBytes)
  yield moovBytes
  for (const b of boxes) if (b.offset >= mdat.offset && b !== moov) yield* range(fh, b.offset, b.offset + b.size, chunkBytes)
}

interface Box { type: string; offset: number; size: number }

async function topLevelBoxes(fh: FileHandle, size: number): Promise<Box[]> {
  const boxes: Box[] = []
  for (let off = 0; off + 8 <= size;) {
    const h = await readAt(fh, off, Math.min(16, size - off))
    const v = new DataView(h.buffer, h.byteOffset, h.byteLength)
    let boxSize = v.getUint32(0)
    const type = String.fromCharCode(h[4]!, h[5]!, h[6]!, h[7]!)
    if (boxSize === 1 && h.length >= 16) boxSize = v.getUint32(8) * 2 ** 32 + v.getUint32(12)
    else if (boxSize === 0) boxSize = size - off
    if (boxSize < 8) break
    boxes.push({ type, offset: off, size: Math.min(boxSize, size - off) })
    off += boxSize
  }
  return boxes
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl'])

/** Adds `delta` to every chunk offset in the boxes of buf[start, end); false on 32-bit overflow. */
function shiftChunkOffsets(buf: Uint8Array, start: number, end: number, delta: number): boolean {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  for (let off = start; off + 8 <= end;) {
    const size = v.getUint32(off)
    const type = String.fromCharCode(buf[off + 4]!, buf[off + 5]!, buf[off + 6]!, buf[off + 7]!)
    if (size < 8 || off + size > end) return true
    if (CONTAINERS.has(type)) {
      if (!shiftChunkOffsets(buf, off + 8, off + size, delta)) return false
    } else if (type === 'stco' || type === 'co64') {
      const n = v.getUint32(off + 12)
      for (let i = 0; i < n; i++) {
        if (type === 'stco') {
          const at = off + 16 + 4 * i
          const x = v.getUint32(at) + delta
          if (x >= 2 ** 32) return false
          v.setUint32(at, x)
        } else {
          const at = off + 16 + 8 * i
          const x = v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4) + delta
          v.setUint32(at, Math.floor(x / 2 ** 32))
          v.setUint32(at + 4, x >>> 0)
        }
      }
    }
    off += size
  }
  return true
}

async function readAt(fh: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  let got = 0
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, offset + got)
    if (bytesRead === 0) break
    got += bytesRead
  }
  return got === length ? buf : buf.subarray(0, got)
}

/** Bytes [start, end) of the file in chunks of at most chunkBytes. */
export async function* range(fh: FileHandle, start: number, end: number, chunkBytes: number): AsyncGenerator<Uint8Array> {
  for (let at = start; at < end; at += chunkBytes) {
    const chunk = await readAt(fh, at, Math.min(chunkBytes, end - at))
    if (chunk.length === 0) return
    yield chunk
  }
}
