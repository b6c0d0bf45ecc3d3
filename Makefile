# 留痕 liuhen — `make run` serves a demo instance, `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: CJK fonts and Pango to render Chinese pages and PDFs, ffmpeg for media (run and test);
# the browser for UI tests and pdftotext to read PDFs back (test only)
RUN_PACKAGES := fonts-noto-cjk texlive-lang-chinese libpango-1.0-0 libpangoft2-1.0-0 ffmpeg
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils

.PHONY: run test install install-test run-packages test-packages lint bench

$(BIN)/liuhen: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "liuhen needs Python 3.11 or newer")'
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || ($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q python3-venv)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	@touch $@

# the test extra (playwright, moto, schemathesis, mypy, ruff) only for testing and linting, never to serve
$(VENV)/.test-extra: $(BIN)/liuhen
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(BIN)/liuhen

install-test: $(VENV)/.test-extra

define install_packages
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; fi
endef

run-packages:
	$(call install_packages,$(RUN_PACKAGES))

test-packages:
	$(call install_packages,$(TEST_PACKAGES))

run: install run-packages
	$(BIN)/liuhen init
	$(BIN)/liuhen demo
	$(BIN)/liuhen serve --port $(PORT)

test: install-test test-packages
	scripts/run-tests

lint: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python bench/ledger.py
