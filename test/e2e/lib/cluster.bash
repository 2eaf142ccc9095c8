# shellcheck shell=bash
# The "cluster" host: PostgreSQL (the primary) and PgBouncer in front of it, both running as
# the postgres user inside the cluster network namespace, configured by the fixture. Both run
# in the foreground as children of this shell, so it alone stops and reaps them.
# Needs: PG_BIN, PG_DIR, PG_PORT, PGB_DIR, POOLER_PORT, NS_CLUSTER, CLUSTER_ADDR, FIXTURE.

readonly AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --init-groups --)
as_postgres() { "${AS_POSTGRES[@]}" "$@"; }

# start_in_cluster LOG CMD...: CMD as postgres in the cluster namespace, in the background.
# A simple command, not a function: ip netns exec and setpriv exec in turn (runuser would fork
# and stay in between), so $! (SERVER_PID) is the server itself, which this shell can signal
# and reap.
start_in_cluster() {
  local log=$1
  shift
  ip netns exec "$NS_CLUSTER" "${AS_POSTGRES[@]}" "$@" >"$log" 2>&1 &
  SERVER_PID=$!
}

# wait_for_server PID LOG SECONDS WHAT CMD...: wait_until for a server, showing the end of its
# LOG when it does not come up.
wait_for_server() {
  local pid=$1 log=$2
  shift 2
  wait_until --while-alive "$pid" "$@" || { tail -n 20 "$log" >&2 && return 1; }
}

start_postgres() {
  local data=$PG_DIR/data
  install -d -o postgres -g postgres -m 0700 "$PG_DIR" "$PG_DIR/run"
  as_postgres timeout 60 "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2 && return 1; }
  install -o postgres -g postgres -m 0600 "$FIXTURE/pg_hba.conf" "$data/pg_hba.conf"
  {
    echo "# test/e2e: the cluster namespace's link address only, plus a socket only postgres can reach."
    echo "listen_addresses = '$CLUSTER_ADDR'"
    echo "port = $PG_PORT"
    echo "unix_socket_directories = '$PG_DIR/run'"
    echo "# A throwaway cluster: durability buys nothing here."
    echo "fsync = off"
  } >>"$data/postgresql.conf"
  start_in_cluster "$PG_DIR/postgres.log" "$PG_BIN/postgres" -D "$data"
  PG_PID=$SERVER_PID
  wait_for_server "$PG_PID" "$PG_DIR/postgres.log" 30 PostgreSQL \
    "$PG_BIN/pg_isready" -q -t 1 -h "$PG_DIR/run" -p "$PG_PORT" -U postgres -d postgres
  superuser_psql -d postgres -f "$FIXTURE/setup.sql" >/dev/null
}

# Fast shutdown (SIGINT): disconnects sessions instead of waiting for them.
stop_postgres() {
  [[ -n ${PG_PID:-} ]] || return 0
  stop_pid "$PG_PID" INT
  wait "$PG_PID" 2>/dev/null || true
}

# psql as the superuser through PostgreSQL's private socket (root may enter it).
superuser_psql() {
  timeout 20 psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DIR/run" -p "$PG_PORT" -U postgres "$@"
}

start_pgbouncer() {
  install -d -o postgres -g postgres -m 0700 "$PGB_DIR"
  start_in_cluster "$PGB_DIR/stderr.log" pgbouncer -q "$FIXTURE/pgbouncer.ini"
  PGB_PID=$SERVER_PID
  wait_for_server "$PGB_PID" "$PGB_DIR/pgbouncer.log" 10 PgBouncer pgbouncer_admin 'SHOW VERSION'
}

stop_pgbouncer() {
  [[ -n ${PGB_PID:-} ]] || return 0
  stop_pid "$PGB_PID" TERM
  wait "$PGB_PID" 2>/dev/null || true
}

# PgBouncer's admin console: user "pgbouncer" on its Unix socket, from the same OS user,
# needs no password. Prints a header line, then rows, tab-separated.
pgbouncer_admin() {
  as_postgres timeout 10 psql -X -A -F $'\t' -P footer=off -h "$PGB_DIR" -p "$POOLER_PORT" -U pgbouncer -d pgbouncer -c "$1"
}

# pgbouncer_show WHAT COLUMN...: the named columns of `SHOW WHAT`, tab-separated, one row a line
# (by name: the column order changes between PgBouncer releases).
pgbouncer_show() {
  local what=$1 out
  shift
  out=$(pgbouncer_admin "SHOW $what") || return 1
  awk -F '\t' -v want="$*" '
    NR == 1 {
      for (i = 1; i <= NF; i++) col[$i] = i
      n = split(want, w, " ")
      for (j = 1; j <= n; j++) if (!(w[j] in col)) { print "SHOW lacks column " w[j] > "/dev/stderr"; exit 2 }
      next
    }
    { line = ""; for (j = 1; j <= n; j++) line = line (j > 1 ? "\t" : "") $col[w[j]]; print line }
  ' <<<"$out"
}
