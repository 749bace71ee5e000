#!/usr/bin/env bash
# install.sh [VENV_DIR]
# Creates a virtual environment at VENV_DIR (default <repo>/target/locust-venv) holding the
# pinned Locust of requirements.txt, and prints the path of its `locust` executable. Idempotent:
# a venv already installed from the same requirements.txt is left alone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-$here/../../target/locust-venv}
req=$here/requirements.txt
python=${PYTHON:-python3}
stamp=$dir/.requirements
if [[ -x $dir/bin/locust && -f $stamp ]] && cmp -s "$req" "$stamp"; then
  echo "$(cd "$dir" && pwd)/bin/locust"
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
[[ -x $dir/bin/locust ]] || { echo "install.sh: no locust in $dir/bin" >&2; exit 1; }
cp "$req" "$stamp"
echo "$(cd "$dir" && pwd)/bin/locust"
