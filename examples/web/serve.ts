/**
 * A tiny static file server for the built page (examples/web/dist), on loopback only.
 * Run: npm run web:serve   (PORT=8080 npm run web:serve for another port; default 5173)
 */
import { createReadStream, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, extname, join, normalize, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.wav': 'audio/wav', '.png': 'image/png',
  '.pmx': 'application/octet-stream', '.bin': 'application/octet-stream',
}

/** Serves `root` on host:port (port 0 = any free port); resolves once listening. */
export function serveStatic(root: string, port = 0, host = '127.0.0.1'): Promise<{ server: Server; url: string }> {
  const base = resolve(root)
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    let file = normalize(join(base, path))
    if (file !== base && !file.startsWith(base + sep)) { res.writeHead(403).end('forbidden'); return }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html')
      const size = statSync(file).size
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' })
      createReadStream(file).pipe(res)
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`)
    }
  })
  return new Promise((done, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo
      done({ server, url: `http://${host}:${actual}/` })
    })
  })
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), 'dist')
  const { url } = await serveStatic(root, Number(process.env.PORT ?? 5173), process.env.HOST ?? '127.0.0.1')
  console.log(`peakmatch demo page: ${url}   (serving ${root}; build it with npm run web:build; Ctrl-C stops)`)
}
