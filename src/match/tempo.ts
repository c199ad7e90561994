import type { Hits } from './hash-index.js'

/**
 * The time scale of a decided alignment (issue 11, tempo). A tempo change by r (pitch kept)
 * divides every time of the query by r: its hashes align with the track along the line
 * trackTime = r · queryTime + c, not at one offset, so the vote's window (3 frames exact, a few
 * more in the speed pass) holds only the stretch of the query where the line crosses it, and the
 * offset it reports is off by the drift there (up to r − 1 of the query's length: 0.5 s on a
 * 10 s query at 5 %). The winner's own hits, (queryTime, trackTime) pairs of every query hash
 * that has the track's key, say where the line is: fitLine() searches its slope, and the
 * intercept at the query's start is the offset to report.
 */

/** Slopes searched, relative to the pass's own (1): tempo ±10 % and a little more. */
const MAX_DRIFT = 0.12
/** A query shorter than this (frames: 1 s) drifts too little for a slope to be told from 1. */
const MIN_FRAMES = 64
/** Slopes searched first: every COARSE-th step (tempo.ts fitLine). */
const COARSE = 3
/** Nor is a query longer than this (frames: 65 s): its slopes would cost more than its passes. */
const MAX_FRAMES = 4096
/**
 * An alignment whose own window drifts less than this over the query (frames) is not fitted:
 * the common case (an unchanged query), which so pays one loop over the hits. The drift is the
 * slope of offset on query time among the hits in the window: 0 but for ±1 frame of jitter when
 * the query keeps the track's time, the line's own slope when it does not (the window holds
 * the stretch of the line that crosses it).
 */
const STEADY_FRAMES = 2
/**
 * Unless the window holds less than this share of the winner's hits near it: hits off the line
 * (a beat that repeats, chance) can flatten the window's slope, and a window that holds few of
 * the hits is what a drifting alignment looks like (an unchanged query's holds 60–95 % of them).
 */
const STEADY_SHARE = 0.4
/**
 * How much more a slope must align than slope 1 (distinct query hashes within ±1 frame of the
 * line) to be taken: FIT_RATIO times as many and FIT_MARGIN more.
 */
const FIT_RATIO = 1.25
const FIT_MARGIN = 4

/**
 * A fitted offset within this many frames of the pass's own is not taken (32 ms: about the fit's
 * own precision): where nothing drifts, or a factor of the grid left ±1 % of it, the answer stays
 * what the pass said, as a sharded catalog (which does not fit) says it too.
 */
export const KEEP_FRAMES = 2
/**
 * A time scale within this of 1 is not reported as a tempo change: the plain passes find speed
 * changes up to ±2–3 % without telling frequency (query.ts), and their time scale is the speed's.
 */
export const MIN_TEMPO = 0.025

/** The tempo a match reports for time scale `t` beyond its speed: t, or 1 within MIN_TEMPO of it. */
export function reportedTempo(t: number): number {
  return Math.abs(t - 1) >= MIN_TEMPO ? t : 1
}

/** A fit's scratch (grown by doubling, reused) and its result. */
export class LineFit {
  q = new Float64Array(256)
  o = new Float64Array(256)
  h = new Uint32Array(256)
  count = 0
  hist = new Uint32Array(1024)
  /** densest()'s window: its middle bin. */
  bin = 0
  keys = new Uint32Array(256)
  /** Track frames per query frame along the fitted line (in the pass's time, i.e. after a factor). */
  slope = 1
  /** Offset (trackTime − queryTime, frames) at the query's time 0 on the line. */
  offset = 0
  /** Distinct query hashes within ±1 frame of the fitted line, and of the best line of slope 1. */
  score = 0
  flat = 0

  reserve(n: number): void {
    if (this.q.length >= n) return
    const size = 2 * n
    this.q = new Float64Array(size)
    this.o = new Float64Array(size)
    this.h = new Uint32Array(size)
    this.keys = new Uint32Array(size)
  }
}

/**
 * Fits the line of track `track`'s hits (a pass's lookup: offsets trackTime − queryTime, query
 * hashes and times as the pass saw them) around its window [first, last] of offsets. Returns
 * true, with fit.slope and fit.offset, when a slope other than 1 aligns clearly more distinct
 * query hashes than slope 1 does (FIT_RATIO, FIT_MARGIN); false leaves the pass's offset as it is.
 */
export function fitLine(hits: Hits, hashes: Uint32Array, times: Uint32Array, track: number, first: number, last: number, fit: LineFit): boolean {
  const n = times.length
  if (n < 2) return false
  const qmax = times[n - 1]!, frames = qmax - times[0]!
  if (frames < MIN_FRAMES || frames > MAX_FRAMES) return false
  // The winner's hits near its window: the line cannot leave it by more than this over the query.
  const reach = Math.ceil(MAX_DRIFT * frames) + 2
  const lo = first - reach, hi = last + reach
  fit.reserve(hits.count)
  const q = fit.q, o = fit.o, h = fit.h
  let m = 0, w = 0, sq = 0, so = 0, sqq = 0, sqo = 0
  for (let i = 0; i < hits.count; i++) {
    if (hits.track[i] !== track) continue
    const off = hits.offset[i]!
    if (off < lo || off > hi) continue
    const k = hits.query[i]!, t = times[k]!
    q[m] = t; o[m] = off; h[m] = hashes[k]!
    m++
    if (off >= first && off <= last) { w++; sq += t; so += off; sqq += t * t; sqo += t * off }
  }
  fit.count = m
  const det = w * sqq - sq * sq
  if (w >= STEADY_SHARE * m && (det <= 0 || Math.abs((w * sqo - sq * so) / det) * frames < STEADY_FRAMES)) return false
  // Intercepts o − d·q at slope 1 + d, |d| ≤ MAX_DRIFT, fall in [lo − spread, hi + spread]; 2 bins of padding each side.
  const spread = Math.ceil(MAX_DRIFT * qmax) + 1
  const base = lo - spread - 2, size = hi - lo + 2 * spread + 5
  if (fit.hist.length < size) fit.hist = new Uint32Array(2 * size)
  // Slopes 1 + k / frames (a step moves the line one frame over the query): every COARSE-th, in
  // windows of 5 bins (the line is then at most 1.5 frames off at either end), nearest to 1 first
  // so that a tie keeps the smaller change; then each step around the best, in windows of 3.
  const steps = Math.ceil(MAX_DRIFT * frames)
  let best = -1, coarseK = 0
  for (let j = 0; j <= 2 * Math.ceil(steps / COARSE); j++) {
    const k = COARSE * (j & 1 ? (j + 1) >> 1 : -(j >> 1))
    const votes = densest(fit, k / frames, base, size, 2)
    if (votes > best) { best = votes; coarseK = k }
  }
  best = -1
  let bestK = 0, bestBin = 0
  for (let j = 0; j <= 2 * (COARSE - 1); j++) {
    const k = coarseK + (j & 1 ? (j + 1) >> 1 : -(j >> 1))
    const votes = densest(fit, k / frames, base, size, 1)
    if (votes > best) { best = votes; bestK = k; bestBin = fit.bin }
  }
  densest(fit, 0, base, size, 1)
  const flatBin = fit.bin
  fit.flat = distinctNear(fit, 0, base, flatBin)
  if (bestK === 0) return false
  const d = bestK / frames
  fit.score = distinctNear(fit, d, base, bestBin)
  if (fit.score < FIT_RATIO * fit.flat || fit.score < fit.flat + FIT_MARGIN) return false
  // The slope and intercept: least squares of trackTime on queryTime over the hits within a frame
  // of that line. The grid's best is biased towards 1 (a window of 3 frames holds the line at
  // slopes up to 2 steps off, and ties go nearest to 1); the regression is not.
  let n0 = 0, sumQ = 0, sumT = 0
  for (let i = 0; i < m; i++) if (Math.abs(Math.round(o[i]! - d * q[i]!) - base - bestBin) <= 1) { n0++; sumQ += q[i]!; sumT += o[i]! + q[i]! }
  const mq = sumQ / n0, mt = sumT / n0
  let vq = 0, cqt = 0
  for (let i = 0; i < m; i++) {
    if (Math.abs(Math.round(o[i]! - d * q[i]!) - base - bestBin) > 1) continue
    const dq = q[i]! - mq
    vq += dq * dq; cqt += dq * (o[i]! + q[i]! - mt)
  }
  fit.slope = vq > 0 ? cqt / vq : 1 + d
  fit.offset = mt - fit.slope * mq
  return true
}

/**
 * The densest window of 2·half + 1 intercept bins at slope 1 + d (histogram bins [0, size), half
 * ≤ 2, the padding): its votes, and its middle bin in fit.bin (the first, on a tie).
 */
function densest(fit: LineFit, d: number, base: number, size: number, half: number): number {
  const q = fit.q, o = fit.o, hist = fit.hist, m = fit.count
  for (let i = 0; i < m; i++) { const b = Math.round(o[i]! - d * q[i]!) - base; hist[b] = hist[b]! + 1 }
  let sum = 0
  for (let b = 0; b < 2 * half; b++) sum += hist[b]!
  let best = 0, bin = 0
  for (let b = half; b < size - half; b++) {
    sum += hist[b + half]!
    if (sum > best) { best = sum; bin = b }
    sum -= hist[b - half]!
  }
  for (let i = 0; i < m; i++) hist[Math.round(o[i]! - d * q[i]!) - base] = 0
  fit.bin = bin
  return best
}

/** Distinct query hashes among the hits whose intercept at slope 1 + d is within one bin of `bin`. */
function distinctNear(fit: LineFit, d: number, base: number, bin: number): number {
  const q = fit.q, o = fit.o, h = fit.h, keys = fit.keys, m = fit.count
  let n = 0
  for (let i = 0; i < m; i++) if (Math.abs(Math.round(o[i]! - d * q[i]!) - base - bin) <= 1) keys[n++] = h[i]!
  const sorted = keys.subarray(0, n).sort()
  let distinct = 0
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++
  return distinct
}
