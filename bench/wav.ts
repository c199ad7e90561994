/**
 * A small RIFF/WAVE reader for the benchmark corpus: PCM 8/16/24/32-bit and 32/64-bit float,
 * planar Float32 out. The CLI of issue 3 decodes every format with a decoder package; the
 * corpus is plain WAV, and this keeps the benchmark free of decoder cost.
 */
export interface Wav { sampleRate: number; channels: Float32Array[] }

export function parseWav(bytes: Uint8Array): Wav {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const tag = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!)
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a RIFF/WAVE file')
  let at = 12
  let format = 0, channels = 0, sampleRate = 0, bits = 0
  let data: Uint8Array | null = null
  while (at + 8 <= bytes.length) {
    const id = tag(at), size = view.getUint32(at + 4, true)
    const body = at + 8
    if (id === 'fmt ') {
      format = view.getUint16(body, true)
      channels = view.getUint16(body + 2, true)
      sampleRate = view.getUint32(body + 4, true)
      bits = view.getUint16(body + 14, true)
      if (format === 0xfffe && size >= 26) format = view.getUint16(body + 24, true)
    } else if (id === 'data') {
      data = bytes.subarray(body, Math.min(bytes.length, body + size))
    }
    at = body + size + (size & 1)
  }
  if (!data || channels === 0) throw new Error('WAV without fmt or data chunk')
  const width = bits / 8
  const frames = Math.floor(data.length / (width * channels))
  const out = Array.from({ length: channels }, () => new Float32Array(frames))
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength)
  for (let f = 0, p = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++, p += width) {
      let v: number
      if (format === 3) v = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true)
      else if (bits === 16) v = dv.getInt16(p, true) / 32768
      else if (bits === 24) v = ((dv.getUint8(p) | (dv.getUint8(p + 1) << 8) | (dv.getInt8(p + 2) << 16)) / 8388608)
      else if (bits === 32) v = dv.getInt32(p, true) / 2147483648
      else v = (dv.getUint8(p) - 128) / 128
      out[c]![f] = v
    }
  }
  return { sampleRate, channels: out }
}
