#!/usr/bin/env bash
# run.sh HARNESS [SERVER...]
# For each corpus server (default: every folder with an expected.toml): install it (pinned),
# and for each of its expected verdict files — expected.toml for `--vendor entra-default`,
# expected-<vendor>.toml for a seed vendor — start it on loopback (a fresh, empty server), run
# `HARNESS check --vendor V --dialect both` against it with a JSON report, stop it by its PID,
# and compare the verdicts with the hand-written file (compare.py). Exits non-zero when any
# comparison fails. Bounded: every server start waits at most ~30 s, every harness run has
# --timeout 10. Prints the wall time and the number of requests of each run.
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
  bash "$here/$s/install.sh"
  for expected in "$here/$s"/expected*.toml; do
    vendor=$(basename "$expected" .toml)
    vendor=${vendor#expected}
    vendor=${vendor#-}
    vendor=${vendor:-entra-default}
    echo "== corpus: $s, --vendor $vendor"
    state="$work/$s-$vendor"
    mkdir -p "$state"
    bash "$here/$s/start.sh" "$state"
    trap 'bash "$here/$s/stop.sh" "$state" || true' EXIT
    url=$(cat "$state/url")
    started=$(date +%s.%N)
    set +e
    SCIM_TOKEN=$(cat "$state/token") "$harness" check --target-url "$url" --vendor "$vendor" \
      --dialect both --timeout 10 --report "json=$state/report.json" --har "$state/run.har" \
      >"$state/check.out" 2>"$state/check.err"
    code=$?
    set -e
    ended=$(date +%s.%N)
    bash "$here/$s/stop.sh" "$state"
    trap - EXIT
    requests=$(python3 -c 'import json,sys; print(sum(len(t["exchanges"]) for t in json.load(open(sys.argv[1]))["trials"]))' "$state/report.json" 2>/dev/null || echo "?")
    printf 'harness exit %s; %.1f s wall; %s requests in trials (cleanup deletes not counted)\n' "$code" "$(python3 -c "print($ended - $started)")" "$requests"
    sed -n '/^verdict/,$p' "$state/check.err" | grep -E '^verdict|^  \[rc-' | cut -c1-220
    if [[ ! -f $state/report.json ]]; then
      echo "no report written"; tail -20 "$state/check.err"; status=1; continue
    fi
    python3 "$here/compare.py" "$expected" "$state/report.json" || status=1
  done
done
exit $status
