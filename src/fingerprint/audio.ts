import { PeakmatchError } from '../errors.js'
import { integerIn } from '../integers.js'

/** Planar PCM: one array per channel, all the same length, samples nominally in [-1, 1]. */
export interface PcmAudio {
  readonly sampleRate: number
  readonly channels: readonly Float32Array[]
}

/** What a Web Audio AudioBuffer offers; an AudioBuffer is accepted as is. */
export interface AudioBufferLike {
  readonly sampleRate: number
  readonly numberOfChannels: number
  getChannelData(channel: number): Float32Array
}

export type AudioInput = PcmAudio | AudioBufferLike

/** A chunk for Fingerprinter.push: one mono array, or one array per channel. */
export type AudioChunk = Float32Array | readonly Float32Array[]

export const MIN_SAMPLE_RATE = 8000
export const MAX_SAMPLE_RATE = 384000

export function checkSampleRate(sampleRate: unknown): number {
  if (typeof sampleRate !== 'number' || !Number.isFinite(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw new PeakmatchError('INVALID_SAMPLE_RATE', `sample rate must be a number from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${String(sampleRate)}`)
  }
  return sampleRate
}

/** The channels of an AudioInput, checked for shape (not for values: downmix does that). */
export function audioChannels(audio: AudioInput): { sampleRate: number; channels: Float32Array[] } {
  if (audio === null || typeof audio !== 'object') {
    throw new PeakmatchError('INVALID_AUDIO', `audio must be { sampleRate, channels } or an AudioBuffer, got ${String(audio)}`)
  }
  const sampleRate = checkSampleRate(audio.sampleRate)
  let channels: Float32Array[]
  if ('getChannelData' in audio && typeof audio.getChannelData === 'function') {
    const n = audio.numberOfChannels
    if (!integerIn(n, 1, Infinity)) throw new PeakmatchError('INVALID_AUDIO', `numberOfChannels must be a positive integer, got ${String(n)}`)
    channels = []
    for (let c = 0; c < n; c++) channels.push(audio.getChannelData(c))
  } else if ('channels' in audio && Array.isArray(audio.channels)) {
    channels = audio.channels.slice()
  } else {
    throw new PeakmatchError('INVALID_AUDIO', 'audio must have channels: Float32Array[] or getChannelData()')
  }
  checkChunkShape(channels)
  return { sampleRate, channels }
}

/** One chunk as a list of channels of equal length (a lone Float32Array is mono). */
export function chunkChannels(chunk: AudioChunk): readonly Float32Array[] {
  const channels = chunk instanceof Float32Array ? [chunk] : chunk
  if (!Array.isArray(channels)) throw new PeakmatchError('INVALID_AUDIO', 'a chunk must be a Float32Array or an array of Float32Array channels')
  checkChunkShape(channels)
  return channels
}

function checkChunkShape(channels: readonly unknown[]): void {
  if (channels.length === 0) throw new PeakmatchError('INVALID_AUDIO', 'audio has no channels')
  let length = -1
  for (let c = 0; c < channels.length; c++) {
    const ch = channels[c]
    if (!(ch instanceof Float32Array)) throw new PeakmatchError('INVALID_AUDIO', `channel ${c} is not a Float32Array`)
    if (length < 0) length = ch.length
    else if (ch.length !== length) throw new PeakmatchError('INVALID_AUDIO', `channel ${c} has ${ch.length} samples, channel 0 has ${length}`)
  }
}

/**
 * Checks every sample of a chunk without consuming it: NaN and ±Infinity are INVALID_AUDIO,
 * named as downmix names them. Fingerprinter.push runs it before a chunk longer than one block,
 * so that a bad sample late in the chunk leaves the stream as it was (a chunk of one block is
 * checked by downmix before the resampler commits it, in the same pass).
 */
export function checkFinite(channels: readonly Float32Array[], firstSample: number): void {
  for (let c = 0; c < channels.length; c++) {
    const a = channels[c]!
    const n = a.length
    for (let i = 0; i < n; i++) {
      const s = a[i]!
      if (s - s !== 0) throw new PeakmatchError('INVALID_AUDIO', `channel ${c} sample ${firstSample + i} is ${s}`)
    }
  }
}

/**
 * Averages the channels into out[at ..], checking every sample on the way: NaN and ±Infinity
 * are rejected here, once, so the kernels can trust their input. `firstSample` only makes the
 * message name the position in the whole stream. Mono and stereo have their own loops: this
 * runs once per input sample, the most of any loop in the pipeline.
 */
export function downmix(channels: readonly Float32Array[], out: Float32Array, at: number, firstSample: number): void {
  const count = channels.length
  const n = channels[0]!.length
  let bad = -1
  if (count === 1) {
    const a = channels[0]!
    for (let i = 0; i < n; i++) {
      const s = a[i]!
      if (s - s !== 0) { bad = i; break }         // NaN exactly when s is NaN or ±Infinity
      out[at + i] = s
    }
  } else if (count === 2) {
    const a = channels[0]!, b = channels[1]!
    for (let i = 0; i < n; i++) {
      const s = a[i]! + b[i]!                      // non-finite if either is (or NaN for +∞ −∞)
      if (s - s !== 0) { bad = i; break }
      out[at + i] = s * 0.5
    }
  } else {
    const scale = 1 / count
    for (let i = 0; i < n; i++) {
      let s = 0
      for (let c = 0; c < count; c++) s += channels[c]![i]!
      if (s - s !== 0) { bad = i; break }
      out[at + i] = s * scale
    }
  }
  if (bad >= 0) {
    for (let c = 0; c < count; c++) {
      const s = channels[c]![bad]!
      if (s - s !== 0) throw new PeakmatchError('INVALID_AUDIO', `channel ${c} sample ${firstSample + bad} is ${s}`)
    }
    throw new PeakmatchError('INVALID_AUDIO', `sample ${firstSample + bad} sums to a non-finite value`)
  }
}
