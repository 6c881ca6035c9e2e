# The two commands the README promises: `make run` and `make test`.
# Everything either needs is installed from this repository's own files.

VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

# Plain HTTP on this machine: no HTTPS redirect, static files served without collectstatic.
LOCAL_ENV := DJANGO_HTTPS=false DJANGO_COLLECTED_STATIC=false
TEST_ENV := $(LOCAL_ENV) DJANGO_REQUIRE_2FA=false DJANGO_DEBUG=false DJANGO_SECRET_KEY=only-for-tests DJANGO_ALLOWED_HOSTS=localhost,127.0.0.1,testserver

.PHONY: run serve manage test install system-deps lint bench bench-load clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) system-deps

# WeasyPrint needs Pango; the browser tests need Debian's chromium (never a downloaded browser).
system-deps:
	@bash tools/system_deps.sh

.secret_key:
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@

RUN_ENV = $(LOCAL_ENV) DJANGO_DEBUG=$${DJANGO_DEBUG:-false} \
	DJANGO_REQUIRE_2FA=$${DJANGO_REQUIRE_2FA:-false} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(cat .secret_key)} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}

run: install .secret_key
	$(RUN_ENV) sh -c '\
	  $(PY) manage.py migrate --no-input && \
	  $(PY) manage.py load_reference_data && \
	  $(PY) manage.py runserver $(HOST):$(PORT)'

# Production server: gunicorn, WEB_CONCURRENCY workers (default 3), hashed and compressed static
# files through WhiteNoise. Migrations, the reference load and collectstatic run once, before
# any worker starts. Production defaults: HTTPS assumed, second factor required for staff.
# Give it DATABASE_URL, CACHE_URL, DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (README).
SERVE_ENV = DJANGO_DEBUG=false DJANGO_COLLECTED_STATIC=true \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(cat .secret_key)} \
	DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}

serve: install .secret_key
	$(SERVE_ENV) sh -c '\
	  $(PY) manage.py migrate --no-input && \
	  $(PY) manage.py load_reference_data && \
	  $(PY) manage.py collectstatic --no-input -v0 && \
	  exec $(VENV)/bin/gunicorn config.wsgi:application -c config/gunicorn.py --bind $(HOST):$(PORT) \
	    --workers $${WEB_CONCURRENCY:-3} --timeout $${GUNICORN_TIMEOUT:-60} \
	    --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"'

# Any management command with the same settings as `make run`, e.g.
#   make manage ARGS=createsuperuser
#   make manage ARGS="import_assessments findings.csv --user alice"
manage: install .secret_key
	$(RUN_ENV) $(PY) manage.py $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(TEST_ENV) $(PY) bench/run.py

# gunicorn + PostgreSQL + Redis on loopback under wrk (bench/load.py; needs both services).
bench-load: install
	$(TEST_ENV) $(PY) bench/load.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .secret_key
