import { defineConfig } from 'tsup'

// The core package `peakmatch` (browser-safe). The Node side is packages/node (peakmatch-node).
export default defineConfig({
  entry: { index: 'src/index.ts', worker: 'src/worker/index.ts', sharded: 'src/sharded.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // fft.js and msgpackr stay external: they are dependencies the host installs.
  external: ['fft.js', 'msgpackr'],
  // Shared chunks in CommonJS too (ESM splits by default): without this, index.cjs and
  // worker.cjs each carry their own PeakmatchError and Fingerprinter, and an error from
  // require('peakmatch/worker') is not `instanceof` require('peakmatch').PeakmatchError.
  splitting: true,
})
