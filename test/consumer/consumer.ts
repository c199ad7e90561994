// A TypeScript user mixing the three published entry points (test/consumer/run.sh type-checks
// this against the packed tarballs). Every line here is something a user writes; it compiles only
// if peakmatch-node and peakmatch/worker refer to peakmatch's own declarations of Catalog,
// Fingerprint and PeakmatchError instead of declaring copies of them.
import { Catalog, PeakmatchError, fingerprint, type Fingerprint, type Identification } from 'peakmatch'
import { FingerprintWorker, type WorkerLike } from 'peakmatch/worker'
import { identifyFile, loadCatalog, readAudioFile, saveCatalog, scanLibrary, type ScanFileResult } from 'peakmatch-node'

export async function mixed(worker: WorkerLike): Promise<void> {
  const catalog = new Catalog()
  const fromDisk: Catalog = loadCatalog('catalog.pmx')            // peakmatch-node returns peakmatch's Catalog
  saveCatalog(catalog, 'copy.pmx')                                 // … and takes it
  const one: ScanFileResult = await identifyFile('a.mp3', new Catalog())
  const all = await scanLibrary(['./music'], fromDisk, { jobs: 2 })

  const { fp } = await readAudioFile('b.flac')
  const fromFile: Fingerprint = fp                                 // the Node reader's Fingerprint is the core's
  const fromWorker: Fingerprint = await new FingerprintWorker(worker).fingerprint({ sampleRate: 8000, channels: [new Float32Array(8000)] })
  const fromCore: Fingerprint = fingerprint({ sampleRate: 8000, channels: [new Float32Array(8000)] })
  const answers: Identification[] = [fromFile, fromWorker, fromCore].map((f) => catalog.identify(f))
  catalog.add('b', fromFile)

  try { Catalog.fromBytes(new Uint8Array(4)) } catch (e) {
    if (e instanceof PeakmatchError) console.log(e.code)
  }
  console.log(one.status, all.summary, answers.length)
}
