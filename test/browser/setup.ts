import { existsSync } from 'node:fs'
import { buildPage } from '../../examples/web/build.js'
import { CHROMIUM, PAGE_DIR } from './support.js'

/** Once per run: Chromium must be there (a missing browser fails, never skips), and the page is built. */
export default async function setup(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the browser tests need it. Install Debian's package: apt-get update && apt-get install -y --no-install-recommends chromium`)
  }
  await buildPage(PAGE_DIR, true)
}
