# The two commands of README.md. Everything they need is installed by the scripts they call.
.PHONY: run test lint precommit bench

run:
	scripts/run

test:
	scripts/test

lint:
	ruff check . && ruff format --check .

# ruff and OCA's mandatory pylint-odoo checks (.pre-commit-config.yaml), in pre-commit's own
# environments: `python3 -m pip install pre-commit` first.
precommit:
	pre-commit run --all-files

bench:
	python3 bench/engine.py
