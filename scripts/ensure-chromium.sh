#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (there is no browser download on these machines).
# Install it when it is missing and we are root; otherwise say exactly what to run.
set -euo pipefail
bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$bin" ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "ensure-chromium: $bin is missing; installing Debian's chromium with apt-get" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x "$bin" ] && exit 0
fi
echo "ensure-chromium: the browser tests need Chromium at $bin." >&2
echo "  Install it:  sudo apt-get install -y chromium    (or set CHROMIUM_PATH to a Chromium binary)" >&2
exit 1
