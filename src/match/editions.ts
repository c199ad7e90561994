/** What an edition of a recording is: its codec and resolution. All fields are optional. */
export interface EditionQuality {
  /** e.g. 'flac', 'alac', 'wav', 'aiff', 'aac', 'mp3', 'vorbis', 'opus'. */
  codec?: string
  /** True for lossless codecs; inferred from `codec` when absent. */
  lossless?: boolean
  bitrateKbps?: number
  sampleRate?: number
  bitDepth?: number
}

const LOSSLESS = new Set(['flac', 'alac', 'wav', 'aiff', 'pcm', 'wavpack', 'ape', 'tta'])
/** Bitrate worth of lossy codecs relative to mp3: AAC and Vorbis reach mp3 quality at ~¾ of its rate. */
const CODEC_EFFICIENCY: Record<string, number> = { mp3: 1, aac: 1.3, vorbis: 1.3, opus: 1.6 }

export function isLossless(q: EditionQuality): boolean {
  return q.lossless ?? LOSSLESS.has((q.codec ?? '').toLowerCase())
}

/**
 * One number that orders editions by quality: any lossless edition ranks above any lossy one,
 * lossless ones by bit depth then sample rate, lossy ones by mp3-equivalent bitrate.
 * Unknown fields count as the common case (16-bit / 44.1 kHz, 128 kbit/s).
 */
export function qualityRank(q: EditionQuality): number {
  if (isLossless(q)) return 1e6 + (q.bitDepth ?? 16) * 1e3 + (q.sampleRate ?? 44100) / 1e3
  const efficiency = CODEC_EFFICIENCY[(q.codec ?? 'mp3').toLowerCase()] ?? 1
  return (q.bitrateKbps ?? 128) * efficiency
}

/**
 * Whether `edition` is worth swapping in for the user's `file`: lossless for lossy, higher
 * resolution lossless, or lossy at ≥ 1.25× the mp3-equivalent rate (a small step is no upgrade).
 */
export function isUpgrade(edition: EditionQuality, file: EditionQuality): boolean {
  const e = qualityRank(edition), f = qualityRank(file)
  if (isLossless(edition) !== isLossless(file)) return isLossless(edition)
  return isLossless(edition) ? e > f : e >= 1.25 * f
}
