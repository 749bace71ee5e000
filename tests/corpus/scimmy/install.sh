#!/usr/bin/env bash
# install.sh [INSTALL_DIR]
# Install the scimmy corpus server (scimmy 1.3.5 + scimmy-routers 1.3.2 + express 4.22.3,
# exactly as pinned in package-lock.json) into INSTALL_DIR (default
# <repo>/target/corpus/scimmy): copies package.json, package-lock.json and server.js there and
# runs `npm ci`. Idempotent: when the installed lock file is the same and node_modules is
# present, npm is not run again (server.js is still refreshed). Quiet on success.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
dir=${1:-$(corpus_repo_root)/target/corpus/scimmy}

command -v node >/dev/null || { echo "install.sh: node not found (need Node >= 20)" >&2; exit 1; }
command -v npm >/dev/null || { echo "install.sh: npm not found" >&2; exit 1; }
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "install.sh: need Node >= 20, found $(node --version)" >&2
  exit 1
}

mkdir -p "$dir"
stamp=$dir/.corpus-lock
for f in package.json package-lock.json server.js; do
  cmp -s "$here/$f" "$dir/$f" 2>/dev/null || cp "$here/$f" "$dir/$f"
done

if [[ -f $stamp && -d $dir/node_modules/scimmy && -d $dir/node_modules/scimmy-routers ]] \
  && cmp -s "$here/package-lock.json" "$stamp"; then
  exit 0
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  cat "$log" >&2
  echo "install.sh: npm ci failed in $dir" >&2
  exit 1
fi
[[ -f $dir/node_modules/scimmy/package.json ]] || { echo "install.sh: scimmy missing after npm ci" >&2; exit 1; }
cp "$here/package-lock.json" "$stamp"
