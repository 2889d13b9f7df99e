# The README's two commands: `make demo` and `make test`. Both create .venv when missing and
# install depthlab with the exact pins of constraints.txt (torch is the CPU build, pinned).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
EXTRAS ?= dev,audio,text,explain,tune,serve,track,distributed,control
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))
# The mirror of real datasets (see ../shared/datasets/README.md); downloads are used when absent.
DEPTHLAB_DATA_DIR ?= $(abspath ../shared/datasets)
export DEPTHLAB_DATA_DIR

.PHONY: setup demo-setup browser demo test lint typecheck unit bench bench-accuracy bench-study bench-env \
	bench-train bench-modalities bench-quick wrk bench-serve clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[$(EXTRAS)]"
	@touch $@

# The demo is the main job: the depth study of MNIST-1D with the quick budget, into out/study.
# It installs only what the study needs (the core and captum for its interpretability claim);
# a venv that `make test` already filled serves it as it is. Running it again resumes the study
# (finished jobs are kept) and prints the same verdict.
DEMO_EXTRAS := explain
DEMO_STAMP := $(VENV)/.installed-$(DEMO_EXTRAS)
DEMO_STUDY := out/study

demo-setup: $(DEMO_STAMP)

$(DEMO_STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if [ $(STAMP) -nt pyproject.toml ] && [ $(STAMP) -nt constraints.txt ]; then :; else \
	  echo "$(PY) -m pip install -c constraints.txt -e .[$(DEMO_EXTRAS)]"; \
	  $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt \
	    -e ".[$(DEMO_EXTRAS)]"; fi
	@touch $@

demo: demo-setup
	$(BIN)/depthlab study mnist1d --quick --out $(DEMO_STUDY)
	@echo
	@echo "The report (plots, claim check, recommendation; opens offline):"
	@echo "  $(abspath $(DEMO_STUDY))/report.html"
	@echo "Open it in a browser: xdg-open $(DEMO_STUDY)/report.html (macOS: open ...), or"
	@echo "  $(PY) -m webbrowser file://$(abspath $(DEMO_STUDY))/report.html"

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: setup
	$(BIN)/mypy

# One torch thread per worker: two xdist workers with two threads each would fight for 2 cores.
# The tests run in an empty home folder of their own (HOME and the XDG folders), and without the
# variables that point libraries at per-user state elsewhere: a hidden dependency on the
# developer's home (~/.ray/auth_token, caches, config folders) fails here, on every machine, not
# only on a new one. The tests' temporary folders sit beside it (--basetemp), apart from any other
# pytest run on the machine. Installing (setup) keeps the real environment: package indexes live there.
HOME_VARS := HF_HOME HF_HUB_CACHE TRANSFORMERS_CACHE SENTENCE_TRANSFORMERS_HOME TORCH_HOME \
	MPLCONFIGDIR MLFLOW_TRACKING_URI MLFLOW_REGISTRY_URI RAY_ADDRESS RAY_AUTH_TOKEN \
	RAY_AUTH_TOKEN_PATH NUMBA_CACHE_DIR XDG_RUNTIME_DIR XDG_CONFIG_DIRS XDG_DATA_DIRS
unit: setup
	@root=$$(mktemp -d "$${TMPDIR:-/tmp}/depthlab-tests.XXXXXX") && trap 'rm -rf "$$root"' EXIT && \
	home="$$root/home" && mkdir "$$home" && echo "tests: HOME=$$home (empty)" && \
	env $(addprefix -u ,$(HOME_VARS)) HOME="$$home" XDG_CONFIG_HOME="$$home/.config" \
	  XDG_CACHE_HOME="$$home/.cache" XDG_DATA_HOME="$$home/.local/share" \
	  XDG_STATE_HOME="$$home/.local/state" DEPTHLAB_TEST_HOME="$$home" OMP_NUM_THREADS=1 \
	  $(BIN)/pytest -n 2 --dist loadfile --basetemp="$$root/tmp"

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
