/** The text of `peakmatch --help` and of each command's --help (README.md has one section per command that matches it). */
export const HELP: Record<string, string> = {
  main: `peakmatch — identify audio files by their sound against a catalog

Usage:
  peakmatch catalog build <dir...> -o catalog.pmx [--editions editions.json]
  peakmatch scan <library-dir...> --catalog catalog.pmx [--report report.json|report.csv]
  peakmatch identify <file> --catalog catalog.pmx [--json]
  peakmatch dedupe <library-dir...> [--json]
  peakmatch <command> --help        details and an example for each command

Exit codes: 0 ok · 1 finished, but some files were unreadable or skipped (each listed with
its reason) · 2 usage error (or nothing to catalog) · 3 catalog missing, damaged or of another
version · 4 the catalog or report could not be written · 5 internal error (a bug) ·
130 interrupted (nothing half-written; a partial report goes to <name>.partial.<ext>)
`,
  build: `peakmatch catalog build <dir...> -o <catalog.pmx> [options]

Fingerprints every audio file under the directories (recursively) into a catalog file.
Track ids are the files' paths relative to the directory given; each track is its own
recording unless editions.json groups it with others.

Options:
  -o, --output FILE      the catalog to write (atomically: temp file + rename)
  -e, --editions FILE    editions.json: recordingId, quality, trackId, metadata per file
  -j, --jobs N           decoding threads (default: 2)
      --cache FILE       reuse fingerprints of unchanged files from this cache file
      --json             machine-readable summary on stdout
  -h, --help

editions.json:
  { "version": 1, "files": { "masters/song.flac": { "recordingId": "rec-42",
      "quality": { "codec": "flac", "lossless": true, "sampleRate": 96000, "bitDepth": 24 } } } }

Example:
  peakmatch catalog build ./masters -o catalog.pmx --editions ./masters/editions.json
`,
  scan: `peakmatch scan <library-dir...> --catalog <catalog.pmx> [options]

Identifies every audio file under the directories against the catalog and prints a summary:
matched (of which upgradable to a better edition), unmatched (to upload, with their size),
ambiguous, unreadable. Fingerprints are cached: a re-run only decodes new or changed files.

Options:
  -c, --catalog FILE     the catalog (from \`peakmatch catalog build\`)
  -r, --report FILE      write every file's result: .json or .csv by extension (an interrupted
                         scan writes FILE's name + .partial instead: report.partial.csv)
  -j, --jobs N           decoding threads (default: 2)
      --cache FILE       fingerprint cache (default: $XDG_CACHE_HOME/peakmatch/fingerprints.lmdb)
      --no-cache         neither read nor write a cache
      --cache-hash       also key the cache by content (SHA-256): touched-but-unchanged files stay cached
  -v, --verbose          one line per file
      --json             the whole report as JSON on stdout
  -h, --help

Example:
  peakmatch scan ~/Music --catalog catalog.pmx --report report.csv
`,
  identify: `peakmatch identify <file> --catalog <catalog.pmx> [--json]

Identifies one file or snippet: matched (the recording, its best edition and whether it is
an upgrade), ambiguous (the candidates) or unmatched. Exit code 0 when the file was read,
1 when it was unreadable.

Options:
  -c, --catalog FILE
      --json
  -h, --help

Example:
  peakmatch identify "Some Song.mp3" --catalog catalog.pmx --json
`,
  dedupe: `peakmatch dedupe <library-dir...> [options]

Finds the files that are the same recording (re-encodes, other bitrates or formats, copies
trimmed by a few seconds) without a catalog: every file is fingerprinted once and compared with
the others that sound like it. Prints each group with the file to keep (the best quality:
lossless first, then bit depth and sample rate, or bitrate; then the larger file), and how many
bytes the other copies take. Two files are one recording when their common audio spans 80% of
the longer and each covers 75% of the other's: an excerpt, or a file that holds a song and
something else, is no copy of the song. Nothing is deleted. Fingerprints are cached as by
\`peakmatch scan\` (the same cache): a re-run only decodes new or changed files. Exit codes as
scan: 1 when some files were unreadable (each listed with its reason).

Options:
  -j, --jobs N           decoding threads (default: 2)
      --cache FILE       fingerprint cache (default: $XDG_CACHE_HOME/peakmatch/fingerprints.lmdb)
      --no-cache         neither read nor write a cache
      --cache-hash       also key the cache by content (SHA-256): touched-but-unchanged files stay cached
      --json             groups, unique files, problems and summary as JSON ("schema": 1)
  -h, --help

Example:
  peakmatch dedupe ~/Music
`,
}
