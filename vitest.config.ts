import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser tests need Chromium and run with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ['test/browser/**', 'node_modules/**'],
    testTimeout: 60_000,
    // Corpus set-up in beforeAll takes ~5 s alone and over 10 s (vitest's default) on a busy 2-core machine.
    hookTimeout: 120_000,
    pool: 'forks',
  },
})
