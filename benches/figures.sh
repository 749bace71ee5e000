#!/usr/bin/env bash
# Prints the benchmark figures of the harness and of the provisioning-cycle simulation on this
# machine, as medians of several runs (release build). Never asserts: it prints.
#
#   bash benches/figures.sh [RUNS]        (default 3; RUNS=5 for the check figures)
#   FIGURES=done,big bash benches/figures.sh 1    (only the named sections)
#
# Sections (FIGURES, comma-separated; default all):
#   check    `check` on the embedded servers: wall time and peak RSS.
#   sim      `simulate` on the embedded server at concurrency 32: sustained requests/s.
#   done     the README's done-command (10,000 users, 1,000 groups x 10 members, embedded):
#            wall time, peak RSS, requests/s.
#   big      `simulate` of 100,000 users and 10,000 groups x 10 members: initial cycle time, peak
#            RSS of the whole process (harness + embedded server), and of the harness alone (the
#            server in a separate `serve` process).
#   cleanup  cleanup of a kept run of 11k and of 110k objects, and the growth between them.
#   overhead the harness's overhead: `cargo bench --bench simulate` (simulation vs raw replay).
#   locust   the same scenario in-process and on a two-worker Locust run (bash benches/locust.sh).
#   corpus   `check` against the real-server corpus: wall time and requests per entra-default run.
#   peers    the peers side by side (benches/peers.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
cargo build --release --quiet
BIN=target/release/scim-conformance
TMP="$(mktemp -d)"
trap 'kill "${SERVE_PID:-}" 2>/dev/null || true; rm -rf "$TMP"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# "initial cycle took 1m 03s; ..." or "... took 52.81 s; ..." -> seconds.
took() { python3 -c 'import re,sys
t = sys.stdin.read().split("took", 1)[-1].split(";")[0]
m = re.match(r"\s*(?:(\d+)m\s*)?([0-9.]+)\s*(ms|s)?", t)
print((int(m.group(1) or 0) * 60 + float(m.group(2)) / (1000 if m.group(3) == "ms" else 1)) if m else "?")'; }
FIGURES="${FIGURES:-check,sim,done,big,cleanup,overhead,locust,corpus,peers}"
want() { [[ ",$FIGURES," == *",$1,"* ]]; }
timed() { /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >"$TMP/out" 2>"$TMP/err" || true; cat "$TMP/time" | tail -1; }

if want check; then
echo "== check on the embedded servers (${RUNS}x5 runs)"
: >"$TMP/check"
for _ in $(seq $((RUNS * 5 / 3 + 1))); do timed "$BIN" check >>"$TMP/check"; done
echo "  wall $(cut -d' ' -f1 "$TMP/check" | median) s, peak RSS $(( $(cut -d' ' -f2 "$TMP/check" | median) / 1024 )) MB (medians)"
fi

if want sim; then
echo "== simulate, embedded, 20000 users / 2000 groups x 10, --rate max --concurrency 32 (${RUNS} runs)"
: >"$TMP/rps"
for _ in $(seq "$RUNS"); do
  timed "$BIN" simulate --users 20000 --groups 2000 --members-per-group 10 --rate max --concurrency 32 >/dev/null
  grep -E '^  overall' "$TMP/err" | sed -E 's/.*: ([0-9.]+) req\/s.*/\1/' >>"$TMP/rps"
  grep -E '^  overall' "$TMP/err"
done
echo "  sustained $(median <"$TMP/rps") req/s (median)"
fi

if want done; then
echo "== the done-command: simulate --users 10000 --groups 1000 --members-per-group 10, embedded (${RUNS} runs)"
: >"$TMP/done"; : >"$TMP/donerss"; : >"$TMP/donerps"
for _ in $(seq "$RUNS"); do
  t="$(timed "$BIN" simulate --users 10000 --groups 1000 --members-per-group 10)"
  echo "$t" | cut -d' ' -f1 >>"$TMP/done"; echo "$t" | cut -d' ' -f2 >>"$TMP/donerss"
  grep -E '^  overall' "$TMP/err" | sed -E 's/.*: ([0-9.]+) req\/s.*/\1/' >>"$TMP/donerps"
  grep -E '^  overall|^cleanup' "$TMP/err"
done
echo "  wall $(median <"$TMP/done") s, peak RSS $(( $(median <"$TMP/donerss") / 1024 )) MB, $(median <"$TMP/donerps") req/s (medians)"
fi

if want big; then
echo "== simulate, embedded, 100000 users / 10000 groups x 10, --rate max --concurrency 32 (${RUNS} runs)"
: >"$TMP/big"; : >"$TMP/bigrss"
for _ in $(seq "$RUNS"); do
  t="$(timed "$BIN" simulate --users 100000 --groups 10000 --members-per-group 10 --rate max --concurrency 32)"
  grep -E 'initial cycle took' "$TMP/err" | took >>"$TMP/big"
  echo "$t" | cut -d' ' -f2 >>"$TMP/bigrss"
  grep -E '^  overall|initial cycle took|^end state|^cleanup' "$TMP/err"
done
echo "  initial cycle $(median <"$TMP/big") s, peak RSS harness+server $(( $(median <"$TMP/bigrss") / 1024 )) MB (medians)"

echo "== the same, the server in a separate process (harness RSS alone, ${RUNS} runs)"
PORT=$(( 20000 + RANDOM % 20000 ))
"$BIN" serve --port "$PORT" --token bench-token-123456 >"$TMP/serve" 2>&1 &
SERVE_PID=$!
sleep 1
: >"$TMP/sep"; : >"$TMP/seprss"
for _ in $(seq "$RUNS"); do
  t="$(SCIM_TOKEN=bench-token-123456 timed "$BIN" simulate --target-url "http://127.0.0.1:$PORT/scim" --users 100000 --groups 10000 --members-per-group 10 --rate max --concurrency 32)"
  grep -E 'initial cycle took' "$TMP/err" | took >>"$TMP/sep"
  echo "$t" | cut -d' ' -f2 >>"$TMP/seprss"
  grep -E '^  overall|initial cycle took|^cleanup' "$TMP/err"
done
kill "$SERVE_PID"; SERVE_PID=
echo "  initial cycle $(median <"$TMP/sep") s, peak RSS of the harness $(( $(median <"$TMP/seprss") / 1024 )) MB (medians)"
fi

if want cleanup; then
echo "== cleanup of a kept run: 10,000 users / 1,000 groups (11k objects), then 100,000 / 10,000 (110k)"
# `simulate --keep` leaves the tenant on a separate `serve`; `cleanup --run-id` then finds it
# (paged listings) and deletes and reads back every object. Linear cleanup grows about 10x.
PORT=$(( 20000 + RANDOM % 20000 ))
"$BIN" serve --port "$PORT" --token bench-token-123456 >"$TMP/serve" 2>&1 &
SERVE_PID=$!
sleep 1
: >"$TMP/cleanup"
for size in "10000 1000" "100000 10000"; do
  set -- $size
  SCIM_TOKEN=bench-token-123456 "$BIN" simulate --target-url "http://127.0.0.1:$PORT/scim" --users "$1" \
    --groups "$2" --members-per-group 10 --rate max --concurrency 32 --keep --run-id "keep$1" >/dev/null 2>&1 || true
  t="$(SCIM_TOKEN=bench-token-123456 timed "$BIN" cleanup --target-url "http://127.0.0.1:$PORT/scim" --run-id "keep$1")"
  echo "  $(( $1 + $2 )) objects: cleanup $(echo "$t" | cut -d' ' -f1) s, peak RSS $(( $(echo "$t" | cut -d' ' -f2) / 1024 )) MB; $(grep -E '^deleted' "$TMP/out" | tail -1)"
  echo "$t" | cut -d' ' -f1 >>"$TMP/cleanup"
done
kill "$SERVE_PID"; SERVE_PID=
echo "  growth 11k -> 110k: $(python3 -c 'import sys; a,b=[float(x) for x in open(sys.argv[1]).read().split()]; print("%.1fx" % (b/a))' "$TMP/cleanup") (linear: about 10x)"
fi

if want overhead; then
echo "== harness overhead (cargo bench --bench simulate)"
cargo bench --quiet --bench simulate -- --runs "$RUNS" 2>/dev/null
fi

if want locust; then
echo "== the same scenario in-process and on Locust (benches/locust.sh)"
bash benches/locust.sh "$RUNS" || echo "  benches/locust.sh failed (exit $?); the figures above stand"
fi

if want corpus; then
echo "== check against the real-server corpus (tests/corpus), entra-default, ${RUNS} runs each"
# Wall time and requests per run (the JSON report's request budget: every try, the preflight and
# the cleanup's deletes and read-backs included; then the trials' own share); the request count of
# a clean run on the embedded server is the yardstick.
# The minimal plan of a run: every step of its trials sent once (a resend of the same request
# counts once), and one DELETE per resource it
# created; no preflight, harness lookup, retry, read-back or re-run. The run's total over it is
# the request budget's overhead (issue 23 keeps it within 1.5x).
requests() { python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
steps = sum(len({(x["step"], x["request"]["method"], x["request"]["url"], x["request"].get("body"))
                 for x in t.get("exchanges", []) if x.get("phase") == "step"}) for t in r["trials"])
minimal = steps + r["cleanup"]["created"]
total = r["requests"]["total"]
print("%d (%d in the trials; minimal plan %d: %.2fx)" % (total, r["requests"]["in_trials"], minimal, total / max(minimal, 1)))
' "$1"; }
"$BIN" check --vendor entra-default --snapshots off --report "json=$TMP/embedded.json" >/dev/null 2>&1 || true
echo "  embedded (clean): $(requests "$TMP/embedded.json") requests"
for server in scim2-server scimmy; do
  bash tests/corpus/$server/install.sh
  : >"$TMP/corpus-wall"
  for _ in $(seq "$RUNS"); do
    bash tests/corpus/$server/start.sh "$TMP/$server" >/dev/null
    start=$(date +%s.%N)
    SCIM_TOKEN=$(cat "$TMP/$server/token") "$BIN" check --target-url "$(cat "$TMP/$server/url")" \
      --vendor entra-default --dialect both --report "json=$TMP/$server.json" >/dev/null 2>&1 || true
    python3 -c "print($(date +%s.%N) - $start)" >>"$TMP/corpus-wall"
    bash tests/corpus/$server/stop.sh "$TMP/$server"
  done
  echo "  $server: wall $(median <"$TMP/corpus-wall") s (median), $(requests "$TMP/$server.json") requests"
done
fi
if want peers; then
echo "== peers side by side (benches/peers.sh)"; bash benches/peers.sh "$RUNS" || echo "  benches/peers.sh failed (exit $?); the figures above stand"
fi
