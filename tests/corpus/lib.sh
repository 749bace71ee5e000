# Shared helpers for the real-server corpus (tests/corpus/<server>/*.sh).
# Source it: . "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
# Every function is bounded in time; none needs network beyond loopback.

# corpus_repo_root: print the repository root (the directory holding tests/corpus).
corpus_repo_root() {
  (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
}

# corpus_free_port: print a TCP port that was free on 127.0.0.1 a moment ago
# (bind to port 0, read the port, close). Small race window; fine for tests.
corpus_free_port() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# corpus_wait_http URL TIMEOUT_SECONDS PID [curl args...]
# Wait until URL answers with any HTTP status (not a connection error), while
# process PID is alive. Returns 0 when it answers, 1 on timeout or if PID died.
corpus_wait_http() {
  local url=$1 timeout=$2 pid=$3
  shift 3
  local deadline=$((SECONDS + timeout)) code
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      return 1
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$@" "$url" 2>/dev/null || true)
    if [[ -n $code && $code != 000 ]]; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# corpus_stop STATE_DIR [TIMEOUT_SECONDS]
# Kill the process whose PID is in STATE_DIR/pid (TERM, then KILL after the
# timeout, default 10 s). Tolerant: no pid file or a dead process is success.
corpus_stop() {
  local state=$1 timeout=${2:-10} pid
  [[ -f $state/pid ]] || return 0
  pid=$(cat "$state/pid")
  [[ -n $pid ]] || { rm -f "$state/pid"; return 0; }
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + timeout))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$state/pid"
  return 0
}
