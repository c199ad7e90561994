import type { Hits } from './hash-index.js'
import { DF_BITS, DT_BITS, F1_BITS } from '../options.js'

/**
 * The time scale of a decided alignment (issue 11, tempo). A tempo change by r (pitch kept)
 * divides every time of the query by r: its hashes align with the track along the line
 * trackTime = r · queryTime + c, not at one offset, so the vote's window (3 frames exact, a few
 * more in the speed pass) holds only the stretch of the query where the line crosses it, and the
 * offset it reports is off by the drift there (up to r − 1 of the query's length: 0.5 s on a
 * 10 s query at 5 %). The winner's own hits, (queryTime, trackTime) pairs of every query hash
 * that has the track's key, say where the line is: fitAnswer() searches its slope, and the
 * intercept at the query's start is the offset to report.
 */

/** Slopes searched, relative to the pass's own (1): tempo ±10 % and a little more. */
const MAX_DRIFT = 0.12
/** A query shorter than this (frames: 1 s) drifts too little for a slope to be told from 1. */
const MIN_FRAMES = 64
/** Slopes searched first: every COARSE-th step. */
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
 * How much more a slope must align than slope 1 (votes within ±1 frame of the best line of each)
 * to be taken: FIT_RATIO times as many and FIT_MARGIN more.
 */
const FIT_RATIO = 1.25
const FIT_MARGIN = 4
/**
 * A fitted offset within this many frames of the pass's own is not taken (32 ms: about the fit's
 * own precision): where nothing drifts, or a factor of the grid left ±1 % of it, the answer stays
 * what the pass said.
 */
const KEEP_FRAMES = 2
/**
 * A time scale within this of 1 is not reported as a tempo change: the plain passes find speed
 * changes up to ±2–3 % without telling frequency (query.ts), and their time scale is the speed's.
 */
const MIN_TEMPO = 0.025

/** A fit's scratch (grown by doubling, reused): the winner's hits near its window, and a histogram. */
export class LineFit {
  q = new Float64Array(256)
  o = new Float64Array(256)
  /** The query hash of each of those hits. */
  idx = new Uint32Array(256)
  count = 0
  hist = new Uint32Array(1024)
  /** densest()'s window: its middle bin. */
  bin = 0
  /** The last fitted line, trackTime = slope · queryTime + intercept (frames), when fitAnswer took one. */
  slope = 1
  intercept = 0
  /** speedOrTempo's scratch: the hashes on the line, moved a bin, their times along the line, what aligned. */
  on = new Uint32Array(256)
  mine = new Uint32Array(256)
  moved = new Uint32Array(256)
  along = new Uint32Array(256)
  stay = new Uint8Array(256)
  move = new Uint8Array(256)
}

/**
 * The line of a decided answer `c` (a track and its window [first, last] of offsets), from the
 * hits of the pass that decided it (`times`: the query's times as that pass saw them; `tempo`:
 * the time factor it undid, 1 but for a tempo factor of the grid). When a slope aligns clearly
 * more than the pass's own, c.offset becomes the line's at the query's start (unless within
 * KEEP_FRAMES of it), and the tempo returned is `tempo` × the slope if that is MIN_TEMPO or more
 * from 1; else `tempo`. Nothing else changes, the decision least. A sharded catalog can run it on
 * the winner's shard, which holds all of the winner's hits.
 */
export function fitAnswer(c: { track: number; first: number; last: number; offset: number }, hits: Hits, times: Uint32Array, tempo: number, fit: LineFit): number {
  const n = times.length
  const qmax = n > 0 ? times[n - 1]! : 0, frames = n > 0 ? qmax - times[0]! : 0
  if (frames < MIN_FRAMES || frames > MAX_FRAMES) return tempo
  // The winner's hits near its window: the line cannot leave it by more than this over the query.
  const reach = Math.ceil(MAX_DRIFT * frames) + 2
  const first = c.first, last = c.last, winner = c.track
  const lo = first - reach, hi = last + reach
  if (fit.q.length < hits.count) { fit.q = new Float64Array(2 * hits.count); fit.o = new Float64Array(2 * hits.count); fit.idx = new Uint32Array(2 * hits.count) }
  const q = fit.q, o = fit.o, idx = fit.idx
  let m = 0, w = 0, sq = 0, so = 0, sqq = 0, sqo = 0
  const track = hits.track, offsets = hits.offset, count = hits.count
  for (let i = 0; i < count; i++) {
    if (track[i] !== winner) continue
    const off = offsets[i]!
    if (off < lo || off > hi) continue
    const t = times[hits.query[i]!]!
    idx[m] = hits.query[i]!
    q[m] = t; o[m++] = off
    if (off >= first && off <= last) { w++; sq += t; so += off; sqq += t * t; sqo += t * off }
  }
  fit.count = m
  const det = w * sqq - sq * sq
  if (w >= STEADY_SHARE * m && (det <= 0 || Math.abs((w * sqo - sq * so) / det) * frames < STEADY_FRAMES)) return tempo
  // Intercepts o − d·q at slope 1 + d, |d| ≤ MAX_DRIFT, fall in [lo − spread, hi + spread]; 2 bins of padding each side.
  const spread = Math.ceil(MAX_DRIFT * qmax) + 1
  const base = lo - spread - 2, size = hi - lo + 2 * spread + 5
  if (fit.hist.length < size) fit.hist = new Uint32Array(2 * size)
  // Slopes 1 + k / frames (a step moves the line one frame over the query): every COARSE-th, in
  // windows of 5 bins (the line is then at most 1.5 frames off at either end), nearest to 1 first
  // so that a tie keeps the smaller change; then each step around the best, in windows of 3.
  const steps = Math.ceil(MAX_DRIFT * frames / COARSE)
  let best = -1, k0 = 0, k1 = 0, bin = 0
  for (let j = 0; j <= 2 * steps; j++) {
    const k = COARSE * (j & 1 ? (j + 1) >> 1 : -(j >> 1))
    const votes = densest(fit, k / frames, base, size, 2)
    if (votes > best) { best = votes; k0 = k }
  }
  best = -1
  for (let j = 0; j <= 2 * (COARSE - 1); j++) {
    const k = k0 + (j & 1 ? (j + 1) >> 1 : -(j >> 1))
    const votes = densest(fit, k / frames, base, size, 1)
    if (votes > best) { best = votes; k1 = k; bin = fit.bin }
  }
  const flat = densest(fit, 0, base, size, 1)
  if (k1 === 0 || best < FIT_RATIO * flat || best < flat + FIT_MARGIN) return tempo
  // The slope and intercept: least squares of trackTime on queryTime over the hits within a frame
  // of that line. The grid's best is biased towards 1 (a window of 3 frames holds the line at
  // slopes up to 2 steps off, and ties go nearest to 1); the regression is not.
  const d = k1 / frames
  let k = 0, st = 0, sqt = 0
  sq = 0; sqq = 0
  for (let i = 0; i < m; i++) {
    if (Math.abs(Math.round(o[i]! - d * q[i]!) - base - bin) > 1) continue
    const x = q[i]!, y = o[i]! + x
    k++; sq += x; st += y; sqq += x * x; sqt += x * y
  }
  const slope = (k * sqt - sq * st) / (k * sqq - sq * sq) || 1 + d
  const offset = Math.round((st - slope * sq) / k)
  fit.slope = slope
  fit.intercept = offset
  if (Math.abs(offset - c.offset) > KEEP_FRAMES) c.offset = offset
  const found = tempo * slope
  return Math.abs(found - 1) >= MIN_TEMPO ? found : tempo
}

/**
 * The densest window of 2·half + 1 intercept bins at slope 1 + d (histogram bins [0, size), half
 * ≤ 2, the padding): its votes, and its middle bin in fit.bin (the first, on a tie).
 */
function densest(fit: LineFit, d: number, base: number, size: number, half: number): number {
  const q = fit.q, o = fit.o, hist = fit.hist, m = fit.count
  for (let i = 0; i < m; i++) { const b = Math.round(o[i]! - d * q[i]!) - base; hist[b] = hist[b]! + 1 }
  let sum = 0, best = 0
  for (let b = 0; b < 2 * half; b++) sum += hist[b]!
  for (let b = half; b < size - half; b++) {
    sum += hist[b + half]!
    if (sum > best) { best = sum; fit.bin = b }
    sum -= hist[b - half]!
  }
  for (let i = 0; i < m; i++) hist[Math.round(o[i]! - d * q[i]!) - base] = 0
  return best
}

/** What speedOrTempo needs of an index: which query hashes a track holds at offsets [first, last] (HashIndex.aligned). */
export interface AlignedIndex {
  aligned(hashes: Uint32Array, times: Uint32Array, slot: number, first: number, last: number, out: Uint8Array): void
}

const F1_SHIFT = DF_BITS + DT_BITS, F1_LIMIT = 1 << F1_BITS
/** Frames either side of the fitted line that count as on it (the fit is good to about a frame). */
const ON_LINE = 2
/**
 * How far (bins) a speed change of the line's factor would move an anchor for it to count:
 * from NEAR to FAR it aligns moved one bin under a speed change (and as it is under a tempo
 * change); beyond FAR it aligns only as it is, and only under a tempo change. A speed change
 * needs MIN_MOVES moved anchors aligned and more than SPEED_RATIO × the anchors aligned as they
 * are. On synthetic music (test/match/speed-pitch.test.ts): speed 2.5–3 % queries 9–28 moved
 * against 0–2 as they are; tempo ±3–5 % (pitch kept) 1–9 moved against 3–30 as they are (the
 * closest, 9 against 3). On the dev corpus, bench/speed-pitch.ts (docs/algorithm.md §6).
 */
const NEAR = 0.5, FAR = 1.5
const MIN_MOVES = 3
const SPEED_RATIO = 4

/**
 * Whether a decided answer whose line fitAnswer fitted at `found` (its time factor, ≥ MIN_TEMPO
 * from 1, found by the plain passes: no factor undone) is a speed change (pitch and tempo × found,
 * as a resampled copy) rather than a tempo change (pitch kept). The plain passes cannot tell: the
 * speed pass looks the keys up as they are and with the anchor one bin down and up, and a
 * change of up to ~3 % aligns along a line either way. The frequencies can: the query's hashes
 * are looked up along the fitted line (fit.slope, fit.intercept) as they are and with the anchor
 * moved one bin against the change (a faster copy is higher: the track holds its anchors a bin
 * lower), and a speed change aligns a share of the moved ones. Cost: two targeted searches per
 * query hash on the line, once per decided answer that drifts (most do not).
 */
export function speedOrTempo(index: AlignedIndex, hashes: Uint32Array, times: Uint32Array, slot: number, found: number, fit: LineFit): boolean {
  // The query hashes the pass aligned on the line (any anchor shift it looked up): only they can
  // say anything. Looking up every hash of the query both ways took 0.5–2 ms a call on the dev
  // catalog; these few dozen, 0.1–0.2 ms (bench/speed-pitch.ts rows speed±3, tempo±5, timed).
  const n = hashes.length
  if (fit.on.length < n) { fit.on = new Uint32Array(2 * n); fit.mine = new Uint32Array(2 * n); fit.moved = new Uint32Array(2 * n); fit.along = new Uint32Array(2 * n); fit.stay = new Uint8Array(2 * n); fit.move = new Uint8Array(2 * n) }
  // `stay` marks the hashes already taken here; aligned() overwrites it with its answers below.
  const on = fit.on, seen = fit.stay
  seen.fill(0, 0, n)
  let k = 0
  const drift = fit.slope - 1
  for (let j = 0; j < fit.count; j++) {
    const i = fit.idx[j]!
    if (seen[i] || Math.abs(fit.o[j]! - drift * fit.q[j]! - fit.intercept) > ON_LINE) continue
    seen[i] = 1
    on[k++] = i
  }
  const mine = fit.mine.subarray(0, k), moved = fit.moved.subarray(0, k), along = fit.along.subarray(0, k), stay = fit.stay.subarray(0, k), move = fit.move.subarray(0, k)
  const delta = found > 1 ? -1 : 1
  for (let x = 0; x < k; x++) {
    const i = on[x]!, h = hashes[i]!, f1 = (h >>> F1_SHIFT) + delta
    mine[x] = h
    // An anchor that leaves the 8-bit range is looked up as it is: it can only count as staying.
    moved[x] = f1 >= 0 && f1 < F1_LIMIT ? h + delta * (1 << F1_SHIFT) : h
    along[x] = Math.max(0, Math.round(fit.slope * times[i]!))
  }
  const lo = fit.intercept - ON_LINE, hi = fit.intercept + ON_LINE
  index.aligned(mine, along, slot, lo, hi, stay)
  index.aligned(moved, along, slot, lo, hi, move)
  // What each anchor says, by how far a speed change of `found` would move it: half a bin to one
  // and a half, a speed change aligns it moved and a tempo change as it is; further, a speed
  // change aligns it neither way (the speed pass reaches one bin) and a tempo change as it is.
  const rate = Math.abs(found - 1)
  let moves = 0, stays = 0
  for (let x = 0; x < k; x++) {
    const by = (mine[x]! >>> F1_SHIFT) * rate
    if (by < NEAR) continue
    if (by <= FAR) { if (moved[x] !== mine[x]) moves += move[x]! }
    stays += stay[x]!
  }
  return moves >= MIN_MOVES && moves > SPEED_RATIO * stays
}
