#!/usr/bin/env bash
# Scheduler benchmark on PostgreSQL 15 with the dry-run executor, on 1 and on several nodes
# sharing one database. The SQLite variant is bench/scheduler/run.sh; results and their reading:
# docs/benchmarks.md, "Scheduler".
#
#   bench/scheduler/run_pg.sh [REPEATS=3]
#
# 1. Firing: BENCH_TASKS (100,000) tasks, all `* * * * *` and due at the same minute slot, served
#    by each node count of BENCH_NODES ("1 3"). From the slot instant: when do all their runs
#    exist (target < 2 s) and when are all COMPLETED (target < 10 s)? Also the firing lag
#    (created_at - slot) of the runs, p50 and max, the runs each node fired and finished (from
#    its /metrics: a finished run keeps no trace of its node, lease_owner is cleared) and the
#    duplicates: (task_id, slot_s) pairs with more than one run, which must be 0.
# 2. Idle: BENCH_IDLE_TASKS (1,000,000) enabled tasks due tomorrow, BENCH_IDLE_NODES (3) nodes
#    started one after the other (the earlier ones keep running). For each, process start to
#    GET /readyz answering 200 (target < 3 s), and its resident memory once the last one has been
#    idle for BENCH_IDLE_SECONDS (5) (VmRSS and the peak VmHWM from /proc/PID/status).
#
# Needs build/release/backbeat (run `./dev build release` first; this script builds nothing;
# set BENCH_BINARY to measure another build), PostgreSQL 15 server binaries in
# /usr/lib/postgresql/15/bin (or BENCH_PG_BIN), psql and curl (apt-get install -y
# --no-install-recommends postgresql-15 postgresql-client-15 curl). It installs nothing. Run as
# root it runs initdb and postgres as the `postgres` user (they refuse root).
#
# Environment (all optional):
#   BENCH_BINARY           the backbeat binary to measure (default build/release/backbeat)
#   BENCH_TASKS            tasks of the firing measurement (default 100000)
#   BENCH_NODES            node counts of the firing measurement (default "1 3")
#   BENCH_IDLE_TASKS       tasks of the idle measurement (default 1000000)
#   BENCH_IDLE_NODES       nodes of the idle measurement (default 3)
#   BENCH_SERVE_ARGS       serve options of every firing node (default
#                          "--executor-workers 16 --claim-batch 1000 --per-account-limit 0":
#                          every task belongs to one account, whose default limit is 8 at once)
#   BENCH_RUN_WAIT         seconds after the slot to wait for the runs (default 120)
#   BENCH_LEAD             seconds the servers run before the slot, at least (default 15)
#   BENCH_IDLE_SECONDS     idle time before reading the memory (default 5)
#   BENCH_ONLY             "fire" or "idle": measure only that
#   BENCH_PG_BIN           PostgreSQL server binaries (default /usr/lib/postgresql/15/bin)
#   BENCH_PG_OPTS          more `-c name=value` options for the PostgreSQL server
#   BENCH_WAIT_IDLE        seconds to wait for running compilers to finish (default 300)
#   BENCH_KEEP=1           keep the temp dir (backbeat and PostgreSQL logs, each poll's count
#                          and duration in polls-*.txt, results) and the benchmark databases
#                          until the cluster goes (it always goes on exit)
#
# What it does: copies the binary into a temp dir (a concurrent rebuild cannot swap it mid-run)
# and starts a throwaway PostgreSQL cluster in another temp dir (owned by `postgres`): loopback
# on a free port, trust authentication, durable (fsync, synchronous_commit and full_page_writes
# stay on: unlike tests/pg/with-postgres.sh this measures the real thing), shared_buffers 512MB,
# max_connections 200, max_wal_size 4GB (so that a burst does not force checkpoints). Each
# measurement gets a fresh database (CREATE DATABASE bench_N) made by one
# `serve --no-scheduler` start until /readyz answers 200 (migrations, the admin account and key;
# its secret and key files in the temp dir), a SIGTERM, and one INSERT ... SELECT FROM
# generate_series with psql of the tasks, owned by the admin account, then VACUUM ANALYZE and a
# CHECKPOINT (the seed is not the measurement). Every firing round is a fresh database and fresh
# servers: it sets every task's next slot to the first minute boundary at least BENCH_LEAD
# seconds after the servers will have started, starts the nodes one after the other (each on its
# own port, --node-id bench-node-K), waits for the slot, then polls the database every 100 ms
# through one psql session opened before the slot, counting through an index only what shrinks
# (a count of 100,000 fresh rows would cost 100-250 ms and compete with the nodes): until all
# runs exist, the tasks still due at the slot (a task's run and its next slot are written in one
# transaction; one count of the runs confirms), then the runs of the slot not COMPLETED. Times
# are from the slot instant to the start of the poll that saw the count (each query is its own
# snapshot), so they include up to one poll period (100 ms plus the previous query). The lag
# is from the runs' created_at, which the node stamps when it decides to fire a batch, before
# the batch commits: runs become visible later than their lag says. It prints every round, the
# medians and pass/fail against the targets. Loopback only; every wait is bounded; everything it
# starts is stopped on exit (trap), by process id (the PostgreSQL postmaster through pg_ctl,
# which signals the pid in its postmaster.pid).
set -euo pipefail
export LC_ALL=C  # "." in $EPOCHREALTIME and in printf's numbers
cd "$(dirname "$0")/../.."

REPEATS=${1:-3}
TASKS=${BENCH_TASKS:-100000}
NODES=${BENCH_NODES:-1 3}
IDLE_TASKS=${BENCH_IDLE_TASKS:-1000000}
IDLE_NODES=${BENCH_IDLE_NODES:-3}
BINARY=${BENCH_BINARY:-build/release/backbeat}
TUNED_ARGS=${BENCH_SERVE_ARGS:---executor-workers 16 --claim-batch 1000 --per-account-limit 0}
RUN_WAIT=${BENCH_RUN_WAIT:-120}
LEAD=${BENCH_LEAD:-15}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-5}
ONLY=${BENCH_ONLY:-}
PG_BIN=${BENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_EXTRA=${BENCH_PG_OPTS:-}
WAIT_IDLE=${BENCH_WAIT_IDLE:-300}
READY_TIMEOUT=60  # seconds for a server to answer /readyz
POLL=0.1          # seconds between database polls in a firing round
READY_POLL=0.01   # seconds between /readyz polls
SECONDS_PER_NODE=3  # start-up allowance per node when the slot is chosen

# shellcheck source=bench/lib.sh
source bench/lib.sh

is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
[[ "$REPEATS" =~ ^[0-9]+$ && "$REPEATS" -ge 1 && "$REPEATS" -le 20 ]] || die "REPEATS must be 1..20"
is_count "$TASKS" && [ "$TASKS" -ge 1 ] || die "BENCH_TASKS must be a positive number"
is_count "$IDLE_TASKS" && [ "$IDLE_TASKS" -ge 1 ] || die "BENCH_IDLE_TASKS must be a positive number"
is_count "$IDLE_NODES" && [ "$IDLE_NODES" -ge 1 ] && [ "$IDLE_NODES" -le 16 ] ||
  die "BENCH_IDLE_NODES must be 1..16"
for n in $NODES; do is_count "$n" && [ "$n" -ge 1 ] && [ "$n" -le 16 ] || die "BENCH_NODES: each 1..16"; done
[ -n "${NODES// /}" ] || die "BENCH_NODES is empty"
is_count "$RUN_WAIT" && [ "$RUN_WAIT" -ge 1 ] || die "BENCH_RUN_WAIT must be a positive number"
is_count "$LEAD" && [ "$LEAD" -ge 5 ] && [ "$LEAD" -le 40 ] || die "BENCH_LEAD must be 5..40"
is_count "$IDLE_SECONDS" || die "BENCH_IDLE_SECONDS must be a number"
case "$ONLY" in "" | fire | idle) ;; *) die "BENCH_ONLY must be fire or idle" ;; esac

missing=()
for tool in psql curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] ||
  die "missing: ${missing[*]} (apt-get install -y --no-install-recommends postgresql-client-15 curl); this script installs nothing"
for tool in initdb pg_ctl postgres pg_isready; do
  [ -x "$PG_BIN/$tool" ] ||
    die "$PG_BIN/$tool is missing (apt-get install -y --no-install-recommends postgresql-15, or set BENCH_PG_BIN); this script installs nothing"
done
[ -x "$BINARY" ] || die "$BINARY is missing: run ./dev build release (or set BENCH_BINARY)"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (made by the postgresql-15 package)"
  command -v runuser >/dev/null || die "running as root needs runuser (util-linux)"
fi


compilers() { pgrep -c cc1plus || true; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
wait_for_quiet "$WAIT_IDLE"
make_workdir scheduler-pg

cp "$BINARY" "$WORK/backbeat"
BIN=$WORK/backbeat
serve_help=$("$BIN" serve --help 2>/dev/null || true)  # not piped: grep -q would cut it short
[[ "$serve_help" == *--claim-batch* && "$serve_help" == *--node-id* ]] ||
  die "$BINARY does not run or has no scheduler options (is it being linked right now?)"
BIN_NOTE="$(stat -c '%y' "$BINARY" | cut -c1-19), sha256 $(sha256sum "$BIN" | cut -c1-12)"

# --- The PostgreSQL cluster.
# initdb and postgres refuse to run as root: run them as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
PGDIR=$(mktemp -d "/tmp/backbeat-bench-pgdata.XXXXXX")
PG_STARTED=""
[ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"

# On exit: the backbeat servers first (they hold connections), then the cluster (pg_ctl signals
# the postmaster's pid from its postmaster.pid; KILL of that pid if it does not stop in 30 s),
# then the temp dirs.
pg_bench_cleanup() {
  local p pm
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  if [ -n "$PG_STARTED" ]; then
    if ! (cd "$PGDIR" && as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m fast -w -t 30 stop) \
        >/dev/null 2>&1; then
      pm=$(head -1 "$PGDIR/data/postmaster.pid" 2>/dev/null || true)
      if [[ "$pm" =~ ^[0-9]+$ ]]; then
        log "PostgreSQL (pid $pm) did not stop within 30 s: killing it"
        kill -KILL "$pm" 2>/dev/null || true
      fi
    fi
  fi
  [ -f "$PGDIR/postgres.log" ] && [ -d "$WORK" ] && cp "$PGDIR/postgres.log" "$WORK/" 2>/dev/null
  rm -rf "$PGDIR"
  bench_cleanup
}
trap pg_bench_cleanup EXIT

# A port nobody listens on (bash's /dev/tcp: a refused connection means free), below the
# kernel's ephemeral range (32768 up): the nodes' and psql's many client connections take ports
# there, and a node could not bind one of those. Ports handed out before are not reused
# (server-side TIME_WAIT).
USED_PORTS=" "
free_port() {
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 12000))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
    echo "$p"
    return 0
  done
  die "no free port found"
}

(cd "$PGDIR" && as_pg "$PG_BIN/initdb" -D "$PGDIR/data" -U postgres --auth=trust --encoding=UTF8 \
  --locale=C --no-sync) >"$WORK/initdb.log" 2>&1 || die "initdb failed: $(tail -5 "$WORK/initdb.log")"
PG_PORT=""
for _ in $(seq 10); do
  candidate=$(free_port)
  pg_opts="-c listen_addresses=127.0.0.1 -p $candidate -c unix_socket_directories=$PGDIR \
-c shared_buffers=512MB -c max_connections=200 -c max_wal_size=4GB \
-c log_min_messages=warning -c log_autovacuum_min_duration=1s -c log_checkpoints=on $PG_EXTRA"
  # -o is word-split by pg_ctl's shell: the options hold no spaces inside a value.
  if (cd "$PGDIR" && as_pg "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/postgres.log" -w -t 60 \
      -s start -o "$pg_opts") >/dev/null 2>&1; then
    PG_PORT=$candidate
    PG_STARTED=1
    break
  fi
  # A failed start may still have left a postmaster behind (pg_ctl's -w timed out): stop it.
  [ -f "$PGDIR/data/postmaster.pid" ] && { PG_STARTED=1; break; }
done
[ -n "$PG_PORT" ] || die "could not start PostgreSQL: $(tail -5 "$PGDIR/postgres.log" 2>/dev/null)"
for _ in $(seq 100); do
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && break
  sleep 0.1
done
"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres ||
  die "PostgreSQL on port $PG_PORT is not ready: $(tail -5 "$PGDIR/postgres.log")"
export PGCONNECT_TIMEOUT=10
# pq DB [psql options...]: unaligned, tuples only, stop at the first error.
pq() {
  local db=$1
  shift
  psql -X -q -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" "$@"
}
PG_NOTE=$(pq postgres -c "SELECT current_setting('server_version') || ': shared_buffers ' ||
  current_setting('shared_buffers') || ', fsync ' || current_setting('fsync') ||
  ', synchronous_commit ' || current_setting('synchronous_commit') || ', full_page_writes ' ||
  current_setting('full_page_writes') || ', max_wal_size ' || current_setting('max_wal_size') ||
  ', max_connections ' || current_setting('max_connections')")
log "PostgreSQL $PG_NOTE on 127.0.0.1:$PG_PORT"
pg_log_errors() {  # ERROR/FATAL/PANIC lines of the cluster's log after byte offset $1
  tail -c +"$(($1 + 1))" "$PGDIR/postgres.log" 2>/dev/null | grep -cE '(ERROR|FATAL|PANIC):' || true
}
pg_log_size() { stat -c %s "$PGDIR/postgres.log" 2>/dev/null || echo 0; }



# start_server DB DIR NAME [serve options...]: one node on database DB on a free port, its secret
# and the admin key in DIR, its log DIR/NAME.log. Sets SRV_PID, SRV_PORT and SRV_READY_MS
# (process start to the first 200 from /readyz, polled every 10 ms). A node that cannot bind its
# port (taken between the check and the bind) is started again on another, 5 times at most.
start_server() {
  local db=$1 dir=$2 name=$3 t0 t deadline code attempt
  shift 3
  for attempt in 1 2 3 4 5; do
    SRV_PORT=$(free_port)
    USED_PORTS+="$SRV_PORT "
    now_us t0
    "$BIN" serve --db "postgresql://postgres@127.0.0.1:$PG_PORT/$db" \
      --listen "127.0.0.1:$SRV_PORT" --secret-file "$dir/secret" \
      --admin-key-file "$dir/admin.key" "$@" >>"$dir/$name.log" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    deadline=$((t0 + READY_TIMEOUT * 1000000))
    while :; do
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
        "http://127.0.0.1:$SRV_PORT/readyz" || true)
      now_us t
      if [ "$code" = 200 ]; then
        SRV_READY_MS=$(((t - t0) / 1000))
        return 0
      fi
      if ! kill -0 "$SRV_PID" 2>/dev/null; then
        wait "$SRV_PID" 2>/dev/null || true
        forget_pid "$SRV_PID"
        if [ "$attempt" -lt 5 ] && tail -2 "$dir/$name.log" | grep -q 'cannot bind'; then
          log "$name could not bind port $SRV_PORT (attempt $attempt): another port"
          continue 2
        fi
        die "$name exited: $(tail -3 "$dir/$name.log")"
      fi
      [ "$t" -lt "$deadline" ] || die "no 200 from 127.0.0.1:$SRV_PORT/readyz within ${READY_TIMEOUT}s"
      sleep "$READY_POLL"
    done
  done
}

# new_db COUNT NEXT_SLOT_S: a fresh database bench_N whose admin account owns COUNT enabled
# `* * * * *` tasks (ids 00000000-0000-4000-8000-<row number in hex>), all with the given next
# slot, vacuumed, analyzed and checkpointed. Sets DB and DBDIR (its secret, key and logs).
DB_SEQ=0
new_db() {
  local count=$1 slot=$2 account now_ms t0 t1 n
  DB_SEQ=$((DB_SEQ + 1))
  DB=bench_$DB_SEQ
  DBDIR=$WORK/$DB
  mkdir -p "$DBDIR"
  pq postgres -c "CREATE DATABASE $DB" >/dev/null
  start_server "$DB" "$DBDIR" init --no-scheduler --log-level warn
  stop_pid "$SRV_PID"
  [ -s "$DBDIR/admin.key" ] || die "the first start wrote no $DBDIR/admin.key"
  account=$(pq "$DB" -c 'SELECT id FROM accounts ORDER BY created_at_ms, id LIMIT 1')
  [ -n "$account" ] || die "no admin account in $DB"
  now_ms=$(($(date +%s%3N)))
  now_us t0
  pq "$DB" >/dev/null <<SQL
INSERT INTO tasks (id, account_id, artist_account_id, title, prompt, schedule, timezone, model,
                   enabled, overlap, catchup, catchup_window_seconds, max_attempts,
                   timeout_seconds, created_at_ms, updated_at_ms, next_slot_s)
SELECT '00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), '$account',
       '1873859c-dd37-4e9a-9bac-80d35a1b2c3d', 'Genre pulse ' || i,
       'Analyse the genre trends of this artist and email a short summary.', '* * * * *', 'UTC',
       NULL, true, 'skip', 'latest', 3600, 3, 3600, $now_ms - $count + i, $now_ms - $count + i,
       $slot
FROM generate_series(1, $count) AS i;
SQL
  now_us t1
  n=$(pq "$DB" -c 'SELECT count(*) FROM tasks')
  [ "$n" -eq "$count" ] || die "$DB holds $n tasks, expected $count"
  settle_db
  log "$DB: seeded $count tasks in $(((t1 - t0) / 1000)) ms, settled in" \
    "$(((SETTLE_US - t1) / 1000)) ms ($(pq "$DB" -c "SELECT pg_size_pretty(pg_database_size('$DB'))"))"
}
settle_db() {  # VACUUM ANALYZE (visibility map, statistics) and a CHECKPOINT; sets SETTLE_US
  pq "$DB" -c 'VACUUM (ANALYZE) tasks' -c 'VACUUM (ANALYZE) runs' -c 'CHECKPOINT' >/dev/null
  now_us SETTLE_US
}
drop_db() {
  [ "${BENCH_KEEP:-0}" = 1 ] && return 0
  pq postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null ||
    log "could not drop $DB (left for the cluster's removal)"
}

# The server can read a seeded task through the API (the rows are valid for backbeat).
check_api() {
  local dir=$1 port=$2 code
  code=$(curl -s -o "$dir/api-check.json" -w '%{http_code}' --max-time 10 \
    -H "x-api-key: $(cat "$dir/admin.key")" "http://127.0.0.1:$port/api/tasks?limit=1")
  { [ "$code" = 200 ] && grep -q '00000000-0000-4000-8000-' "$dir/api-check.json"; } ||
    die "GET /api/tasks?limit=1 on the seeded database answered $code: $(head -c 300 "$dir/api-check.json")"
}

log_problems() {  # warn/error lines of server logs, as "N warn, M error"
  local w e
  w=$(cat "$@" | grep -c '"level":"warn"' || true)
  e=$(cat "$@" | grep -c '"level":"error"' || true)
  echo "${w} warn, ${e} error"
}

# metric TEXT NAME [LABELS]: the value of one sample of a Prometheus text page (0 if absent).
metric() {
  awk -v n="$2${3:-}" '$1 == n { v = $2 } END { printf "%d", v + 0 }' <<<"$1"
}


RESULTS=$WORK/results.txt
: > "$RESULTS"
NOT_REACHED=999999999

fmt_ms() {  # milliseconds as seconds, or "not reached"
  if [ "$1" = "$NOT_REACHED" ]; then echo "not reached (>${RUN_WAIT} s)"
  elif [[ "$1" =~ ^-?[0-9]+$ ]]; then printf '%.2f s' "$(awk -v m="$1" 'BEGIN { print m / 1000 }')"
  else echo "$1"; fi
}

# --- 1. Firing.
# fire_round NODES ROUND: one result line
#   fire NODES ROUND ready_ms lead_ms created_ms completed_ms lag_p50_ms lag_max_ms
#        last_finished_ms completed_at_end slot_runs duplicates per_node load cc1plus
#        pg_errors server_errors
# (ready is the slowest node's; lag_max is also when the last run was created, by the database
# rows' times; last_finished is the largest finished_at - slot; slot_runs counts the runs made
# for the slot: a task still unfired when the next slot comes is fired for that one instead,
# catch-up "latest" skipping the missed slot; per_node is fired/finished for each node from its
# /metrics, comma separated.)
fire_round() {
  local nodes=$1 round=$2 slot t t_slot deadline completed k
  local seed_slot=$(( ($(date +%s) + 86400) / 60 * 60 ))
  new_db "$TASKS" "$seed_slot"
  local dir=$DBDIR db=$DB
  # The first minute boundary at least LEAD s (+ the nodes' start) away; if setting it took so
  # long that less remains, the next one.
  local startup=$((SECONDS_PER_NODE * nodes))
  slot=$(( ($(date +%s) + LEAD + startup + 3 + 59) / 60 * 60 ))
  pq "$db" -c "UPDATE tasks SET next_slot_s = $slot" >/dev/null
  settle_db
  if [ $((slot - $(date +%s))) -lt $((LEAD + startup)) ]; then
    slot=$((slot + 60))
    pq "$db" -c "UPDATE tasks SET next_slot_s = $slot" >/dev/null
    settle_db
  fi
  local pg_off
  pg_off=$(pg_log_size)
  local ports=() pids=() ready_ms=0
  read -r -a tuned <<<"$TUNED_ARGS"
  for k in $(seq "$nodes"); do
    start_server "$db" "$dir" "node$k" --node-id "bench-node-$k" "${tuned[@]}"
    pids+=("$SRV_PID")
    ports+=("$SRV_PORT")
    [ "$SRV_READY_MS" -gt "$ready_ms" ] && ready_ms=$SRV_READY_MS
  done
  [ "$round" = 1 ] && check_api "$dir" "${ports[0]}"
  now_us t
  t_slot=$((slot * 1000000))
  local lead_ms=$(((t_slot - t) / 1000))
  [ "$lead_ms" -ge 5000 ] || log "warning: the servers were ready only ${lead_ms} ms before the slot"
  local load cc
  sleep_until $((t_slot - 100000))
  load=$(cut -d' ' -f1 /proc/loadavg)
  cc=$(compilers)
  # Runs of this slot only: the next slot (one minute later) makes new runs of finished tasks.
  # A count of 100,000 fresh rows costs PostgreSQL 100-250 ms here (heap visits: the visibility
  # map is not set yet), and the poll shares the cores with the nodes and the database, so each
  # poll counts what shrinks, through an index only:
  #   until all runs exist: the tasks still due at the slot (tasks_due, its predicate repeated as
  #     in src/backbeat/storage/postgres/schema.cpp). FireDue inserts a task's run and advances
  #     its next_slot_s in one transaction, so no due task left means every run exists in that
  #     snapshot; one count of the runs then checks it (if short, the runs are counted instead);
  #   then until all are COMPLETED: the runs of the slot in any other status (runs_by_status;
  #     "+ 0" keeps the planner off runs_by_created, which covers every run).
  local before_next=$(((slot + 60) * 1000))
  local sql_unfired="SELECT count(*) FROM tasks WHERE enabled AND next_slot_s IS NOT NULL
    AND next_slot_s <= $slot"
  local sql_runs="SELECT count(*) FROM runs WHERE created_at_ms < $before_next"
  local sql_unfinished="SELECT count(*) FROM runs WHERE status IN ('QUEUED', 'DELAYED',
    'EXECUTING', 'REATTEMPTING', 'FAILED', 'CANCELED', 'CRASHED', 'INTERRUPTED',
    'SYSTEM_FAILURE') AND created_at_ms + 0 < $before_next"
  local created_ms=$NOT_REACHED completed_ms=$NOT_REACHED elapsed polls=0 poll_us=0 t1 alive
  local line poller_pid poll_in poll_out phase=unfired n
  # One psql session for all the polls, opened before the slot: a poll is then one query (each
  # statement its own snapshot), not a psql start and a new backend.
  coproc POLLER { PGOPTIONS='-c statement_timeout=5000 -c enable_seqscan=off -c enable_bitmapscan=off' \
    pq "$db" -v ON_ERROR_STOP=0 2>>"$dir/poll.err"; }
  poller_pid=$POLLER_PID poll_in=${POLLER[1]} poll_out=${POLLER[0]}
  PIDS+=("$poller_pid")
  # poll SQL: sets n to the count (-1 if the query failed or took over 10 s).
  poll() {
    n=-1
    printf '%s;\n\\echo __end__\n' "$1" >&"$poll_in"
    while IFS= read -r -t 10 line <&"$poll_out"; do
      [ "$line" = __end__ ] && break
      [[ "$line" =~ ^[0-9]+$ ]] && n=$line
    done
    return 0
  }
  poll "SELECT 0"  # connected before the slot
  deadline=$((t_slot + RUN_WAIT * 1000000))
  sleep_until "$t_slot"
  while :; do
    now_us t
    elapsed=$(((t - t_slot) / 1000))
    case $phase in
      unfired)
        poll "$sql_unfired"
        if [ "$n" = 0 ]; then
          poll "$sql_runs"
          if [ "$n" -ge "$TASKS" ]; then
            created_ms=$elapsed
            phase=unfinished
          else
            log "round $round: no task left due but only $n runs: counting the runs instead"
            phase=runs
          fi
        fi
        ;;
      runs)
        poll "$sql_runs"
        if [ "$n" -ge "$TASKS" ]; then created_ms=$elapsed; phase=unfinished; fi
        ;;
      unfinished)
        poll "$sql_unfinished"
        if [ "$n" = 0 ]; then completed_ms=$elapsed; fi
        ;;
    esac
    now_us t1
    polls=$((polls + 1))
    poll_us=$((poll_us + t1 - t))
    echo "$elapsed $phase $n $(((t1 - t) / 1000))" >>"$dir/polls.txt"  # ms, what, count, poll ms
    [ "$completed_ms" = "$NOT_REACHED" ] || break
    [ "$t1" -lt "$deadline" ] || break
    alive=1
    for k in "${pids[@]}"; do kill -0 "$k" 2>/dev/null || alive=0; done
    [ "$alive" = 1 ] || { log "a node exited during round $round"; break; }
    kill -0 "$poller_pid" 2>/dev/null || die "the polling psql exited: $(tail -3 "$dir/poll.err")"
    sleep "$POLL"
  done
  poll "SELECT count(*) FROM runs WHERE status = 'COMPLETED' AND created_at_ms < $before_next"
  completed=$n  # COMPLETED when the wait ended
  eval "exec $poll_in>&-"
  stop_pid "$poller_pid"
  # Each node's own count of what it did (a finished run keeps no trace of its node).
  local per_node="" m fired finished dup_metric=0 storage_errors=0
  for k in $(seq "$nodes"); do
    m=$(curl -s --max-time 5 "http://127.0.0.1:${ports[$((k - 1))]}/metrics" || true)
    fired=$(metric "$m" backbeat_slots_fired_total)
    finished=$(metric "$m" backbeat_runs_finished_total '{status="COMPLETED"}')
    dup_metric=$((dup_metric + $(metric "$m" backbeat_slots_duplicate_total)))
    storage_errors=$((storage_errors + $(metric "$m" backbeat_scheduler_storage_errors_total)))
    per_node+="${per_node:+,}$fired/$finished"
  done
  for k in "${pids[@]}"; do kill -TERM "$k" 2>/dev/null || true; done
  for k in "${pids[@]}"; do stop_pid "$k"; done
  # From the runs themselves (the database's rows): firing lag, and the last run created /
  # finished, the duplicates (the unique index runs_one_per_slot should make them impossible).
  local lag_p50 lag_max db_finished slot_runs statuses dups skips
  read -r lag_p50 lag_max db_finished slot_runs <<<"$(pq "$db" -F ' ' -c "
    SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY created_at_ms - slot_s * 1000),
           max(created_at_ms) - $((slot * 1000)), max(finished_at_ms) - $((slot * 1000)), count(*)
    FROM runs WHERE slot_s = $slot")"
  statuses=$(pq "$db" -c "SELECT string_agg(status || '=' || n, ' ' ORDER BY status) FROM
    (SELECT status, count(*) AS n FROM runs WHERE slot_s = $slot GROUP BY status) s")
  dups=$(pq "$db" -c 'SELECT count(*) FROM (SELECT 1 FROM runs WHERE slot_s IS NOT NULL
    GROUP BY task_id, slot_s HAVING count(*) > 1) d')
  skips=$(pq "$db" -c 'SELECT coalesce(sum(count), 0) FROM slot_skips')
  local pg_errors server_errors
  pg_errors=$(pg_log_errors "$pg_off")
  server_errors=$(cat "$dir"/node*.log | grep -c '"level":"error"' || true)
  printf 'fire %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$nodes" "$round" \
    "$ready_ms" "$lead_ms" "$created_ms" "$completed_ms" "${lag_p50:-NA}" "${lag_max:-NA}" \
    "${db_finished:-NA}" "$completed" "${slot_runs:-0}" "${dups:-NA}" "$per_node" "$load" "$cc" \
    "$pg_errors" "$server_errors" >>"$RESULTS"
  log "fire $nodes node(s) round $round: runs exist $(fmt_ms "$created_ms"), completed" \
    "$(fmt_ms "$completed_ms") after the slot (by the runs' own times: last created" \
    "${lag_max:-NA} ms, last finished ${db_finished:-NA} ms); lag p50 ${lag_p50:-NA} ms," \
    "max ${lag_max:-NA} ms; slowest node ready ${ready_ms} ms after its start, ${lead_ms} ms" \
    "before the slot; load $load, $cc compilers; runs of the slot: ${statuses:-none};" \
    "duplicates: ${dups:-NA} (nodes' duplicate-slot counter: $dup_metric); skipped slots:" \
    "$skips; fired/finished per node: $per_node; $polls polls of $((poll_us / 1000 / (polls > 0 ? polls : 1))) ms" \
    "on average; node logs: $(log_problems "$dir"/node*.log), storage errors counted:" \
    "$storage_errors; PostgreSQL log: $pg_errors ERROR/FATAL lines"
  for k in $(seq "$nodes"); do cp "$dir/node$k.log" "$WORK/server-fire-$nodes-$round-node$k.log"; done
  cp "$dir/polls.txt" "$WORK/polls-fire-$nodes-$round.txt"
  drop_db
}

# --- 2. Idle.
# idle_round: one result line per node  idle NODE ready_ms rss_ready_kb rss_kb hwm_kb load cc1plus
idle_round() {
  local tomorrow=$(( ($(date +%s) + 86400) / 60 * 60 )) k pid rss hwm
  new_db "$IDLE_TASKS" "$tomorrow"
  local dir=$DBDIR db=$DB ports=() pids=() readies=() loads=() ccs=() rss_readies=()
  for k in $(seq "$IDLE_NODES"); do
    loads+=("$(cut -d' ' -f1 /proc/loadavg)")
    ccs+=("$(compilers)")
    start_server "$db" "$dir" "node$k" --node-id "bench-node-$k"
    pids+=("$SRV_PID")
    ports+=("$SRV_PORT")
    readies+=("$SRV_READY_MS")
    rss_readies+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$SRV_PID/status")")
    log "idle node $k: ready ${SRV_READY_MS} ms after start"
  done
  check_api "$dir" "${ports[0]}"
  sleep "$IDLE_SECONDS"
  for k in $(seq "$IDLE_NODES"); do
    pid=${pids[$((k - 1))]}
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
    grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads):' "/proc/$pid/status" | tr -s ' \t' ' ' |
      tr '\n' ' ' >"$WORK/idle-node$k-status.txt"
    printf 'idle %s %s %s %s %s %s %s\n' "$k" "${readies[$((k - 1))]}" \
      "${rss_readies[$((k - 1))]}" "$rss" "$hwm" "${loads[$((k - 1))]}" "${ccs[$((k - 1))]}" \
      >>"$RESULTS"
    log "idle node $k: ready ${readies[$((k - 1))]} ms after start; VmRSS $((rss / 1024)) MiB" \
      "after ${IDLE_SECONDS}s+ idle ($((${rss_readies[$((k - 1))]} / 1024)) MiB when ready)," \
      "VmHWM $((hwm / 1024)) MiB; $(cat "$WORK/idle-node$k-status.txt"); load" \
      "${loads[$((k - 1))]} at its start; server log: $(log_problems "$dir/node$k.log")"
  done
  for k in "${pids[@]}"; do kill -TERM "$k" 2>/dev/null || true; done
  for k in "${pids[@]}"; do stop_pid "$k"; done
  for k in $(seq "$IDLE_NODES"); do cp "$dir/node$k.log" "$WORK/server-idle-node$k.log"; done
  drop_db
}

want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

if want fire; then
  for nodes in $NODES; do
    for round in $(seq "$REPEATS"); do fire_round "$nodes" "$round"; done
  done
fi
if want idle; then idle_round; fi
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Summary.
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
col() {  # col KIND CONFIG COLUMN: the median of that column over the rounds of CONFIG
  awk -v k="$1" -v c="$2" -v n="$3" '$1 == k && $2 == c { print $n }' "$RESULTS" | median
}
verdict() { if [ "$1" != "$NOT_REACHED" ] && [ "$1" -lt "$2" ]; then echo met; else echo MISSED; fi; }

echo
echo "backbeat scheduler benchmark on PostgreSQL: $(date -u +%Y-%m-%dT%H:%MZ), $(uname -r)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')," \
  "$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM"
echo "load average $LOAD_START at the start, $LOAD_END at the end; compilers (cc1plus): $busy_note"
echo "binary: $BINARY ($BIN_NOTE)"
echo "PostgreSQL $PG_NOTE; psql $(psql --version | awk '{ print $3 }'); same machine, loopback"
echo "$REPEATS rounds per node count, medians; every round a fresh database and fresh servers"
if grep -q '^fire ' "$RESULTS"; then
  echo
  echo "Firing: $TASKS tasks on '* * * * *', dry-run executor; ms after the slot instant"
  echo "(created/completed: polled every 100 ms; lag: created_at - slot of each run, created_at" \
  "being stamped before the firing batch commits)"
  printf '%-5s %5s %6s %6s %8s %10s %8s %8s %13s %7s %9s %4s %-28s %5s %3s %6s %6s\n' nodes round \
    ready lead created completed lag_p50 lag_max last_finished "done" slot_runs dups \
    fired/finished_per_node load cc pg_err bb_err
  awk '$1 == "fire" { printf "%-5s %5s %6s %6s %8s %10s %8s %8s %13s %7s %9s %4s %-28s %5s %3s %6s %6s\n",
    $2, $3, $4, $5, ($6 == 999999999 ? "-" : $6), ($7 == 999999999 ? "-" : $7), $8, $9, $10,
    $11, $12, $13, $14, $15, $16, $17, $18 }' "$RESULTS"
  echo "every node: $TUNED_ARGS; '-' = not reached within ${RUN_WAIT}s; done = COMPLETED runs of" \
    "the slot when the wait ended; slot_runs = runs made for the slot at all; dups = (task, slot)" \
    "with more than one run; ready = the slowest node's start to /readyz 200; pg_err = ERROR/FATAL" \
    "lines in the PostgreSQL log; bb_err = error lines in the nodes' logs"
  for nodes in $NODES; do
    created=$(col fire "$nodes" 6)
    completed=$(col fire "$nodes" 7)
    [ -n "$created" ] || continue
    echo "$nodes node(s), medians: all runs exist $(fmt_ms "$created") (target < 2 s:" \
      "$(verdict "$created" 2000)), all COMPLETED $(fmt_ms "$completed") (target < 10 s:" \
      "$(verdict "$completed" 10000)), lag p50 $(col fire "$nodes" 8) ms, max $(col fire "$nodes" 9) ms;" \
      "runs made for the slot $(col fire "$nodes" 12), COMPLETED when the wait ended" \
      "$(col fire "$nodes" 11); duplicates (all rounds) $(awk -v c="$nodes" \
        '$1 == "fire" && $2 == c { s += $13 } END { print s + 0 }' "$RESULTS")"
  done
fi
if grep -q '^idle ' "$RESULTS"; then
  echo
  echo "Idle: $IDLE_TASKS enabled tasks (next slot tomorrow), $IDLE_NODES nodes started one after" \
    "the other, serve defaults"
  printf '%5s %10s %14s %12s %12s %6s %4s\n' node ready_ms rss_ready_MiB rss_MiB hwm_MiB load \
    cc1plus
  awk '$1 == "idle" { printf "%5s %10s %14.1f %12.1f %12.1f %6s %4s\n", $2, $3, $4 / 1024,
    $5 / 1024, $6 / 1024, $7, $8 }' "$RESULTS"
  ready=$(awk '$1 == "idle" { print $3 }' "$RESULTS" | median)
  rss=$(awk '$1 == "idle" { print $5 }' "$RESULTS" | median)
  hwm=$(awk '$1 == "idle" { print $6 }' "$RESULTS" | median)
  echo "medians over the nodes: start to /readyz 200 in $(fmt_ms "$ready") (target < 3 s:" \
    "$(verdict "$ready" 3000)); VmRSS after ${IDLE_SECONDS}s idle $((rss / 1024)) MiB," \
    "VmHWM $((hwm / 1024)) MiB"
fi
