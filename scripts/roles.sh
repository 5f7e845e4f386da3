#!/usr/bin/env bash
# The database roles, the database and the grants (docs/security.md). The local cluster's
# superuser makes them; with DATABASE_URL (environment or .env) DATABASE_ADMIN_URL names a
# role that may, and without it the roles are left as they are.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY="${VENV:-.venv}/bin/python"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.dev}"
if [ -z "${DATABASE_URL:-}" ]; then
  exec "$PY" manage.py db_roles --owner-createdb
elif [ -n "${DATABASE_ADMIN_URL:-}" ]; then
  exec "$PY" manage.py db_roles
else
  echo "DATABASE_ADMIN_URL not set: roles left as they are"
fi
