#!/usr/bin/env bash
# Start the MLflow tracking + model registry server with spamloop's settings (mlflow/server.env).
# Point spamloop at it with SPAMLOOP_MLFLOW_TRACKING_URI=http://$MLFLOW_HOST:$MLFLOW_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."
set -a
# shellcheck source=/dev/null
eval "$(grep -v '^\s*#' mlflow/server.env | sed '/^\s*$/d')"
set +a
mkdir -p "$(dirname "${MLFLOW_BACKEND_STORE_URI#sqlite:///}")" "$MLFLOW_ARTIFACTS_DESTINATION" 2>/dev/null || true
exec "${VENV:-.venv}/bin/mlflow" server \
  --host "$MLFLOW_HOST" --port "$MLFLOW_PORT" \
  --backend-store-uri "$MLFLOW_BACKEND_STORE_URI" \
  --artifacts-destination "$MLFLOW_ARTIFACTS_DESTINATION" \
  --workers "$MLFLOW_WORKERS"
