/** A 16-bit PCM RIFF/WAVE file of planar Float32 channels (samples clipped to [-1, 1]). */
export function encodeWav16(sampleRate: number, channels: readonly Float32Array[]): Uint8Array {
  const count = channels.length, frames = channels[0]?.length ?? 0
  const dataBytes = frames * count * 2
  const out = new Uint8Array(44 + dataBytes)
  const view = new DataView(out.buffer)
  const tag = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i) }
  tag(0, 'RIFF'); view.setUint32(4, 36 + dataBytes, true); tag(8, 'WAVE')
  tag(12, 'fmt '); view.setUint32(16, 16, true)
  view.setUint16(20, 1, true)                         // PCM
  view.setUint16(22, count, true)
  view.setUint32(24, sampleRate, true)
  view.setUint32(28, sampleRate * count * 2, true)    // bytes per second
  view.setUint16(32, count * 2, true)                 // bytes per frame
  view.setUint16(34, 16, true)
  tag(36, 'data'); view.setUint32(40, dataBytes, true)
  for (let f = 0, p = 44; f < frames; f++) {
    for (let c = 0; c < count; c++, p += 2) {
      const s = Math.max(-1, Math.min(1, channels[c]![f]!))
      view.setInt16(p, Math.round(s * 32767), true)
    }
  }
  return out
}
