# Thước Đo — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# manage.py defaults to the dev settings; the tests always use the test settings.
TEST_ENV := DJANGO_SETTINGS_MODULE=thuocdo.config.settings.test

.PHONY: wrk bench-monitoring bench-feedback run test test-browser install install-dev messages migrate lint typecheck check openapi ci clean help

help:
	@echo "make run    — cài đặt, nạp dữ liệu thật, chạy http://$(HOST):$(PORT) (SQLite)"
	@echo "make test   — chạy toàn bộ bộ kiểm thử (SQLite)"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Thước Đo cần Python 3.11 trở lên")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run messages
install-dev: $(VENV)/.installed-dev messages

# Translations are compiled with Babel (pure Python), so GNU gettext is not needed to run.
messages: | $(VENV)/.installed-run
	@$(BIN)/pybabel compile --domain django --directory thuocdo/locale --statistics 2>&1 | grep -v "^$$" || true

migrate: install
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py load_units
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_monitoring_demo
	$(PY) manage.py calendar_seed
	$(PY) manage.py load_topics
	$(PY) manage.py load_initiative_data
	$(PY) manage.py seed_initiatives_demo
	$(PY) manage.py seed_feedback_demo
	$(PY) manage.py feedback_sweep --schedule
	@echo "Thước Đo: http://$(HOST):$(PORT)  (Ctrl+C để dừng; worker công việc nền chạy kèm)"
	@trap 'kill 0' EXIT INT TERM; export SITE_URL=$${SITE_URL:-http://$(HOST):$(PORT)}; \
	  $(PY) manage.py db_worker --queue-name '*' --no-reload & \
	  $(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: install-dev
	$(TEST_ENV) $(BIN)/pytest -q

test-browser: install-dev
	$(TEST_ENV) REQUIRE_BROWSER=1 $(BIN)/pytest -q -m browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/mypy thuocdo

check: lint typecheck
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

openapi: install-dev
	$(TEST_ENV) $(PY) manage.py export_openapi > docs/openapi.json

# The write benchmarks' load client: Debian's wrk (C, epoll), installed like Chromium.
wrk:
	@command -v wrk >/dev/null || (apt-get install -y wrk >/dev/null 2>&1 || sudo apt-get install -y wrk)

# National-scale benchmark on PostgreSQL (127.0.0.1:5432, user postgres): see docs/benchmarks.md.
BENCH_DB ?= thuocdo_bench
BENCH_ENV := DJANGO_SETTINGS_MODULE=thuocdo.config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
bench-monitoring: install-dev wrk
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect 15 main start
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 || \
	  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(BENCH_DB)"
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py load_units -v0
	$(BENCH_ENV) $(PY) benchmarks/monitoring_data.py
	$(BENCH_ENV) $(PY) benchmarks/monitoring.py

# The feedback desk with one million items, in its own database (see docs/benchmarks.md).
FEEDBACK_BENCH_DB ?= thuocdo_feedback_bench
FEEDBACK_BENCH_ENV := DJANGO_SETTINGS_MODULE=thuocdo.config.settings.bench DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(FEEDBACK_BENCH_DB)
bench-feedback: install-dev wrk
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect 15 main start
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(FEEDBACK_BENCH_DB)'" | grep -q 1 || \
	  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $(FEEDBACK_BENCH_DB)"
	$(FEEDBACK_BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(FEEDBACK_BENCH_ENV) $(PY) manage.py load_units -v0
	$(FEEDBACK_BENCH_ENV) $(PY) benchmarks/feedback_data.py
	$(FEEDBACK_BENCH_ENV) $(PY) benchmarks/feedback.py
	$(FEEDBACK_BENCH_ENV) $(PY) benchmarks/feedback_durability.py

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3* var staticfiles
