#!/usr/bin/env bash
# Installs the Debian packages the app and its tests need, only when they are missing.
# Pango: WeasyPrint renders the PDF briefings. chromium: browser tests (Playwright drives it
# through executablePath; no browser is ever downloaded). poppler-utils: PDF pages to PNG.
# wrk: the load benchmark (make bench-load).
set -euo pipefail
need=()
ldconfig -p | grep -q 'libpango-1.0.so' || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p | grep -q 'libharfbuzz-subset' || need+=(libharfbuzz-subset0)
command -v chromium >/dev/null || need+=(chromium)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
command -v wrk >/dev/null || need+=(wrk)  # bench/load.py: HTTP load on loopback
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# axe-core for the accessibility browser tests: the pinned version in tools/axe/package.json.
if [ ! -f tools/axe/node_modules/axe-core/axe.min.js ]; then
  command -v npm >/dev/null || { $sudo apt-get update -qq; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }
  (cd tools/axe && npm ci --no-audit --no-fund --silent)
fi
