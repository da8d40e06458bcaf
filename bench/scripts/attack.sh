#!/usr/bin/env bash
# Runs each kind of the load tool's attack scenario (handshakes, bodies,
# frames) against one server binary, each on a fresh server in an empty
# directory, on loopback, with voice on and the default rate limits. Prints
# the JSON summary line of each run, prefixed with LABEL and the kind.
#
#   bench/scripts/attack.sh BINARY LABEL
#
# MAX_RSS_MIB, when set, is passed as -attack-max-rss-mib: a run whose
# server RSS peaks above it during the attack, or that loses a reply,
# fails, and so does the script (after running every kind).
#
# Build the binary with `go build -o /tmp/amanda .` and the load tool with
# `go build -o /tmp/bench ./bench`; BENCH overrides the tool's path.
set -euo pipefail
binary=$(realpath "$1"); label=$2
bench=${BENCH:-/tmp/bench}
# Below the ephemeral range (32768-60999), where a connection of the
# loopback load may hold a port.
port=25302 ai_port=25303
work=$(mktemp -d)
server_pid=

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

start() { # a fresh server, voice on (the speech API, port 9, is never reached)
  stop_server
  rm -rf "$work/run" && mkdir -p "$work/run"
  (cd "$work/run" && exec env FLASK_HOST=127.0.0.1 FLASK_PORT=$port GRPC_AI_BACKEND_PORT=$ai_port \
    RATELIMIT_ENABLED=true VOICE_ENABLED=true OPENAI_BASE_URL=http://127.0.0.1:9/v1 LOG_LEVEL=warn SHUTDOWN_TIMEOUT=5s \
    "$binary" --fake-ai --fake-ai-tokens 50 --fake-ai-delay 10ms >"$work/server.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.2; done
  cat "$work/server.log" >&2; exit 1
}

status=0
for kind in handshakes bodies frames; do
  start
  printf '%s %s ' "$label" "$kind"
  "$bench" -url "http://127.0.0.1:$port" -q -scenario attack -attack "$kind" \
    ${MAX_RSS_MIB:+-attack-max-rss-mib "$MAX_RSS_MIB"} | tail -1 || status=1
done
exit $status
