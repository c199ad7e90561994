/**
 * The bytes between the gateway and the shards: msgpack of plain data, with the query's
 * fingerprint as its versioned bytes (fingerprintToBytes), so a shard decodes and checks it as
 * any service does. Replies carry either the value or a typed error, never a bare string.
 */
import { Packr } from 'msgpackr'
import { fingerprintFromBytes, fingerprintToBytes, PeakmatchError, type Fingerprint } from 'peakmatch'

// Plain maps and arrays only (no msgpackr records: a reply must decode in a process that has
// not seen the structure before, and every message is decoded by a fresh reader).
const packr = new Packr({ useRecords: false, moreTypes: true })

export function encode(value: unknown): Uint8Array { return packr.pack(value) }

export function decode<T>(bytes: Uint8Array): T { return packr.unpack(bytes) as T }

/** A shard's reply: its value, or why it could not answer (a PeakmatchError's code, or SHARD_ERROR). */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } }

export function okReply(value: unknown): Uint8Array { return encode({ ok: true, value }) }

export function errorReply(e: unknown): Uint8Array {
  const code = e instanceof PeakmatchError ? e.code : 'SHARD_ERROR'
  return encode({ ok: false, error: { code, message: e instanceof Error ? e.message : String(e) } })
}

/**
 * One query's passes (a snippet match runs up to some 25, each sent to every shard) carry the same
 * fingerprint: it is encoded once per query (the Fingerprint object is the key) …
 */
const packed = new WeakMap<Fingerprint, Uint8Array>()

export function packFingerprint(fp: Fingerprint): Uint8Array {
  let bytes = packed.get(fp)
  if (!bytes) { bytes = fingerprintToBytes(fp); packed.set(fp, bytes) }
  return bytes
}

/**
 * … and decoded once per query on a shard: the last few decoded fingerprints are kept with their
 * bytes, and a request's bytes equal to one of them (compared whole: no trust in a checksum
 * alone) reuse it. msgpackr may hand back a byte field at any offset of the message;
 * fingerprintFromBytes copies what it keeps, and so does the cache.
 */
export class FingerprintDecoder {
  readonly #recent: { bytes: Uint8Array; fp: Fingerprint }[] = []

  constructor(readonly size = 16) {}

  decode(bytes: Uint8Array): Fingerprint {
    for (const r of this.#recent) if (r.bytes.length === bytes.length && Buffer.compare(r.bytes, bytes) === 0) return r.fp
    const fp = fingerprintFromBytes(bytes)
    this.#recent.push({ bytes: Uint8Array.prototype.slice.call(bytes), fp })
    if (this.#recent.length > this.size) this.#recent.shift()
    return fp
  }
}

export function unpackFingerprint(bytes: Uint8Array): Fingerprint { return fingerprintFromBytes(bytes) }
