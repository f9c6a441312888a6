# Kakehashi: `make run` serves the app, `make test` runs the suite. Nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app app
PYTEST_ARGS ?=

.PHONY: run serve test install install-test translations i18n-extract i18n-update lint clean \
	bench bench-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

# The suite's independent Open Badges verifier (Digital Bazaar's eddsa-jcs-2022, on Node):
# re-installed only when its package-lock.json changes. Without npm it is left out (its
# tests then skip on a developer's machine; CI installs Node and npm first).
BADGE_VERIFIER := tests/reports/badgeverifier
$(BADGE_VERIFIER)/node_modules/.installed: $(BADGE_VERIFIER)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(BADGE_VERIFIER) --no-audit --no-fund && touch $@; \
	else \
		echo "warning: npm not found: the independent badge verifier is not installed" >&2; \
	fi

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations $(BADGE_VERIFIER)/node_modules/.installed

translations: $(VENV)/.installed
	@out=$$($(BIN)/pybabel compile -d lms/translations 2>&1) || { echo "$$out"; exit 1; }

run: install
	$(FLASK) db upgrade
	$(FLASK) lms demo
	@echo ""
	@echo "Kakehashi is at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style serving: gunicorn, 2 sync workers per core is a good start.
WORKERS ?= 4
serve: install
	$(FLASK) db upgrade
	$(BIN)/gunicorn --preload --workers $(WORKERS) --bind $(HOST):$(PORT) app:app

# Two runs: everything but the browser tests on both cores, then the browser tests alone
# (Chromium, the live server and the page's own timing want the machine to themselves).
test: install-test
	$(BIN)/python -m pytest -n 2 --ignore=tests/browser $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/browser $(PYTEST_ARGS)

# Static checks (CI runs them before the suite): ruff, and bandit with no high-severity finding.
lint: install-test
	$(BIN)/ruff check lms tests
	$(BIN)/bandit -q -r lms -lll

# --ignore-dirs ".*": Babel skips folders whose names start with "_" by default, which left
# templates/_macros/ and _partials/ out of the catalogue (their strings never translated).
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output --project Kakehashi --ignore-dirs ".*" .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

# Benchmarks (bench/; not part of the test run). SIZE=S|M|L; DATABASE_URL for PostgreSQL
# (its database name must contain "bench": it is dropped and made again).
SIZE ?= S
BENCH_ARGS ?=

bench-data: $(VENV)/.installed
	$(BIN)/python bench/generate.py --size $(SIZE)

# Generates SIZE data first when there is none; installs wrk from Debian when missing.
bench: $(VENV)/.installed translations
	$(BIN)/python bench/run.py --size $(SIZE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
