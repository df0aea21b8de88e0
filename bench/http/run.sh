#!/usr/bin/env bash
# HTTP benchmark: backbeat GET /api/tasks?id= and durable POST /api/tasks at 64 connections
# against a database of 100,000 tasks, beside nginx serving a fixed 600-byte JSON file on the
# same machine as the ceiling. Results and their reading: docs/benchmarks.md, "HTTP API".
#
#   bench/http/run.sh [DURATION_SECONDS=30] [REPEATS=3]
#
# Needs build/release/backbeat (run `./dev build release` first; this script builds nothing; set
# BENCH_BINARY to measure another build),
# wrk and nginx from Debian (apt-get install -y --no-install-recommends wrk nginx-light);
# sqlite3 is used, when present, to double-check the seeded row count.
#
# Environment (all optional):
#   BENCH_BINARY                     the backbeat binary to measure (default build/release/backbeat)
#   BENCH_IO_THREADS, BENCH_WORKERS  backbeat's --io-threads/--workers (default 1 and 64: the best
#                                    pair found on 2 cores, see docs/benchmarks.md)
#   BENCH_NGINX_WORKERS              nginx worker_processes (default: nproc, one per core)
#   BENCH_TASKS                      tasks to seed (default 100000)
#   BENCH_ONLY                       "nginx", "get" or "post": measure only that (for tuning)
#   BENCH_WAIT_IDLE                  seconds to wait for running compilers to finish (default 600)
#   BENCH_KEEP=1                     keep the temp dir (logs, databases, raw wrk output)
#
# What it does: copies the binary into a temp dir (a concurrent rebuild cannot swap it mid-run),
# seeds the tasks through POST /api/tasks with wrk (post_task.lua in seeding mode, which also
# records every id), then runs REPEATS rounds of nginx, GET and POST, interleaved, each a fresh
# wrk run (2 threads, 64 connections, --latency) after a short warm-up. Every backbeat
# measurement starts a fresh server on a fresh copy of the seeded database, so POST runs do not
# grow the database the later GET runs read. It prints every run, the medians, the GET/nginx
# ratio and pass/fail against the targets. Loopback only; every wait is bounded; everything it
# starts is stopped on exit (trap), by process id.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

DURATION=${1:-30}
REPEATS=${2:-3}
CONNECTIONS=64
WRK_THREADS=2
WARMUP=3
TASKS=${BENCH_TASKS:-100000}
IO_THREADS=${BENCH_IO_THREADS:-1}
WORKERS=${BENCH_WORKERS:-64}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-$(nproc)}
ONLY=${BENCH_ONLY:-}
WAIT_IDLE=${BENCH_WAIT_IDLE:-600}
BINARY=${BENCH_BINARY:-build/release/backbeat}
SEED_TIMEOUT=600

# shellcheck source=bench/lib.sh
source bench/lib.sh

[[ "$DURATION" =~ ^[0-9]+$ && "$DURATION" -ge 1 && "$DURATION" -le 3600 ]] ||
  die "DURATION must be 1..3600 seconds"
[[ "$REPEATS" =~ ^[0-9]+$ && "$REPEATS" -ge 1 && "$REPEATS" -le 20 ]] || die "REPEATS must be 1..20"
(( TASKS % WRK_THREADS == 0 )) || die "BENCH_TASKS must be a multiple of $WRK_THREADS"
[ -x "$BINARY" ] || die "$BINARY is missing: run ./dev build release (or set BENCH_BINARY)"
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null ||
    die "$tool is missing: apt-get install -y --no-install-recommends wrk nginx-light curl"
done

wait_for_quiet "$WAIT_IDLE"
make_workdir http

# nginx drops to an unprivileged user when started as root: let it read its files.
chmod 755 "$WORK"
cp "$BINARY" "$WORK/backbeat"
BIN=$WORK/backbeat

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (up to 10 s) until URL answers 200.
wait_http() {
  local url=$1 i
  for i in $(seq 100); do
    curl -sf -o /dev/null "$url" && return 0
    sleep 0.1
  done
  die "no answer from $url"
}

stop_pid() {  # SIGTERM, bounded wait (backbeat drains within its --shutdown-timeout), then KILL
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  local kept=()
  for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# --- nginx: a fixed 600-byte JSON file, no access log, one worker per core by default.
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx/html" "$WORK/nginx/tmp"
{
  head='{"status":"success","tasks":[{"id":"40f62448-f481-4a60-8d83-09ecfba22012","title":"Weekly genre pulse","prompt":"Analyse this artist genre trends and email a summary.","schedule":"0 9 * * 4","timezone":"America/New_York","enabled":true,"pad":"'
  tail='"}]}'
  printf '%s' "$head"
  head -c $((600 - ${#head} - ${#tail})) /dev/zero | tr '\0' x
  printf '%s' "$tail"
} > "$WORK/nginx/html/task.json"
[ "$(wc -c < "$WORK/nginx/html/task.json")" -eq 600 ] || die "the nginx file is not 600 bytes"
chmod -R a+rX "$WORK/nginx/html"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/nginx/html;
    location = /task.json { default_type application/json; }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2>>"$WORK/nginx/error.log" &
PIDS+=($!)
NGINX_URL="http://127.0.0.1:$NGINX_PORT/task.json"
wait_http "$NGINX_URL"

# --- backbeat. Starts a server on the database directory $1; sets BB_PID and BB_URL.
BB_PORT=$(free_port)
BB_URL="http://127.0.0.1:$BB_PORT"
start_backbeat() {
  local dir=$1
  # --log-level warn: no access log line per request (nginx runs with access_log off too).
  "$BIN" serve --db "sqlite:$dir/backbeat.db" --listen "127.0.0.1:$BB_PORT" --rate-limit 0 \
    --io-threads "$IO_THREADS" --workers "$WORKERS" --log-level warn \
    >>"$WORK/backbeat.log" 2>&1 &
  BB_PID=$!
  PIDS+=("$BB_PID")
  wait_http "$BB_URL/readyz"
}

# --- Seed through the API: each wrk thread creates exactly TASKS/WRK_THREADS tasks.
mkdir -p "$WORK/seed"
start_backbeat "$WORK/seed"
KEY=$(cat "$WORK/seed/admin.key")
log "seeding $TASKS tasks (io-threads $IO_THREADS, workers $WORKERS)"
seed_start=$(date +%s)
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${SEED_TIMEOUT}s" -H "x-api-key: $KEY" \
  -s bench/http/post_task.lua "$BB_URL" -- seed $((TASKS / WRK_THREADS)) "$WORK/seed-ids" \
  >"$WORK/seed-wrk.txt" 2>&1 &
SEED_WRK=$!
PIDS+=("$SEED_WRK")
while :; do
  done_files=$(find "$WORK" -maxdepth 1 -name 'seed-ids.*.done' | wc -l)
  [ "$done_files" -ge "$WRK_THREADS" ] && break
  kill -0 "$SEED_WRK" 2>/dev/null || die "seeding ended early: $(tail -3 "$WORK/seed-wrk.txt")"
  sleep 0.5
done
kill -INT "$SEED_WRK" 2>/dev/null || true  # wrk waits out its duration otherwise
stop_pid "$SEED_WRK"
seed_seconds=$(( $(date +%s) - seed_start ))
grep -E 'Socket errors|Non-2xx' "$WORK/seed-wrk.txt" >&2 || true
cat "$WORK"/seed-ids.*.ids > "$WORK/ids.txt"
seeded=$(wc -l < "$WORK/ids.txt")
stop_pid "$BB_PID"  # a clean stop checkpoints the WAL into the database file
[ "$seeded" -eq "$TASKS" ] || die "seeded $seeded tasks, expected $TASKS"
in_db="$seeded"
if command -v sqlite3 >/dev/null; then
  # Requests whose answers the script did not see (in flight when a seeding thread stopped,
  # or cut by a reconnect) created tasks beyond the recorded ids: a few dozen at most.
  in_db=$(sqlite3 "$WORK/seed/backbeat.db" 'SELECT count(*) FROM tasks')
  [ "$in_db" -ge "$TASKS" ] || die "the database holds $in_db tasks, expected at least $TASKS"
fi
log "seeded $in_db tasks in ${seed_seconds}s ($(du -sh "$WORK/seed" | cut -f1) on disk)"

# --- Measurements.
to_ms() {  # wrk prints 812.00us, 1.23ms, 1.01s, 2.00m
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

# run_wrk NAME ROUND URL [wrk options] [-- script arguments]: one warm-up, one measured run; appends a line to RESULTS:
# name round req/s p50_ms p99_ms non2xx socket_errors
RESULTS=$WORK/results.txt
: > "$RESULTS"
run_wrk() {
  local name=$1 round=$2 url=$3
  shift 3
  local out="$WORK/wrk-$name-$round.txt"
  # wrk wants its options, then the URL, then "--" and the script's arguments.
  local opts=() script_args=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
  [ "$#" -gt 0 ] && script_args=("$@")  # includes the "--"
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${opts[@]}" "$url" "${script_args[@]}" \
    >/dev/null 2>&1 || true
  wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency "${opts[@]}" \
    "$url" "${script_args[@]}" >"$out" 2>&1 || die "wrk failed: $(tail -3 "$out")"
  local rps p50 p99 non2xx sockerr
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  # "  Socket errors: connect 0, read 0, write 0, timeout 0": add up the numbers.
  sockerr=$(awk '/Socket errors:/ { s = 0
    for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0
    print s }' "$out")
  printf '%s %s %s %s %s %s %s\n' "$name" "$round" "$rps" "$p50" "$p99" "${non2xx:-0}" \
    "${sockerr:-0}" | tee -a "$RESULTS" >&2
}

measure_backbeat() {  # name round wrk-args...: a fresh server on a fresh copy of the seed
  local name=$1 round=$2
  shift 2
  rm -rf "$WORK/run"
  cp -a "$WORK/seed" "$WORK/run"
  start_backbeat "$WORK/run"
  run_wrk "$name" "$round" "$BB_URL" -H "x-api-key: $KEY" "$@"
  stop_pid "$BB_PID"
}

log "rounds: $REPEATS x (nginx, GET, POST), ${DURATION}s each after a ${WARMUP}s warm-up"
log "columns: name round req/s p50_ms p99_ms non-2xx socket-errors"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
for round in $(seq "$REPEATS"); do
  if want nginx; then run_wrk nginx "$round" "$NGINX_URL"; fi
  if want get; then
    measure_backbeat get "$round" -s bench/http/get_by_id.lua -- "$WORK/ids.txt"
  fi
  if want post; then measure_backbeat post "$round" -s bench/http/post_task.lua; fi
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Summary.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
col() { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$RESULTS" | median; }
errors() { awk -v n="$1" '$1 == n { s += $6 + $7 } END { print s + 0 }' "$RESULTS"; }

echo
echo "backbeat HTTP benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r)"
echo "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --latency, $REPEATS rounds, medians;" \
  "backbeat --io-threads $IO_THREADS --workers $WORKERS; nginx worker_processes $NGINX_WORKERS"
echo "seeded $in_db tasks in ${seed_seconds}s; compilers before start: $busy_note;" \
  "load average $load_before before, $load_after after"
echo
printf '%-34s %10s %8s %8s %8s\n' "" "req/s" "p50 ms" "p99 ms" "errors"
for n in nginx get post; do
  grep -q "^$n " "$RESULTS" || continue
  case $n in
    nginx) label="nginx, static 600-byte JSON" ;;
    get) label="backbeat GET /api/tasks?id=" ;;
    post) label="backbeat POST /api/tasks (durable)" ;;
  esac
  printf '%-34s %10.0f %8s %8s %8s\n' "$label" "$(col "$n" 3)" "$(col "$n" 4)" "$(col "$n" 5)" \
    "$(errors "$n")"
done
echo
verdict() { if [ "$1" = 1 ]; then echo pass; else echo FAIL; fi; }
if grep -q '^get ' "$RESULTS"; then
  get_p99=$(col get 5)
  echo "GET p99 under 10 ms: $get_p99 ms, $(verdict "$(awk -v p="$get_p99" 'BEGIN { print (p < 10) }')")"
fi
if grep -q '^get ' "$RESULTS" && grep -q '^nginx ' "$RESULTS"; then
  ratio=$(awk -v g="$(col get 3)" -v n="$(col nginx 3)" 'BEGIN { printf "%.1f", 100 * g / n }')
  echo "GET / nginx (ratio of medians): $ratio%, target 40%:" \
    "$(verdict "$(awk -v r="$ratio" 'BEGIN { print (r >= 40) }')")"
fi
if grep -q '^post ' "$RESULTS"; then
  post_rps=$(col post 3)
  echo "POST at least 10,000 req/s: $(printf '%.0f' "$post_rps")," \
    "$(verdict "$(awk -v r="$post_rps" 'BEGIN { print (r >= 10000) }')")"
fi
