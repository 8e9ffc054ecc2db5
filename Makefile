# The two commands: `make run` (demo on SQLite) and `make test` (the whole suite).
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell command -v python3.12 || command -v python3)
PG_URL ?= postgres://postgres@127.0.0.1:5432/fablab
DEMO_ENV := DEBUG=true
TEST_ENV := DEBUG=false SECRET_KEY=test-only-secret-key-not-for-production DJANGO_ALLOW_ASYNC_UNSAFE=true
PYTEST_ARGS ?=

.PHONY: run test test-sqlite test-postgres system-deps postgres messages static demo check audit bench clean

run: $(VENV)/.installed messages
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "  Fab Lab platform: http://127.0.0.1:$(PORT)/   (admin: /admin/, API: /api/v1/docs/)"
	@echo ""
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: $(VENV)/.installed node_modules/.installed messages postgres check test-sqlite test-postgres

check: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run -v1
	@$(MAKE) --no-print-directory audit

# Known vulnerabilities in the pinned packages (PyPI's advisory data). The pins are
# complete, so no resolver runs; a package PyPI cannot describe is listed, not fatal.
audit: $(VENV)/.installed
	$(VENV)/bin/pip-audit -r requirements.txt -r requirements-dev.txt --no-deps --disable-pip \
	  --vulnerability-service pypi --progress-spinner off

# SQLite first (with the browser tests), then the same suite on PostgreSQL.
test-sqlite: $(VENV)/.installed node_modules/.installed messages
	$(TEST_ENV) DATABASE_URL=sqlite:///$(CURDIR)/db-test-run.sqlite3 $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed messages postgres
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(MAKE) --no-print-directory system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Debian packages: gettext for compilemessages, Pango for WeasyPrint's PDFs, Chromium for the
# browser tests, pg_dump for the backup test, a Java runtime for the Nu HTML checker (vnu.jar),
# docker-compose to check the Compose file against its schema (no Docker daemon needed).
system-deps:
	@missing=""; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v pg_dump >/dev/null || missing="$$missing postgresql-client"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core"; \
	ldconfig -p | grep -q libpangoft2 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; \
	command -v docker-compose >/dev/null || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start
	@for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && exit 0; sleep 1; done; echo "PostgreSQL is not answering"; exit 1

messages: $(VENV)/.installed
	$(DEMO_ENV) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

# Load benchmark (docs/performance.md): the app under gunicorn on the seeded network, driven by wrk.
# A new database is created and filled by seed_scale first (about 10 minutes); 20 s per scenario then.
BENCH_DB ?= fablab_scale
BENCH_ARGS ?=
bench: $(VENV)/.installed postgres
	@command -v wrk >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }
	@if createdb -h 127.0.0.1 -U postgres $(BENCH_DB) 2>/dev/null; then \
	  $(TEST_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(PY) manage.py migrate --noinput -v0 && \
	  $(TEST_ENV) ALLOW_DEMO_DATA=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(PY) manage.py seed_scale; \
	fi
	$(TEST_ENV) DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) $(PY) bench/load.py $(BENCH_ARGS)

clean:
	rm -rf staticfiles db-test-run.sqlite3 test-db.sqlite3*
