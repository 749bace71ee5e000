#!/usr/bin/env bash
# start.sh STATE_DIR [INSTALL_DIR]
# Start the installed scimmy corpus server (see install.sh) on 127.0.0.1, on an ephemeral port
# (PORT=0; the server writes the port it got to STATE_DIR/port), in memory, requiring a bearer
# token. Writes STATE_DIR/{pid,port,url,token,server.log}. The SCIM base URL (the Entra
# "tenant URL") is http://127.0.0.1:PORT/scim/v2. Returns once the server answers HTTP, with the
# server detached in the background; otherwise prints the log tail and exits non-zero
# (bounded: ~30 s). TOKEN in the environment overrides the default token.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
state=${1:?usage: start.sh STATE_DIR [INSTALL_DIR]}
dir=${2:-$(corpus_repo_root)/target/corpus/scimmy}
token=${TOKEN:-corpus-scimmy-token}

[[ -f $dir/server.js && -d $dir/node_modules/scimmy ]] || {
  echo "start.sh: scimmy corpus server not installed in $dir (run install.sh)" >&2
  exit 1
}
mkdir -p "$state"
state=$(cd "$state" && pwd)
if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
  echo "start.sh: a server is already running with pid $(cat "$state/pid") (stop.sh $state first)" >&2
  exit 1
fi

rm -f "$state/port" "$state/url"
: >"$state/server.log"
# setsid: own session, so the server survives the caller's terminal and process group;
# stdin from /dev/null so it never holds the caller's pipes. cwd = INSTALL_DIR so that Node
# resolves the pinned node_modules next to server.js.
(cd "$dir" && PORT=0 PORT_FILE="$state/port" TOKEN="$token" \
  exec setsid node server.js </dev/null >>"$state/server.log" 2>&1) &
pid=$!
echo "$pid" >"$state/pid"
echo "$token" >"$state/token"

fail() {
  echo "start.sh: $1; log tail:" >&2
  tail -n 30 "$state/server.log" >&2 || true
  corpus_stop "$state" 5
  exit 1
}

# Wait for the port file (bounded), then for an HTTP answer on the base URL.
deadline=$((SECONDS + 30))
while [[ ! -s $state/port ]]; do
  kill -0 "$pid" 2>/dev/null || fail "server exited before listening"
  ((SECONDS < deadline)) || fail "server did not report a port within 30 s"
  sleep 0.1
done
port=$(cat "$state/port")
url=http://127.0.0.1:$port/scim/v2
echo "$url" >"$state/url"
left=$((deadline - SECONDS)); ((left > 0)) || left=1
# Any HTTP status counts as up (this endpoint needs the token; 401 would do as well).
corpus_wait_http "$url/ServiceProviderConfig" "$left" "$pid" -H "Authorization: Bearer $token" \
  || fail "server did not answer on $url within 30 s"
