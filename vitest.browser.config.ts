import { defineConfig } from 'vitest/config'

// Browser tests: the demo page in Debian's Chromium, driven by playwright-core. npm run test:browser
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,        // one Chromium at a time: the machine has two cores
  },
})
