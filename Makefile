# The workbook's commands. `make lab` to learn, `make test` to check everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
# The lock: every package `make setup` installs, pinned (`make lock` refreshes it).
LOCK := constraints.txt
# The real path of the interpreter .venv is built from; a .venv from another Python is rebuilt.
BASE_PYTHON := $(shell $(PYTHON) -c 'import os, sys; print(os.path.realpath(sys._base_executable))' 2>/dev/null)
VENV_FROM_OTHER_PYTHON := $(if $(filter-out $(BASE_PYTHON),$(shell cat $(STAMP) 2>/dev/null)),FORCE)
# The exercise ids, from solutions/ (ex03a_enqueue.py gives 03a). EX reaches recipes only
# through the environment (make exports command-line variables), never pasted into a command.
EXERCISES := $(sort $(patsubst ex%,%,$(foreach f,$(notdir $(wildcard solutions/ex*_*.py)),$(firstword $(subst _, ,$(f))))))
override EX := $(value EX)
export EX
VALID_EX = for id in $(EXERCISES); do [ "$$id" = "$${EX-}" ] && exit 0; done; \
	printf '%s\n' "EX='$${EX-}' is not an exercise of this workbook: use one of $(EXERCISES), as in make check EX=03a." >&2; exit 2

.PHONY: help setup lock reset valid-ex FORCE lab test test-at-machine-speed test-fast nbval nbval-solved nbval-both student-run paced twice binder-check redis stop worker cron relay web db exercises hint check bench lint clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

FORCE:

$(STAMP): pyproject.toml $(LOCK) $(VENV_FROM_OTHER_PYTHON)
	@$(PYTHON) -c 'import sys; v = sys.version.split()[0]; sys.exit("Python 3.11+ is needed, this is " + v) if sys.version_info < (3, 11) else print("Python " + v + " is newer than the workbook is tested with (3.11 to 3.14): trying anyway") if sys.version_info >= (3, 15) else None'
	@if [ -x $(PY) ] && [ "$$($(PY) -c 'import os, sys; print(os.path.realpath(sys._base_executable))' 2>/dev/null)" != "$(BASE_PYTHON)" ]; then \
		echo "$(VENV) was built by another Python than $(PYTHON) ($(BASE_PYTHON)): rebuilding it"; rm -rf $(VENV); fi
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -c $(LOCK) --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[all]'
	$(PY) tools/ensure_redis_server.py
	$(PY) -m workbook where >/dev/null
	@echo '$(BASE_PYTHON)' > $(STAMP)

setup: $(STAMP)  ## Create .venv and install the workbook (Redis included, if none is on PATH)

lock: setup  ## Refresh constraints.txt, the lock, to the newest versions pyproject.toml allows
	$(BIN)/uv pip compile pyproject.toml - --all-extras --universal --python-version 3.11 \
		--upgrade --custom-compile-command "make lock" --quiet -o $(LOCK) <<< pip

db: setup  ## Create the database tables (the tutorial's rake db:migrate)
	$(BIN)/flask --app mailer_app init-db

redis: setup  ## Start the workbook's own Redis (AOF, noeviction) in the background
	$(PY) -m workbook redis-start

stop:  ## Stop the workbook's own Redis (by the PID in var/redis.pid)
	@if [ -x $(PY) ]; then $(PY) -m workbook redis-stop; fi

lab: setup redis db  ## Set everything up and open JupyterLab on the workbook
	$(PY) -m workbook.lab

# The worker and cron commands are built in workbook/services.py, printed, then run. REDIS_URL
# (environment or make REDIS_URL=...) overrides mailer_app/config.py's default.
worker: setup  ## Run a worker on every queue, highest priority first, with the scheduler
	$(PY) -m workbook worker

cron: setup  ## Run the one rq cron process for recurring jobs
	$(PY) -m workbook cron

relay: setup db  ## Run the relay of MAIL_DELIVERY=relayed (mail_outbox to RQ)
	$(PY) -m workbook relay

web: setup db  ## Serve the mailer app on http://127.0.0.1:5000
	$(BIN)/flask --app mailer_app run --port 5000

test: setup  ## Set everything up and run every test, notebooks included
	@# The paced runs sleep most of their 15 minutes, so they go beside everything else; the
	@# twice runs (two notebooks at a time, busy) fill much of that sleep.
	$(MAKE) --no-print-directory -j3 test-at-machine-speed paced twice

test-at-machine-speed: setup
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

paced: setup  ## Run 03, 04 and 06 at a person's pace (pauses, a 10-minute break, restarts)
	$(PY) tools/paced_run.py --ci $(PACE)

twice: setup  ## Run every notebook with each code cell twice in a row, at machine speed
	$(PY) tools/paced_run.py --twice-every-notebook

binder-check: setup  ## Walk the Binder route (.binder/) in a fresh virtualenv; slow
	$(PY) tools/binder_check.py --quick

test-fast: setup  ## Unit tests only (no notebooks, no browser)
	$(PY) -m pytest tests --target=solutions -m "not browser and not slow"

.PHONY: flake-hunt
# N reaches the recipe through the environment (make exports command-line variables).
flake-hunt: setup  ## Run the timing tests N times beside two busy loops: make flake-hunt N=5
	$(PY) tools/flake_hunt.py --runs "$${N:-5}"

exercises: setup  ## Regenerate exercises/ from solutions/
	$(PY) tools/make_exercises.py

# Listed first, so a wrong EX stops make before any setup.
valid-ex:
	@$(VALID_EX)

hint: valid-ex setup  ## The API hint for one exercise: make hint EX=03a
	@$(PY) -c 'import os; from workbook.checks import hint; hint(os.environ["EX"])'

check: valid-ex setup  ## Check one exercise: make check EX=03a
	@$(PY) -c 'import os; from workbook.checks import check; check(os.environ["EX"])'

reset: valid-ex setup  ## Put back one exercise's untouched stub, yours kept beside it: make reset EX=03a
	@$(PY) tools/reset_exercise.py "$$EX"

bench: setup  ## Measure everything side by side, in under 5 minutes (BENCH=--full: longer)
	$(PY) tools/bench.py $(BENCH)

lint: setup  ## Ruff over code and notebooks
	$(BIN)/ruff check .

clean:  ## Stop the workbook's Redis, remove the virtualenv and generated state (not your notebooks)
	@if [ -x $(PY) ]; then $(PY) -m workbook redis-stop || true; fi
	rm -rf $(VENV) var
