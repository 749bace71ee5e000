#!/usr/bin/env bash
# install.sh [INSTALL_DIR]
# Create a venv at INSTALL_DIR (default <repo>/target/corpus/scim2-server) holding
# scim2-server 0.8.3 and its pinned dependencies. Idempotent: a venv already
# installed from the same requirements.txt is left alone. Quiet on success.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
dir=${1:-$(corpus_repo_root)/target/corpus/scim2-server}
req=$here/requirements.txt
python=${PYTHON:-python3}

"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "install.sh: scim2-server 0.8.3 needs Python >= 3.11 ($python is $("$python" --version 2>&1))" >&2
  exit 1
}

stamp=$dir/.corpus-requirements
if [[ -x $dir/bin/scim2-server && -f $stamp ]] && cmp -s "$req" "$stamp"; then
  exit 0
fi

mkdir -p "$dir"
[[ -x $dir/bin/python ]] || "$python" -m venv "$dir"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "$dir/bin/python" -m pip install --no-input --quiet --disable-pip-version-check -r "$req" >"$log" 2>&1; then
  cat "$log" >&2
  echo "install.sh: pip install failed" >&2
  exit 1
fi
[[ -x $dir/bin/scim2-server ]] || { echo "install.sh: no scim2-server in $dir/bin" >&2; exit 1; }
cp "$req" "$stamp"
