#!/usr/bin/env bash
# start.sh STATE_DIR [INSTALL_DIR]
# Start the installed scim2-server on 127.0.0.1, on a free port, in memory,
# requiring a bearer token. Writes STATE_DIR/{pid,url,token,server.log}.
# The SCIM base URL (tenant URL) is http://127.0.0.1:PORT/v2 (the server also
# answers without /v2). Returns once the server answers, else prints the log
# tail and exits non-zero (bounded: ~30 s). TOKEN in the environment overrides
# the default token (corpus-scim2-server-token).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
state=${1:?usage: start.sh STATE_DIR [INSTALL_DIR]}
dir=${2:-$(corpus_repo_root)/target/corpus/scim2-server}
token=${TOKEN:-corpus-scim2-server-token}

[[ -x $dir/bin/scim2-server ]] || { echo "start.sh: scim2-server not installed in $dir (run install.sh)" >&2; exit 1; }
mkdir -p "$state"
state=$(cd "$state" && pwd)
if [[ -f $state/pid ]] && kill -0 "$(cat "$state/pid")" 2>/dev/null; then
  echo "start.sh: a server is already running with pid $(cat "$state/pid") (stop.sh $state first)" >&2
  exit 1
fi

port=$(corpus_free_port)
url=http://127.0.0.1:$port/v2
: >"$state/server.log"
# setsid: own session, so the server survives the caller's terminal and
# process group; stdin from /dev/null so it never holds the caller's pipes.
# PYTHONUNBUFFERED: the log is written as it happens.
PYTHONUNBUFFERED=1 setsid "$dir/bin/scim2-server" \
  --hostname 127.0.0.1 --port "$port" --bearer-token "$token" \
  </dev/null >>"$state/server.log" 2>&1 &
pid=$!
echo "$pid" >"$state/pid"
echo "$token" >"$state/token"
echo "$url" >"$state/url"

# /ServiceProviderConfig needs no token (RFC 7643 §5): any HTTP answer means up.
if ! corpus_wait_http "$url/ServiceProviderConfig" 30 "$pid"; then
  echo "start.sh: scim2-server exited or did not answer on $url within 30 s; log tail:" >&2
  tail -n 30 "$state/server.log" >&2 || true
  corpus_stop "$state" 5
  exit 1
fi
