# The workbook's commands. `make lab` to learn, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
REDIS_URL ?= redis://127.0.0.1:6379/0
STAMP := $(VENV)/.installed

.PHONY: help setup lab test test-fast nbval nbval-solved nbval-both student-run binder-check redis stop worker cron web db exercises hint check bench lint clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is needed, this is " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[all]'
	$(PY) -m workbook where >/dev/null
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv and install the workbook (Redis included, if none is on PATH)

db: setup  ## Create the database tables (the tutorial's rake db:migrate)
	$(BIN)/flask --app mailer_app init-db

redis: setup  ## Start the workbook's own Redis (AOF, noeviction) in the background
	$(PY) -m workbook redis-start

stop:  ## Stop the workbook's own Redis (by the PID in var/redis.pid)
	@if [ -x $(PY) ]; then $(PY) -m workbook redis-stop; fi

lab: setup redis db  ## Set everything up and open JupyterLab on the workbook
	$(PY) -m workbook.lab

worker: setup  ## Run a worker on every queue, highest priority first, with the scheduler
	$(BIN)/rq worker --url $(REDIS_URL) --serializer json --job-class mailer_app.queues.AllowlistJob --with-scheduler high default mailers low

cron: setup  ## Run the one rq cron process for recurring jobs
	$(BIN)/rq cron mailer_app.cron --url $(REDIS_URL)

web: setup db  ## Serve the mailer app on http://127.0.0.1:5000
	$(BIN)/flask --app mailer_app run --port 5000

test: setup  ## Set everything up and run every test, notebooks included
	$(PY) tools/make_exercises.py --check
	$(BIN)/ruff check .
	$(PY) -m pytest tests --target=solutions -m "not student_run"
	$(PY) -m pytest tests --target=exercises --expect-stubs -q
	@echo "== the notebooks as a student runs them (untouched exercises, the 30 s mail server),"
	@echo "   two ways at once: nbval in a kernel, then solved (a 2 s mail server); and beside"
	@echo "   them, JupyterLab's own UI in Chromium"
	$(MAKE) --no-print-directory -j2 nbval-both student-run

nbval: setup  ## Check the notebooks, exactly as the README says: pytest notebooks/
	$(PY) -m pytest notebooks

nbval-both: setup
	$(MAKE) --no-print-directory nbval
	$(MAKE) --no-print-directory nbval-solved

nbval-solved: setup  ## Check the notebooks once every exercise is solved (2 s mail server)
	@# 09 has no exercise: its run does not depend on them, and the student pass covers it.
	WORKBOOK_TARGET=solutions WORKBOOK_MAIL_DELAY=2 $(PY) -m pytest notebooks -q \
		--ignore=notebooks/09_beyond_one_machine.ipynb

student-run: setup  ## Run every notebook in JupyterLab in Chromium, as a student does
	$(PY) -m pytest tests/test_student_run.py --target=exercises -m student_run -q

binder-check: setup  ## Walk the Binder route (.binder/) in a fresh virtualenv; slow
	$(PY) tools/binder_check.py --quick

test-fast: setup  ## Unit tests only (no notebooks, no browser)
	$(PY) -m pytest tests --target=solutions -m "not browser and not slow"

exercises: setup  ## Regenerate exercises/ from solutions/
	$(PY) tools/make_exercises.py

hint: setup  ## The API hint for one exercise: make hint EX=03a
	@$(PY) -c 'from workbook.checks import hint; hint("$(EX)")'

check: setup  ## Check one exercise: make check EX=03a
	@$(PY) -c 'from workbook.checks import check; check("$(EX)")'

bench: setup  ## Measure everything side by side, in under 5 minutes (BENCH=--full: longer)
	$(PY) tools/bench.py $(BENCH)

lint: setup  ## Ruff over code and notebooks
	$(BIN)/ruff check .

clean:  ## Remove the virtualenv and generated state (not your notebooks)
	rm -rf $(VENV) var
