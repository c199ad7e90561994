/**
 * The demo page: load a catalog, identify dropped or chosen audio files, or listen to the
 * microphone until the answer is confident. Fingerprints are computed in a Web Worker
 * (peakmatch/worker); matching runs here, on the main thread, against the loaded Catalog.
 * In an app the imports are 'peakmatch' and 'peakmatch/worker'.
 */
import { Catalog, DECISION_CONFIDENCE, PeakmatchError, QUERY_GRIDS, fingerprint, fingerprinterOptions, type Fingerprint, type Match } from '../../src/index.js'
import { FingerprintWorker, type FingerprintStream } from '../../src/worker/index.js'
import { decodePrints, type TrackPrint } from './prints.js'

const LISTEN_SECONDS = 15          // give up after this long without a confident answer
// How often the audio so far is matched. A snapshot is a copy of the stream's settled hashes
// (5–25 µs in the worker for 20 s; fingerprinting the window again, as the worker once did,
// took 40–80 ms) and matching it against the demo catalog takes about 0.1 ms (bench/snapshot.ts),
// so ticking 4× a second costs next to nothing and answers up to 0.75 s sooner than 1× would.
const LISTEN_EVERY_MS = 250
const CONFIDENT = DECISION_CONFIDENCE     // the catalog's calibrated decision threshold

interface Sample { file: string; label: string; expectedTrackId: string | null }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const catalogStatus = $('catalog-status'), message = $('message'), results = $<HTMLOListElement>('results')
const listenButton = $<HTMLButtonElement>('listen'), listenStatus = $('listen-status')

const worker = new FingerprintWorker(new Worker(new URL('./fingerprint-worker.js', import.meta.url), { type: 'module' }))
let catalog = new Catalog()
let prints = new Map<string, TrackPrint>()
let catalogReady: Promise<void> = loadDemoCatalog()

// ---- catalog ----

async function loadDemoCatalog(): Promise<void> {
  try {
    const [pmx, bin] = await Promise.all([fetchBytes('data/demo.pmx'), fetchBytes('data/demo-prints.bin').catch(() => null)])
    useCatalog(pmx, 'the demo catalog')
    if (bin) prints = new Map(decodePrints(bin).map((p) => [p.id, p]))
  } catch (error) {
    catalogStatus.textContent = 'No catalog loaded.'
    showMessage(`The demo catalog could not be loaded (${describe(error)}). Build it with npm run web:build, or load a catalog file.`)
  }
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url)
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`)
  return new Uint8Array(await response.arrayBuffer())
}

function useCatalog(bytes: Uint8Array, name: string): void {
  const t0 = performance.now()
  const loaded = Catalog.fromBytes(bytes)     // throws CORRUPT_INDEX / UNSUPPORTED_VERSION
  const ms = performance.now() - t0
  catalog = loaded
  const stats = catalog.stats()
  catalogStatus.textContent = `${name}: ${stats.tracks} tracks, ${(stats.seconds / 60).toFixed(1)} min of audio, loaded in ${ms.toFixed(0)} ms.`
  catalogStatus.dataset.tracks = String(stats.tracks)
  if (catalog.size === 0) showMessage(emptyCatalogMessage)
  else hideMessage()
}

const emptyCatalogMessage = 'The catalog is empty: there is nothing to match against. Load a catalog file with tracks in it.'

$<HTMLInputElement>('catalog-file').addEventListener('change', async (event) => {
  const input = event.target as HTMLInputElement
  const file = input.files?.[0]
  input.value = ''
  if (!file) return
  catalogReady = (async () => {
    try {
      useCatalog(new Uint8Array(await file.arrayBuffer()), `“${file.name}”`)
      prints = new Map()           // plots need the demo prints; other catalogs show no plot
    } catch (error) {
      showMessage(error instanceof PeakmatchError
        ? `“${file.name}” is not a catalog this page can read (${error.code}): ${error.message}`
        : `“${file.name}” could not be read: ${describe(error)}`)
    }
  })()
})

// ---- files ----

const drop = $('drop')
$<HTMLInputElement>('audio-file').addEventListener('change', (event) => {
  const input = event.target as HTMLInputElement
  const files = Array.from(input.files ?? [])
  input.value = ''
  void identifyFiles(files)
})
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over') })
drop.addEventListener('dragleave', () => drop.classList.remove('over'))
drop.addEventListener('drop', (event) => {
  event.preventDefault()
  drop.classList.remove('over')
  void identifyFiles(Array.from(event.dataTransfer?.files ?? []))
})

void fetch('data/samples.json').then((r) => (r.ok ? r.json() : [])).then((samples: Sample[]) => {
  const box = $('samples')
  if (samples.length === 0) return
  box.append('Or try a sample: ')
  for (const s of samples) {
    const b = document.createElement('button')
    b.type = 'button'
    b.textContent = s.label
    b.addEventListener('click', async () => {
      const blob = await (await fetch(`data/${s.file}`)).blob()
      void identifyFiles([new File([blob], s.file, { type: 'audio/wav' })])
    })
    box.append(b, ' ')
  }
}).catch(() => {})

async function identifyFiles(files: File[]): Promise<void> {
  hideMessage()
  await catalogReady
  if (catalog.size === 0) { showMessage(emptyCatalogMessage); return }
  for (const file of files) await identifyFile(file)
}

async function identifyFile(file: File): Promise<void> {
  const card = addCard(file.name)
  let audio: AudioBuffer
  try {
    // An OfflineAudioContext decodes without an audio device; 44.1 kHz keeps WAV/CD rates exact.
    audio = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(await file.arrayBuffer())
  } catch {
    card.error(`“${file.name}” could not be decoded: the browser does not support its format, or the file is damaged.`)
    return
  }
  try {
    const t0 = performance.now()
    // With the loaded catalog's front end (fingerprinterOptions), so a catalog made with other peak
    // options answers too, and on QUERY_GRIDS frame grids, as a query.
    const frontEnd = catalog.settings().frontEnd
    const fp = await worker.fingerprint(audio, { ...(frontEnd ? fingerprinterOptions(frontEnd) : {}), grids: QUERY_GRIDS })
    const fpMs = performance.now() - t0
    const [best] = catalog.match(fp)
    card.show(best, fp, `${audio.duration.toFixed(1)} s at ${audio.sampleRate} Hz, ${fp.hashes.length} hashes, fingerprinted in ${fpMs.toFixed(0)} ms`)
  } catch (error) {
    card.error(`“${file.name}” could not be identified: ${describe(error)}`)
  }
}

// ---- microphone ----

interface Listening { stop(reason?: string): void }
let listening: Listening | null = null

listenButton.addEventListener('click', () => {
  if (listening) listening.stop('Stopped.')
  else void listen()
})

async function listen(): Promise<void> {
  hideMessage()
  await catalogReady
  if (catalog.size === 0) { showMessage(emptyCatalogMessage); return }
  if (!navigator.mediaDevices?.getUserMedia) { showMessage('This browser gives no microphone access here (it needs https or localhost).'); return }
  let media: MediaStream
  try {
    listenStatus.textContent = 'Asking for the microphone…'
    media = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } })
  } catch (error) {
    listenStatus.textContent = ''
    const name = (error as DOMException).name
    showMessage(name === 'NotAllowedError' || name === 'SecurityError'
      ? 'Microphone permission was refused. Allow the microphone for this page in the browser’s site settings, then press Listen again.'
      : name === 'NotFoundError' ? 'No microphone was found.' : `The microphone could not be opened: ${describe(error)}`)
    return
  }

  const context = new AudioContext()
  const source = context.createMediaStreamSource(media)
  const sink = context.createGain()
  sink.gain.value = 0                          // keeps the capture node pulled, plays nothing
  sink.connect(context.destination)
  // The window covers a whole listening session: every snapshot holds all the audio so far.
  // On QUERY_GRIDS frame grids: a phone or laptop microphone in a room is the short noisy query they are for.
  const stream = worker.stream({ sampleRate: context.sampleRate, windowSeconds: LISTEN_SECONDS + 5, grids: QUERY_GRIDS })
  const card = addCard('Microphone')
  // Set synchronously by stop(). The capture node keeps delivering blocks until the async
  // context.close() has ended (a block posted by the worklet before then is still queued on
  // its port), and a push after stream.close() throws STREAM_FINISHED: so every block is
  // checked against this flag, and stop() also detaches the handlers and the nodes.
  let stopped = false
  const forward = (chunk: Float32Array[] | Float32Array) => { if (!stopped) stream.push(chunk) }
  let capture: AudioNode, detach: () => void
  if (context.audioWorklet) {
    await context.audioWorklet.addModule(new URL('./capture-worklet.js', import.meta.url))
    const node = new AudioWorkletNode(context, 'peakmatch-capture', { numberOfOutputs: 1 })
    node.port.onmessage = (event: MessageEvent<Float32Array[]>) => forward(event.data)
    capture = node
    detach = () => { node.port.onmessage = null }
  } else {
    // ScriptProcessorNode: deprecated, but the only way in browsers without AudioWorklet.
    const node = context.createScriptProcessor(4096, 1, 1)
    node.onaudioprocess = (event) => forward(event.inputBuffer.getChannelData(0).slice())
    capture = node
    detach = () => { node.onaudioprocess = null }
  }
  source.connect(capture)
  capture.connect(sink)
  await context.resume()

  const started = performance.now()
  let timer = 0
  const stop = (reason?: string) => {
    if (stopped) return
    stopped = true
    clearTimeout(timer)
    detach()
    source.disconnect()
    capture.disconnect()
    media.getTracks().forEach((t) => t.stop())
    void context.close()
    stream.close()
    listening = null
    listenButton.textContent = 'Listen'
    listenButton.classList.remove('listening')
    if (reason !== undefined) listenStatus.textContent = reason
  }
  listening = { stop }
  listenButton.textContent = 'Stop'
  listenButton.classList.add('listening')

  const tick = async () => {
    if (stopped) return
    const seconds = (performance.now() - started) / 1000
    let fp: Fingerprint | null = null, best: Match | undefined
    try {
      fp = await stream.snapshot()
      best = fp.hashes.length > 0 ? catalog.match(fp)[0] : undefined
    } catch (error) {
      card.error(`Listening failed: ${describe(error)}`)
      stop('')
      return
    }
    if (stopped) return
    if (best && best.confidence >= CONFIDENT) {
      card.show(best, fp, `identified after ${seconds.toFixed(1)} s of listening`)
      stop(`Identified after ${seconds.toFixed(1)} s.`)
    } else if (seconds >= LISTEN_SECONDS) {
      card.show(undefined, fp, `${seconds.toFixed(0)} s of listening`)
      stop(`No match after ${LISTEN_SECONDS} s.`)
    } else {
      listenStatus.textContent = `Listening… ${seconds.toFixed(0)} s`
      timer = window.setTimeout(tick, LISTEN_EVERY_MS)
    }
  }
  listenStatus.textContent = 'Listening…'
  timer = window.setTimeout(tick, LISTEN_EVERY_MS)
}

// ---- results ----

interface Card { show(best: Match | undefined, fp: Fingerprint, details: string): void; error(text: string): void }

function addCard(title: string): Card {
  const li = document.createElement('li')
  li.className = 'result'
  li.dataset.state = 'pending'
  const h = document.createElement('h3')
  h.textContent = title
  const answer = document.createElement('p')
  answer.className = 'answer'
  answer.textContent = 'Identifying…'
  const details = document.createElement('p')
  details.className = 'details'
  li.append(h, answer, details)
  results.prepend(li)
  return {
    show(best, fp, text) {
      details.textContent = text
      if (!best) {
        li.dataset.state = 'nomatch'
        answer.textContent = 'No match: this audio is not in the catalog.'
        return
      }
      li.dataset.state = 'match'
      li.dataset.trackId = best.trackId
      li.dataset.offsetSeconds = best.offsetSeconds.toFixed(2)
      const title = (best.metadata as { title?: string } | undefined)?.title ?? best.trackId
      const strong = document.createElement('strong')
      strong.className = 'track'
      strong.textContent = title
      answer.replaceChildren(strong, ` — confidence ${best.confidence.toFixed(2)}, at ${formatTime(best.offsetSeconds)} in the track`)
      details.textContent = `${text}. Track id ${best.trackId}, ${best.score} aligned hashes.`
      const print = prints.get(best.trackId)
      if (print) li.append(plotMatches(fp, print, best))
    },
    error(text) {
      li.dataset.state = 'error'
      answer.textContent = text
    },
  }
}

/** Query hashes found in the track, at (query time, track time); aligned ones in colour. */
function plotMatches(fp: Fingerprint, print: TrackPrint, best: Match): HTMLCanvasElement {
  const byHash = new Map<number, number[]>()
  for (let i = 0; i < print.hashes.length; i++) {
    const list = byHash.get(print.hashes[i]!)
    if (list) list.push(print.times[i]!)
    else byHash.set(print.hashes[i]!, [print.times[i]!])
  }
  const offset = Math.round(best.offsetSeconds / fp.frameSeconds)
  const on: [number, number][] = [], off: [number, number][] = []
  for (let i = 0; i < fp.hashes.length; i++) {
    const tq = fp.times[i]!
    for (const tt of byHash.get(fp.hashes[i]!) ?? []) (Math.abs(tt - tq - offset) <= 1 ? on : off).push([tq, tt])
  }
  const canvas = document.createElement('canvas')
  const W = 240, H = 170, pad = 28, dpr = window.devicePixelRatio || 1
  canvas.width = W * dpr; canvas.height = H * dpr
  canvas.style.width = `${W}px`; canvas.style.height = `${H}px`
  canvas.setAttribute('role', 'img')
  canvas.setAttribute('aria-label', `${on.length} aligned hash matches on the diagonal, ${off.length} chance matches`)
  const g = canvas.getContext('2d')!
  g.scale(dpr, dpr)
  // x: the whole query; y: the stretch of the track it aligns with, ±¼ of its length, so a
  // true match is the 45° diagonal.
  const qMax = Math.max(1, fp.durationSeconds / fp.frameSeconds)
  const tMin = offset - qMax / 4, tMax = offset + qMax * 1.25
  const x = (tq: number) => pad + (tq / qMax) * (W - pad - 6)
  const y = (tt: number) => H - pad - ((tt - tMin) / (tMax - tMin)) * (H - pad - 6)
  const visible = (p: [number, number]) => p[1] >= tMin && p[1] <= tMax
  g.strokeStyle = '#9aa5b4'
  g.beginPath(); g.moveTo(pad, 6); g.lineTo(pad, H - pad); g.lineTo(W - 6, H - pad); g.stroke()
  g.fillStyle = '#5d6b7e'
  g.font = '10px system-ui, sans-serif'
  g.fillText('time in query →', pad + 30, H - 8)
  g.fillText('0', pad - 3, H - pad + 11)
  g.fillText(`${fp.durationSeconds.toFixed(0)} s`, W - 24, H - pad + 11)
  g.save(); g.translate(11, H - pad - 4); g.rotate(-Math.PI / 2)
  g.fillText(`time in track, ${formatTime(tMin * fp.frameSeconds)} → ${formatTime(tMax * fp.frameSeconds)}`, 0, 0)
  g.restore()
  g.fillStyle = 'rgba(93, 107, 126, 0.35)'
  for (const [tq, tt] of off.filter(visible).slice(0, 5000)) g.fillRect(x(tq) - 1, y(tt) - 1, 2, 2)
  g.fillStyle = '#0b6bcb'
  for (const [tq, tt] of on.filter(visible)) g.fillRect(x(tq) - 1.5, y(tt) - 1.5, 3, 3)
  return canvas
}

// ---- messages ----

function showMessage(text: string): void {
  message.textContent = text
  message.hidden = false
}

function hideMessage(): void {
  message.hidden = true
  message.textContent = ''
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function formatTime(seconds: number): string {
  const s = Math.max(0, seconds)
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`
}

// ---- test hook: the browser tests (test/browser) drive peakmatch through this ----

declare global {
  interface Window { __peakmatch: unknown }
}
window.__peakmatch = {
  fingerprint, Catalog, worker,
  ready: () => catalogReady,
  catalog: () => catalog,
  streamChunks: async (sampleRate: number, chunks: Float32Array[]): Promise<Fingerprint> => {
    const s: FingerprintStream = worker.stream({ sampleRate })
    for (const c of chunks) s.push(c)
    return s.finish()
  },
}
