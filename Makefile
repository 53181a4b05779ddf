# BSR Academy — `make run` starts everything on the embedded default; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): one per core; PYTEST_WORKERS=0 runs in this process. Tests are
# handed out two at a time, so the slow browser and concurrency tests at the end of the order are
# shared by both processes instead of arriving in one process's batch. The twenty slowest tests
# are listed at the end, to keep the suite's time in view.
PYTEST_WORKERS ?= auto

.PHONY: install run test lint format bench clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# The translation catalogues are compiled at every install (a second when nothing changed).
install: $(STAMP)
	$(BIN)/python manage.py catalogues compile

# After marking new strings: update every language's catalogue from the code (needs GNU gettext),
# then translate the new entries (docs/translations.md).
LANGUAGE_CODES := da de et fi is lt lv nb pl sv uk
messages: install
	$(BIN)/python manage.py makemessages --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=static_collected --ignore=var --ignore=locale $(addprefix -l ,$(LANGUAGE_CODES))
	$(BIN)/python manage.py makemessages -d djangojs --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=static_collected --ignore=var --ignore=vendor --ignore=locale $(addprefix -l ,$(LANGUAGE_CODES))
	$(BIN)/python manage.py catalogues status

# Links in e-mails (and the admin) point at the address the server listens on.
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_admin
	@echo ""
	@echo "  BSR Academy is starting: open http://$(HOST):$(PORT)/"
	@echo "  Editors and staff log in at http://$(HOST):$(PORT)/admin/ with the administrator above"
	@echo "  (ADMIN_EMAIL / ADMIN_PASSWORD override it). E-mails: one line each below, read them at"
	@echo "  http://$(HOST):$(PORT)/admin/system/inbox/ (files in var/mail/)."
	@echo "  Ctrl-C stops the web server and the job cluster."
	@echo "  Staff logins ask for a second step: the code from $(BIN)/python manage.py demo_totp EMAIL."
	@echo ""
	$(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist load --maxschedchunk 2 --durations=20 $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py events_doc --check
	$(BIN)/python manage.py catalogues check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/jobs.py

clean:
	rm -rf $(VENV) var static_collected .pytest_cache .ruff_cache .import_linter_cache
