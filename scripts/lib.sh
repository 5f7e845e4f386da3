# Shared helpers for the scripts: every script (and the Makefile, through them) reads `.env` here.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL="$ROOT/.local"

# load_env <file>: export each KEY=value line, unless KEY is already set in the environment
# (the environment wins, as in the Django settings). Quotes around a value are dropped;
# nothing is expanded or run.
load_env() {
  local line key value
  [ -f "$1" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'*) continue ;; esac
    line="${line#export }"
    key="${line%%=*}"
    [ "$key" != "$line" ] || continue
    key="${key%"${key##*[![:space:]]}"}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    value="${line#*=}"
    value="${value#"${value%%[![:space:]]*}"}"
    case "$value" in
      \"*\") value="${value#\"}"; value="${value%\"}" ;;
      \'*\') value="${value#\'}"; value="${value%\'}" ;;
    esac
    [ -n "${!key+x}" ] || export "$key=$value"
  done < "$1"
}
load_env "$ROOT/.env"

# Below 32768: outside Linux's ephemeral port range, so no outgoing connection can hold them.
PG_PORT="${PG_PORT:-25432}"
REDIS_PORT="${REDIS_PORT:-26379}"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
# Where `make run` serves the shop; the settings derive SITE_URL (links in mails) from them.
export SHOP_HOST="${SHOP_HOST:-127.0.0.1}"
export SHOP_PORT="${SHOP_PORT:-8000}"

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
