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

export function packFingerprint(fp: Fingerprint): Uint8Array { return fingerprintToBytes(fp) }

/** msgpackr may hand back a byte field at any offset of the message; fingerprintFromBytes copies what it keeps. */
export function unpackFingerprint(bytes: Uint8Array): Fingerprint { return fingerprintFromBytes(bytes) }
