/** The text of `peakmatch --help` and of each command's --help (README.md has one section per command that matches it). */
export const HELP: Record<string, string> = {
  main: `peakmatch — identify audio files by their sound against a catalog

Usage:
  peakmatch catalog build <dir...> -o catalog.pmx [--editions editions.json]
  peakmatch catalog add <catalog.pmx> <file or dir...>      add tracks without rebuilding
  peakmatch catalog remove <catalog.pmx> <track id...>      remove tracks (all or none)
  peakmatch catalog list <catalog.pmx>                      ids, titles, lengths, editions
  peakmatch catalog info <catalog.pmx>                      size, format, fingerprint parameters
  peakmatch catalog split <catalog.pmx> --shards N -o DIR   shard files for a cluster (docs/cluster.md)
  peakmatch scan <library-dir...> --catalog catalog.pmx [--report report.json|report.csv]
  peakmatch scan <library-dir...> --server http://host:8080   the same, against a match service
  peakmatch identify <file|glob|dir|-...> --catalog catalog.pmx [--top N] [--json]
  peakmatch dedupe <library-dir...> [--json]                 group the copies of one recording
  peakmatch serve --catalog catalog.pmx [--port 8080]        the match service (HTTP API)
  peakmatch <command> --help        details and an example for each command

Exit codes: 0 ok · 1 finished, but some files were unreadable or skipped (each listed with
its reason) · 2 usage error (or nothing to catalog, or an unknown track id) · 3 catalog
missing, damaged or of another version · 4 the catalog or report could not be written ·
5 internal error (a bug) · 6 scan --server: the service cannot be reached or stopped
answering · 130 interrupted (nothing half-written; a partial report goes to
<name>.partial.<ext>)
`,
  catalog: `peakmatch catalog <build|add|remove|list|info> ...

  build <dir...> -o <catalog.pmx>      fingerprint audio files into a new catalog
  add <catalog.pmx> <file or dir...>   add files to an existing catalog
  remove <catalog.pmx> <track id...>   remove tracks (--recording: every edition of recordings)
  list <catalog.pmx>                   one line per track (--json for scripts)
  info <catalog.pmx>                   tracks, hours, index bytes, format version, parameters
  split <catalog.pmx> --shards N -o DIR   one file per shard of a cluster (--publish: to NATS)

Every command that changes a catalog writes it atomically (temp file + rename), and only
when the whole command succeeded. \`peakmatch catalog <command> --help\` for details.

Example:
  peakmatch catalog add catalog.pmx ./new-releases && peakmatch catalog info catalog.pmx
`,
  build: `peakmatch catalog build <dir...> -o <catalog.pmx> [options]

Fingerprints every audio file under the directories (recursively) into a catalog file.
Track ids are the files' paths relative to the directory given; each track is its own
recording unless editions.json groups it with others. Progress as for \`peakmatch scan\`.

Options:
  -o, --output FILE      the catalog to write (atomically: temp file + rename)
  -e, --editions FILE    editions.json: recordingId, quality, trackId, metadata per file
  -j, --jobs N           decoding threads, 0 to 64 (default: 2; 0 decodes in the main thread)
      --cache FILE       reuse fingerprints of unchanged files from this cache file
      --triplets         also index triplets, for catalogs of tens of thousands of tracks or
                         more: a 10 s query at 100 000 tracks takes ≈25 ms instead of ≈1.3 s,
                         for half as many postings again and a few points on noisy snippets
                         (docs/benchmarks.md, "Scale"); a smaller catalog answers as without
      --json             machine-readable summary on stdout
  -h, --help

editions.json:
  { "version": 1, "files": { "masters/song.flac": { "recordingId": "rec-42",
      "quality": { "codec": "flac", "lossless": true, "sampleRate": 96000, "bitDepth": 24 } } } }

Example:
  peakmatch catalog build ./masters -o catalog.pmx --editions ./masters/editions.json
`,
  add: `peakmatch catalog add <catalog.pmx> <file or dir...> [options]

Fingerprints the files (and the audio files under the directories) with the catalog's front
end (its tracks' peak parameters, whatever this peakmatch's defaults) and adds them to the
catalog, which is rewritten atomically once all are read. Track ids are paths relative to
the directory given (a file given by itself: its name). An id the catalog already holds is
reported and not added (remove it first to replace it). Nothing added: exit 2, the catalog
is left as it was.

Options:
  -e, --editions FILE    editions.json for the new files (as for catalog build)
  -j, --jobs N           decoding threads, 0 to 64 (default: 2)
      --cache FILE       reuse fingerprints of unchanged files from this cache file
      --json             machine-readable summary on stdout
  -h, --help

Example:
  peakmatch catalog add catalog.pmx ./new-releases --editions ./new-releases/editions.json
`,
  remove: `peakmatch catalog remove <catalog.pmx> <track id...> [--recording] [--json]

Removes the tracks with these ids (as \`peakmatch catalog list\` shows them) and rewrites the
catalog atomically. All or none: if an id is not in the catalog, nothing is removed and the
exit code is 2 (with the nearest id, when it looks like a typo).

Options:
      --recording        the ids are recording ids: remove every edition of each
      --json
  -h, --help

Example:
  peakmatch catalog remove catalog.pmx "album/03 Old Mix.flac"
`,
  list: `peakmatch catalog list <catalog.pmx> [--json]

One line per track, in the order they were added: track id, length, quality, title and
artist, and the recording when it has other editions. --json gives every field
(trackId, recordingId, durationSeconds, quality, metadata).

Example:
  peakmatch catalog list catalog.pmx --json | jq -r '.tracks[].trackId'
`,
  info: `peakmatch catalog info <catalog.pmx> [--json]

The catalog's tracks, recordings and hours of audio; its file size and format version; its
index size in memory (bytes per posting, MB per audio hour); and the fingerprint parameters
its tracks were made with (its front end), and whether they are this peakmatch's defaults:
identify, scan and catalog add fingerprint files with the catalog's own, whatever the defaults.

Example:
  peakmatch catalog info catalog.pmx
`,
  split: `peakmatch catalog split <catalog.pmx> --shards N -o <dir> [--publish --nats URL]

Splits a catalog into N shard files, DIR/shard-K-of-N.pmx for K = 0 … N−1, for a cluster of
shard processes (peakmatch serve --nats URL --shard K/N; docs/cluster.md). Tracks go to
shards by recording, so every edition of a recording is in one shard; each keeps its
metadata, editions and quality, and each shard the catalog's settings (indexing, triplets).
The shards are written to a temporary folder in DIR and renamed into place together at the
end: an interrupted split leaves the previous shards as they were.

Options:
  -n, --shards N         how many shards, 1 to 1024
  -o, --output DIR       where to write the shard files (made if missing)
      --publish          also upload them to the cluster: each shard's snapshot to the
                         object store, the track → shard registry and the shard count to KV
                         (replicas started without --catalog load their shard from there)
      --nats URL         the NATS server(s) for --publish, comma-separated
      --name NAME        the catalog's name on NATS (default: catalog)
      --js-replicas R    JetStream replicas of buckets it creates (default: 1; 3 on a
                         3-node cluster, so that one node may die)
      --json             machine-readable summary on stdout
  -h, --help

Example:
  peakmatch catalog split catalog.pmx --shards 4 -o shards --publish --nats nats://127.0.0.1:4222
`,
  scan: `peakmatch scan <library-dir...> --catalog <catalog.pmx> [options]
       peakmatch scan <library-dir...> --server <URL> [options]

Identifies every audio file under the directories against the catalog and prints a summary:
matched (of which upgradable to a better edition), snippets (excerpts of catalog recordings),
unmatched (to upload, with their size), ambiguous, unreadable. Files are fingerprinted with
the catalog's front end (its tracks' peak parameters; -v says so when they are not the
defaults). Fingerprints are cached, per front end: a re-run only decodes new or changed files. Progress: on a terminal, a bar on stderr (audio
decoded, ETA); otherwise (a pipe, a log, CI) one line per file as it finishes, and a line
every 10 s while a long file is read (on stderr with --json). After Ctrl-C the summary
counts the files done.

With --server, the catalog stays on the match service (\`peakmatch serve\`): each file is
decoded here and only its fingerprint is sent (about 1.2 % of a 128 kbit/s mp3), in batches;
the service's decision is the file's. The service is checked before anything is decoded
(exit 6 when it cannot be reached; exit 3 when its catalog's front end is one this peakmatch
cannot make, e.g. another front-end version). A file the service refuses or cannot decide (a shard of
its catalog missing) is "failed" with the reason, never "unmatched" (exit 1); a service that
stops answering stops the scan (exit 6, the report holds what was decided).

Options:
  -c, --catalog FILE     the catalog (from \`peakmatch catalog build\`)
  -s, --server URL       a match service instead (e.g. http://localhost:8080)
      --batch N          files per request with --server, 1 to 256 (default: 32)
      --retries N        retries of a failed request with --server, 0 to 20 (default: 4;
                         backoff from 0.5 s doubling, with jitter; a 503's Retry-After is kept)
      --timeout-seconds N  per request with --server, 1 to 3600 (default: 60)
  -r, --report FILE      write every file's result: .json or .csv by extension (an interrupted
                         scan writes FILE's name + .partial instead: report.partial.csv)
      --min-confidence X the lowest confidence (0 to 1) reported as a match (default: the
                         calibrated rule; see README "Confidence")
  -j, --jobs N           decoding threads, 0 to 64 (default: 2; 0 decodes in the main thread)
      --cache FILE       fingerprint cache (default: $XDG_CACHE_HOME/peakmatch/fingerprints.lmdb)
      --no-cache         neither read nor write a cache
      --cache-hash       also key the cache by content (SHA-256): touched-but-unchanged files stay cached
  -v, --verbose          one line per file, after the bar (without a bar they are printed anyway)
      --json             the whole report as JSON on stdout
  -h, --help

Examples:
  peakmatch scan ~/Music --catalog catalog.pmx --report report.csv
  peakmatch scan ~/Music --server http://localhost:8080 --report report.csv
`,
  identify: `peakmatch identify <file|glob|dir|-...> --catalog <catalog.pmx> [options]

Identifies files or snippets: matched (the recording, its best edition and whether it is an
upgrade), snippet (an excerpt of a recording, identified at an offset), ambiguous (the
candidates) or unmatched. Takes files, glob patterns ("*.mp3", quoted or not), directories
(their audio files), and - for audio on stdin (WAV or any format a file may have).
Exit code 0 when every file was read, 1 when some could not be.

Options:
  -c, --catalog FILE
  -n, --top N            also list the N best candidates, with score and confidence, however weak
      --min-confidence X the lowest confidence (0 to 1) reported as a match (default: the
                         calibrated rule; see README "Confidence")
  -j, --jobs N           decoding threads, 0 to 64 (default: 2)
      --json             every field, with ids (schemaVersion 1)
  -h, --help

Examples:
  peakmatch identify "Some Song.mp3" --catalog catalog.pmx --top 3
  arecord -d 10 -f cd -t wav | peakmatch identify - --catalog catalog.pmx
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
  -j, --jobs N           decoding threads, 0 to 64 (default: 2)
      --cache FILE       fingerprint cache (default: $XDG_CACHE_HOME/peakmatch/fingerprints.lmdb)
      --no-cache         neither read nor write a cache
      --cache-hash       also key the cache by content (SHA-256): touched-but-unchanged files stay cached
      --json             groups, unique files, problems and summary as JSON (schemaVersion 1)
  -h, --help

Example:
  peakmatch dedupe ~/Music
`,
  serve: `peakmatch serve --catalog <catalog.pmx> [options]

The match service: holds the catalog in memory and answers fingerprints over HTTP (a scan with
--server sends each file's fingerprint, never its audio). JSON answers; routes /v1/identify,
/v1/match, /v1/batch, /v1/catalog, /healthz, /readyz, /metrics (Prometheus), /openapi.json
(docs/service.md). Requests are computed one at a time; one that waited past its deadline is
answered 503 DEADLINE_EXCEEDED, and past --max-queue waiting 503 OVERLOADED. SIGHUP loads the
catalog file again and swaps it in (a failed reload keeps the old one); SIGINT or SIGTERM stop
taking requests, finish those under way and exit 0. Prints one line when it listens; the log
(stderr) has reloads, admin changes and a line a minute summing up the requests answered.

Options:
  -c, --catalog FILE     the catalog to serve
  -p, --port N           TCP port (default: 8080; 0: any free port, printed)
      --host ADDR        address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)
      --admin-token T    enables PUT/DELETE /v1/admin/tracks/:id and POST /v1/admin/reload with
                         Authorization: Bearer T (or set PEAKMATCH_ADMIN_TOKEN); without, they do
                         not exist. Tracks added or removed there live in memory only
      --max-body-mb N    largest request body (default: 16)
      --max-items N      most items in a /v1/batch request (default: 256)
      --deadline-ms N    a request's time limit from its arrival (default: 10000)
      --max-queue N      most requests waiting for their turn (default: 64)
  -h, --help

A catalog split into shards on NATS (docs/cluster.md; catalog split makes the shards):
  peakmatch serve --nats URL --shard K/N [--catalog shard.pmx]    one replica of shard K of N
  peakmatch serve --nats URL --gateway [--port N]                 this HTTP API over every shard
      --nats URLS            NATS server(s), comma-separated
      --shard K/N            serve shard K (0-based) of N; without --catalog its snapshot is loaded
                             from JetStream (how a new or restarted replica joins)
      --gateway              the HTTP front: every query goes to every shard, answers merged as one
                             catalog would; shards that do not answer are named (partial)
      --shards N             the gateway's check of the shard count in the registry
      --name NAME            the catalog's name on NATS (default: catalog)
      --shard-timeout-ms N   how long the gateway waits for a shard (default: 2000; one retry)
      --js-replicas R        JetStream replication of what this process creates (default: 1)
      --snapshot-delay-ms N  quiet time after adds/removes before a shard rewrites its snapshot

Example:
  peakmatch serve --catalog catalog.pmx --port 8080 &
  peakmatch scan ~/Music --server http://127.0.0.1:8080
`,
}
