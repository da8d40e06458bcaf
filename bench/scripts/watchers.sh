#!/usr/bin/env bash
# Runs stream 100x5 with -watchers 0 and -watchers 1 alternately, ROUNDS
# times (default 3), each on a fresh server in an empty directory (embedded
# SQLite, the fake model: 50 tokens 10 ms apart), on loopback. Prints the
# load tool's JSON summary line of each run, prefixed with LABEL and the
# watcher count. The server is stopped by its pid.
#
#   bench/scripts/watchers.sh BINARY LABEL
#
# BENCH overrides the load tool's path (default /tmp/bench).
set -euo pipefail
binary=$(realpath "$1"); label=$2
bench=${BENCH:-/tmp/bench}
rounds=${ROUNDS:-3}
# Below the ephemeral range (32768-60999).
port=25321 ai_port=25324
work=$(mktemp -d)
pid=
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=; fi; }
trap 'stop; rm -rf "$work"' EXIT

start() {
  stop
  rm -rf "$work/run" && mkdir -p "$work/run"
  cd "$work/run"
  FLASK_HOST=127.0.0.1 FLASK_PORT=$port GRPC_AI_BACKEND_PORT=$ai_port \
    RATELIMIT_ENABLED=false MAX_SOCKETS_PER_USER=100 LOG_LEVEL=warn \
    "$binary" --fake-ai --fake-ai-tokens 50 --fake-ai-delay 10ms >"$work/server.log" 2>&1 &
  pid=$!
  cd - >/dev/null
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.2; done
  cat "$work/server.log" >&2; exit 1
}

for _ in $(seq "$rounds"); do
  for w in 0 1; do
    start
    printf '%s watchers-%s ' "$label" "$w"
    "$bench" -url "http://127.0.0.1:$port" -pid "$pid" -q -scenario stream -n 100 -m 5 -watchers "$w" | tail -1 || true
  done
done
