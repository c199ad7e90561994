// The built package as a user gets it: `import` and `require` by name, through the exports map.
// Run after `npm run build`: node test/package-smoke.mjs
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import * as esm from 'peakmatch'

const cjs = createRequire(import.meta.url)('peakmatch')
for (const [kind, lib] of [['import', esm], ['require', cjs]]) {
  const tone = new Float32Array(44100 * 12)
  for (let i = 0; i < tone.length; i++) tone[i] = Math.sin(i * 0.05) * Math.sin(i * 0.0002) + 0.3 * Math.sin(i * 0.173)
  const fp = lib.fingerprint({ sampleRate: 44100, channels: [tone] })
  assert.ok(fp.hashes.length > 0, `${kind}: no hashes`)
  const catalog = new lib.Catalog()
  catalog.add('tone', fp)
  const again = lib.Catalog.fromBytes(catalog.toBytes())
  assert.equal(again.size, 1, `${kind}: round trip`)
  assert.throws(() => lib.fingerprint({ sampleRate: 0, channels: [tone] }), (e) => e instanceof lib.PeakmatchError && e.code === 'INVALID_SAMPLE_RATE')
  console.log(`${kind}: ok (${fp.hashes.length} hashes)`)
}
