# Shared by the benchmark scripts (sourced, not run): logging, waiting for a quiet machine, and
# a temp dir whose processes are stopped and files removed on exit.

log() { printf '==> %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# Waits up to $1 seconds while compilers (cc1plus) run: the machine is shared. Sets busy_note
# to what it saw, for the report.
wait_for_quiet() {
  local limit=$1 waited=0 first
  first=$(pgrep -c cc1plus || true)
  busy_note="none running"
  [ "$first" -gt 0 ] || return 0
  log "$first compilers are running; waiting up to ${limit}s for them to finish"
  while [ "$(pgrep -c cc1plus || true)" -gt 0 ] && [ "$waited" -lt "$limit" ]; do
    sleep 5
    waited=$((waited + 5))
  done
  busy_note="$first running at first; waited ${waited}s; $(pgrep -c cc1plus || true) still running"
}

# Makes WORK (a temp dir named after $1) and PIDS; on exit every pid in PIDS gets SIGTERM and is
# reaped, and WORK is removed unless BENCH_KEEP=1.
make_workdir() {
  WORK=$(mktemp -d "/tmp/backbeat-bench-$1.XXXXXX")
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}
bench_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "${BENCH_KEEP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

# Time and processes, shared by the scripts that sample and stop servers. PIDS holds the
# processes a script started (its cleanup stops what is left).
now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/./}"; }  # sets the variable named $1, no fork

sleep_until() {  # microseconds since the epoch
  local t us
  now_us t
  us=$(($1 - t))
  [ "$us" -gt 0 ] || return 0
  sleep "$((us / 1000000)).$(printf '%06d' $((us % 1000000)))"
}

forget_pid() {
  local kept=() p
  for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# SIGTERM, bounded wait (backbeat drains within its --shutdown-timeout), then KILL. Sets
# STOP_RC to the exit status and STOP_MS to the time the process took to exit.
stop_pid() {
  local pid=$1 t0 t1
  now_us t0
  STOP_RC=0
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "process $pid did not stop within 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || STOP_RC=$?
  now_us t1
  STOP_MS=$(((t1 - t0) / 1000))
  forget_pid "$pid"
}
