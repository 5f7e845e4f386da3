#!/usr/bin/env bash
# Project-local Redis: start | stop | status | destroy. Data under .local/redis.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
DATA="$LOCAL/redis"
PIDFILE="$DATA/redis.pid"

# REDIS_URL (in the environment or .env) points the shop at a server of its own.
if [ "${1:-}" = start ] && [ -n "${REDIS_URL:-}" ]; then
  echo "using REDIS_URL: no local Redis"; exit 0
fi

need_pkg redis-server redis-server
need_pkg redis-cli redis-tools

cli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

start() {
  mkdir -p "$DATA"
  if cli ping >/dev/null 2>&1; then echo "redis already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DATA" --daemonize yes \
    --pidfile "$PIDFILE" --logfile "$DATA/redis.log" --save 60 1000 --appendonly no \
    --protected-mode yes >/dev/null
  for _ in $(seq 1 50); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done
  cli ping >/dev/null
  echo "redis running on 127.0.0.1:$REDIS_PORT (data $DATA)"
}

stop() {
  if cli ping >/dev/null 2>&1; then cli shutdown nosave >/dev/null 2>&1 || true; echo "redis stopped"; else echo "redis not running"; fi
}

status() {
  if cli ping >/dev/null 2>&1; then echo "redis running on 127.0.0.1:$REDIS_PORT"; else echo "redis not running"; return 3; fi
}

destroy() { stop || true; rm -rf "$DATA"; echo "redis data removed"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  destroy) destroy ;;
  *) echo "usage: $0 start|stop|status|destroy" >&2; exit 2 ;;
esac
