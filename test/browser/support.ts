import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { serveStatic } from '../../examples/web/serve.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const PAGE_DIR = join(ROOT, 'examples/web/dist')
export const DATA_DIR = join(PAGE_DIR, 'data')
export const ARTIFACTS = join(ROOT, 'test-artifacts')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags that keep Chromium off the (closed) network and quiet in a container. */
const QUIET = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface Session {
  context: BrowserContext
  page: Page
  url: string
  /** Errors the page logged or threw (CSP violations included): a test expects none. */
  errors: string[]
  close(): Promise<void>
}

/** Serves the built page on 127.0.0.1 (a free port), starts headless Chromium and opens the page. */
export async function openPage(extraArgs: string[] = []): Promise<Session> {
  const { server, url } = await serveStatic(PAGE_DIR, 0, '127.0.0.1')
  const profile = mkdtempSync(join(tmpdir(), 'peakmatch-chromium-'))
  let context: BrowserContext
  try {
    // A fresh, empty profile per session (playwright passes it as --user-data-dir).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...QUIET, ...extraArgs],
    })
  } catch (error) {
    await closeServer(server)
    throw error
  }
  const page = context.pages()[0] ?? await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`) })
  await page.goto(url)
  await page.waitForFunction(() => (window as unknown as { __peakmatch?: unknown }).__peakmatch !== undefined)
  await page.evaluate(() => (window as unknown as { __peakmatch: { ready(): Promise<void> } }).__peakmatch.ready())
  return {
    context, page, url, errors,
    async close() {
      await context.close()
      await closeServer(server)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((done) => server.close(() => done()))
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true })
  return join(ARTIFACTS, name)
}
