# The two commands of README.md. Everything they need is installed by the scripts they call.
.PHONY: run test lint bench

run:
	scripts/run

test:
	scripts/test

lint:
	ruff check . && ruff format --check .

bench:
	python3 bench/engine.py
