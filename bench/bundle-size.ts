/**
 * Size of peakmatch in a browser bundle: `export * from 'peakmatch'` (the published ESM build,
 * dist/index.js) bundled by esbuild for platform=browser with every dependency (fft.js,
 * msgpackr), minified, then gzipped. The browser platform has no Node built-ins, so a node:*
 * import anywhere would fail this build: it doubles as the "no Node polyfills" check.
 * Also bundles the ./worker entry (dist/worker.js) on its own, and lists the bytes each
 * package contributes. Run: npm run build && npm run bench:size
 */
import { build, type Metafile } from 'esbuild'
import { existsSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const TARGET_GZIP = 40 * 1024

interface Size { min: number; gzip: number; code: string; meta: Metafile }

async function bundle(entry: string): Promise<Size> {
  const path = resolve(root, entry)
  if (!existsSync(path)) throw new Error(`${entry} is missing: run npm run build first`)
  const result = await build({
    stdin: { contents: `export * from ${JSON.stringify(path)}`, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  const code = result.outputFiles[0]!.contents
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, code: new TextDecoder().decode(code), meta: result.metafile }
}

/** Minified bytes per package (node_modules/<name>) or 'peakmatch' for our own files. */
function byPackage(meta: Metafile): Map<string, number> {
  const out = new Map<string, number>()
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)
      const name = m ? m[1]! : 'peakmatch'
      out.set(name, (out.get(name) ?? 0) + bytesInOutput)
    }
  }
  return out
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`

const core = await bundle('dist/index.js')
console.log(`peakmatch (dist/index.js + fft.js + msgpackr), esbuild --bundle --minify --platform=browser:`)
console.log(`  min:      ${core.min} bytes (${kb(core.min)})`)
console.log(`  min+gzip: ${core.gzip} bytes (${kb(core.gzip)})   target ≤ ${kb(TARGET_GZIP)}: ${core.gzip <= TARGET_GZIP ? 'met' : 'NOT MET'}`)
for (const [name, bytes] of [...byPackage(core.meta)].sort((a, b) => b[1] - a[1])) {
  console.log(`    ${name.padEnd(10)} ${String(bytes).padStart(7)} bytes minified`)
}
// msgpackr's record extension compiles readers with new Function; codec.ts turns records off
// (useRecords: false), so the path is never taken, but the code is still in the bundle.
const evals = (core.code.match(/new Function/g) ?? []).length
console.log(`  'new Function' occurrences in the bundle: ${evals}${evals ? ' (msgpackr records reader; unused with useRecords:false, CSP-safe at run time)' : ''}`)

if (existsSync(resolve(root, 'dist/worker.js'))) {
  const worker = await bundle('dist/worker.js')
  console.log(`peakmatch/worker (dist/worker.js: FingerprintWorker + serveFingerprinting, dependencies included):`)
  console.log(`  min:      ${worker.min} bytes (${kb(worker.min)})`)
  console.log(`  min+gzip: ${worker.gzip} bytes (${kb(worker.gzip)})`)
  for (const [name, bytes] of [...byPackage(worker.meta)].sort((a, b) => b[1] - a[1])) {
    console.log(`    ${name.padEnd(10)} ${String(bytes).padStart(7)} bytes minified`)
  }
}

if (core.gzip > TARGET_GZIP) process.exitCode = 1
