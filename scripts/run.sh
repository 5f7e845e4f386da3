#!/usr/bin/env bash
# Run web, Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
# The worker and beat read this too: config/celery.py alone would pick production settings.
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
HOST="${SHOP_HOST:-127.0.0.1}"
PORT="${SHOP_PORT:-8000}"
pids=()

stop() {
  trap - INT TERM EXIT
  echo; echo "stopping web, worker and beat ..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped"
}
trap stop INT TERM EXIT

"$VENV/bin/python" manage.py runserver "$HOST:$PORT" --noreload & pids+=($!)
"$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=2 --hostname="shop@%h" & pids+=($!)
"$VENV/bin/celery" -A config beat --loglevel=INFO --pidfile= & pids+=($!)

echo "web:    http://$HOST:$PORT/  (health: http://$HOST:$PORT/healthz)"
echo "admin:  http://$HOST:$PORT/admin/"
wait -n "${pids[@]}"
echo "a process exited; shutting the others down"
