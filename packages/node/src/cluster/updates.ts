/**
 * An add or a remove on its way to a shard (the update log: ClusterStore.publishUpdate) and how
 * a replica applies it. Applying is idempotent (an add of a track the shard has, a remove of one
 * it has not, change nothing), so a replica that loaded a snapshot a little newer than the
 * position it replays from comes out the same.
 */
import type { Catalog, EditionQuality, Fingerprint } from 'peakmatch'
import { decode, encode, packFingerprint, unpackFingerprint } from './wire.js'

export type Update =
  | { op: 'add'; trackId: string; recordingId: string; metadata?: unknown; quality?: EditionQuality; fp: Uint8Array }
  | { op: 'remove'; trackId: string }

export function addUpdate(trackId: string, recordingId: string, fp: Fingerprint, metadata: unknown, quality?: EditionQuality): Uint8Array {
  return encode({ op: 'add', trackId, recordingId, fp: packFingerprint(fp), ...(metadata !== undefined ? { metadata } : {}), ...(quality ? { quality } : {}) })
}

export function removeUpdate(trackId: string): Uint8Array {
  return encode({ op: 'remove', trackId })
}

/** Applies one update; returns what it did, for the log. */
export function applyUpdate(catalog: Catalog, bytes: Uint8Array): string {
  const u = decode<Update>(bytes)
  if (u.op === 'add') {
    if (catalog.has(u.trackId)) return `add ${u.trackId}: already there`
    catalog.add(u.trackId, unpackFingerprint(u.fp), u.metadata, { recordingId: u.recordingId, ...(u.quality ? { quality: u.quality } : {}) })
    return `added ${u.trackId}`
  }
  if (u.op === 'remove') return catalog.remove(u.trackId) ? `removed ${u.trackId}` : `remove ${u.trackId}: not there`
  return `unknown update ${JSON.stringify((u as { op?: unknown }).op)} ignored`
}
