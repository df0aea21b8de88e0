#!/usr/bin/env bash
# Scheduler benchmark on SQLite with the dry-run executor. Results and their reading:
# docs/benchmarks.md, "Scheduler".
#
#   bench/scheduler/run.sh [REPEATS=3]
#
# 1. Firing: BENCH_TASKS (100,000) tasks, all `* * * * *` and due at the same minute slot. From
#    the slot instant: when do all their runs exist (target < 2 s) and when are all COMPLETED
#    (target < 10 s)? Also the firing lag (created_at - slot) of the runs, p50 and max.
# 2. Idle: BENCH_IDLE_TASKS (1,000,000) enabled tasks due tomorrow. Process start to GET /readyz
#    answering 200 (target < 3 s), and the resident memory after BENCH_IDLE_SECONDS (5) idle
#    (VmRSS and the peak VmHWM from /proc/PID/status).
#
# Needs build/release/backbeat (run `./dev build release` first; this script builds nothing;
# set BENCH_BINARY to measure another build), sqlite3 and curl (apt-get install -y
# --no-install-recommends sqlite3 curl); perf (linux-perf) only with BENCH_PERF=1. It installs
# nothing.
#
# Environment (all optional):
#   BENCH_BINARY           the backbeat binary to measure (default build/release/backbeat)
#   BENCH_TASKS            tasks of the firing measurement (default 100000)
#   BENCH_IDLE_TASKS       tasks of the idle measurement (default 1000000)
#   BENCH_SERVE_ARGS       serve options of the "tuned" firing rounds (default
#                          "--executor-workers 16 --claim-batch 1000 --per-account-limit 0":
#                          every task belongs to one account, whose default limit is 8 at once)
#   BENCH_DEFAULT_ROUNDS   firing rounds with serve's defaults too, for comparison (default 1)
#   BENCH_RUN_WAIT         seconds after the slot to wait for the runs (default 120)
#   BENCH_LEAD             seconds the server runs before the slot, at least (default 15)
#   BENCH_IDLE_SECONDS     idle time before reading the memory (default 5)
#   BENCH_ONLY             "fire" or "idle": measure only that
#   BENCH_PERF=1           one extra tuned firing round under `perf record -g` (not in the
#                          medians); the report is printed and kept in the temp dir
#   BENCH_PERF_CALLGRAPH   perf's call-graph option (default -g; "--call-graph dwarf,16384"
#                          sees through libsqlite3, which has no frame pointers)
#   BENCH_WAIT_IDLE        seconds to wait for running compilers to finish (default 300)
#   BENCH_KEEP=1           keep the temp dir (logs, databases, perf data)
#
# What it does: copies the binary into a temp dir (a concurrent rebuild cannot swap it mid-run).
# Seeding through the API is too slow for a million tasks, so each database is made by one
# `serve --no-scheduler` start (migrations, the admin account and key), a SIGTERM, and one
# INSERT of the tasks from a recursive CTE with the sqlite3 CLI, owned by the admin account.
# Every round starts a fresh server on a fresh copy of the seeded database. A firing round sets
# every task's next slot to the first minute boundary at least BENCH_LEAD seconds after the
# server will have started, waits for it, then polls the database (WAL: a reader beside the
# server is fine) every 50 ms with the sqlite3 CLI. Times are from the slot instant to the start
# of the poll that saw the count (its snapshot), so they include up to one poll period (50 ms
# plus the previous query). It prints
# every round, the medians and pass/fail against the targets. Loopback only; every wait is
# bounded; everything it starts is stopped on exit (trap), by process id.
set -euo pipefail
export LC_ALL=C  # "." in $EPOCHREALTIME and in printf's numbers
cd "$(dirname "$0")/../.."

REPEATS=${1:-3}
TASKS=${BENCH_TASKS:-100000}
IDLE_TASKS=${BENCH_IDLE_TASKS:-1000000}
BINARY=${BENCH_BINARY:-build/release/backbeat}
TUNED_ARGS=${BENCH_SERVE_ARGS:---executor-workers 16 --claim-batch 1000 --per-account-limit 0}
DEFAULT_ROUNDS=${BENCH_DEFAULT_ROUNDS:-1}
RUN_WAIT=${BENCH_RUN_WAIT:-120}
LEAD=${BENCH_LEAD:-15}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-5}
ONLY=${BENCH_ONLY:-}
PERF=${BENCH_PERF:-0}
WAIT_IDLE=${BENCH_WAIT_IDLE:-300}
READY_TIMEOUT=60  # seconds for a server to answer /readyz
POLL=0.05         # seconds between database polls in a firing round
READY_POLL=0.01   # seconds between /readyz polls

# shellcheck source=bench/lib.sh
source bench/lib.sh

is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
[[ "$REPEATS" =~ ^[0-9]+$ && "$REPEATS" -ge 1 && "$REPEATS" -le 20 ]] || die "REPEATS must be 1..20"
is_count "$TASKS" && [ "$TASKS" -ge 1 ] || die "BENCH_TASKS must be a positive number"
is_count "$IDLE_TASKS" && [ "$IDLE_TASKS" -ge 1 ] || die "BENCH_IDLE_TASKS must be a positive number"
is_count "$DEFAULT_ROUNDS" || die "BENCH_DEFAULT_ROUNDS must be a number"
is_count "$RUN_WAIT" && [ "$RUN_WAIT" -ge 1 ] || die "BENCH_RUN_WAIT must be a positive number"
is_count "$LEAD" && [ "$LEAD" -ge 5 ] && [ "$LEAD" -le 40 ] || die "BENCH_LEAD must be 5..40"
is_count "$IDLE_SECONDS" || die "BENCH_IDLE_SECONDS must be a number"
case "$ONLY" in "" | fire | idle) ;; *) die "BENCH_ONLY must be fire or idle" ;; esac

missing=()
for tool in sqlite3 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ "$PERF" = 1 ] && ! command -v perf >/dev/null && missing+=(linux-perf)
[ ${#missing[@]} -eq 0 ] ||
  die "missing: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]}); this script installs nothing"
[ -x "$BINARY" ] || die "$BINARY is missing: run ./dev build release (or set BENCH_BINARY)"


compilers() { pgrep -c cc1plus || true; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
CC_START=$(compilers)
wait_for_quiet "$WAIT_IDLE"
make_workdir scheduler

cp "$BINARY" "$WORK/backbeat"
BIN=$WORK/backbeat
serve_help=$("$BIN" serve --help 2>/dev/null || true)  # not piped: grep -q would cut it short
[[ "$serve_help" == *--claim-batch* ]] ||
  die "$BINARY does not run or has no scheduler options (is it being linked right now?)"
BIN_NOTE="$(stat -c '%y' "$BINARY" | cut -c1-19), sha256 $(sha256sum "$BIN" | cut -c1-12)"

# A port nobody listens on (bash's /dev/tcp: a refused connection means free).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port found"
}
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"



# start_server DIR [serve options...]: sets SRV_PID and SRV_READY_MS (process start to the first
# 200 from /readyz, polled every 10 ms). The log goes to DIR/server.log.
start_server() {
  local dir=$1 t0 t deadline code
  shift
  now_us t0
  "$BIN" serve --db "sqlite:$dir/backbeat.db" --listen "127.0.0.1:$PORT" "$@" \
    >>"$dir/server.log" 2>&1 &
  SRV_PID=$!
  PIDS+=("$SRV_PID")
  deadline=$((t0 + READY_TIMEOUT * 1000000))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$URL/readyz" || true)
    now_us t
    if [ "$code" = 200 ]; then
      SRV_READY_MS=$(((t - t0) / 1000))
      return 0
    fi
    kill -0 "$SRV_PID" 2>/dev/null || die "the server exited: $(tail -3 "$dir/server.log")"
    [ "$t" -lt "$deadline" ] || die "no 200 from $URL/readyz within ${READY_TIMEOUT}s"
    sleep "$READY_POLL"
  done
}

q() { sqlite3 -cmd '.timeout 5000' "$@"; }  # the server may hold the write lock a moment

# seed DIR COUNT NEXT_SLOT_S: a database whose admin account owns COUNT enabled `* * * * *`
# tasks (ids 00000000-0000-4000-8000-<row number in hex>), all with the given next slot.
seed() {
  local dir=$1 count=$2 slot=$3 account now_ms t0 t1
  mkdir -p "$dir"
  start_server "$dir" --no-scheduler --log-level warn
  stop_pid "$SRV_PID"
  [ -s "$dir/admin.key" ] || die "the first start wrote no $dir/admin.key"
  mv "$dir/server.log" "$WORK/server-seed-$(basename "$dir").log"
  account=$(q "$dir/backbeat.db" 'SELECT account_id FROM api_keys ORDER BY created_at_ms LIMIT 1')
  [ -n "$account" ] || die "no admin account in $dir/backbeat.db"
  now_ms=$(($(date +%s%3N)))
  now_us t0
  # synchronous=OFF for this connection only: the seed is not the measurement.
  q "$dir/backbeat.db" >/dev/null <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $count)
INSERT INTO tasks (id, account_id, artist_account_id, title, prompt, schedule, timezone, model,
                   enabled, overlap, catchup, catchup_window_seconds, max_attempts,
                   timeout_seconds, created_at_ms, updated_at_ms, next_slot_s)
SELECT printf('00000000-0000-4000-8000-%012x', i), '$account',
       '1873859c-dd37-4e9a-9bac-80d35a1b2c3d', 'Genre pulse ' || i,
       'Analyse the genre trends of this artist and email a short summary.', '* * * * *', 'UTC',
       NULL, 1, 'skip', 'latest', 3600, 3, 3600, $now_ms - $count + i, $now_ms - $count + i,
       $slot
FROM n;
COMMIT;
SQL
  now_us t1
  local n
  n=$(q "$dir/backbeat.db" 'SELECT count(*) FROM tasks')
  [ "$n" -eq "$count" ] || die "$dir holds $n tasks, expected $count"
  log "seeded $count tasks in $(((t1 - t0) / 1000)) ms ($(du -sh "$dir" | cut -f1) on disk)"
}

# The server can read a seeded task through the API (the rows are valid for backbeat).
check_api() {
  local dir=$1 code
  code=$(curl -s -o "$dir/api-check.json" -w '%{http_code}' --max-time 10 \
    -H "x-api-key: $(cat "$dir/admin.key")" "$URL/api/tasks?limit=1")
  { [ "$code" = 200 ] && grep -q '00000000-0000-4000-8000-' "$dir/api-check.json"; } ||
    die "GET /api/tasks?limit=1 on the seeded database answered $code: $(head -c 300 "$dir/api-check.json")"
}

log_problems() {  # warn/error lines of a server log, as "N warn, M error"
  local w e
  w=$(grep -c '"level":"warn"' "$1" || true)
  e=$(grep -c '"level":"error"' "$1" || true)
  echo "${w} warn, ${e} error"
}

RESULTS=$WORK/results.txt
: > "$RESULTS"
NOT_REACHED=999999999

# --- 1. Firing.
# fire_round CONFIG ROUND [serve options...]: one result line
#   fire CONFIG ROUND ready_ms lead_ms created_ms completed_ms lag_p50_ms lag_max_ms
#        last_finished_ms completed_at_end slot_runs load cc1plus
# (lag_max is also when the last run was created, by the server's clock; last_finished is the
# largest finished_at - slot, a few ms before the outcome is committed; slot_runs counts the runs
# made for the slot: a task still unfired when the next slot comes is fired for that one instead,
# catch-up "latest" skipping the missed slot.)
fire_round() {
  local config=$1 round=$2 dir=$WORK/run slot t t_slot deadline out total completed
  shift 2
  rm -rf "$dir"
  cp -a "$WORK/seed-fire" "$dir"
  # The first minute boundary at least LEAD s (+ 3 s to start) away; if setting it took so long
  # that less remains, the next one.
  slot=$(( ($(date +%s) + LEAD + 3 + 59) / 60 * 60 ))
  q "$dir/backbeat.db" "PRAGMA synchronous = OFF; UPDATE tasks SET next_slot_s = $slot"
  if [ $((slot - $(date +%s))) -lt $((LEAD + 2)) ]; then
    slot=$((slot + 60))
    q "$dir/backbeat.db" "PRAGMA synchronous = OFF; UPDATE tasks SET next_slot_s = $slot"
  fi
  start_server "$dir" "$@"
  local ready_ms=$SRV_READY_MS pid=$SRV_PID perf_pid=""
  [ "$round" = 1 ] && check_api "$dir"
  now_us t
  t_slot=$((slot * 1000000))
  local lead_ms=$(((t_slot - t) / 1000))
  [ "$lead_ms" -ge 5000 ] || log "warning: the server was ready only ${lead_ms} ms before the slot"
  if [ "$config" = perf ]; then
    sleep_until $((t_slot - 1000000))
    perf record ${BENCH_PERF_CALLGRAPH:--g} -o "$WORK/perf.data" -p "$pid" >"$WORK/perf-record.log" 2>&1 &
    perf_pid=$!
    PIDS+=("$perf_pid")
  fi
  local load cc
  sleep_until $((t_slot - 100000))
  load=$(cut -d' ' -f1 /proc/loadavg)
  cc=$(compilers)
  # Runs of this slot only: the next slot (one minute later) makes new runs of finished tasks.
  local before_next=$(((slot + 60) * 1000))
  # Index-only counts (the poll shares the 2 cores with the server, so it must stay cheap):
  # all runs through runs_by_created; COMPLETED = all - active - unsuccessful, the two small
  # partial indexes (their predicates repeated as in src/backbeat/storage/sqlite/schema.cpp).
  local sql="SELECT (SELECT count(*) FROM runs WHERE created_at_ms < $before_next),
    (SELECT count(*) FROM runs WHERE created_at_ms < $before_next)
    - (SELECT count(*) FROM runs INDEXED BY runs_active_by_task WHERE (status = 'QUEUED' OR
         status = 'DELAYED' OR status = 'EXECUTING' OR status = 'REATTEMPTING')
         AND created_at_ms < $before_next)
    - (SELECT count(*) FROM runs INDEXED BY runs_unsuccessful WHERE (status = 'FAILED' OR
         status = 'CANCELED' OR status = 'CRASHED' OR status = 'INTERRUPTED' OR
         status = 'SYSTEM_FAILURE') AND created_at_ms < $before_next)"
  local created_ms=$NOT_REACHED completed_ms=$NOT_REACHED elapsed
  deadline=$((t_slot + RUN_WAIT * 1000000))
  completed=0
  while :; do
    # A poll sees the database as of its start (its read transaction's snapshot), so that is
    # the instant it is timed at.
    now_us t
    elapsed=$(((t - t_slot) / 1000))
    out=$(q -readonly -separator ' ' "$dir/backbeat.db" "$sql") || out="0 0"
    now_us t
    read -r total completed <<<"$out"
    if [ "$created_ms" = "$NOT_REACHED" ] && [ "$total" -ge "$TASKS" ]; then created_ms=$elapsed; fi
    if [ "$completed" -ge "$TASKS" ]; then completed_ms=$elapsed; break; fi
    [ "$t" -lt "$deadline" ] || break
    kill -0 "$pid" 2>/dev/null || { log "the server exited during round $round"; break; }
    sleep "$POLL"
  done
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    forget_pid "$perf_pid"
  fi
  stop_pid "$pid"
  # From the runs themselves (server clock): firing lag, and the last run created / finished.
  local lag_p50 lag_max db_finished slot_runs statuses
  read -r lag_p50 lag_max db_finished slot_runs <<<"$(q -separator ' ' "$dir/backbeat.db" "
    SELECT (SELECT created_at_ms - slot_s * 1000 FROM runs WHERE slot_s = $slot
              ORDER BY created_at_ms LIMIT 1
              OFFSET (SELECT count(*) / 2 FROM runs WHERE slot_s = $slot)),
           max(created_at_ms) - $slot * 1000, max(finished_at_ms) - $slot * 1000, count(*)
    FROM runs WHERE slot_s = $slot")"
  statuses=$(q "$dir/backbeat.db" "SELECT group_concat(status || '=' || n, ' ') FROM
    (SELECT status, count(*) AS n FROM runs WHERE slot_s = $slot GROUP BY status)")
  local skips
  skips=$(q "$dir/backbeat.db" 'SELECT coalesce(sum(count), 0) FROM slot_skips')
  printf 'fire %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$config" "$round" "$ready_ms" \
    "$lead_ms" "$created_ms" "$completed_ms" "${lag_p50:-NA}" "${lag_max:-NA}" \
    "${db_finished:-NA}" "$completed" "${slot_runs:-0}" "$load" "$cc" >>"$RESULTS"
  log "fire $config round $round: runs exist $(fmt_ms "$created_ms"), completed" \
    "$(fmt_ms "$completed_ms") after the slot (by the runs' own times: last created" \
    "${lag_max:-NA} ms, last finished ${db_finished:-NA} ms); lag p50 ${lag_p50:-NA} ms," \
    "max ${lag_max:-NA} ms; ready ${ready_ms} ms after start, ${lead_ms} ms before the slot;" \
    "load $load, $cc compilers; runs of the slot: ${statuses:-none}; skipped slots: $skips;" \
    "server log: $(log_problems "$dir/server.log")"
  cp "$dir/server.log" "$WORK/server-fire-$config-$round.log"
}


fmt_ms() {  # milliseconds as seconds, or "not reached"
  if [ "$1" = "$NOT_REACHED" ]; then echo "not reached (>${RUN_WAIT} s)"
  elif [[ "$1" =~ ^-?[0-9]+$ ]]; then printf '%.2f s' "$(awk -v m="$1" 'BEGIN { print m / 1000 }')"
  else echo "$1"; fi
}

# --- 2. Idle.
# idle_round ROUND: one result line  idle ROUND ready_ms rss_ready_kb rss_kb hwm_kb load cc1plus
idle_round() {
  local round=$1 dir=$WORK/run load cc
  rm -rf "$dir"
  cp -a "$WORK/seed-idle" "$dir"
  load=$(cut -d' ' -f1 /proc/loadavg)
  cc=$(compilers)
  start_server "$dir"
  local ready_ms=$SRV_READY_MS pid=$SRV_PID rss_ready rss hwm
  [ "$round" = 1 ] && check_api "$dir"
  rss_ready=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  sleep "$IDLE_SECONDS"
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
  grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads):' "/proc/$pid/status" | tr -s ' \t' ' ' |
    tr '\n' ' ' >"$WORK/idle-$round-status.txt"
  stop_pid "$pid"
  printf 'idle %s %s %s %s %s %s %s\n' "$round" "$ready_ms" "$rss_ready" "$rss" "$hwm" "$load" \
    "$cc" >>"$RESULTS"
  log "idle round $round: ready ${ready_ms} ms after start; VmRSS $((rss / 1024)) MiB after" \
    "${IDLE_SECONDS}s idle ($((rss_ready / 1024)) MiB when ready), VmHWM $((hwm / 1024)) MiB;" \
    "$(cat "$WORK/idle-$round-status.txt"); load $load, $cc compilers;" \
    "server log: $(log_problems "$dir/server.log")"
  cp "$dir/server.log" "$WORK/server-idle-$round.log"
}

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
tomorrow=$(( ($(date +%s) + 86400) / 60 * 60 ))

if want fire; then
  seed "$WORK/seed-fire" "$TASKS" "$tomorrow"
  read -r -a tuned <<<"$TUNED_ARGS"
  for round in $(seq "$REPEATS"); do fire_round tuned "$round" "${tuned[@]}"; done
  for round in $(seq "$DEFAULT_ROUNDS"); do fire_round defaults "$round"; done
  if [ "$PERF" = 1 ]; then fire_round perf 1 "${tuned[@]}"; fi
fi
if want idle; then
  # An empty database first, for the memory that does not depend on the task count.
  mkdir -p "$WORK/empty"
  start_server "$WORK/empty"
  empty_ready=$SRV_READY_MS
  sleep "$IDLE_SECONDS"
  empty_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status")
  empty_hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SRV_PID/status")
  stop_pid "$SRV_PID"
  log "empty database: ready ${empty_ready} ms after start; VmRSS $((empty_rss / 1024)) MiB," \
    "VmHWM $((empty_hwm / 1024)) MiB"
  seed "$WORK/seed-idle" "$IDLE_TASKS" "$tomorrow"
  for round in $(seq "$REPEATS"); do idle_round "$round"; done
fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Summary.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
col() {  # col KIND CONFIG COLUMN: the median of that column over the rounds of CONFIG
  awk -v k="$1" -v c="$2" -v n="$3" '$1 == k && $2 == c { print $n }' "$RESULTS" | median
}
verdict() { if [ "$1" != "$NOT_REACHED" ] && [ "$1" -lt "$2" ]; then echo met; else echo MISSED; fi; }

echo
echo "backbeat scheduler benchmark: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')," \
  "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "load average $LOAD_START at the start, $LOAD_END at the end; compilers (cc1plus): $busy_note"
echo "binary: $BINARY ($BIN_NOTE); SQLite CLI $(sqlite3 --version | cut -d' ' -f1)"
echo "$REPEATS rounds each, medians; every round a fresh server on a fresh copy of the seed"
if grep -q '^fire ' "$RESULTS"; then
  echo
  echo "Firing: $TASKS tasks on '* * * * *', dry-run executor; ms after the slot instant"
  echo "(created/completed: polled every 50 ms; lag: created_at - slot of each run)"
  printf '%-9s %5s %7s %7s %8s %10s %8s %8s %13s %8s %9s %6s %7s\n' config round ready lead \
    created completed lag_p50 lag_max last_finished "done" slot_runs load cc1plus
  awk '$1 == "fire" { printf "%-9s %5s %7s %7s %8s %10s %8s %8s %13s %8s %9s %6s %7s\n",
    $2, $3, $4, $5, ($6 == 999999999 ? "-" : $6), ($7 == 999999999 ? "-" : $7), $8, $9, $10,
    $11, $12, $13, $14 }' "$RESULTS"
  echo "tuned = $TUNED_ARGS; defaults = no scheduler options (16 workers, claim batch 64," \
    "per-account limit 8); '-' = not reached within ${RUN_WAIT}s; done = COMPLETED runs of the" \
    "slot when the wait ended; slot_runs = runs made for the slot at all"
  created=$(col fire tuned 6)
  completed=$(col fire tuned 7)
  echo "tuned medians: all runs exist $(fmt_ms "$created") (target < 2 s: $(verdict "$created" 2000))," \
    "all COMPLETED $(fmt_ms "$completed") (target < 10 s: $(verdict "$completed" 10000))," \
    "lag p50 $(col fire tuned 8) ms, max $(col fire tuned 9) ms;" \
    "runs made for the slot $(col fire tuned 12), COMPLETED when the wait ended $(col fire tuned 11)"
  if grep -q '^fire defaults ' "$RESULTS"; then
    echo "defaults medians: all runs exist $(fmt_ms "$(col fire defaults 6)")," \
      "all COMPLETED $(fmt_ms "$(col fire defaults 7)")," \
      "completed at the end of the wait $(col fire defaults 11)"
  fi
fi
if grep -q '^idle ' "$RESULTS"; then
  echo
  echo "Idle: $IDLE_TASKS enabled tasks (next slot tomorrow), serve defaults"
  printf '%5s %10s %14s %12s %12s %6s %4s\n' round ready_ms rss_ready_MiB rss_MiB hwm_MiB load \
    cc1plus
  awk '$1 == "idle" { printf "%5s %10s %14.0f %12.0f %12.0f %6s %4s\n", $2, $3, $4 / 1024,
    $5 / 1024, $6 / 1024, $7, $8 }' "$RESULTS"
  ready=$(awk '$1 == "idle" { print $3 }' "$RESULTS" | median)
  rss=$(awk '$1 == "idle" { print $5 }' "$RESULTS" | median)
  hwm=$(awk '$1 == "idle" { print $6 }' "$RESULTS" | median)
  echo "medians: start to /readyz 200 in $(fmt_ms "$ready") (target < 3 s: $(verdict "$ready" 3000));" \
    "VmRSS after ${IDLE_SECONDS}s idle $((rss / 1024)) MiB, VmHWM $((hwm / 1024)) MiB" \
    "(empty database: VmRSS $((empty_rss / 1024)) MiB, ready in ${empty_ready} ms)"
fi
if [ "$PERF" = 1 ] && [ -f "$WORK/perf.data" ]; then
  echo
  echo "perf (the extra round, from 1 s before the slot until all runs completed or the wait ended):"
  echo "self time by library, then by symbol:"
  perf report -i "$WORK/perf.data" --stdio --no-children -g none --sort dso --percent-limit 0.5 \
    2>/dev/null | grep '%' | cut -c1-120 | sed 's/ *$//'
  perf report -i "$WORK/perf.data" --stdio --no-children -g none --sort dso,symbol \
    --percent-limit 0.7 2>/dev/null | grep '%' | cut -c1-150 | sed 's/ *$//' | head -30
  echo "by thread (the busiest one is normally the SQLite writer):"
  perf report -i "$WORK/perf.data" --stdio --no-children -g none --sort pid --percent-limit 1 \
    2>/dev/null | grep '%' | head -5
  echo "(perf data kept under $WORK only with BENCH_KEEP=1)"
fi
