#!/usr/bin/env bash
# Install what a fresh Debian machine lacks for the two make targets.
#
# Debian packages: the PostgreSQL and Redis servers (the harness starts
# disposable ones from them; without them it falls back to the embedded
# wheels) and chromium for the browser tests. Each is installed only when
# missing, so a prepared machine pays nothing. Python packages come from
# uv.lock through `uv sync`, not from here.
set -euo pipefail

need=()
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "bootstrap: missing ${need[*]}; install them (apt-get install ${need[*]})" >&2
  echo "bootstrap: going on; the harness falls back to embedded servers" >&2
  exit 0
fi

echo "bootstrap: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# A failed install is reported, not fatal: the servers have embedded
# fallbacks, and the tests that need a browser say so when it is missing.
if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
  "${need[@]}" >/dev/null; }; then
  echo "bootstrap: could not install ${need[*]}; going on without them" >&2
fi
