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
    // Two files at a time. vitest's default on 2 cores is one worker (cores − 1), and many files
    // here wait on child processes (the CLI, the service, nats-server, shard replicas) rather than
    // compute: with both cores busy (two spin loops) the suite took 329 s with one worker, 227 s
    // with two (733 tests, 26 Nov 2026).
    maxWorkers: 2,
  },
})
