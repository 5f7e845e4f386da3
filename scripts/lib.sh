# Shared helpers for the local service scripts.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"
[ -f "$ROOT/.env" ] && set -a && . "$ROOT/.env" && set +a
# Below 32768: outside Linux's ephemeral port range, so no outgoing connection can hold them.
PG_PORT="${PG_PORT:-25432}"
REDIS_PORT="${REDIS_PORT:-26379}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"

is_root() { [ "$(id -u)" = "0" ]; }

# need_pkg <command-or-path> <debian-package>: install it when root, else explain and stop.
need_pkg() {
  if command -v "$1" >/dev/null 2>&1 || [ -x "$1" ]; then return 0; fi
  if is_root && command -v apt-get >/dev/null 2>&1; then
    echo "installing $2 ..."
    if [ ! -f "$LOCAL/.apt-updated" ]; then
      apt-get update -qq && mkdir -p "$LOCAL" && touch "$LOCAL/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "missing: $1 — install the Debian package '$2' (e.g. sudo apt-get install $2)" >&2
    exit 1
  fi
}
