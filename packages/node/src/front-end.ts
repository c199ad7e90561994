/**
 * Which front end the Node side fingerprints with. Audio read to be matched against a catalog or
 * added to one is fingerprinted with that catalog's stamped front end (CatalogSettings.frontEnd),
 * never blindly with this peakmatch's defaults: a catalog built with other peak options is then
 * usable from the CLI, and the defaults can change without every saved catalog and running
 * service refusing the new CLI's queries (INCOMPATIBLE_FINGERPRINT).
 */
import { DEFAULT_FRONT_END, fingerprinterOptions, frontEndMismatch, type CatalogSettings, type FingerprintOptions, type FrontEnd } from 'peakmatch'

/**
 * The front end to fingerprint with for a catalog of these settings: its stamped one, or, for an
 * empty catalog (no stamp yet: its first track sets it), the defaults — with the fanout raised to
 * the catalog's indexFanout when that is higher, since a catalog refuses to index a fingerprint of
 * a lower fanout. Throws PeakmatchError (INCOMPATIBLE_FINGERPRINT: another front-end version;
 * INVALID_FINGERPRINT: malformed) when this peakmatch cannot make it.
 */
export function catalogFrontEnd(settings: Pick<CatalogSettings, 'frontEnd' | 'indexFanout'> | null | undefined): FrontEnd {
  const stamped = settings?.frontEnd
  if (stamped) {
    fingerprinterOptions(stamped)   // the check: throws for what this peakmatch cannot make
    return plain(stamped)
  }
  const indexFanout = settings?.indexFanout ?? 0
  return indexFanout > DEFAULT_FRONT_END.fanout ? Object.freeze({ ...DEFAULT_FRONT_END, fanout: indexFanout }) : DEFAULT_FRONT_END
}

/** The Fingerprinter options of a front end; the defaults' (none) for the default front end or none. */
export function optionsOf(frontEnd: FrontEnd | undefined): FingerprintOptions {
  return frontEnd === undefined || isDefaultFrontEnd(frontEnd) ? {} : fingerprinterOptions(frontEnd)
}

/** Whether a front end is this peakmatch's default one, fanout included. */
export function isDefaultFrontEnd(frontEnd: FrontEnd): boolean {
  return frontEndMismatch(frontEnd, DEFAULT_FRONT_END, false) === null
}

/** A front end in words, for `catalog info` and verbose output. */
export function frontEndText(fe: FrontEnd): string {
  return `front end v${fe.version}: bins ${fe.minBin}–${fe.maxBin}, peak neighbourhood ${fe.neighborhoodBins} bins × ${fe.neighborhoodFrames} frames, threshold ${fe.threshold}, fanout ${fe.fanout}`
}

/** Only the FrontEnd fields, frozen (a service's JSON may carry more). */
function plain(fe: FrontEnd): FrontEnd {
  return Object.freeze({
    version: fe.version, minBin: fe.minBin, maxBin: fe.maxBin, neighborhoodBins: fe.neighborhoodBins,
    neighborhoodFrames: fe.neighborhoodFrames, threshold: fe.threshold, fanout: fe.fanout,
  })
}
