/**
 * peakmatch-node (packages/node): reading real audio files (decode → streaming fingerprint, tags, quality),
 * walking a library, the fingerprint cache, atomic writes, the worker pool, and the scan and
 * catalog-build pipelines the `peakmatch` CLI is made of. The only part of peakmatch that
 * uses Node built-ins.
 */
export { readAudioFile, qualityOf } from './read.js'
export { walkAudio, isAudioPath, displayPath, AUDIO_EXTENSIONS } from './walk.js'
export { FingerprintCache, sha256File } from './cache.js'
export { writeFileAtomic } from './atomic.js'
export { WorkerPool } from './pool.js'
export { buildCatalog, scanLibrary, identifyFile, loadCatalog, saveCatalog, loadEditions, sourceFrontEnd } from './scan.js'
export { catalogFrontEnd, isDefaultFrontEnd, frontEndText } from './front-end.js'
export { dedupeLibrary, type DedupeOptions, type DedupeReading, type DedupeResult, type DedupeGroup, type DedupeFile, type DedupeDuplicate, type DedupeProblem, type DedupeSummary } from './dedupe.js'
export { scanCsv, csvCell, scanSummaryText, buildSummaryText, fileLine, formatBytes, formatDuration } from './report.js'
export { FileError, CliError } from './errors.js'
export { main, EXIT } from './cli.js'
export { RemoteCatalog, type RemoteOptions } from './remote/remote-catalog.js'
export { LocalBackend, PartialAnswerError, type Backend, type Answered, type BackendInfo } from './service/backend.js'
export { buildService } from './service/http.js'

export type { FileReading, FileInfo, Tags, ReadProgress, ReadOptions } from './read.js'
export type { AudioFile, WalkResult, WalkFs, SkipReason, SkippedPath } from './walk.js'
export type { FileErrorReason } from './errors.js'
export type {
  RunOptions, Progress, EditionsFile, EditionEntry, BuildResult, BuildFileResult, ScanResult, ScanFileResult, ScanSummary, ReadSummary, ScanStatus,
} from './scan.js'
export type { Io } from './cli.js'
export { decide } from './decide.js'
export type { Candidate, DecideOptions, DecisionSource, Reading } from './decide.js'
