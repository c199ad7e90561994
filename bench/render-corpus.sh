#!/usr/bin/env bash
# Renders a subset of the dev corpus's whole-file queries to mp3 / m4a / flac for bench/scan.ts,
# plus two long files (≈20 and ≈60 min) to show that memory does not grow with file length.
# Needs ffmpeg (dev machines only; CI never runs this).
#
#   bench/render-corpus.sh /work/corpus /work/corpus-rendered [count=30]
set -euo pipefail
src=${1:?corpus dir}; out=${2:?output dir}; count=${3:-30}
mkdir -p "$out/files" "$out/long"
python3 - "$src" "$out" "$count" <<'PY'
import json, subprocess, sys, os
src, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
whole = [q for q in json.load(open(os.path.join(src, 'manifest.json'))) if q['kind'] == 'whole']
# every 16th query: a spread over degradations and out-of-catalog files
picked = whole[::max(1, len(whole) // count)][:count]
fmts = [('mp3', ['-c:a', 'libmp3lame', '-b:a', '192k']), ('m4a', ['-c:a', 'aac', '-b:a', '160k']), ('flac', ['-c:a', 'flac'])]
manifest = []
for i, q in enumerate(picked):
    ext, args = fmts[i % 3]
    name = os.path.basename(q['file']).replace('.wav', '.' + ext)
    subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-i', os.path.join(src, q['file']), *args, os.path.join(out, 'files', name)], check=True)
    manifest.append({**q, 'file': 'files/' + name, 'format': ext})
json.dump({'sourceCorpus': os.path.abspath(src), 'queries': manifest}, open(os.path.join(out, 'manifest.json'), 'w'), indent=1)
# Long files: catalog masters concatenated (20 and 60 min), mp3 192k.
cat = json.load(open(os.path.join(src, 'catalog.json')))
for minutes in (20, 60):
    lst, total = [], 0.0
    for t in cat * 3:
        if total >= minutes * 60: break
        lst.append("file '%s'" % os.path.join(os.path.abspath(src), t['file'])); total += t['durationS']
    listfile = os.path.join(out, 'long', f'list-{minutes}.txt')
    open(listfile, 'w').write('\n'.join(lst) + '\n')
    subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', listfile, '-c:a', 'libmp3lame', '-b:a', '192k', os.path.join(out, 'long', f'long-{minutes}min.mp3')], check=True)
    os.remove(listfile)
PY
ls -la "$out" "$out/long"; du -sh "$out"
