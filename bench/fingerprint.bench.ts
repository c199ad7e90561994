/**
 * Micro-benchmarks of the pipeline stages, each against its physical bound (the FFT).
 *
 *   npm run bench:micro [-- filter]      e.g. npm run bench:micro -- resample
 *
 * Audio is seeded synthetic music: speed does not depend on what the music is.
 */
import Benchmark from 'benchmark'
import FFT from 'fft.js'
import { Catalog, Fingerprinter, fingerprint } from '../src/index.js'
import { FFT_SIZE } from '../src/options.js'
import { Resampler } from '../src/fingerprint/resample.js'
import { excerpt, synthMusic, withNoise } from '../test/support/synth.js'

const filter = process.argv[2] ?? ''
const seconds = 30
const stereo = synthMusic(11, seconds)                       // 44.1 kHz stereo
const catalog = new Catalog()
for (let i = 0; i < 20; i++) catalog.add(`t${i}`, fingerprint(synthMusic(100 + i, 60)))
const query = fingerprint(withNoise(excerpt(synthMusic(105, 60), 20, 10), 5, 1))

const fft = new FFT(FFT_SIZE)
const fftHalf = new FFT(FFT_SIZE / 2)
const frame = new Float64Array(FFT_SIZE).map((_, i) => Math.sin(i * 0.1))
const spectrum = new Float64Array(2 * FFT_SIZE)

const suite = new Benchmark.Suite()
const audioSecondsOf = new Map<string, number>()
const add = (name: string, audioSeconds: number, fn: () => void) => {
  if (!name.includes(filter)) return
  suite.add(name, fn, { minSamples: 20 })
  audioSecondsOf.set(name, audioSeconds)
}
add('fft.js realTransform, 512 real points', 0, () => fft.realTransform(spectrum, frame))
add('fft.js transform, 256 complex points (what a frame costs)', 0, () => fftHalf.transform(spectrum, frame))
add(`resample 44.1 kHz → 8 kHz, ${seconds} s mono`, seconds, () => {
  const r = new Resampler(44100, 8000)
  r.push([stereo.channels[0]!], 0)
  r.finish()
})
add(`fingerprint(), ${seconds} s of 44.1 kHz stereo`, seconds, () => fingerprint(stereo))
add(`Fingerprinter, ${seconds} s of 44.1 kHz stereo in 128-sample chunks`, seconds, () => {
  const f = new Fingerprinter({ sampleRate: 44100 })
  const [l, r] = stereo.channels as [Float32Array, Float32Array]
  for (let i = 0; i < l.length; i += 128) f.push([l.subarray(i, i + 128), r.subarray(i, i + 128)])
  f.finish()
})
add('Catalog.match, 10 s query, 20-track catalog', 0, () => catalog.match(query))

suite
  .on('cycle', (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark
    const perRun = b.stats.mean
    const audioSeconds = audioSecondsOf.get(String(b.name)) ?? 0
    const rt = audioSeconds ? `, ${(audioSeconds / perRun).toFixed(0)}× real time` : ''
    console.log(`${String(b.name).padEnd(62)} ${(perRun * 1e3).toFixed(4).padStart(9)} ms ±${b.stats.rme.toFixed(1)}%${rt}`)
  })
  .run()
