/**
 * What of a file's fingerprint is sent to the service. bench/remote-scan.ts measures what a
 * decision needs (docs/scan.md, "Scanning against a server").
 */
import type { CatalogSettings, Fingerprint } from 'peakmatch'
import type { DecideOptions } from '../decide.js'

export function fingerprintToSend(fp: Fingerprint, _seconds: number, _options: DecideOptions, _settings: CatalogSettings): Fingerprint {
  return fp
}
