import { defineConfig } from 'tsup'

// peakmatch-node: Node only. `peakmatch` (a peer dependency) and the decoders (dependencies) stay
// external, as tsup does for everything package.json lists: the bundles and their .d.ts import
// `peakmatch` by name, so a user's Catalog and the one these functions take are the same class
// and the same declaration. tsconfig's paths (peakmatch → ../../src) only serve the type check.
export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    shims: true,      // import.meta.url in index.cjs, for WorkerPool's default worker script
    outExtension: ({ format }) => ({ js: format === 'cjs' ? '.cjs' : '.js' }),
  },
  {
    // The bin (dist/cli.js), the worker thread's module (dist/scan-worker.js, next to the
    // code that starts it: WorkerPool's default) and the cache's store process (dist/cache-store.js).
    entry: { cli: 'src/bin.ts', 'scan-worker': 'src/scan-worker.ts', 'cache-store': 'src/cache-store.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    platform: 'node',
  },
])
