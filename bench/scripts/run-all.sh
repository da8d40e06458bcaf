#!/usr/bin/env bash
# Runs every BENCHMARKS.md scenario against one server binary, each on a
# fresh server in an empty directory, on loopback. Prints the load tool's
# JSON summary line of each run, prefixed with LABEL and the scenario.
#
#   bench/scripts/run-all.sh BINARY LABEL [DATABASE_URL]
#
# ONLY, a space-separated list of scenario names (connect-10000 stream-100x5
# stream-1000x3 storm-50 rest-20), runs just those.
#
# Build the binary with `go build -o /tmp/amanda .` and the load tool with
# `go build -o /tmp/bench ./bench`; BENCH overrides the tool's path.
set -euo pipefail
binary=$(realpath "$1"); label=$2; database=${3:-}
bench=${BENCH:-/tmp/bench}
# Below the ephemeral range (32768-60999), where a connection of the
# loopback load may hold a port.
port=25301 ai_port=25304
work=$(mktemp -d)
trap 'pkill -f "^$work/server" 2>/dev/null || true; rm -rf "$work"' EXIT

start() { # start a fresh server; extra environment in "$@"
  pkill -f "^$work/server" 2>/dev/null || true
  sleep 1
  rm -rf "$work/run" && mkdir -p "$work/run" && cp "$binary" "$work/server"
  (cd "$work/run" && env "$@" FLASK_HOST=127.0.0.1 FLASK_PORT=$port GRPC_AI_BACKEND_PORT=$ai_port \
    RATELIMIT_ENABLED=false MAX_SOCKETS_PER_USER=100 LOG_LEVEL=warn ${database:+DATABASE_URL=$database} \
    "$work/server" --fake-ai --fake-ai-tokens 50 --fake-ai-delay 10ms >"$work/server.log" 2>&1 &)
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.2; done
  cat "$work/server.log" >&2; exit 1
}
wanted() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
run() { # run NAME ARGS...: one load-tool run, its summary line labelled
  local name=$1; shift
  printf '%s %s ' "$label" "$name"
  "$bench" -url "http://127.0.0.1:$port" -q "$@" | tail -1
}

if [ -z "$database" ]; then
  if wanted connect-10000; then start; run connect-10000 -scenario connect -n 10000 -sockets-per-user 100 -hold 10s -timeout 300s || true; fi
fi
if wanted stream-100x5; then start; run stream-100x5 -scenario stream -n 100 -m 5 || true; fi
if wanted stream-1000x3; then start; run stream-1000x3 -scenario stream -n 1000 -m 3 -sockets-per-user 100 -timeout 300s || true; fi
if wanted storm-50; then start; run storm-50 -scenario stream -n 100 -m 5 -storm 50 || true; fi
if wanted rest-20; then start; run rest-20 -scenario rest -workers 20 -duration 10s || true; fi
