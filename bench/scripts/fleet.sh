#!/usr/bin/env bash
# Runs the stream scenario against two instances of one server binary behind
# Debian's HAProxy, on loopback: a fresh PostgreSQL database (createdb on
# 127.0.0.1:5432 as postgres), Redis on 127.0.0.1:6379 for sessions and the
# Socket.IO message queue, round robin. Prints the load tool's JSON summary
# line prefixed with LABEL.
#
#   bench/scripts/fleet.sh BINARY LABEL [LOAD-TOOL ARGS...]
#
# The default load is -scenario stream -n 100 -m 5. BENCH overrides the
# load tool's path (default /tmp/bench). Every process it starts is stopped
# by its pid when it ends.
set -euo pipefail
binary=$(realpath "$1"); label=$2; shift 2
args=("$@"); [ ${#args[@]} -gt 0 ] || args=(-scenario stream -n 100 -m 5)
bench=${BENCH:-/tmp/bench}
# Below the ephemeral range (32768-60999), where a connection of the
# loopback load may hold a port.
lb_port=25310 ports=(25311 25312) ai_port=25313
work=$(mktemp -d)
db="amanda_fleet_$(date +%s)_$$"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  dropdb -h 127.0.0.1 -U postgres --if-exists --force "$db" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

createdb -h 127.0.0.1 -U postgres "$db"
fleet_env=(FLASK_HOST=127.0.0.1 GRPC_AI_BACKEND_HOST=127.0.0.1 GRPC_AI_BACKEND_PORT=$ai_port
  RATELIMIT_ENABLED=false MAX_SOCKETS_PER_USER=100 LOG_LEVEL=warn SHUTDOWN_TIMEOUT=5s
  DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db?sslmode=disable"
  SESSION_TYPE=redis SESSION_REDIS=redis://127.0.0.1:6379/0 SOCKETIO_MESSAGE_QUEUE=redis://127.0.0.1:6379/0)

# One fake model for both instances, as in production one AI backend.
(cd "$work" && exec env "${fleet_env[@]}" "$binary" fake-ai --fake-ai-tokens 50 --fake-ai-delay 10ms >"$work/ai.log" 2>&1) &
pids+=($!)
for port in "${ports[@]}"; do
  mkdir -p "$work/$port"
  (cd "$work/$port" && exec env "${fleet_env[@]}" FLASK_PORT=$port "$binary" >"$work/$port.log" 2>&1) &
  pids+=($!)
done
for port in "${ports[@]}"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null || { cat "$work/$port.log" >&2; exit 1; }
done

cat >"$work/haproxy.cfg" <<CFG
global
    maxconn 8000
defaults
    mode http
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend amanda
    bind 127.0.0.1:$lb_port
    acl socketio path_beg /socket.io/
    acl websocket hdr(Upgrade) -i websocket
    acl has_sid url_param(sid) -m found
    use_backend socketio_sticky if socketio !websocket
    use_backend socketio_sticky if socketio has_sid
    default_backend app
backend app
    balance roundrobin
    option httpchk GET /ready
    server a 127.0.0.1:${ports[0]} check inter 1s
    server b 127.0.0.1:${ports[1]} check inter 1s
backend socketio_sticky
    balance roundrobin
    cookie AMANDA_SIO insert indirect nocache httponly
    option httpchk GET /ready
    server a 127.0.0.1:${ports[0]} check inter 1s cookie a
    server b 127.0.0.1:${ports[1]} check inter 1s cookie b
CFG
/usr/sbin/haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$lb_port/ready" >/dev/null && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$lb_port/ready" >/dev/null || { cat "$work/haproxy.log" >&2; exit 1; }

[ -z "${KEEP_LOGS:-}" ] || trap 'cat "$work"/*.log >&2; cleanup' EXIT
printf "%s " "$label"
"$bench" -url "http://127.0.0.1:$lb_port" -q "${args[@]}" | tail -1
