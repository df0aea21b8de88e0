#!/usr/bin/env bash
# HTTP benchmark: backbeat GET /api/tasks?id= and durable POST /api/tasks at 64 connections
# against a database of 100,000 tasks, beside nginx serving a fixed 600-byte JSON file on the
# same machine as the ceiling. Loopback only; every run is bounded; everything started is stopped.
#
#   bench/http/run.sh [DURATION_SECONDS=30] [REPEATS=3]
#
# Needs build/release/backbeat (./dev build release), wrk and nginx (Debian packages).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${1:-30}
REPEATS=${2:-3}
CONNECTIONS=64
THREADS=2
TASKS=100000
BIN=build/release/backbeat
[ -x "$BIN" ] || { echo "build first: ./dev build release" >&2; exit 1; }
command -v wrk >/dev/null && command -v nginx >/dev/null && command -v sqlite3 >/dev/null || {
  echo "needs wrk, nginx and sqlite3: apt-get install -y --no-install-recommends wrk nginx sqlite3" >&2
  exit 1
}

WORK=$(mktemp -d /tmp/backbeat-bench-http.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || shuf -i 20000-60000 -n 1; }

# --- nginx: one worker per core, a fixed 600-byte JSON body, no logging.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/html" "$WORK/nginx/tmp"
python3 - "$WORK/nginx/html/task.json" <<'PY' 2>/dev/null || head -c 600 /dev/zero | tr '\0' 'x' > "$WORK/nginx/html/task.json"
import json, sys
doc = {"status": "success", "tasks": [{"id": "40f62448-f481-4a60-8d83-09ecfba22012",
       "title": "Weekly genre pulse", "prompt": "Analyse this artist's genre trends.",
       "schedule": "0 9 * * 4", "timezone": "America/New_York", "enabled": True}]}
text = json.dumps(doc)
text = text[:-2] + ',"pad":"' + "x" * (600 - len(text) - 10) + '"}]}'
open(sys.argv[1], "w").write(text[:600] if len(text) >= 600 else text.ljust(600))
PY
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { root $WORK/nginx/html; default_type application/json; }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)

# --- backbeat on a fresh database.
BB_PORT=$(free_port)
"$BIN" serve --db "sqlite:$WORK/db/backbeat.db" --listen "127.0.0.1:$BB_PORT" --rate-limit 0 \
  --io-threads "${BACKBEAT_IO_THREADS:-1}" --workers "${BACKBEAT_WORKERS:-4}" \
  --log-level warn 2> "$WORK/backbeat.log" &
PIDS+=($!)
for _ in $(seq 100); do
  [ -f "$WORK/db/admin.key" ] && curl -sf "127.0.0.1:$BB_PORT/healthz" >/dev/null && break
  sleep 0.1
done
export BACKBEAT_KEY=$(cat "$WORK/db/admin.key")
for _ in $(seq 100); do curl -sf "127.0.0.1:$NGINX_PORT/task.json" >/dev/null && break; sleep 0.1; done

# --- seed 100,000 tasks through the API (POST is what we measure anyway).
echo "seeding $TASKS tasks..." >&2
seeded=0
while [ "$seeded" -lt "$TASKS" ]; do
  wrk -t2 -c64 -d5s -s bench/http/post_task.lua "http://127.0.0.1:$BB_PORT" > /dev/null 2>&1
  seeded=$(sqlite3 "$WORK/db/backbeat.db" 'SELECT count(*) FROM tasks' 2>/dev/null ||
           echo "$TASKS")
  echo "  $seeded tasks" >&2
done
sqlite3 "$WORK/db/backbeat.db" "SELECT id FROM tasks ORDER BY random() LIMIT 10000" \
  > "$WORK/ids.txt"
export BACKBEAT_IDS_FILE="$WORK/ids.txt"

# wrk --latency prints requests/s and a latency distribution; keep req/s, p50 and p99 (ms).
measure() {  # name, wrk args...
  local name=$1; shift
  local out
  out=$(wrk -t$THREADS -c$CONNECTIONS -d"${DURATION}s" --latency "$@" 2>"$WORK/wrk.err")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -c "unexpected status" "$WORK/wrk.err" || true)
  echo "$name $rps $(to_ms "$p50") $(to_ms "$p99") $errors"
}
to_ms() {  # wrk prints 812.00us / 1.23ms / 1.01s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

RESULTS="$WORK/results.txt"
for r in $(seq "$REPEATS"); do
  measure nginx "http://127.0.0.1:$NGINX_PORT/task.json" >> "$RESULTS"
  measure get -s bench/http/get_by_id.lua "http://127.0.0.1:$BB_PORT" >> "$RESULTS"
  measure post -s bench/http/post_task.lua "http://127.0.0.1:$BB_PORT" >> "$RESULTS"
  echo "round $r done" >&2
done

echo
echo "raw (name req/s p50_ms p99_ms non200):"
cat "$RESULTS"
echo
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf "%-6s %12s %10s %10s\n" "" "req/s" "p50 ms" "p99 ms"
for n in nginx get post; do
  printf "%-6s %12s %10s %10s\n" "$n" \
    "$(awk -v n=$n '$1==n {print $2}' "$RESULTS" | median)" \
    "$(awk -v n=$n '$1==n {print $3}' "$RESULTS" | median)" \
    "$(awk -v n=$n '$1==n {print $4}' "$RESULTS" | median)"
done
# The ratio of medians, each round's GET against the nginx run just before it.
awk '$1=="nginx" {ng=$2} $1=="get" {print $2/ng}' "$RESULTS" | median | \
  awk '{printf "GET / nginx (median of per-round ratios): %.1f%%\n", $1*100}'
echo "tasks in database at the end: $(sqlite3 "$WORK/db/backbeat.db" 'SELECT count(*) FROM tasks')"
