#!/usr/bin/env bash
# Milliseconds from navigation start to the load event of an HTML file in headless
# Chromium: a copy of the file with one line added records it, and the DOM dump reads
# it back. Usage: bash scripts/html-load-ms.sh results/<run>/report.html
set -euo pipefail
copy=$(mktemp --suffix=.html)
trap 'rm -f "$copy"' EXIT
{
  cat "$1"
  echo '<script>addEventListener("load",function(){document.documentElement.setAttribute("data-load-ms",Math.round(performance.now()))})</script>'
} >"$copy"
chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$copy" 2>/dev/null |
  grep -o 'data-load-ms="[0-9]*"' | tr -dc '0-9'
echo " ms"
