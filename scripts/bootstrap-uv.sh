#!/usr/bin/env bash
# Make `uv` available (as a command or as `python3 -m uv`), installing it from PyPI with pip
# when it is missing. Debian's own python3 refuses a system-wide pip install (PEP 668), so
# fall back to a user install there.
set -euo pipefail
command -v uv >/dev/null 2>&1 && exit 0
python3 -m uv --version >/dev/null 2>&1 && exit 0
echo "uv not found: installing it from PyPI with pip"
python3 -m pip install --quiet uv 2>/dev/null \
  || python3 -m pip install --quiet --user --break-system-packages uv
python3 -m uv --version
