#!/usr/bin/env bash
# stop.sh STATE_DIR
# Stop the server started by start.sh STATE_DIR: kill by PID, wait (bounded,
# 10 s, then SIGKILL). Succeeds if the server is already gone.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
state=${1:?usage: stop.sh STATE_DIR}
corpus_stop "$state" 10
