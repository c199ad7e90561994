/**
 * Seeded synthetic "music" for tests and the corpus-free benchmark: chords and a melody of
 * harmonic notes with decaying envelopes, a kick and a hi-hat, all from one seed. Two seeds
 * give unrelated pieces; the same seed gives the same samples on every machine.
 */
export interface Audio { sampleRate: number; channels: Float32Array[] }

/** Mulberry32: a small, fast, well-mixed 32-bit PRNG. Returns values in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Adds a decaying harmonic tone at [start, start + length) (seconds) to `out`, by a sine recurrence. */
function note(out: Float32Array, sr: number, start: number, length: number, freq: number, amp: number, harmonics: number, decay: number): void {
  const s0 = Math.floor(start * sr), n = Math.min(out.length - s0, Math.floor(length * sr))
  if (n <= 0) return
  const attack = Math.floor(0.01 * sr)
  const fall = Math.exp(-1 / (decay * sr))
  for (let h = 1; h <= harmonics; h++) {
    const f = freq * h
    if (f >= sr / 2 - 200) break
    const w = (2 * Math.PI * f) / sr, k = 2 * Math.cos(w)
    let y1 = 0, y2 = -Math.sin(w), env = amp / h
    for (let i = 0; i < n; i++) {
      const y = k * y1 - y2
      y2 = y1; y1 = y
      const a = i < attack ? i / attack : 1
      out[s0 + i] = out[s0 + i]! + y * env * a
      env *= fall
    }
  }
}

/** A piece of `seconds` seconds: tempo, key, chords, melody and drums all drawn from `seed`. */
export function synthMusic(seed: number, seconds: number, sampleRate = 44100, channels = 2): Audio {
  const rand = rng(seed)
  const n = Math.floor(seconds * sampleRate)
  const mono = new Float32Array(n)
  const beat = 60 / (80 + rand() * 80)
  const root = 110 * 2 ** (Math.floor(rand() * 12) / 12)
  const scale = [0, 2, 4, 5, 7, 9, 11, 12, 14, 16, 17, 19]
  const pitch = (degree: number, octave: number) => root * 2 ** (octave + scale[degree % scale.length]! / 12)
  // Each piece has its own drum kit and instruments: with one set for every seed, two pieces at
  // the same tempo and in related keys shared identical note and drum events, which a
  // fingerprint rightly matches. Drawn apart from `rand`, so the notes of a seed stay as they were.
  const kit = rng(seed ^ 0x5eed)
  const kick = { base: 45 + kit() * 40, sweep: 50 + kit() * 100, bend: 500 + kit() * 800, decay: 1500 + kit() * 2500 }
  const hatDecay = 150 + kit() * 350
  // and its own instruments: harmonic count and decay of the chord pad and the lead
  const pad = { harmonics: 3 + Math.floor(kit() * 6), decay: 0.6 + kit() * 1.2 }
  const lead = { harmonics: 2 + Math.floor(kit() * 5), decay: 0.12 + kit() * 0.3 }
  for (let t = 0, b = 0; t < seconds; t += beat, b++) {
    if (b % 4 === 0) for (let c = 0; c < 3; c++) note(mono, sampleRate, t, beat * 4, pitch(Math.floor(rand() * 7), 0), 0.08, pad.harmonics, pad.decay)
    for (let e = 0; e < 2; e++) if (rand() < 0.8) note(mono, sampleRate, t + (e * beat) / 2, beat / 2, pitch(Math.floor(rand() * 12), 1 + Math.floor(rand() * 2)), 0.12, lead.harmonics, lead.decay)
    // kick: a falling sine burst; hi-hat: a short noise burst.
    const k0 = Math.floor(t * sampleRate)
    if (b % 2 === 0) for (let i = 0; i < 0.12 * sampleRate && k0 + i < n; i++) mono[k0 + i] = mono[k0 + i]! + 0.3 * Math.sin(2 * Math.PI * (kick.base + kick.sweep * Math.exp(-i / kick.bend)) * (i / sampleRate)) * Math.exp(-i / kick.decay)
    const h0 = Math.floor((t + beat / 2) * sampleRate)
    for (let i = 0; i < 0.04 * sampleRate && h0 + i < n; i++) mono[h0 + i] = mono[h0 + i]! + 0.05 * (rand() * 2 - 1) * Math.exp(-i / hatDecay)
  }
  const out: Float32Array[] = []
  for (let c = 0; c < channels; c++) out.push(c === 0 ? mono : mono.map((v) => v * 0.9))
  return { sampleRate, channels: out }
}

/** A mono excerpt [start, start + length) seconds of `audio`. */
export function excerpt(audio: Audio, start: number, length: number): Audio {
  const s0 = Math.floor(start * audio.sampleRate), n = Math.floor(length * audio.sampleRate)
  const mono = new Float32Array(n)
  for (const ch of audio.channels) for (let i = 0; i < n; i++) mono[i] = mono[i]! + ch[s0 + i]! / audio.channels.length
  return { sampleRate: audio.sampleRate, channels: [mono] }
}

/** White noise added at `snrDb` against the signal's own power. */
export function withNoise(audio: Audio, snrDb: number, seed: number): Audio {
  const rand = rng(seed)
  const channels = audio.channels.map((ch) => {
    let power = 0
    for (let i = 0; i < ch.length; i++) power += ch[i]! * ch[i]!
    const sigma = Math.sqrt(power / Math.max(1, ch.length) / 10 ** (snrDb / 10))
    // Uniform noise of variance sigma²: amplitude sigma·√3.
    return ch.map((v) => v + sigma * Math.sqrt(3) * (rand() * 2 - 1))
  })
  return { sampleRate: audio.sampleRate, channels }
}

/**
 * `seconds` of `audio` from `start` at tempo × t, pitch kept: Hann grains of 2048 samples taken
 * every 1024 · t samples of the excerpt and laid every 1024 (what sox tempo does, without its
 * search for the best splice). Mono.
 */
export function stretched(audio: Audio, start: number, seconds: number, t: number): Audio {
  const y = excerpt(audio, start, seconds * t + 0.1).channels[0]!
  const N = 2048, hop = 1024, n = Math.floor(seconds * audio.sampleRate)
  const out = new Float32Array(n)
  for (let k = 0; k * hop + N <= n; k++) {
    const from = Math.round(k * hop * t)
    if (from + N > y.length) break
    for (let i = 0; i < N; i++) out[k * hop + i] = out[k * hop + i]! + 0.5 * (1 - Math.cos((2 * Math.PI * i) / N)) * y[from + i]!
  }
  return { sampleRate: audio.sampleRate, channels: [out] }
}
