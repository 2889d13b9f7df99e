# The README's two commands: `make demo` and `make test`. Both create .venv when missing and
# install depthlab with the exact pins of constraints.txt (torch is the CPU build, pinned).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
EXTRAS ?= dev,audio,text,explain,tune,serve,track,distributed
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# The mirror of real datasets (see ../shared/datasets/README.md); downloads are used when absent.
DEPTHLAB_DATA_DIR ?= $(abspath ../shared/datasets)
export DEPTHLAB_DATA_DIR

.PHONY: setup browser demo test lint typecheck unit bench bench-accuracy bench-study bench-env \
	bench-train bench-modalities bench-quick wrk bench-serve clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $@

# Runs go to out/runs with --resume: a second `make demo` reuses finished runs, an interrupted
# one continues where it stopped.
DEMO_RUNS := out/runs

demo: setup
	$(BIN)/depthlab data list
	$(BIN)/depthlab data show mnist1d --out out/mnist1d.png
	$(BIN)/depthlab train --data mnist1d --model mlp --preset shallow --out $(DEMO_RUNS)/mlp-shallow --resume
	$(BIN)/depthlab train --data mnist1d --model cnn --preset deep --out $(DEMO_RUNS)/cnn-deep --resume
	@echo "MNIST-1D, test accuracy (same split, seed 0):"
	@for run in mlp-shallow cnn-deep; do \
	  printf '  %-12s %s\n' $$run "$$($(PY) -c 'import json, sys; \
	    print(round(json.load(sys.stdin)["test"]["accuracy"], 4))' < $(DEMO_RUNS)/$$run/metrics.json)"; \
	done

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

# One torch thread per worker: two xdist workers with two threads each would fight for 2 cores.
unit: setup
	OMP_NUM_THREADS=1 $(BIN)/pytest -n 2 --dist loadfile

# Headless Chromium for the report's browser test (tests/report/test_browser.py), from apt when
# missing. It never stops `make test`: without it the test skips, or fails where CI=true.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; \
	  elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	  else echo "browser: chromium missing; not root and no sudo, so not installed"; exit 0; fi; \
	  if ! command -v apt-get >/dev/null 2>&1; then \
	    echo "browser: chromium missing and no apt-get here; install it by hand"; exit 0; fi; \
	  { $$sudo apt-get update -qq && \
	    $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	    echo "browser: installing chromium failed; the browser test will skip (fail with CI=true)"; \
	}

test: browser lint typecheck unit

bench: setup
	$(PY) bench/load_tabular.py

bench-accuracy: setup
	$(PY) bench/accuracy_mnist1d.py

bench-study: setup
	$(PY) bench/study_mnist1d.py
	$(PY) bench/seeds_together.py

# One torch thread per run: the figures of bench/README.md were taken that way.
bench-modalities: setup
	OMP_NUM_THREADS=1 $(PY) bench/fsdd.py
	OMP_NUM_THREADS=1 $(PY) bench/sentiment.py --threads 1
	OMP_NUM_THREADS=1 $(PY) bench/sunspots.py
	OMP_NUM_THREADS=1 $(PY) bench/movielens.py
	OMP_NUM_THREADS=1 $(PY) bench/digits.py

bench-quick: setup
	$(PY) bench/quick_studies.py

# wrk (HTTP load generator) for bench/serve_wrk.py, from apt when missing, as `browser` does.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then sudo=; \
	  elif command -v sudo >/dev/null 2>&1; then sudo=sudo; \
	  else echo "wrk: missing; not root and no sudo, so not installed"; exit 1; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	}

# Serving: wrk against `depthlab serve` (MNIST-1D CNN, ONNX Runtime), then ONNX Runtime against
# PyTorch eager; one thread each, as the figures of bench/README.md were taken.
bench-serve: setup wrk
	OMP_NUM_THREADS=1 $(PY) bench/serve_wrk.py
	OMP_NUM_THREADS=1 $(PY) bench/onnx_latency.py

# skorch and PyTorch Lightning, for bench/train_overhead.py only: their own environment, pinned by
# bench/constraints-bench.txt on top of constraints.txt (never in .venv or pyproject's extras).
BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

bench-env: $(BENCH_STAMP)

$(BENCH_STAMP): pyproject.toml constraints.txt bench/constraints-bench.txt
	@test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -c bench/constraints-bench.txt -e ".[dev]" skorch lightning
	@touch $@

bench-train: bench-env
	$(BENCH_VENV)/bin/python bench/train_overhead.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) out .mypy_cache .ruff_cache .pytest_cache
