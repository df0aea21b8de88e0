#!/usr/bin/env bash
# Load and soak benchmark on SQLite: a mix of API requests at 256 connections for 10 minutes
# while the scheduler fires 10,000 every-minute tasks (dry-run executor). Results and their
# reading: docs/benchmarks.md, "Load and soak (bench/load)". The idle-connection test is
# bench/load/idle_conns.sh.
#
#   bench/load/run.sh
#
# Checks: no 5xx and no unexpected status (mix.lua knows what each request must answer), no
# warn/error line in the server log, memory flat (VmRSS every BENCH_SAMPLE seconds into a CSV,
# with the slope over the last 8 minutes), wrk's latency percentiles, and the scheduler's health
# over the run: runs made against slots expected (BENCH_TASKS x the minute slots inside the wrk
# run), skipped slots by reason, firing lag (created_at - slot) and when the runs started and
# finished, runs left non-final. Also the database and WAL sizes, and how long a restart on the
# database as the run left it takes to answer /readyz.
#
# Needs build/release/backbeat (run `./dev build release` first; this script builds nothing; set
# BENCH_BINARY to measure another build), wrk, sqlite3 and curl (apt-get install -y
# --no-install-recommends wrk sqlite3 curl). It installs nothing.
#
# Environment (all optional):
#   BENCH_BINARY       the backbeat binary to measure (default build/release/backbeat)
#   BENCH_DURATION     seconds of wrk (default 600, at least 70)
#   BENCH_TASKS        every-minute tasks the scheduler fires (default 10000)
#   BENCH_MIX_TASKS    tasks the mix reads and patches, never due during the run (default 300)
#   BENCH_CONNECTIONS  wrk connections (default 256; 2 wrk threads)
#   BENCH_SERVE_ARGS   extra serve options (default "--per-account-limit 0": every seeded task
#                      belongs to one account, whose default limit of 8 runs at once would be
#                      the bottleneck instead of the server)
#   BENCH_SAMPLE       seconds between memory samples (default 5)
#   BENCH_SETTLE       seconds after wrk to wait for the last slot's runs to finish (default 120)
#   BENCH_WAIT_IDLE    seconds to wait for running compilers to finish (default 300)
#   BENCH_OUT          a directory to copy the results to (summary, CSV, wrk output, log
#                      excerpts); the temp dir is removed at exit otherwise
#   BENCH_KEEP=1       keep the temp dir (the whole server log, the database)
#
# What it does: copies the binary into a temp dir (a concurrent rebuild cannot swap it mid-run);
# makes the database with one `serve --no-scheduler` start (schema, admin account and key) and
# one INSERT per task set with the sqlite3 CLI (bench/load/common.sh); sets every minute task's
# next slot to the first minute boundary at least 20 s away, S0; starts `serve --rate-limit 0`
# (dry-run executor, info log: one access line per request) and a sampler (/proc/PID/status,
# open fds, database and WAL size, a /healthz and an authenticated GET timed with curl, load
# average) every BENCH_SAMPLE s; starts wrk (mix.lua) 5 s before S0; after wrk, waits for the
# runs of the last slot inside the run to finish, reads the runs and skips with the sqlite3 CLI
# (WAL: a reader beside the server is fine), stops the server with SIGTERM, starts it once more
# (--no-scheduler) to time its start on that database, and scans the log of the run.
# Loopback only; every wait is bounded; everything it starts is stopped on exit (trap), by
# process id.
set -euo pipefail
export LC_ALL=C  # "." in $EPOCHREALTIME and in printf's numbers
cd "$(dirname "$0")/../.."

DURATION=${BENCH_DURATION:-600}
TASKS=${BENCH_TASKS:-10000}
MIX_TASKS=${BENCH_MIX_TASKS:-300}
CONNECTIONS=${BENCH_CONNECTIONS:-256}
WRK_THREADS=2
BINARY=${BENCH_BINARY:-build/release/backbeat}
SERVE_ARGS=${BENCH_SERVE_ARGS:---per-account-limit 0}
SAMPLE=${BENCH_SAMPLE:-5}
SETTLE=${BENCH_SETTLE:-120}
WAIT_IDLE=${BENCH_WAIT_IDLE:-300}
OUT=${BENCH_OUT:-}
LEAD=20  # seconds at least between the server's start and the first slot
WARM=5   # wrk starts this many seconds before the first slot

# shellcheck source=bench/lib.sh
source bench/lib.sh
# shellcheck source=bench/load/common.sh
source bench/load/common.sh

is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
is_count "$DURATION" && [ "$DURATION" -ge 70 ] && [ "$DURATION" -le 86400 ] ||
  die "BENCH_DURATION must be 70..86400 seconds"
is_count "$TASKS" && [ "$TASKS" -ge 1 ] || die "BENCH_TASKS must be a positive number"
is_count "$MIX_TASKS" && [ "$MIX_TASKS" -ge 1 ] || die "BENCH_MIX_TASKS must be a positive number"
is_count "$CONNECTIONS" && [ "$CONNECTIONS" -ge "$WRK_THREADS" ] ||
  die "BENCH_CONNECTIONS must be at least $WRK_THREADS"
is_count "$SAMPLE" && [ "$SAMPLE" -ge 1 ] || die "BENCH_SAMPLE must be a positive number"
is_count "$SETTLE" || die "BENCH_SETTLE must be a number"
missing=()
for tool in wrk sqlite3 curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] ||
  die "missing: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]}); this script installs nothing"
[ -x "$BINARY" ] || die "$BINARY is missing: run ./dev build release (or set BENCH_BINARY)"
if [ -n "$OUT" ]; then mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || die "cannot create $OUT"; fi

LOAD_START=$(load_avg)
CC_START=$(compilers)
DATE_START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
wait_for_quiet "$WAIT_IDLE"
make_workdir load
cp "$BINARY" "$WORK/backbeat"
BIN=$WORK/backbeat
serve_help=$("$BIN" serve --help 2>/dev/null || true)  # not piped: grep -q would cut it short
[[ "$serve_help" == *--per-account-limit* ]] ||
  die "$BINARY does not run or has no scheduler options (is it being linked right now?)"
BIN_NOTE="$(stat -c '%y' "$BINARY" | cut -c1-19), sha256 $(sha256sum "$BIN" | cut -c1-12)"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
DB_DIR=$WORK/db
DB=$DB_DIR/backbeat.db
CSV=$WORK/rss.csv

# --- Seed, then point the minute tasks at S0.
tomorrow=$(( ($(date +%s) + 86400) / 60 * 60 ))
seed "$DB_DIR" "$PORT" "$TASKS" "$tomorrow" "$MIX_TASKS"
S0=$(( ($(date +%s) + LEAD + 59) / 60 * 60 ))
q "$DB" "UPDATE tasks SET next_slot_s = $S0 WHERE schedule = '* * * * *'"
log "seeded $TASKS every-minute tasks (first slot $(date -u -d "@$S0" +%H:%M:%S)) and $MIX_TASKS" \
  "mix tasks ($(du -sh "$DB_DIR" | cut -f1) on disk)"

read -r -a serve_args <<<"$SERVE_ARGS"
start_server "$DB_DIR" "$PORT" --rate-limit 0 --executor dry-run "${serve_args[@]}"
PID=$SRV_PID
AUTH=(-H "x-api-key: $ADMIN_KEY")
code=$(curl -s -o "$WORK/api-check.json" -w '%{http_code}' --max-time 10 "${AUTH[@]}" \
  "$URL/api/tasks?id=$(minute_id 1)")
{ [ "$code" = 200 ] && grep -q '"schedule":"\* \* \* \* \*"' "$WORK/api-check.json"; } ||
  die "GET of a seeded task answered $code: $(head -c 300 "$WORK/api-check.json")"

# --- The sampler: one CSV line every SAMPLE s while the server runs. The two probes show a
# stall even when wrk's own numbers would hide it (/healthz is answered on the I/O thread, the
# GET goes through authentication and the read pool).
sampler() {
  local next t probe_h probe_a
  echo "epoch_ms,vmrss_kb,vmhwm_kb,rss_anon_kb,rss_file_kb,threads,fds,db_kb,wal_kb,healthz_ms,api_ms,load1,cc1plus"
  now_us next
  while kill -0 "$PID" 2>/dev/null; do
    probe_h=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "$URL/healthz" ||
      true)
    probe_a=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 5 "${AUTH[@]}" \
      "$URL/api/tasks?limit=1" || true)
    printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$(date +%s%3N)" \
      "$(proc_kb "$PID" VmRSS)" "$(proc_kb "$PID" VmHWM)" "$(proc_kb "$PID" RssAnon)" \
      "$(proc_kb "$PID" RssFile)" "$(proc_threads "$PID")" "$(proc_fds "$PID")" \
      "$(($(stat -c %s "$DB" 2>/dev/null || echo 0) / 1024))" \
      "$(($(stat -c %s "$DB-wal" 2>/dev/null || echo 0) / 1024))" \
      "$(awk '{ if ($1 == 200) printf "%.1f", $2 * 1000; else print "fail:" $1 }' <<<"$probe_h")" \
      "$(awk '{ if ($1 == 200) printf "%.1f", $2 * 1000; else print "fail:" $1 }' <<<"$probe_a")" \
      "$(cut -d' ' -f1 /proc/loadavg)" "$(compilers)"
    next=$((next + SAMPLE * 1000000))
    now_us t
    [ "$t" -lt "$next" ] || next=$t
    sleep "$(((next - t) / 1000000)).$(printf '%06d' $(((next - t) % 1000000)))"
  done
}
sampler >"$CSV" 2>/dev/null &
PIDS+=($!)
SAMPLER_PID=$!


# --- The soak.
sleep_until $(((S0 - WARM) * 1000000))
LOAD_WRK_START=$(load_avg)
CC_WRK_START=$(compilers)
WRK_START=$(date +%s)
log "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s (mix.lua) from $(date -u +%H:%M:%S)"
wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s "${AUTH[@]}" \
  -s bench/load/mix.lua "$URL" -- "$TASKS" "$MIX_TASKS" >"$WORK/wrk.txt" 2>&1 &
WRK_PID=$!
PIDS+=("$WRK_PID")
wrk_rc=0
wait "$WRK_PID" || wrk_rc=$?
forget_pid "$WRK_PID"
WRK_END=$(date +%s)
LOAD_WRK_END=$(load_avg)
CC_WRK_END=$(compilers)
[ "$wrk_rc" = 0 ] || log "wrk exited with status $wrk_rc: $(tail -3 "$WORK/wrk.txt")"
grep -q '^mix latency_us' "$WORK/wrk.txt" || die "wrk printed no summary: $(tail -5 "$WORK/wrk.txt")"
kill -0 "$PID" 2>/dev/null || die "the server died during the run: $(tail -5 "$DB_DIR/server.log")"
curl -s --max-time 10 "$URL/metrics" >"$WORK/metrics-end.txt" || true

# Slots inside the wrk run: S0, S0 + 60, ... while before WRK_END.
NSLOTS=$(( (WRK_END - 1 - S0) / 60 + 1 ))
S_LAST=$((S0 + (NSLOTS - 1) * 60))
EXPECTED=$((TASKS * NSLOTS))
ACTIVE="status = 'QUEUED' OR status = 'DELAYED' OR status = 'EXECUTING' OR status = 'REATTEMPTING'"
WINDOW="slot_s BETWEEN $S0 AND $S_LAST"
active_at_end=$(q -readonly "$DB" "SELECT count(*) FROM runs WHERE ($ACTIVE) AND $WINDOW")
# Settle: the last slot's runs get up to SETTLE s to finish (the next slot may fire meanwhile;
# it is outside the window).
settle_s=0
while [ "$settle_s" -lt "$SETTLE" ]; do
  n=$(q -readonly "$DB" "SELECT count(*) FROM runs WHERE ($ACTIVE) AND $WINDOW") || n=1
  [ "$n" -eq 0 ] && break
  sleep 2
  settle_s=$((settle_s + 2))
done

# --- Scheduler health (server still running; WAL readers see committed state).
fired=$(q -readonly "$DB" "SELECT count(*) FROM runs WHERE $WINDOW")
skipped=$(q -readonly "$DB" "SELECT coalesce(sum((min(last_slot_s, $S_LAST) -
  max(first_slot_s, $S0)) / 60 + 1), 0) FROM slot_skips
  WHERE last_slot_s >= $S0 AND first_slot_s <= $S_LAST")
skips_by_reason=$(q -readonly "$DB" "SELECT coalesce(group_concat(reason || '=' || n, ' '), 'none')
  FROM (SELECT reason, sum(count) AS n FROM slot_skips GROUP BY reason)")
statuses=$(q -readonly "$DB" "SELECT coalesce(group_concat(status || '=' || n, ' '), 'none')
  FROM (SELECT status, count(*) AS n FROM runs WHERE $WINDOW GROUP BY status)")
stuck=$(q -readonly "$DB" "SELECT count(*) FROM runs WHERE ($ACTIVE) AND slot_s <= $S_LAST")
stale_tasks=$(q -readonly "$DB" "SELECT count(*) FROM tasks WHERE schedule = '* * * * *'
  AND enabled = 1 AND (next_slot_s IS NULL OR next_slot_s <= $S_LAST)")
# created_at is the firing round's decision time (so its lag is the timer's); started_at is
# when the claim began the attempt, finished_at when the dry run ended (both before the commit).
q -readonly -separator ' ' "$DB" "SELECT created_at_ms - slot_s * 1000,
  started_at_ms - slot_s * 1000, finished_at_ms - slot_s * 1000 FROM runs
  WHERE $WINDOW AND finished_at_ms IS NOT NULL AND started_at_ms IS NOT NULL" >"$WORK/lags.txt"
read -r lag_p50 lag_p90 lag_p99 lag_max <<<"$(percentiles "$WORK/lags.txt" 1)"
read -r start_p50 _ start_p99 start_max <<<"$(percentiles "$WORK/lags.txt" 2)"
read -r fin_p50 _ fin_p99 fin_max <<<"$(percentiles "$WORK/lags.txt" 3)"
q -readonly -separator ' ' "$DB" "SELECT slot_s, count(*), max(created_at_ms) - slot_s * 1000,
  max(finished_at_ms) - slot_s * 1000 FROM runs WHERE $WINDOW GROUP BY slot_s ORDER BY slot_s" \
  >"$WORK/slots.txt"
tasks_end=$(q -readonly "$DB" 'SELECT count(*) FROM tasks')
runs_end=$(q -readonly "$DB" 'SELECT count(*) FROM runs')

# --- Stop the server; its exit status and last lines belong to the result.
rss_before_stop=$(proc_kb "$PID" VmRSS)
hwm_before_stop=$(proc_kb "$PID" VmHWM)
stop_pid "$PID"
SERVER_RC=$STOP_RC
SERVER_STOP_MS=$STOP_MS
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
forget_pid "$SAMPLER_PID"
LOAD_END=$(load_avg)
CC_END=$(compilers)
db_size=$(du -sh "$DB_DIR" | cut -f1)
mib_of() { awk -v b="$(stat -c %s "$1" 2>/dev/null || echo 0)" 'BEGIN { printf "%.0f", b / 1048576 }'; }
db_file_mib=$(mib_of "$DB")
wal_left_mib=$(if [ -e "$DB-wal" ]; then mib_of "$DB-wal"; else echo none; fi)
wal_max_mib=$(awk -F, 'NR > 1 && $9 > m { m = $9 } END { printf "%.0f", m / 1024 }' "$CSV")
# A restart on the database as the run left it: SQLite first rebuilds the WAL index from the
# WAL's live part, so a large WAL shows here as a slow start.
mv "$DB_DIR/server.log" "$WORK/server.log"
t_reopen=0
t_ready=0
now_us t_reopen
start_server "$DB_DIR" "$PORT" --no-scheduler --log-level warn
now_us t_ready
reopen_ms=$(((t_ready - t_reopen) / 1000))
stop_pid "$SRV_PID"
mv "$DB_DIR/server.log" "$WORK/server-reopen.log"

# --- The server log: levels, access lines by status class, 5xx answers, warn/error messages.
SLOG=$WORK/server.log
log_lines=$(wc -l <"$SLOG")
log_warn=$(grep -c '"level":"warn"' "$SLOG" || true)
log_error=$(grep -c '"level":"error"' "$SLOG" || true)
access_classes=$({ grep '"msg":"request"' "$SLOG" || true; } |
  grep -oE '"status":[0-9]{3}[,}]' | cut -c10 | sort | uniq -c |
  awk '{ printf "%s%sxx=%s", (NR > 1 ? " " : ""), $2, $1 }')
access_5xx=$({ grep '"msg":"request"' "$SLOG" || true; } | grep -cE '"status":5[0-9]{2}[,}]' || true)
grep -E '"level":"(warn|error)"' "$SLOG" >"$WORK/log-problems.txt" || true
grep '"msg":"request"' "$SLOG" | grep -E '"status":5[0-9]{2}[,}]' | head -50 \
  >"$WORK/log-5xx.txt" || true
problem_msgs=$({ grep -oE '"msg":"[^"]*"' "$WORK/log-problems.txt" || true; } | sort | uniq -c |
  sort -rn | head -10 | awk '{ $1 = $1; print }' | paste -sd ';' -)
stopped_line=$(grep -c '"msg":"stopped"' "$SLOG" || true)

# --- wrk's numbers.
wrk_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk.txt")
read -r _ _ _ l50 _ l90 _ l99 _ l999 _ lmax _ _ <<<"$(grep '^mix latency_us' "$WORK/wrk.txt")"
us_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
unexpected=$(awk '$1 == "mix" && $2 == "unexpected" { print $3 }' "$WORK/wrk.txt")
mix_requests=$(awk '$1 == "mix" && $2 == "requests" { print $3 }' "$WORK/wrk.txt")
status_classes=$(awk '$1 == "mix" && $2 == "status" { c[substr($4, 1, 1) "xx"] += $5 }
  END { for (k in c) printf "%s=%d\n", k, c[k] }' "$WORK/wrk.txt" | sort | paste -sd ' ' -)
per_kind=$(awk '$1 == "mix" && $2 == "status" { printf "%s %s=%d%s\n", $3, $4, $5,
  ($6 == "UNEXPECTED" ? " (UNEXPECTED)" : "") }' "$WORK/wrk.txt" | paste -sd ',' - |
  sed 's/,/, /g')
sock_errors=$(awk '$1 == "mix" && $2 == "errors" { print "connect " $4 ", read " $6 ", write " $8 ", timeout " $12 }' "$WORK/wrk.txt")

# --- Memory over the run, from the CSV: samples inside [WRK_START, WRK_END].
# slope WINDOW_S COLUMN: least-squares MiB per minute of a CSV column over the run's last
# WINDOW_S seconds.
slope() {
  awk -F, -v e="$WRK_END" -v w="$1" -v c="$2" 'NR > 1 { t = $1 / 1000
    if (t < e - w || t > e) next
    x = (t - e) / 60; y = $c / 1024; m++; sx += x; sy += y; sxx += x * x; sxy += x * y }
    END { printf "%.2f", (m > 1 && m * sxx - sx * sx > 0) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0 }' "$CSV"
}
W8=$((DURATION >= 600 ? 480 : DURATION * 4 / 5))
slopes="VmRSS $(slope "$W8" 2), RssAnon $(slope "$W8" 4), RssFile $(slope "$W8" 5) MiB/min"
slopes+=" over the last $(awk -v w="$W8" 'BEGIN { printf "%.1f", w / 60 }') min; VmRSS $(slope $((W8 / 2)) 2) over the last half of that,"
slopes+=" $(slope $((W8 / 4)) 2) over the last quarter"
anon_file=$(awk -F, -v s="$WRK_START" -v e="$WRK_END" 'NR > 1 && $1 / 1000 >= s && $1 / 1000 <= e {
  if (!n++) { a0 = $4; f0 = $5 } a1 = $4; f1 = $5 }
  END { printf "RssAnon %.0f -> %.0f MiB, RssFile %.0f -> %.0f MiB", a0 / 1024, a1 / 1024, f0 / 1024, f1 / 1024 }' "$CSV")
mem_stats=$(awk -F, -v s="$WRK_START" -v e="$WRK_END" -v w="$W8" '
  NR > 1 { t = $1 / 1000
    if (t < s) { pre = $2; next }
    if (t > e) { post = $2; next }
    n++; if (n == 1) first = $2; last = $2
    if (min == "" || $2 < min) min = $2
    if ($2 > max) max = $2
    if (t >= e - w) { x = (t - e) / 60; y = $2 / 1024; m++; sx += x; sy += y; sxx += x * x; sxy += x * y } }
  END { slope = (m > 1 && m * sxx - sx * sx > 0) ? (m * sxy - sx * sy) / (m * sxx - sx * sx) : 0
        printf "%.1f %.1f %.1f %.1f %.1f %.3f %d %s %.1f\n", pre / 1024, first / 1024, min / 1024,
          max / 1024, last / 1024, slope, m, (post == "" ? "NA" : sprintf("%.1f", post / 1024)),
          w / 60 }' "$CSV")
read -r rss_pre rss_first rss_min rss_max rss_last rss_slope slope_n rss_post slope_min <<<"$mem_stats"
probe_stats() {  # column: "p50 max fails" of a probe column over the wrk run
  local values fails
  values=$(awk -F, -v s="$WRK_START" -v e="$WRK_END" -v c="$1" \
    'NR > 1 && $1 / 1000 >= s && $1 / 1000 <= e && $c !~ /^fail/ { print $c }' "$CSV" | sort -g)
  fails=$(awk -F, -v s="$WRK_START" -v e="$WRK_END" -v c="$1" \
    'NR > 1 && $1 / 1000 >= s && $1 / 1000 <= e && $c ~ /^fail/ { n++ } END { print n + 0 }' "$CSV")
  [ -n "$values" ] || { echo "NA NA $fails"; return 0; }
  awk -v f="$fails" '{ a[NR] = $1 } END {
    printf "%s %s %d\n", (NR ? a[int((NR + 1) / 2)] : "NA"), (NR ? a[NR] : "NA"), f }' <<<"$values"
}
read -r healthz_p50 healthz_max healthz_fail <<<"$(probe_stats 10)"
read -r api_p50 api_max api_fail <<<"$(probe_stats 11)"
fds_range=$(awk -F, 'NR > 1 { if (min == "" || $7 < min) min = $7; if ($7 > max) max = $7 }
  END { print min "-" max }' "$CSV")
threads_range=$(awk -F, 'NR > 1 { if (min == "" || $6 < min) min = $6; if ($6 > max) max = $6 }
  END { print min "-" max }' "$CSV")
# One VmRSS value a minute (the first sample of each minute of the run), for the report.
rss_by_minute=$(awk -F, -v s="$WRK_START" -v e="$WRK_END" 'NR > 1 && $1 / 1000 >= s && $1 / 1000 <= e {
  m = int(($1 / 1000 - s) / 60); if (!(m in seen)) { seen[m] = 1; printf "%s%d:%.0f", (m ? " " : ""), m, $2 / 1024 } }' "$CSV")

verdict() { if [ "$1" = 1 ]; then echo pass; else echo FAIL; fi; }
{
  echo "backbeat load and soak: $DATE_START to $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  machine_note
  echo "load average $LOAD_START at the start, $LOAD_WRK_START when wrk started, $LOAD_WRK_END when" \
    "it ended, $LOAD_END at the end; cc1plus running: $CC_START at the start ($busy_note)," \
    "$CC_WRK_START / $CC_WRK_END at wrk's start / end, $CC_END at the end"
  echo "binary: $BINARY ($BIN_NOTE); serve --rate-limit 0 --executor dry-run $SERVE_ARGS" \
    "(other options default); SQLite CLI $(sqlite3 --version | cut -d' ' -f1)"
  echo "seed: $TASKS '* * * * *' tasks, $MIX_TASKS mix tasks; wrk -t$WRK_THREADS" \
    "-c$CONNECTIONS -d${DURATION}s --timeout 10s -s bench/load/mix.lua"
  echo
  echo "HTTP: $wrk_rps req/s ($mix_requests requests); latency p50 $(us_ms "$l50") ms," \
    "p90 $(us_ms "$l90") ms, p99 $(us_ms "$l99") ms, p99.9 $(us_ms "$l999") ms, max $(us_ms "$lmax") ms"
  echo "statuses: $status_classes; unexpected: $unexpected; socket errors: $sock_errors"
  echo "per kind: $per_kind"
  echo "$(grep '^mix deletes' "$WORK/wrk.txt" | cut -d' ' -f2-) (DELETEs replaced by a list while" \
    "a thread had no task of its own yet)"
  echo "server log: $log_lines lines, $log_warn warn, $log_error error; access lines $access_classes;" \
    "5xx access lines $access_5xx"
  [ -s "$WORK/log-problems.txt" ] && echo "warn/error messages: $problem_msgs"
  echo "server stop: exit status $SERVER_RC after $SERVER_STOP_MS ms; 'stopped' logged: $stopped_line"
  echo
  echo "memory (VmRSS MiB): $rss_pre before wrk; during wrk first $rss_first, min $rss_min, max" \
    "$rss_max, last $rss_last; $rss_post at the last sample after it; VmHWM at the end $((hwm_before_stop / 1024))" \
    "MiB (VmRSS $((rss_before_stop / 1024)) MiB)"
  echo "slope over the last $slope_min min: $rss_slope MiB/min ($slope_n samples every ${SAMPLE}s);" \
    "$slopes; during wrk $anon_file"
  echo "VmRSS by minute of the run (minute:MiB): $rss_by_minute"
  echo "threads $threads_range, open fds $fds_range; database dir $db_size at the end ($tasks_end" \
    "tasks, $runs_end runs): database file $db_file_mib MiB, WAL at most $wal_max_mib MiB during" \
    "the run, WAL file left after the clean stop: $wal_left_mib MiB; a restart on it was ready" \
    "in $reopen_ms ms (its log: $(grep -c '"level":"\(warn\|error\)"' "$WORK/server-reopen.log" ||
      true) warn/error lines)"
  echo "probes every ${SAMPLE}s during wrk: /healthz p50 $healthz_p50 ms, max $healthz_max ms," \
    "$healthz_fail failed; GET /api/tasks?limit=1 p50 $api_p50 ms, max $api_max ms, $api_fail failed"
  echo
  echo "scheduler: $NSLOTS slots inside the run ($(date -u -d "@$S0" +%H:%M)-$(date -u -d "@$S_LAST" +%H:%M) UTC)" \
    "x $TASKS tasks = $EXPECTED expected; runs made $fired, slots skipped $skipped," \
    "missing $((EXPECTED - fired - skipped))"
  echo "skips by reason (whole run): $skips_by_reason; runs of the window: $statuses"
  echo "firing lag (created_at - slot: the firing round's decision time) p50 $lag_p50 ms, p90 $lag_p90, p99 $lag_p99, max $lag_max;" \
    "started - slot p50 $start_p50 ms, p99 $start_p99, max $start_max;" \
    "finished - slot p50 $fin_p50 ms, p99 $fin_p99, max $fin_max"
  echo "non-final runs of the window: $active_at_end when wrk ended, $stuck after ${settle_s}s" \
    "of settling; every-minute tasks whose next slot did not move past the window: $stale_tasks"
  echo "per slot (slot UTC, runs, last created ms, last finished ms):"
  while read -r s n c f; do
    echo "  $(date -u -d "@$s" +%H:%M) $n $c $f"
  done <"$WORK/slots.txt"
  echo
  echo "no 5xx: $(verdict "$([ "$access_5xx" = 0 ] && [[ "$status_classes" != *5xx* ]] && echo 1)");" \
    "only expected statuses: $(verdict "$([ "$unexpected" = 0 ] && echo 1)");" \
    "no warn/error log line: $(verdict "$([ "$log_warn" = 0 ] && [ "$log_error" = 0 ] && echo 1)");" \
    "every slot fired or skipped: $(verdict "$([ $((fired + skipped)) -ge "$EXPECTED" ] && echo 1)");" \
    "no run stuck: $(verdict "$([ "$stuck" = 0 ] && echo 1)")"
} | tee "$WORK/summary.txt"

if [ -n "$OUT" ]; then
  cp "$WORK/summary.txt" "$CSV" "$WORK/wrk.txt" "$WORK/slots.txt" "$WORK/metrics-end.txt" "$OUT/"
  cp "$WORK/log-problems.txt" "$WORK/log-5xx.txt" "$OUT/" 2>/dev/null || true
  tail -20 "$SLOG" >"$OUT/server-log-tail.txt"
  log "results copied to $OUT"
fi
