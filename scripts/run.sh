#!/usr/bin/env bash
# Run web, Celery worker and Celery beat in the foreground; Ctrl-C stops all three.
# `scripts/run.sh --dry-run` prints what it would run and where, and starts nothing.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
VENV="${VENV:-.venv}"
# The worker and beat read this too: config/celery.py alone would pick production settings.
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
HOST="$SHOP_HOST"
PORT="$SHOP_PORT"
commands=(
  "$VENV/bin/python manage.py runserver $HOST:$PORT --noreload"
  "$VENV/bin/celery -A config worker --loglevel=INFO --concurrency=2 --hostname=shop@%h"
  "$VENV/bin/celery -A config beat --loglevel=INFO --pidfile="
)
names=(web worker beat)

urls() {
  echo "web:    http://$HOST:$PORT/  (health: http://$HOST:$PORT/healthz)"
  echo "admin:  http://$HOST:$PORT/admin/"
  echo "mail:   $ROOT/.local/mail/ (one file per mail; the log shows one line for each)"
}

if [ "${1:-}" = "--dry-run" ]; then
  printf '%s\n' "${commands[@]}"
  urls
  exit 0
fi

pids=()
# stop <exit status>: stop what still runs, say so, and exit with that status.
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped web, worker and beat"
  exit "$1"
}
# Ctrl-C or a TERM is the ordinary way to stop the shop: not an error.
on_signal() {
  echo; echo "stopping web, worker and beat ..."
  stop 0
}
trap on_signal INT TERM
trap 'stop 1' EXIT

for command in "${commands[@]}"; do
  # Word splitting is wanted: each entry is a command line without quoted arguments.
  # shellcheck disable=SC2086
  $command & pids+=($!)
done

urls
# -p names the process that ended (bash >= 5.1), whatever state the others are in.
exited=""
wait -n -p exited "${pids[@]}"
status=$?
for i in "${!pids[@]}"; do
  if [ "${pids[$i]}" = "$exited" ]; then
    echo "${names[$i]} exited (status $status); stopping the others" >&2
  fi
done
stop 1
