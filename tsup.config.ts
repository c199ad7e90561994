import { defineConfig, type Options } from 'tsup'

/** In the Node entries, the core (src/index.ts) is the sibling dist/index.* file, not a second copy. */
const coreAsSibling: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'core-as-sibling',
  setup(build) {
    const ext = build.initialOptions.format === 'cjs' ? 'cjs' : 'js'
    build.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) =>
      args.importer.includes('/src/node/') ? { path: `./index.${ext}`, external: true } : undefined)
  },
}

export default defineConfig([
  {
    entry: { index: 'src/index.ts', worker: 'src/worker/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'es2022',
    platform: 'neutral',
    // fft.js and msgpackr stay external: they are dependencies the host installs.
    external: ['fft.js', 'msgpackr'],
  },
  // peakmatch/node and the peakmatch CLI (issue 3): Node only.
  {
    entry: { node: 'src/node/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    shims: true,
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
    esbuildPlugins: [coreAsSibling],
  },
  {
    entry: { cli: 'src/node/bin.ts', 'scan-worker': 'src/node/scan-worker.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    esbuildPlugins: [coreAsSibling],
  },
])
