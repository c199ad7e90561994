/**
 * AudioWorklet processor "peakmatch-capture": gathers the microphone's 128-frame render quanta
 * into blocks of BLOCK frames and posts each block (one Float32Array per channel) to the main
 * thread, transferring the buffers. It outputs nothing.
 */
declare abstract class AudioWorkletProcessor {
  readonly port: { postMessage(message: unknown, transfer: ArrayBuffer[]): void }
  abstract process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean
}
declare function registerProcessor(name: string, processor: new () => AudioWorkletProcessor): void

const BLOCK = 4096

class CaptureProcessor extends AudioWorkletProcessor {
  private block: Float32Array[] = []
  private filled = 0

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]
    if (!input || input.length === 0) return true          // not connected yet
    if (this.block.length !== input.length) { this.block = input.map(() => new Float32Array(BLOCK)); this.filled = 0 }
    const n = input[0]!.length
    let from = 0
    while (from < n) {
      const take = Math.min(n - from, BLOCK - this.filled)
      for (let c = 0; c < input.length; c++) this.block[c]!.set(input[c]!.subarray(from, from + take), this.filled)
      this.filled += take
      from += take
      if (this.filled === BLOCK) {
        const full = this.block
        this.port.postMessage(full, full.map((b) => b.buffer as ArrayBuffer))
        this.block = input.map(() => new Float32Array(BLOCK))
        this.filled = 0
      }
    }
    return true
  }
}

registerProcessor('peakmatch-capture', CaptureProcessor)
