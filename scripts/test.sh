#!/usr/bin/env bash
# Run the test suite in the project venv. pytest's exit code 5 (no tests collected) counts as failure:
# a suite that silently runs nothing must not look green.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests (exit 5): treating as failure" >&2
  exit 1
fi
exit "$rc"
