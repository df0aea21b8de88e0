# shellcheck shell=bash
# shellcheck disable=SC2034  # ADMIN_KEY is read by the sourcing scripts
# Shared by bench/load/run.sh and bench/load/idle_conns.sh (sourced after bench/lib.sh, with
# WORK, PIDS and BIN set): ports, starting and stopping the server, seeding a database with the
# sqlite3 CLI, /proc readings and the machine note of a report.

compilers() { pgrep -c cc1plus || true; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }

# A port nobody listens on (bash's /dev/tcp: a refused connection means free).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 12000))  # below the ephemeral range, which the idle test fills
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  die "no free port found"
}

# start_server DIR PORT [serve options...]: sets SRV_PID; the log goes to DIR/server.log. Waits
# (up to 60 s) for GET /readyz to answer 200.
start_server() {
  local dir=$1 port=$2 code
  shift 2
  "$BIN" serve --db "sqlite:$dir/backbeat.db" --listen "127.0.0.1:$port" "$@" \
    >>"$dir/server.log" 2>&1 &
  SRV_PID=$!
  PIDS+=("$SRV_PID")
  for _ in $(seq 600); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" ||
      true)
    [ "$code" = 200 ] && return 0
    kill -0 "$SRV_PID" 2>/dev/null || die "the server exited: $(tail -3 "$dir/server.log")"
    sleep 0.1
  done
  die "no 200 from 127.0.0.1:$port/readyz within 60 s"
}

q() { sqlite3 -cmd '.timeout 10000' "$@"; }  # the server may hold the write lock a moment

# Task ids of the seeded sets: every-minute tasks 00000000-0000-4000-8000-<n in hex>, the mix's
# tasks (never due during a run) 00000000-0000-4000-9000-<n in hex>. mix.lua builds the same.
MINUTE_ID_FMT='00000000-0000-4000-8000-%012x'
MIX_ID_FMT='00000000-0000-4000-9000-%012x'
# shellcheck disable=SC2059  # the format is the constant above
minute_id() { printf "$MINUTE_ID_FMT" "$1"; }
# The mix's tasks fire only on 29 February at 09:00 UTC, so no slot of theirs falls in a run.
MIX_SCHEDULE='0 9 29 2 *'

# seed DIR PORT MINUTE_TASKS MINUTE_NEXT_SLOT_S MIX_TASKS: a database whose admin account owns
# MINUTE_TASKS enabled `* * * * *` tasks (next slot as given) and MIX_TASKS enabled tasks on
# MIX_SCHEDULE (next slot as the binary computes it). One `serve --no-scheduler` start makes the
# schema and the admin key; the rows are one INSERT each from a recursive CTE. Sets ADMIN_KEY.
seed() {
  local dir=$1 port=$2 minute=$3 minute_slot=$4 mix=$5 account now_ms mix_slot
  mkdir -p "$dir"
  start_server "$dir" "$port" --no-scheduler --log-level warn
  stop_pid "$SRV_PID"
  [ -s "$dir/admin.key" ] || die "the first start wrote no $dir/admin.key"
  mv "$dir/server.log" "$dir/server-seed.log"
  ADMIN_KEY=$(cat "$dir/admin.key")
  account=$(q "$dir/backbeat.db" 'SELECT account_id FROM api_keys ORDER BY created_at_ms LIMIT 1')
  [ -n "$account" ] || die "no admin account in $dir/backbeat.db"
  mix_slot=$(date -u -d "$("$BIN" cron next "$MIX_SCHEDULE" -n 1)" +%s) ||
    die "cannot compute the next slot of '$MIX_SCHEDULE'"
  now_ms=$(date +%s%3N)
  # synchronous=OFF for this connection only: the seed is not the measurement.
  q "$dir/backbeat.db" >/dev/null <<SQL
PRAGMA synchronous = OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $mix)
INSERT INTO tasks (id, account_id, artist_account_id, title, prompt, schedule, timezone, model,
                   enabled, overlap, catchup, catchup_window_seconds, max_attempts,
                   timeout_seconds, created_at_ms, updated_at_ms, next_slot_s)
SELECT printf('$MIX_ID_FMT', i), '$account', '1873859c-dd37-4e9a-9bac-80d35a1b2c3d',
       'Mix task ' || i, 'Summarise this artist''s streaming numbers for the leap day.',
       '$MIX_SCHEDULE', 'UTC', NULL, 1, 'skip', 'latest', 3600, 3, 3600,
       $now_ms - 100000000 + i, $now_ms - 100000000 + i, $mix_slot
FROM n WHERE $mix > 0;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $minute)
INSERT INTO tasks (id, account_id, artist_account_id, title, prompt, schedule, timezone, model,
                   enabled, overlap, catchup, catchup_window_seconds, max_attempts,
                   timeout_seconds, created_at_ms, updated_at_ms, next_slot_s)
SELECT printf('$MINUTE_ID_FMT', i), '$account', '1873859c-dd37-4e9a-9bac-80d35a1b2c3d',
       'Genre pulse ' || i, 'Analyse the genre trends of this artist and email a short summary.',
       '* * * * *', 'UTC', NULL, 1, 'skip', 'latest', 3600, 3, 3600,
       $now_ms - $minute + i, $now_ms - $minute + i, $minute_slot
FROM n WHERE $minute > 0;
COMMIT;
SQL
  local n
  n=$(q "$dir/backbeat.db" 'SELECT count(*) FROM tasks')
  [ "$n" -eq $((minute + mix)) ] || die "$dir holds $n tasks, expected $((minute + mix))"
}

# proc_kb PID FIELD: a /proc/PID/status field in kB (VmRSS, VmHWM, RssAnon, RssFile), or 0.
proc_kb() { awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
  "/proc/$1/status" 2>/dev/null || echo 0; }
proc_threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
proc_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

machine_note() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- |
    sed 's/^ //'), $(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
    "$(uname -sr)"
}

# percentiles FILE COLUMN: "p50 p90 p99 max" of a column of numbers (nearest rank).
percentiles() {
  sort -g -k"$2,$2" "$1" | awk -v c="$2" '{ a[NR] = $c }
    function p(q) { i = int(q * NR + 0.999999); if (i < 1) i = 1; return a[i] }
    END { if (NR == 0) { print "NA NA NA NA"; exit }
          printf "%s %s %s %s\n", p(0.5), p(0.9), p(0.99), a[NR] }'
}
