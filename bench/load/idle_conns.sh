#!/usr/bin/env bash
# Idle connections: 10,000 idle keep-alive connections must not stop the server from answering
# other clients. Results and their reading: docs/benchmarks.md, "Load and soak (bench/load)".
#
#   bench/load/idle_conns.sh
#
# One server (SQLite, BENCH_MIX_TASKS tasks, --rate-limit 0, --max-connections BENCH_IDLE_CONNS
# + 1000, --idle-timeout 900 so the held connections outlive the measurement), three phases:
#   before  wrk -t2 -c16 -d30s GET /api/tasks?limit=5, then BENCH_PROBES single curl requests
#           (a new connection each, one after the other) timed by curl
#   idle    the same while bench/load/hold_conns.py holds BENCH_IDLE_CONNS connections, each
#           idle after one GET /healthz; VmRSS and open fds of the server with them
#   after   the same once they are closed
# Then a second server with the default --max-connections (10,000) and the same idle
# connections, to show what a client beyond the cap gets (503 "Too many connections").
#
# Needs build/release/backbeat (or BENCH_BINARY), wrk, sqlite3, curl and python3. It raises its
# own open-file limit (ulimit -n; the server and the helper inherit it) and installs nothing.
#
# Environment (all optional):
#   BENCH_BINARY          the backbeat binary to measure (default build/release/backbeat)
#   BENCH_IDLE_CONNS      idle connections to hold (default 10000)
#   BENCH_PROBE_SECONDS   seconds of each wrk measurement (default 30)
#   BENCH_PROBES          curl requests per phase (default 300)
#   BENCH_MIX_TASKS       tasks in the database (default 300)
#   BENCH_CAP_TEST=0      skip the second server (default cap)
#   BENCH_WAIT_IDLE       seconds to wait for running compilers to finish (default 300)
#   BENCH_OUT             a directory to copy the results to
#   BENCH_KEEP=1          keep the temp dir
#
# Loopback only; every wait is bounded; everything it starts is stopped on exit (trap), by
# process id.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/../.."

IDLE=${BENCH_IDLE_CONNS:-10000}
PROBE_SECONDS=${BENCH_PROBE_SECONDS:-30}
PROBES=${BENCH_PROBES:-300}
MIX_TASKS=${BENCH_MIX_TASKS:-300}
CAP_TEST=${BENCH_CAP_TEST:-1}
BINARY=${BENCH_BINARY:-build/release/backbeat}
WAIT_IDLE=${BENCH_WAIT_IDLE:-300}
OUT=${BENCH_OUT:-}
DEFAULT_CAP=10000  # serve's --max-connections default (src/backbeat/app/serve.hpp)

# shellcheck source=bench/lib.sh
source bench/lib.sh
# shellcheck source=bench/load/common.sh
source bench/load/common.sh

is_count() { [[ "$1" =~ ^[0-9]+$ ]]; }
{ is_count "$IDLE" && [ "$IDLE" -ge 1 ] && [ "$IDLE" -le 25000 ]; } ||
  die "BENCH_IDLE_CONNS must be 1..25000 (the ephemeral port range is shared)"
{ is_count "$PROBE_SECONDS" && [ "$PROBE_SECONDS" -ge 1 ]; } ||
  die "BENCH_PROBE_SECONDS must be a positive number"
{ is_count "$PROBES" && [ "$PROBES" -ge 10 ]; } || die "BENCH_PROBES must be at least 10"
{ is_count "$MIX_TASKS" && [ "$MIX_TASKS" -ge 5 ]; } || die "BENCH_MIX_TASKS must be at least 5"
missing=()
for tool in wrk sqlite3 curl python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] ||
  die "missing: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]}); this script installs nothing"
[ -x "$BINARY" ] || die "$BINARY is missing: run ./dev build release (or set BENCH_BINARY)"
if [ -n "$OUT" ]; then { mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd); } || die "cannot create $OUT"; fi

# Every connection is a descriptor on both sides: raise the soft limit (and the hard one when
# allowed) for this shell and what it starts.
want_fds=$((IDLE + 4096))
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want_fds" ]; then
  ulimit -Hn "$want_fds" 2>/dev/null || die "ulimit -Hn is $(ulimit -Hn), below $want_fds"
fi
ulimit -n "$want_fds"

LOAD_START=$(load_avg)
CC_START=$(compilers)
DATE_START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
wait_for_quiet "$WAIT_IDLE"
make_workdir idle
cp "$BINARY" "$WORK/backbeat"
BIN=$WORK/backbeat
BIN_NOTE="$(stat -c '%y' "$BINARY" | cut -c1-19), sha256 $(sha256sum "$BIN" | cut -c1-12)"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
tomorrow=$(( ($(date +%s) + 86400) / 60 * 60 ))
seed "$WORK/db" "$PORT" 0 "$tomorrow" "$MIX_TASKS"
AUTH=(-H "x-api-key: $ADMIN_KEY")
PROBE_URL="$URL/api/tasks?limit=5"
RESULTS=$WORK/results.txt
: >"$RESULTS"

to_ms() {  # wrk prints 812.00us, 1.23ms, 1.01s
  awk -v v="$1" 'BEGIN { n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /m$/) n *= 60000;
    else if (v ~ /s$/) n *= 1000
    printf "%.2f", n }'
}

# measure PHASE: wrk, then the curl series; appends
#   PHASE wrk_rps wrk_p50 wrk_p90 wrk_p99 wrk_max wrk_non2xx wrk_sockerr curl_p50 curl_p99
#   curl_max curl_non200 load1
measure() {
  local phase=$1 out=$WORK/wrk-$1.txt
  wrk -t2 -c16 -d"${PROBE_SECONDS}s" --timeout 10s --latency "${AUTH[@]}" "$PROBE_URL" \
    >"$out" 2>&1 || die "wrk failed: $(tail -3 "$out")"
  local rps p50 p90 p99 max non2xx sockerr
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
  p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
  max=$(to_ms "$(awk '$1 == "Latency" { print $4 }' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")
  sockerr=$(awk '/Socket errors:/ { s = 0
    for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i + 0
    print s }' "$out")
  local series=$WORK/curl-$phase.txt
  : >"$series"
  for _ in $(seq "$PROBES"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 "${AUTH[@]}" \
      "$PROBE_URL" >>"$series" || echo "000 10" >>"$series"
  done
  local c50 c99 cmax non200
  awk '{ printf "%s %.3f\n", $1, $2 * 1000 }' "$series" >"$series.ms"
  read -r c50 _ c99 cmax <<<"$(percentiles "$series.ms" 2)"
  non200=$(awk '$1 != 200 { n++ } END { print n + 0 }' "$series")
  printf '%s %s %s %s %s %s %s %s %s %s %s %s %s\n' "$phase" "$rps" "$p50" "$p90" "$p99" "$max" \
    "${non2xx:-0}" "${sockerr:-0}" "$c50" "$c99" "$cmax" "$non200" \
    "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS" >&2
}

# hold N: starts the helper holding N idle connections; sets HOLD_PID and HOLD_NOTE.
hold() {
  local ready=$WORK/hold-ready.txt
  rm -f "$ready"
  python3 bench/load/hold_conns.py 127.0.0.1 "$PORT" "$1" "$ready" >"$WORK/hold-out.txt" 2>&1 &
  HOLD_PID=$!
  PIDS+=("$HOLD_PID")
  for _ in $(seq 600); do
    [ -s "$ready" ] && break
    kill -0 "$HOLD_PID" 2>/dev/null || die "hold_conns.py exited: $(cat "$WORK/hold-out.txt")"
    sleep 0.2
  done
  [ -s "$ready" ] || die "hold_conns.py did not open its connections within 120 s"
  HOLD_NOTE=$(cat "$ready")
}
release() {  # stops the helper; sets HELD_NOTE ("held N closed_by_server M")
  kill -TERM "$HOLD_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$HOLD_PID" 2>/dev/null || break; sleep 0.1; done
  wait "$HOLD_PID" 2>/dev/null || true
  forget_pid "$HOLD_PID"
  HELD_NOTE=$(grep '^held' "$WORK/hold-out.txt" || echo "no report")
}
established() { ss -Htn state established "( sport = :$PORT )" 2>/dev/null | wc -l; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# --- Server 1: a cap above the idle connections.
CAP=$((IDLE + 1000))
start_server "$WORK/db" "$PORT" --rate-limit 0 --max-connections "$CAP" --idle-timeout 900
PID=$SRV_PID
sleep 2
rss_ready=$(proc_kb "$PID" VmRSS)
measure before
rss_before=$(proc_kb "$PID" VmRSS)
fds_before=$(proc_fds "$PID")
log "opening $IDLE idle connections"
hold "$IDLE"
idle_hold_note=$HOLD_NOTE
sleep 2
rss_idle=$(proc_kb "$PID" VmRSS)
fds_idle=$(proc_fds "$PID")
est_idle=$(established)
log "$idle_hold_note; server: VmRSS $(mib "$rss_idle") MiB, $fds_idle fds, $est_idle established"
measure idle
rss_idle_end=$(proc_kb "$PID" VmRSS)
hwm_idle=$(proc_kb "$PID" VmHWM)
release
idle_held_note=$HELD_NOTE
sleep 2
rss_released=$(proc_kb "$PID" VmRSS)
fds_released=$(proc_fds "$PID")
measure after
stop_pid "$PID"
rc1=$STOP_RC
mv "$WORK/db/server.log" "$WORK/server-1.log"

# --- Server 2: the default cap, filled by the idle connections.
cap_note="not run"
if [ "$CAP_TEST" = 1 ]; then
  start_server "$WORK/db" "$PORT" --rate-limit 0 --idle-timeout 900
  PID=$SRV_PID
  hold "$IDLE"
  cap_hold=$HOLD_NOTE
  sleep 1
  : >"$WORK/curl-cap.txt"
  for _ in $(seq 50); do
    curl -s -o "$WORK/cap-body.txt" -w '%{http_code} %{time_total}\n' --max-time 10 \
      "${AUTH[@]}" "$PROBE_URL" >>"$WORK/curl-cap.txt" || echo "000 10" >>"$WORK/curl-cap.txt"
  done
  cap_codes=$(awk '{ c[$1]++ } END { for (k in c) printf "%s=%d ", k, c[k] }' "$WORK/curl-cap.txt")
  cap_p50=$(awk '{ printf "%.3f\n", $2 * 1000 }' "$WORK/curl-cap.txt" | sort -g |
    awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  cap_body=$(head -c 120 "$WORK/cap-body.txt")
  release
  sleep 1
  after_code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "${AUTH[@]}" "$PROBE_URL" ||
    true)
  stop_pid "$PID"
  mv "$WORK/db/server.log" "$WORK/server-2.log"
  cap_note="$cap_hold; 50 curl requests beside them: ${cap_codes}(p50 $cap_p50 ms"
  [ "$(tail -1 "$WORK/curl-cap.txt" | cut -d' ' -f1)" = 200 ] || cap_note+="; last body: $cap_body"
  cap_note+="); after the helper closed its connections: $after_code"
fi

problems() {  # "N warn, M error" of a server log
  echo "$(grep -c '"level":"warn"' "$1" || true) warn, $(grep -c '"level":"error"' "$1" || true) error"
}
row() { awk -v p="$1" '$1 == p' "$RESULTS"; }
{
  echo "backbeat idle connections: $DATE_START to $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  machine_note
  echo "load average $LOAD_START at the start, $(load_avg) at the end; cc1plus: $CC_START at the" \
    "start ($busy_note), $(compilers) at the end"
  echo "binary: $BINARY ($BIN_NOTE); serve --rate-limit 0 --max-connections $CAP --idle-timeout" \
    "900; ulimit -n $(ulimit -n)"
  echo "probes: wrk -t2 -c16 -d${PROBE_SECONDS}s --latency GET /api/tasks?limit=5; then $PROBES" \
    "curl requests one after the other, a new connection each (time_total)"
  echo
  printf '%-7s %9s %8s %8s %8s %8s %7s %7s %9s %9s %9s %8s %6s\n' phase "req/s" "p50 ms" \
    "p90 ms" "p99 ms" "max ms" non2xx sockerr "curl p50" "curl p99" "curl max" non200 load
  awk '{ printf "%-7s %9.0f %8s %8s %8s %8s %7s %7s %9s %9s %9s %8s %6s\n", $1, $2, $3, $4, $5,
    $6, $7, $8, $9, $10, $11, $12, $13 }' "$RESULTS"
  echo
  echo "idle connections: $idle_hold_note; at release: $idle_held_note; established server-side with them:" \
    "$est_idle"
  echo "server VmRSS: $(mib "$rss_ready") MiB when ready, $(mib "$rss_before") MiB after 'before'," \
    "$(mib "$rss_idle") MiB with the idle connections ($(mib "$rss_idle_end") MiB after the idle" \
    "phase, VmHWM $(mib "$hwm_idle") MiB), $(mib "$rss_released") MiB once they closed;" \
    "$(awk -v a="$rss_idle" -v b="$rss_before" -v n="$IDLE" 'BEGIN { printf "%.1f", (a - b) / n }')" \
    "KiB per idle connection"
  echo "server fds: $fds_before before, $fds_idle with the idle connections, $fds_released after"
  echo "server 1 log: $(problems "$WORK/server-1.log"); exit status $rc1"
  echo "default cap ($DEFAULT_CAP): $cap_note"
  [ "$CAP_TEST" = 1 ] && echo "server 2 log: $(problems "$WORK/server-2.log")"
  echo
  b=$(row before)
  i=$(row idle)
  echo "idle / before: req/s $(awk -v x="$(cut -d' ' -f2 <<<"$i")" -v y="$(cut -d' ' -f2 <<<"$b")" \
    'BEGIN { printf "%.2f", x / y }'), wrk p99 $(cut -d' ' -f5 <<<"$b") -> $(cut -d' ' -f5 <<<"$i") ms," \
    "curl p50 $(cut -d' ' -f9 <<<"$b") -> $(cut -d' ' -f9 <<<"$i") ms," \
    "curl p99 $(cut -d' ' -f10 <<<"$b") -> $(cut -d' ' -f10 <<<"$i") ms"
} | tee "$WORK/summary.txt"

if [ -n "$OUT" ]; then
  cp "$WORK/summary.txt" "$WORK"/wrk-*.txt "$WORK"/curl-*.txt "$OUT/"
  grep -hE '"level":"(warn|error)"' "$WORK"/server-*.log >"$OUT/idle-log-problems.txt" || true
  log "results copied to $OUT"
fi
