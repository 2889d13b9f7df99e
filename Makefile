# The README's two commands: `make demo` and `make test`. Both create .venv when missing and
# install depthlab with the exact pins of constraints.txt (torch is the CPU build, pinned).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
EXTRAS ?= dev,audio
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# The mirror of real datasets (see ../shared/datasets/README.md); downloads are used when absent.
DEPTHLAB_DATA_DIR ?= $(abspath ../shared/datasets)
export DEPTHLAB_DATA_DIR

.PHONY: setup demo test lint typecheck unit bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $@

demo: setup
	$(BIN)/depthlab data list
	$(BIN)/depthlab data show mnist1d --out out/mnist1d.png

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck unit

bench: setup
	$(PY) bench/load_tabular.py

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
