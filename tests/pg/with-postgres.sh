#!/usr/bin/env bash
# Runs CMD with a throwaway PostgreSQL 15 cluster and exits with CMD's status.
#   tests/pg/with-postgres.sh CMD [ARGS...]
# The cluster lives in a fresh temp dir, listens on 127.0.0.1 on a free port (and a unix socket in
# that dir), trusts local connections and trades durability for speed (fsync=off): it is for
# tests only. CMD sees BACKBEAT_TEST_POSTGRES=postgresql://postgres@127.0.0.1:PORT/postgres,
# BACKBEAT_TEST_POSTGRES_DATA (the data directory) and BACKBEAT_TEST_POSTGRES_CTL: a script that
# runs this cluster's pg_ctl as the cluster's owner with -D and -l filled in, so that tests can
# stop, start or restart the server (`$BACKBEAT_TEST_POSTGRES_CTL restart -m fast -w`).
# The cluster is stopped and its dir removed however CMD ends.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in initdb pg_ctl pg_isready; do
  if [ ! -x "$PG_BIN/$tool" ]; then
    echo "$0: $PG_BIN/$tool not found (install the postgresql-15 package)" >&2
    exit 1
  fi
done

log() { printf '==> %s\n' "$*" >&2; }

# initdb and postgres refuse to run as root: run them as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/backbeat-pg.XXXXXX")
started=""
cleanup() {
  if [ -n "$started" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir"
fi
# The server's working directory must be readable by it; the caller's may not be.
cd "$dir"

as_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C \
  --no-sync >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  exit 1
}

# A port nobody listens on; if another process takes it before the server binds, start fails
# and the next candidate is tried.
port=""
for _ in $(seq 1 20); do
  candidate=$((20000 + RANDOM % 40000))
  if (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
    continue
  fi
  opts="-c listen_addresses=127.0.0.1 -p $candidate -c unix_socket_directories=$dir \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c max_connections=300 -c shared_buffers=64MB -c max_locks_per_transaction=256 \
-c log_min_messages=warning -c log_min_error_statement=panic"
  if as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -s start -o "$opts" \
      >/dev/null 2>&1; then
    port=$candidate
    started=1
    break
  fi
done
if [ -z "$port" ]; then
  echo "$0: could not start PostgreSQL; server log:" >&2
  cat "$dir/server.log" >&2 2>/dev/null || true
  exit 1
fi

for _ in $(seq 1 100); do
  if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then break; fi
  sleep 0.1
done
if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
  echo "$0: PostgreSQL on port $port is not ready; server log:" >&2
  cat "$dir/server.log" >&2
  exit 1
fi

# The same server options on every start (a plain `pg_ctl start` would not reuse them); -l keeps
# the server's output off the caller's stdout, which a test reading it would wait on forever.
ctl="$dir/pg_ctl.sh"
if [ "$(id -u)" -eq 0 ]; then
  run_as="runuser -u postgres --"
else
  run_as=""
fi
cat >"$ctl" <<CTL
#!/bin/sh
exec $run_as "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o '$opts' "\$@"
CTL
chmod 0755 "$ctl"

export BACKBEAT_TEST_POSTGRES="postgresql://postgres@127.0.0.1:$port/postgres"
export BACKBEAT_TEST_POSTGRES_DATA="$dir/data"
export BACKBEAT_TEST_POSTGRES_CTL="$ctl"
log "PostgreSQL 15 on 127.0.0.1:$port ($dir)"
cd "$OLDPWD"
set +e
"$@"
status=$?
set -e
exit "$status"
