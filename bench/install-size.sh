#!/usr/bin/env bash
# What each kind of user installs (docs/install.md): packs the packages (or takes tarballs), installs
# them from the tarballs into new projects (dependencies from the registry), and prints the
# number of packages in node_modules (and in package-lock.json, which also lists optional
# packages for other platforms) and its size in bytes (du -sb).
#   bash bench/install-size.sh                       packs peakmatch and peakmatch-node (builds them)
#   bash bench/install-size.sh core.tgz [node.tgz]   measures given tarballs (node.tgz optional)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/peakmatch-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ $# -gt 0 ]; then
  core=$(realpath "$1"); node=${2:+$(realpath "$2")}
else
  (cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null && npm pack --silent --pack-destination "$work" -w peakmatch-node >/dev/null)
  core="$work/peakmatch-0.1.0.tgz"; node="$work/peakmatch-node-0.1.0.tgz"
fi

# Installed packages = directories in node_modules (at any depth) that hold a package.json with a name.
count() {
  node -e '
    const fs = require("fs"), path = require("path"); let n = 0
    const walk = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory() || e.name.startsWith(".")) continue
      const d = path.join(dir, e.name)
      if (e.name.startsWith("@")) { walk2(d); continue }
      visit(d) } }
    const walk2 = (dir) => { for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) visit(path.join(dir, e.name)) }
    const visit = (d) => { try { if (JSON.parse(fs.readFileSync(path.join(d, "package.json"), "utf8")).name) n++ } catch {}
      if (fs.existsSync(path.join(d, "node_modules"))) walk(path.join(d, "node_modules")) }
    walk(process.argv[1]); console.log(n)' "$1"
}

measure() {   # measure LABEL TARBALL...
  local label=$1; shift
  local dir="$work/$label"
  mkdir -p "$dir" && cd "$dir"
  echo '{ "name": "user", "private": true }' > package.json
  npm install --no-audit --no-fund --loglevel=error "$@" >/dev/null
  local locked
  locked=$(node -p 'Object.keys(require("./package-lock.json").packages).filter((k) => k.includes("node_modules/")).length')
  printf '%-10s %4s packages installed (%s in package-lock.json)  %10s bytes in node_modules\n' \
    "$label" "$(count node_modules)" "$locked" "$(du -sb node_modules | cut -f1)"
}

measure browser "$core"
[ -n "${node:-}" ] && measure node-cli "$core" "$node"
