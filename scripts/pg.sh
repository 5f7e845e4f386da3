#!/usr/bin/env bash
# Project-local PostgreSQL: start | stop | status | destroy. Data under .local/pg.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DATA="$LOCAL/pg"
LOG="$LOCAL/pg.log"
DB_USER=shop
DB_NAME=shop

if ! [ -x "$PG_BIN/initdb" ]; then
  need_pkg "$PG_BIN/initdb" postgresql-15
fi
need_pkg psql postgresql-client-15

as_pg() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The audit capture trigger in C (apps/auditing/pg/*.c), built into
# .local/lib, which the server searches (dynamic_library_path in $DATA/shop.conf). It needs
# the server's headers: those of an installed postgresql-server-dev-15, else the headers of
# that package unpacked under .local/pgdev (downloaded, not installed: nothing else comes with
# it). Migration auditing.0006 installs the function when the server can load it.
CAPTURE_SRC="$ROOT/apps/auditing/pg"
CAPTURE_LIB="$LOCAL/lib/shop_audit.so"

server_headers() {
  local dir tmp version
  for dir in /usr/include/postgresql/15/server "$LOCAL/pgdev/usr/include/postgresql/15/server"; do
    if [ -f "$dir/postgres.h" ]; then echo "$dir"; return 0; fi
  done
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: PostgreSQL 15 server headers (postgres.h) — install your system's PostgreSQL 15 server development package" >&2
    return 1
  fi
  tmp="$(mktemp -d)"; chmod 777 "$tmp"  # apt downloads as its own user
  version="$(dpkg-query -W -f='${Version}' postgresql-15 2>/dev/null || true)"
  fetch() {
    (cd "$tmp" && { apt-get download -qq "postgresql-server-dev-15${version:+=$version}" ||
                    apt-get download -qq postgresql-server-dev-15; }) >&2
  }
  if ! fetch && is_root; then
    apt-get update -qq >&2 && mkdir -p "$LOCAL" && touch "$LOCAL/.apt-updated" && fetch
  fi
  if ! ls "$tmp"/*.deb >/dev/null 2>&1; then
    rm -rf "$tmp"
    echo "missing: PostgreSQL 15 server headers — install the Debian package 'postgresql-server-dev-15'" >&2
    return 1
  fi
  mkdir -p "$LOCAL/pgdev"
  dpkg-deb -x "$tmp"/*.deb "$LOCAL/pgdev"
  rm -rf "$tmp"
  echo "$LOCAL/pgdev/usr/include/postgresql/15/server"
}

build_capture() {
  if [ -f "$CAPTURE_LIB" ] && [ -z "$(find "$CAPTURE_SRC" -name '*.[ch]' -newer "$CAPTURE_LIB")" ]; then
    return 0
  fi
  need_pkg gcc gcc
  local headers
  headers="$(server_headers)"
  mkdir -p "$LOCAL/lib"
  gcc -O2 -Wall -Werror -Wmissing-prototypes -Wdeclaration-after-statement \
    -fno-strict-aliasing -fwrapv -fPIC -shared -I"$headers" \
    -o "$CAPTURE_LIB.tmp" "$CAPTURE_SRC"/*.c
  mv "$CAPTURE_LIB.tmp" "$CAPTURE_LIB"
  echo "built $CAPTURE_LIB"
}

# Settings that follow the checkout (its path may change): rewritten at every start.
write_local_conf() {
  grep -q "^include_if_exists = 'shop.conf'" "$DATA/postgresql.conf" ||
    echo "include_if_exists = 'shop.conf'" >> "$DATA/postgresql.conf"
  echo "dynamic_library_path = '\$libdir:$LOCAL/lib'" > "$DATA/shop.conf"
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
  build_capture
  write_local_conf
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
  psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1 ||
    psql -h 127.0.0.1 -p "$PG_PORT" -U "$DB_USER" -d postgres -qc "CREATE DATABASE $DB_NAME"
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
