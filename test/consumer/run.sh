#!/usr/bin/env bash
# The published types as a TypeScript user gets them: packs peakmatch and peakmatch-node, installs
# the two tarballs into a new project (dependencies from the registry), and runs strict tsc
# (skipLibCheck off, so our .d.ts files are checked too) on test/consumer/consumer.ts, which uses
# `peakmatch`, `peakmatch/worker` and `peakmatch-node` together, under three resolutions:
#   nodenext  (module nodenext; consumer-cjs.cts too, which reads the .d.cts files)
#   bundler   (module esnext, moduleResolution bundler)
#   node10    (module commonjs, moduleResolution node10: subpaths through typesVersions)
# Run after `npm run build` (it packs with --ignore-scripts, so it does not build again).
#   bash test/consumer/run.sh            or with your own tarballs:  bash test/consumer/run.sh a.tgz b.tgz
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tsc="$root/node_modules/.bin/tsc"
work=$(mktemp -d "${TMPDIR:-/tmp}/peakmatch-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ $# -gt 0 ]; then
  tarballs=("$@")
else
  (cd "$root" && npm pack --ignore-scripts --silent --pack-destination "$work" >/dev/null \
              && npm pack --ignore-scripts --silent --pack-destination "$work" -w peakmatch-node >/dev/null)
  tarballs=("$work"/*.tgz)
fi

mkdir "$work/project"
cd "$work/project"
echo '{ "name": "consumer", "private": true, "type": "module" }' > package.json
npm install --no-audit --no-fund --loglevel=error "${tarballs[@]}" @types/node@20 >/dev/null
cp "$here"/consumer.ts "$here"/consumer-cjs.cts .

common='"strict": true, "noUncheckedIndexedAccess": true, "skipLibCheck": false, "noEmit": true,
        "target": "ES2022", "lib": ["ES2022"], "types": ["node"]'
cat > tsconfig.nodenext.json <<JSON
{ "compilerOptions": { $common, "module": "nodenext", "moduleResolution": "nodenext" }, "files": ["consumer.ts", "consumer-cjs.cts"] }
JSON
cat > tsconfig.bundler.json <<JSON
{ "compilerOptions": { $common, "module": "esnext", "moduleResolution": "bundler" }, "files": ["consumer.ts"] }
JSON
cat > tsconfig.node10.json <<JSON
{ "compilerOptions": { $common, "module": "commonjs", "moduleResolution": "node10", "esModuleInterop": true }, "files": ["consumer.ts"] }
JSON

failed=0
for mode in nodenext bundler node10; do
  if out=$("$tsc" -p "tsconfig.$mode.json" 2>&1); then
    echo "consumer types ($mode): ok"
  else
    echo "consumer types ($mode): FAILED"; echo "$out" | sed 's/^/  /'; failed=1
  fi
done
exit $failed
