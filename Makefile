# Conveniences only: the scripts are the real commands (the README cites them).
#   make run               bash scripts/run.sh
#   make test ARGS="-x"    bash scripts/test.sh -x
#   make lint              ruff check grants tests
.PHONY: run test lint

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh $(ARGS)

lint: .venv/bin/ruff
	.venv/bin/ruff check grants tests

.venv/bin/ruff: requirements-dev.txt requirements.txt
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@
