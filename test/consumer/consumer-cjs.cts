// The same mix from CommonJS (checked under module nodenext, which reads the .d.cts files).
import peakmatch = require('peakmatch')
import worker = require('peakmatch/worker')
import node = require('peakmatch-node')

export async function mixedCjs(w: worker.WorkerLike): Promise<void> {
  const catalog: peakmatch.Catalog = node.loadCatalog('catalog.pmx')
  const r = await node.identifyFile('a.mp3', new peakmatch.Catalog())
  const fp: peakmatch.Fingerprint = (await node.readAudioFile('b.flac')).fp
  const fromWorker: peakmatch.Fingerprint = await new worker.FingerprintWorker(w).fingerprint({ sampleRate: 8000, channels: [new Float32Array(8000)] })
  catalog.add('b', fp)
  console.log(r.status, catalog.identify(fromWorker).status)
}
