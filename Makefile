# trueup: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what they need on a fresh machine: Debian packages (when run as root),
# a virtual environment from uv.lock, and the Go binaries of the dev-cluster, sops and the
# Helm helper (cached in ~/.cache/trueup, so only the first run builds them).

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEBIAN_PACKAGES := git gnupg openssh-server openssh-client docker-registry chromium chromium-driver

.PHONY: demo test setup system-packages build lint typecheck layers unit integration down clean screenshots

demo: setup build
	$(BIN)/trueup demo

test: setup build lint typecheck layers
	$(BIN)/pytest

setup: system-packages $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@echo "==> Python environment ($(VENV)) from uv.lock"
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet --disable-pip-version-check 'uv>=0.9'; }
	$(BIN)/uv sync --frozen --python $(BIN)/python --quiet
	@touch $@

system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "==> Debian packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Please install these Debian packages first: $$missing" >&2; exit 1; \
		fi; \
	fi
	@command -v go >/dev/null || { echo "Go 1.26 or newer is needed to build the dev-cluster" >&2; exit 1; }
	@command -v kubectl >/dev/null || { echo "kubectl is needed (kustomize and the tests use it)" >&2; exit 1; }

build: setup
	@echo "==> dev-cluster binaries (built once, then cached)"
	$(BIN)/trueup dev-cluster build
	@echo "==> render tools: sops and the Helm helper (built once, then cached)"
	$(BIN)/python -m trueup.render.tools

lint: setup
	@echo "==> format and lint (ruff)"
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/ruff check src tests benchmarks

typecheck: setup
	@echo "==> types (mypy --strict: src, tests and benchmarks, as pyproject.toml lists)"
	$(BIN)/mypy

layers: setup
	@echo "==> import layers (import-linter)"
	$(BIN)/lint-imports

unit: setup
	$(BIN)/pytest tests/unit

integration: setup build
	$(BIN)/pytest tests/integration

down:
	$(BIN)/trueup demo --stop

# The dashboard's pictures in docs/images/ (a dev-cluster of its own, 60 Apps in mixed
# states, headless Chromium); not part of `make test`, which leaves the tree as it is.
screenshots: setup build
	$(BIN)/python -m benchmarks.screenshots --output docs/images

clean: down
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
