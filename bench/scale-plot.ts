/**
 * Query latency against catalog size, log-log, as a hand-written SVG (no plotting dependency):
 *
 *   tsx bench/scale-plot.ts scale.json [docs/scale-latency.svg]
 *
 * Input is bench/scale.ts's --out JSON. Lines: 10 s `match` p50 and p95 (solid), the 10 s p50
 * in CPU time (dotted: what an idle core would take; the machine is shared), whole-file
 * `identify` p50 (dashed, when measured); crosses mark issue 9's targets at 100k tracks (10 s
 * p50 ≤ 5 ms, p95 ≤ 20 ms). Log-log because the question is the slope: 1 means linear in the
 * catalog, as a query that walks every posting of its keys is.
 */
import { readFileSync, writeFileSync } from 'node:fs'

interface Point { p50: number; p95: number }
export interface PlotInput { tracks: number; latency: { '10s'?: Point; whole?: Point }; cpu?: { '10s'?: Point } }

const W = 700, H = 420, L = 70, R = 200, T = 40, B = 50

const decadesOf = (lo: number, hi: number) => {
  const out: number[] = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e)
  return out
}
const label = (v: number) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${v}`)
const labelMs = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`)
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')

export function plotScale(results: readonly PlotInput[]): string {
  const pts = results.filter((r) => r.latency['10s'])
  const series = [
    { name: '10 s match p50', color: '#1f77b4', dash: '', get: (r: PlotInput) => r.latency['10s']?.p50 },
    { name: '10 s match p95', color: '#d62728', dash: '', get: (r: PlotInput) => r.latency['10s']?.p95 },
    { name: '10 s match CPU p50', color: '#1f77b4', dash: '2 3', get: (r: PlotInput) => r.cpu?.['10s']?.p50 },
    { name: 'whole-file identify p50', color: '#7f7f7f', dash: '6 4', get: (r: PlotInput) => r.latency.whole?.p50 },
  ]
  const targets = [{ x: 100_000, y: 5, name: 'target p50 at 100k' }, { x: 100_000, y: 20, name: 'target p95 at 100k' }]
  const xs = [...pts.map((r) => r.tracks), ...targets.map((t) => t.x)]
  const ys = [...pts.flatMap((r) => series.map((s) => s.get(r)).filter((v): v is number => v !== undefined && v > 0)), ...targets.map((t) => t.y)]
  const xd = decadesOf(Math.min(...xs), Math.max(...xs)), yd = decadesOf(Math.min(...ys), Math.max(...ys))
  const [x0, x1] = [Math.log10(xd[0]!), Math.log10(xd[xd.length - 1]!)], [y0, y1] = [Math.log10(yd[0]!), Math.log10(yd[yd.length - 1]!)]
  const px = (v: number) => L + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - L - R)
  const py = (v: number) => H - B - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * (H - T - B)
  const f = (v: number) => v.toFixed(1)

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="14" font-weight="bold">peakmatch query latency vs catalog size (log-log)</text>`,
  ]
  for (const v of xd) out.push(`<line x1="${f(px(v))}" y1="${T}" x2="${f(px(v))}" y2="${H - B}" stroke="#ddd"/>`, `<text x="${f(px(v))}" y="${H - B + 18}" text-anchor="middle">${label(v)}</text>`)
  for (const v of yd) out.push(`<line x1="${L}" y1="${f(py(v))}" x2="${W - R}" y2="${f(py(v))}" stroke="#ddd"/>`, `<text x="${L - 6}" y="${f(py(v) + 4)}" text-anchor="end">${labelMs(v)}</text>`)
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">tracks in the catalog</text>`,
    `<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">latency per query</text>`)
  series.forEach((s, i) => {
    const p = pts.map((r) => [r.tracks, s.get(r)] as const).filter((q): q is readonly [number, number] => q[1] !== undefined && q[1] > 0)
    if (p.length === 0) return
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''} points="${p.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`)
    for (const [x, y] of p) out.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${s.color}"><title>${esc(`${s.name}: ${y.toFixed(2)} ms at ${x} tracks`)}</title></circle>`)
    out.push(`<line x1="${W - R + 12}" y1="${T + 10 + i * 20}" x2="${W - R + 36}" y2="${T + 10 + i * 20}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
      `<text x="${W - R + 42}" y="${T + 14 + i * 20}">${esc(s.name)}</text>`)
  })
  targets.forEach((t, i) => {
    const x = px(t.x), y = py(t.y)
    out.push(`<path d="M${f(x - 5)},${f(y - 5)}L${f(x + 5)},${f(y + 5)}M${f(x - 5)},${f(y + 5)}L${f(x + 5)},${f(y - 5)}" stroke="#2ca02c" stroke-width="2"><title>${esc(t.name)}</title></path>`)
    if (i === 0) out.push(`<text x="${W - R + 42}" y="${T + 14 + series.length * 20}">issue 9 targets</text>`,
      `<path d="M${W - R + 19},${T + 5 + series.length * 20}l10,10m-10,0l10,-10" stroke="#2ca02c" stroke-width="2"/>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [input, output = 'docs/scale-latency.svg'] = process.argv.slice(2)
  if (!input) throw new Error('usage: tsx bench/scale-plot.ts scale.json [out.svg]')
  const { results } = JSON.parse(readFileSync(input, 'utf8')) as { results: PlotInput[] }
  writeFileSync(output, plotScale(results))
  console.log(`${output}: ${results.length} sizes`)
}
