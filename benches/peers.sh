#!/usr/bin/env bash
# Peers side by side (issue 23 item 5): the harness and two peer SCIM testers from PyPI, run in
# turn against the same real-server corpus (tests/corpus), interleaved A B C A B C ... for RUNS
# rounds, a fresh server per run. Every tool talks to the server through a counting reverse
# proxy (benches/peers/count_proxy.py), so requests are counted the same way for all. Prints per
# server the median wall time of each tool, the ratio harness/peer, requests per tool and what
# each tool reports. Never asserts: it prints (like benches/figures.sh).
#
#   bash benches/peers.sh [RUNS]          (default 3)
#
# Peers (pinned in benches/peers-requirements.txt, installed in target/peers/venv):
#   scim2-tester  a library (check_server); run by its documented CLI, scim2-cli's `scim2 test`
#   scim-sanity   `scim-sanity probe URL --token T --i-accept-side-effects` (strict, the default)
# A peer that cannot be installed is named and skipped. Bounded: every server start and every
# tool run is under `timeout 300`.
set -uo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
BIN=target/release/scim-conformance
VENV=target/peers/venv
REQ=benches/peers-requirements.txt
TMP="$(mktemp -d)"
PROXY_PID=; STATE=; SERVER=
cleanup() {
  [[ -n $PROXY_PID ]] && kill "$PROXY_PID" 2>/dev/null
  [[ -n $STATE ]] && bash "tests/corpus/$SERVER/stop.sh" "$STATE" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
[[ -x $BIN ]] || { echo "  $BIN is missing (cargo build --release); nothing measured"; exit 0; }

# --- 1. the peers, each installed on its own with the pinned file as constraints ---------------
declare -A PEER_PKGS=([scim2-tester]="scim2-tester scim2-cli" [scim-sanity]="scim-sanity")
declare -A PEER_CMD=([scim2-tester]=scim2 [scim-sanity]=scim-sanity)  # the command each one is run by
declare -A PEER_USAGE=([scim2-tester]='SCIM_CLI_HEADERS="Authorization: Bearer TOKEN" scim2 --url URL test'
  [scim-sanity]='scim-sanity probe URL --token TOKEN --i-accept-side-effects')
PEERS=()
if [[ -x $VENV/bin/python ]] || timeout 300 python3 -m venv "$VENV" >"$TMP/venv.log" 2>&1; then
  for peer in scim2-tester scim-sanity; do
    if [[ ! -x $VENV/bin/${PEER_CMD[$peer]} ]] || ! cmp -s "$REQ" "$VENV/.peers-requirements"; then
      # shellcheck disable=SC2086  # the package list is meant to split
      timeout 300 "$VENV/bin/python" -m pip install --no-input --quiet --disable-pip-version-check \
        -c "$REQ" ${PEER_PKGS[$peer]} >"$TMP/pip-$peer.log" 2>&1 \
        || { echo "  $peer: pip install failed, skipped: $(tail -1 "$TMP/pip-$peer.log")"; continue; }
    fi
    [[ -x $VENV/bin/${PEER_CMD[$peer]} ]] || { echo "  $peer: no ${PEER_CMD[$peer]} in $VENV/bin, skipped"; continue; }
    PEERS+=("$peer")
  done
  ((${#PEERS[@]} == 2)) && cp "$REQ" "$VENV/.peers-requirements"
else
  echo "  python3 -m venv failed, every peer skipped: $(tail -1 "$TMP/venv.log")"
fi
for p in "${PEERS[@]}"; do
  echo "  peer $p $("$VENV/bin/python" -m pip show "$p" 2>/dev/null | sed -n 's/^Version: //p'), run as: ${PEER_USAGE[$p]}"
done
TOOLS=(harness "${PEERS[@]}")

# run_tool TOOL URL TOKEN OUT: run one tool (bounded); prints "exit<TAB>checks reported".
run_tool() {
  local tool=$1 url=$2 token=$3 out=$4 code
  case $tool in
    harness)
      SCIM_TOKEN=$token timeout 300 "$BIN" check --target-url "$url" --vendor entra-default \
        --dialect both --snapshots off --report "json=$out.json" >"$out.out" 2>"$out.err"
      code=$?
      # The report's own request count goes beside the proxy's; the checks are its trials.
      python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); c=r["counts"]
print("%d\t%d trials: %d passed, %d failed, %d blocked, %d ignored; %d warnings" % (r["requests"]["total"], c["total"], c["passed"], c["failed"], c["blocked"], c["ignored"], c["warnings"]))' \
        "$out.json" 2>/dev/null >"$out.checks" || printf '?\tno report\n' >"$out.checks" ;;
    scim2-tester)
      # The token goes in the environment (scim2-cli's SCIM_CLI_HEADERS), not on the command line.
      SCIM_CLI_HEADERS="Authorization: Bearer $token" timeout 300 "$VENV/bin/scim2" --url "$url" test \
        >"$out.out" 2>"$out.err"
      code=$?
      # One line per check result, "STATUS title": count them by status.
      sed 's/\x1b\[[0-9;]*m//g' "$out.out" | grep -oE '^[A-Z_]{4,} ' | sort | uniq -c \
        | awk '{n+=$1; s=s (s?", ":"") $1 " " $2} END {printf "-\t%d results: %s\n", n, s}' >"$out.checks" ;;
    scim-sanity)
      timeout 300 "$VENV/bin/scim-sanity" probe "$url" --token "$token" --i-accept-side-effects \
        >"$out.out" 2>"$out.err"
      code=$?
      # Its summary line: "24 passed, 4 failed, 3 skipped, 31 total".
      grep -E '[0-9]+ passed, .*total' "$out.out" | tail -1 \
        | sed -E 's/^ *(.*), ([0-9]+) total.*/-\t\2 checks: \1/' >"$out.checks" ;;
  esac
  local checks; checks=$(cat "$out.checks" 2>/dev/null)
  [[ -n $checks ]] || checks=$'-\t(no summary in its output)'
  printf '%s\t%s\n' "$code" "$checks"
}

# --- 2./3. per server: RUNS rounds, each tool once per round on a fresh server behind the proxy --
: >"$TMP/runs.tsv"
for SERVER in scim2-server scimmy; do
  if ! timeout 300 bash "tests/corpus/$SERVER/install.sh" >"$TMP/install.log" 2>&1; then
    echo "  $SERVER: install.sh failed, skipped: $(tail -1 "$TMP/install.log")"; continue
  fi
  for round in $(seq "$RUNS"); do
    for tool in "${TOOLS[@]}"; do
      STATE="$TMP/$SERVER-$round-$tool"
      mkdir -p "$STATE"
      if ! timeout 300 bash "tests/corpus/$SERVER/start.sh" "$STATE" >/dev/null 2>"$STATE/start.err"; then
        echo "  $SERVER: start failed ($tool, round $round): $(tail -1 "$STATE/start.err")"
        bash "tests/corpus/$SERVER/stop.sh" "$STATE"; STATE=; continue
      fi
      url=$(cat "$STATE/url"); hostport=${url#http://}; hostport=${hostport%%/*}
      python3 benches/peers/count_proxy.py "$hostport" "$STATE/proxy.port" "$STATE/proxy.count" &
      PROXY_PID=$!
      for _ in $(seq 100); do [[ -s $STATE/proxy.port ]] && break; sleep 0.1; done
      purl="http://127.0.0.1:$(cat "$STATE/proxy.port" 2>/dev/null)/${url#http://*/}"
      start=$EPOCHREALTIME
      result=$(run_tool "$tool" "$purl" "$(cat "$STATE/token")" "$STATE/tool")
      wall=$(python3 -c "print(round($EPOCHREALTIME - $start, 2))")
      kill -TERM "$PROXY_PID" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$PROXY_PID" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=
      bash "tests/corpus/$SERVER/stop.sh" "$STATE"; STATE=
      proxied=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' \
        "$TMP/$SERVER-$round-$tool/proxy.count" 2>/dev/null || echo '?')
      # server, tool, round, wall, proxied requests, exit, self-counted requests, checks
      printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$SERVER" "$tool" "$round" "$wall" "$proxied" "$result" >>"$TMP/runs.tsv"
    done
  done
done

# --- 4. the figures ------------------------------------------------------------------------------
python3 - "$TMP/runs.tsv" "$RUNS" <<'PY'
import statistics, sys
from collections import defaultdict
WHAT = {
    "harness": "Entra ID's provisioning traffic replayed (--vendor entra-default, legacy and "
               "compliant PATCH dialects): Test Connection, user/group create, filters, PATCH, "
               "manager, roles, disable, delete, each read back; verdicts by what Entra breaks on",
    "scim2-tester": "RFC 7643/7644 per discovered resource type: ServiceProviderConfig, "
                    "ResourceTypes, Schemas, POST/GET/PUT/DELETE, PATCH add/replace/remove, "
                    "query attributes, random URLs",
    "scim-sanity": "RFC 7643/7644 in 7 phases: discovery, User and Group CRUD lifecycles (PATCH "
                   "active, members), Agent/AgenticApplication if advertised, search and "
                   "pagination, error handling (404/400); strict mode",
}
runs = defaultdict(list)
for line in open(sys.argv[1]):
    server, tool, rnd, wall, proxied, code, selfcount, checks = line.rstrip("\n").split("\t")
    runs[server, tool].append((float(wall), proxied, code, selfcount, checks))
med = lambda xs: statistics.median(xs) if xs else float("nan")
def span(xs):
    ints = sorted(int(x) for x in xs if x.isdigit())
    if not ints:
        return "?"
    m = int(med(ints))
    return str(m) if ints[0] == ints[-1] else f"{m} ({ints[0]}-{ints[-1]})"
for server in dict.fromkeys(s for s, _ in runs):
    tools = [t for s, t in runs if s == server]
    print(f"== {server}: {sys.argv[2]} rounds, interleaved ({', '.join(tools)}), a fresh server per "
          "run, requests counted by benches/peers/count_proxy.py in front of it")
    hw = med([r[0] for r in runs[server, "harness"]])
    print(f"  {'tool':13} {'wall (median)':>13} {'harness/peer':>12} {'requests (median)':>18}  exits  checks reported (last run)")
    for t in tools:
        rs = runs[server, t]
        w = med([r[0] for r in rs])
        ratio = "-" if t == "harness" else f"{hw / w:.1f}x"
        req = span([r[1] for r in rs])
        if t == "harness":
            req += f" (report: {span([r[3] for r in rs])})"
        print(f"  {t:13} {w:>11.2f} s {ratio:>12} {req:>18}  {','.join(sorted(set(r[2] for r in rs))):5}  {rs[-1][4]}")
    for t in tools:
        print(f"  {t}: {WHAT[t]}")
PY
