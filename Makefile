# spamloop: fresh-machine entry points. `make run` and `make test` each set everything up first.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup run test test-fast bench lock clean-state

setup:
	@bash scripts/setup.sh

run: setup
	$(VENV)/bin/spamloop retrain

test: setup
	@bash scripts/test.sh $(PYTEST_ARGS)

test-fast: setup
	@bash scripts/test.sh -m "not slow" $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench.ingest

lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --find-links /opt/wheels \
	  --override scripts/overrides.txt --no-emit-find-links -o requirements.lock

clean-state:
	rm -rf .spamloop

# Local stack for the UIs (Prefect, MLflow, S3 on 127.0.0.1; docs/operations.md).
.PHONY: stack-up stack-down
stack-up: setup
	@bash scripts/stack.sh up

stack-down:
	@bash scripts/stack.sh down
