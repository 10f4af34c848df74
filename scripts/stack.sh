#!/usr/bin/env bash
# Local stack for the UIs: Prefect server, MLflow server and SeaweedFS S3 on 127.0.0.1 (docs/operations.md).
#   scripts/stack.sh up|down|status
# Settings (environment): SPAMLOOP_STATE_DIR (.spamloop), PREFECT_PORT (4200), MLFLOW_PORT (5000),
# S3_PORT (8333), S3_BUCKET (spamloop), STACK_TIMEOUT_S (180). Data, logs and pid files: <state>/stack/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  echo "stack: $VENV/bin/python not found; run scripts/setup.sh (or make setup) first" >&2
  exit 1
fi
exec "$VENV/bin/python" -m devstack.stack "$@"
