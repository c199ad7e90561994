import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  resolve: {
    // packages/node imports the core as the package `peakmatch`: in tests that is the core's
    // source (as tsconfig.json's paths say), so the tests need no build.
    alias: [
      { find: /^peakmatch$/, replacement: source('./src/index.ts') },
      { find: /^peakmatch\/worker$/, replacement: source('./src/worker/index.ts') },
      { find: /^peakmatch\/sharded$/, replacement: source('./src/sharded.ts') },
    ],
  },
  test: {
    // test/node/** are the tests of packages/node (peakmatch-node).
    include: ['test/**/*.test.ts'],
    // Browser tests need Chromium and run with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 60_000,
    // Corpus set-up in beforeAll takes ~5 s alone and over 10 s (vitest's default) on a busy 2-core machine.
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
