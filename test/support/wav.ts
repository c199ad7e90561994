/** A small RIFF/WAVE writer (16-bit PCM) for generated test and demo audio. */
import type { Audio } from './synth.js'

export function encodeWav(audio: Audio): Uint8Array {
  const channels = audio.channels.length, frames = audio.channels[0]?.length ?? 0
  const dataBytes = frames * channels * 2
  const out = new Uint8Array(44 + dataBytes)
  const view = new DataView(out.buffer)
  const text = (at: number, s: string) => { for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i) }
  text(0, 'RIFF'); view.setUint32(4, 36 + dataBytes, true); text(8, 'WAVE')
  text(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, channels, true)
  view.setUint32(24, audio.sampleRate, true); view.setUint32(28, audio.sampleRate * channels * 2, true)
  view.setUint16(32, channels * 2, true); view.setUint16(34, 16, true)
  text(36, 'data'); view.setUint32(40, dataBytes, true)
  for (let f = 0, p = 44; f < frames; f++) {
    for (let c = 0; c < channels; c++, p += 2) {
      const s = Math.max(-1, Math.min(1, audio.channels[c]![f]!))
      view.setInt16(p, Math.round(s * 32767), true)
    }
  }
  return out
}
