#!/usr/bin/env bash
# Create .venv and install spamloop with every pinned dependency (requirements.lock).
# Idempotent: a second run with an unchanged lock file does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3.12 python3; do
    if command -v "$cand" >/dev/null 2>&1; then PY=$cand; break; fi
  done
fi
VENV=${SPAMLOOP_VENV:-.venv}
STAMP="$VENV/.spamloop-installed"
WANT=$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  exit 0
fi

echo "[setup] creating $VENV with $($PY --version)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "uv==0.13.9"

# torch is pinned to the CPU build (2.13.0+cpu). Where a local wheel folder exists
# (PIP_FIND_LINKS, /opt/wheels), use it; elsewhere take it from PyTorch's CPU index.
UV_ARGS=(--python "$VENV/bin/python")
for d in ${PIP_FIND_LINKS:-} /opt/wheels; do
  [ -d "$d" ] && UV_ARGS+=(--find-links "$d")
done
if ! ls /opt/wheels/torch-2.13.0+cpu* >/dev/null 2>&1 && [ -z "${PIP_FIND_LINKS:-}" ]; then
  UV_ARGS+=(--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match)
fi

echo "[setup] installing requirements.lock"
"$VENV/bin/uv" pip install -q "${UV_ARGS[@]}" --override scripts/overrides.txt -r requirements.lock
"$VENV/bin/uv" pip install -q "${UV_ARGS[@]}" --no-deps -e .
echo "$WANT" > "$STAMP"
echo "[setup] done: $VENV"
