#!/usr/bin/env bash
# run.sh HARNESS [SERVER...]
# For each corpus server (default: every folder with an expected.toml): install it (pinned),
# start it on loopback, run `HARNESS check --vendor entra-default --dialect both` against it with
# a JSON report, stop it by its PID, and compare the verdicts with the server's hand-written
# expected.toml (compare.py). Exits non-zero when any comparison fails. Bounded: every server
# start waits at most ~30 s, every harness run has --timeout 10.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
harness=${1:?usage: run.sh HARNESS [SERVER...]}
shift
servers=("$@")
if [[ ${#servers[@]} -eq 0 ]]; then
  for d in "$here"/*/; do
    [[ -f $d/expected.toml ]] && servers+=("$(basename "$d")")
  done
fi
work=${CORPUS_WORK:-$(mktemp -d)}
status=0
for s in "${servers[@]}"; do
  echo "== corpus: $s"
  state="$work/$s"
  mkdir -p "$state"
  bash "$here/$s/install.sh"
  bash "$here/$s/start.sh" "$state"
  trap 'bash "$here/$s/stop.sh" "$state" || true' EXIT
  url=$(cat "$state/url")
  set +e
  SCIM_TOKEN=$(cat "$state/token") "$harness" check --target-url "$url" --vendor entra-default \
    --dialect both --timeout 10 --report "json=$state/report.json" >"$state/check.out" 2>"$state/check.err"
  code=$?
  set -e
  bash "$here/$s/stop.sh" "$state"
  trap - EXIT
  echo "harness exit $code; verdict:"
  sed -n '/^verdict/,$p' "$state/check.err" | head -60
  if [[ ! -f $state/report.json ]]; then
    echo "no report written"; tail -20 "$state/check.err"; status=1; continue
  fi
  python3 "$here/compare.py" "$here/$s/expected.toml" "$state/report.json" || status=1
done
exit $status
