import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', worker: 'src/worker/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  // fft.js and msgpackr stay external: they are dependencies the host installs.
  external: ['fft.js', 'msgpackr'],
})
