/**
 * Builds the demo page into examples/web/dist: the page script, the fingerprint worker and the
 * microphone capture worklet (esbuild, browser platform, minified), the static files, and the
 * demo data (make-demo.ts). Run: npm run web:build   (-- --no-demo to skip the demo data)
 */
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeDemo } from './make-demo.js'

const here = dirname(fileURLToPath(import.meta.url))

export async function buildPage(outDir = join(here, 'dist'), demo = true): Promise<void> {
  rmSync(join(outDir, 'assets'), { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  const t0 = performance.now()
  await build({
    entryPoints: {
      main: join(here, 'main.ts'),
      'fingerprint-worker': join(here, 'fingerprint-worker.ts'),
      'capture-worklet': join(here, 'capture-worklet.ts'),
    },
    outdir: join(outDir, 'assets'),
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  })
  for (const f of ['index.html', 'styles.css']) copyFileSync(join(here, f), join(outDir, f))
  const size = (f: string) => `${(statSync(join(outDir, 'assets', f)).size / 1024).toFixed(1)} KB`
  console.log(`page: main.js ${size('main.js')}, fingerprint-worker.js ${size('fingerprint-worker.js')}, capture-worklet.js ${size('capture-worklet.js')} (${(performance.now() - t0).toFixed(0)} ms)`)
  if (demo) {
    const t1 = performance.now()
    const { tracks, bytes } = makeDemo(join(outDir, 'data'))
    console.log(`demo data: ${tracks} tracks, catalog ${(bytes / 1024).toFixed(0)} KiB (${(performance.now() - t1).toFixed(0)} ms)`)
  }
  console.log(`built ${outDir}; serve it with npm run web:serve`)
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPage(join(here, 'dist'), !process.argv.includes('--no-demo'))
}
