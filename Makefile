# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# Functions above grade C, which radon lists (it exits 0 either way), so any output fails. The
# apps that exist (messaging is newer than a checkout may be) and the dev-only app tests/scale.
COMPLEXITY := $(VENV)/bin/radon cc --min D --exclude '*/migrations/*' $(wildcard portal orders messaging disputes tests/scale)

.PHONY: run test lint format install messages demo sweep clean bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(INSTALLED)

## make run: install, migrate, load the demo data, start web + Celery worker + beat (Ctrl-C stops all)
run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runall

## make test: install what the tests need, lint, check the import layers (pyproject.toml) and that no
## function is above radon grade C, and run the whole suite on every core (each reports, then it fails)
test: install messages
	@status=0; \
	echo "$(PY) -m ruff check ."; $(PY) -m ruff check . || status=1; \
	echo "$(PY) -m ruff format --check ."; $(PY) -m ruff format --check . || status=1; \
	echo "$(VENV)/bin/lint-imports --no-cache"; $(VENV)/bin/lint-imports --no-cache || status=1; \
	echo "$(COMPLEXITY)"; complex=$$($(COMPLEXITY)) && test -z "$$complex" || { echo "$$complex"; status=1; }; \
	echo "$(PY) -m pytest -n auto"; $(PY) -m pytest -n auto || status=$$?; \
	exit $$status

## Compile translations when there are any; without gettext's msgfmt the pages stay in English.
messages: install
	@if ! find . -path ./$(VENV) -prune -o -name '*.po' -print | grep -q .; then \
		true; \
	elif command -v msgfmt >/dev/null 2>&1; then \
		$(PY) manage.py compilemessages --ignore=$(VENV) -v 0; \
	else \
		echo "gettext is not installed (apt-get install gettext): translations are not compiled."; \
	fi

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	@echo "$(COMPLEXITY)"; complex=$$($(COMPLEXITY)) && test -z "$$complex" || { echo "$$complex"; exit 1; }

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

sweep: install
	$(PY) manage.py enforce_deadlines

## make bench: time every page (distinct first views), uploads, the deadline sweep and a mixed
## load's requests/s; writes var/bench.json. Measures the configured database (seeding 1M orders /
## 100k disputes if it is empty); `make bench BENCH_ARGS=--quick` runs a one-minute version on two
## throwaway SQLite databases (2k and 10k orders) and prints the growth between them.
## The benchmark is the development-only app tests/scale, which only portal.settings.bench installs.
bench: install
	$(PY) manage.py benchmark --settings=portal.settings.bench $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .ruff_cache test-artifacts
