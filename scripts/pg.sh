#!/usr/bin/env bash
# Project-local PostgreSQL: start | stop | status | destroy. Data under .local/pg.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DATA="$LOCAL/pg"
LOG="$LOCAL/pg.log"
# The cluster's superuser; `manage.py db_roles` (make roles) makes the shop's roles and database.
DB_USER=shop

# DATABASE_URL (in the environment or .env) points the shop at a server of its own.
if [ "${1:-}" = start ] && [ -n "${DATABASE_URL:-}" ]; then
  echo "using DATABASE_URL: no local PostgreSQL"; exit 0
fi

if ! [ -x "$PG_BIN/initdb" ]; then
  need_pkg "$PG_BIN/initdb" postgresql-15
fi
need_pkg psql postgresql-client-15

as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Clusters made by earlier versions loaded a compiled audit capture from .local/lib; the
# capture is PL/pgSQL now. Remove that set-up, so nothing here depends on a compiled library.
forget_capture_library() {
  if [ -f "$DATA/postgresql.conf" ] && grep -q "^include_if_exists = 'shop.conf'" "$DATA/postgresql.conf"; then
    sed -i "/^include_if_exists = 'shop.conf'/d" "$DATA/postgresql.conf"
  fi
  rm -rf "$DATA/shop.conf" "$LOCAL/lib" "$LOCAL/pgdev"
}

start() {
  if is_root; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$LOCAL"
  if [ ! -f "$DATA/PG_VERSION" ]; then
    mkdir -p "$DATA"
    is_root && chown postgres "$DATA" "$LOCAL"
    as_pg "$PG_BIN/initdb" -D "$DATA" -U "$DB_USER" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = ''
max_connections = 200
shared_buffers = 256MB
work_mem = 16MB
maintenance_work_mem = 256MB
shared_preload_libraries = 'pg_stat_statements'
log_min_duration_statement = 1000
CONF
  fi
  forget_capture_library
  is_root && chown -R postgres "$DATA"
  if status >/dev/null 2>&1; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" reload >/dev/null
    echo "postgres already running on 127.0.0.1:$PG_PORT"; return 0
  fi
  touch "$LOG"; is_root && chown postgres "$LOG"
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null
  for _ in $(seq 1 50); do
    "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q && break
    sleep 0.2
  done
  echo "postgres running on 127.0.0.1:$PG_PORT (data $DATA)"
}

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null && echo "postgres stopped"
  else
    echo "postgres not running"
  fi
}

status() {
  if [ -f "$DATA/PG_VERSION" ] && as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    echo "postgres running on 127.0.0.1:$PG_PORT"
  else
    echo "postgres not running"; return 3
  fi
}

destroy() {
  stop || true
  rm -rf "$DATA" "$LOG"
  echo "postgres data removed"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  destroy) destroy ;;
  *) echo "usage: $0 start|stop|status|destroy" >&2; exit 2 ;;
esac
