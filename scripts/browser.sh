#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_pkg /usr/bin/chromium chromium
/usr/bin/chromium --version
