/**
 * Naive twins of the fast kernels (STYLE: "each fast kernel vs its naive twin on seeded input").
 * They are written for obviousness, not speed: whole arrays in memory, no ring buffers, doubles.
 */

/**
 * Windowed-sinc resampling of a whole signal, computed directly: output n sits at input
 * position x = n × inRate / outRate, and is Σ x[i]·h(i − x) over the 2·half taps
 * floor(x) − half + 1 .. floor(x) + half, with h a Blackman-windowed sinc of `cutoff` cycles per
 * input sample, normalised to unit DC gain at that exact position. Input outside [0, length) is 0.
 * There are ceil(length × outRate / inRate) outputs, as many as positions inside the input.
 */
export function naiveResample(x: Float32Array, inRate: number, outRate: number, cutoff: number, half: number): Float64Array {
  const step = inRate / outRate
  const count = Math.ceil(x.length / step)
  const out = new Float64Array(count)
  for (let n = 0; n < count; n++) {
    const pos = n * step
    const i0 = Math.floor(pos)
    let acc = 0, sum = 0
    for (let i = i0 - half + 1; i <= i0 + half; i++) {
      const h = blackmanSinc(i - pos, half, cutoff)
      sum += h
      if (i >= 0 && i < x.length) acc += x[i]! * h
    }
    out[n] = acc / sum
  }
  return out
}

function blackmanSinc(t: number, half: number, cutoff: number): number {
  const u = t / half
  if (Math.abs(u) >= 1) return 0
  const w = 0.42 + 0.5 * Math.cos(Math.PI * u) + 0.08 * Math.cos(2 * Math.PI * u)
  const arg = 2 * Math.PI * cutoff * t
  return (t === 0 ? 1 : Math.sin(arg) / arg) * w
}

/**
 * A good-quality rate converter for making test signals at other rates (not a twin of
 * anything): 16 zero crossings, cutoff at 0.45 of the lower rate.
 */
export function convertRate(x: Float32Array, inRate: number, outRate: number): Float32Array {
  const cutoff = (0.45 * Math.min(inRate, outRate)) / inRate
  const half = Math.ceil(16 / (2 * cutoff))
  return Float32Array.from(naiveResample(x, inRate, outRate, cutoff, half))
}

/**
 * The peak rule of PeakPicker, applied to all rows at once. Cell (f, b) is a peak when
 *   - its power is above max(1e-3, threshold × mean power of row f),
 *   - it equals the maximum of its row over bins b − nb .. b + nb,
 *   - the same-bin neighbourhood maxima of the rows f − nf .. f + nf (those that exist) are
 *     strictly below it for earlier rows and not above it for later rows.
 * Returns peaks as [frame, absolute bin] in frame, then bin order.
 */
export function naivePeaks(rows: readonly Float32Array[], minBin: number, nb: number, nf: number, threshold: number): [number, number][] {
  const frames = rows.length
  const bins = rows[0]?.length ?? 0
  const rowMax = (r: number, b: number): number => {
    let m = -Infinity
    for (let k = Math.max(0, b - nb); k <= Math.min(bins - 1, b + nb); k++) m = Math.max(m, rows[r]![k]!)
    return m
  }
  const peaks: [number, number][] = []
  for (let f = 0; f < frames; f++) {
    let sum = 0
    for (let b = 0; b < bins; b++) sum += rows[f]![b]!
    const floor = Math.max(1e-3, (threshold * sum) / bins)
    for (let b = 0; b < bins; b++) {
      const p = rows[f]![b]!
      if (!(p > floor) || p !== rowMax(f, b)) continue
      let ok = true
      for (let r = Math.max(0, f - nf); r <= Math.min(frames - 1, f + nf); r++) {
        if (r === f) continue
        const m = rowMax(r, b)
        if (r < f ? !(m < p) : !(m <= p)) ok = false
      }
      if (ok) peaks.push([f, b + minBin])
    }
  }
  return peaks
}

/** The inverted index as a Map: key → entries in the order they were given. */
export function naivePostings(keys: Uint32Array, entries: Uint32Array, n: number): Map<number, number[]> {
  const map = new Map<number, number[]>()
  for (let i = 0; i < n; i++) {
    const list = map.get(keys[i]!)
    if (list) list.push(entries[i]!)
    else map.set(keys[i]!, [entries[i]!])
  }
  return map
}

/** Little-endian bytes of a Uint32Array, whatever the platform's byte order. */
export function u32Bytes(a: Uint32Array): Uint8Array {
  const out = new Uint8Array(4 * a.length)
  const view = new DataView(out.buffer)
  for (let i = 0; i < a.length; i++) view.setUint32(4 * i, a[i]!, true)
  return out
}
