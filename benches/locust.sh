#!/usr/bin/env bash
# Requests per second of one scenario sent in-process and by a two-worker Locust run, side by
# side, against one separate `serve` on loopback (release build). Never asserts: it prints.
#
#   bash benches/locust.sh [RUNS]      (default 3; medians)
#
# The scenario: 4 jobs of 2,000 users and 200 groups x 10 members, unpaced. Each Locust user
# sends its job's requests one after another, so the in-process run is measured at
# --concurrency 1 per job too (and at the default 5, for reference). Locust comes from
# contrib/locust/install.sh (pinned, in target/locust-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
cargo build --release --quiet
BIN="$PWD/target/release/scim-conformance"
LOCUST="${LOCUST:-$(bash contrib/locust/install.sh)}"
TMP="$(mktemp -d)"
trap 'kill ${PIDS:-} 2>/dev/null || true; rm -rf "$TMP"' EXIT
export SCIM_TOKEN=bench-locust-token-7d2e
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rps() { python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["throughput"]["rps"])' "$1"; }
SIZE=(--users 2000 --groups 200 --members-per-group 10 --jobs 4)

PORT=$(free_port)
"$BIN" serve --port "$PORT" --token "$SCIM_TOKEN" >"$TMP/serve.log" 2>&1 &
PIDS="$!"
sleep 1
URL="http://127.0.0.1:$PORT/scim"
"$BIN" simulate "${SIZE[@]}" --export-scenario "$TMP/scenario" --run-id benchloc >/dev/null 2>&1
echo "  scenario: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(len(s["jobs"]), "jobs,", sum(len(j["steps"]) for j in s["jobs"]), "requests")' "$TMP/scenario/scenario.json")"
: >"$TMP/in1"; : >"$TMP/in5"; : >"$TMP/loc"; : >"$TMP/locself"
for r in $(seq "$RUNS"); do
  "$BIN" simulate --target-url "$URL" "${SIZE[@]}" --rate max --concurrency 1 --run-id "bin1$r" \
    --report "json=$TMP/in1.json" >/dev/null 2>&1 || true
  rps "$TMP/in1.json" >>"$TMP/in1"
  "$BIN" simulate --target-url "$URL" "${SIZE[@]}" --rate max --run-id "bin5$r" \
    --report "json=$TMP/in5.json" >/dev/null 2>&1 || true
  rps "$TMP/in5.json" >>"$TMP/in5"
  rm -rf "$TMP/scenario/results"
  MPORT=$(free_port)
  SCENARIO="$TMP/scenario" SCENARIO_WORKERS=2 "$LOCUST" -f contrib/locust/locustfile.py --master \
    --headless --expect-workers 2 --master-bind-host 127.0.0.1 --master-bind-port "$MPORT" \
    --host "$URL" --users 4 --spawn-rate 4 --run-time 300s --csv "$TMP/locust" --only-summary \
    >"$TMP/master.log" 2>&1 &
  MASTER=$!
  for _ in 1 2; do
    SCENARIO="$TMP/scenario" SCENARIO_WORKERS=2 "$LOCUST" -f contrib/locust/locustfile.py --worker \
      --master-host 127.0.0.1 --master-port "$MPORT" >"$TMP/worker.log" 2>&1 &
    PIDS="$PIDS $!"
  done
  wait "$MASTER" || true
  "$BIN" simulate verify --scenario "$TMP/scenario" --target-url "$URL" \
    --locust-stats "$TMP/locust_stats.csv" --report "json=$TMP/loc.json" >"$TMP/verify.out" 2>&1 || true
  rps "$TMP/loc.json" >>"$TMP/loc"
  grep -E "Locust's own figures" "$TMP/verify.out" | sed -E 's/.*, ([0-9.]+) requests\/s/\1/' >>"$TMP/locself"
  grep -E '^end state|^cleanup' "$TMP/verify.out" | sed 's/^/  locust: /'
done
echo "  in-process, concurrency 1 per job: $(median <"$TMP/in1") req/s; at the default concurrency 5: $(median <"$TMP/in5") req/s"
echo "  Locust, 2 workers x 2 users (one per job): $(median <"$TMP/loc") req/s by our clock, $(median <"$TMP/locself") req/s by Locust's (medians of $RUNS)"
