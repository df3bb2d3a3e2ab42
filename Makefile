# Every target creates .venv (if missing) and installs kerasopt into it first.
# kerasopt requires Python 3.11 (pyproject.toml): python3.11 where there is one.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kerasopt-installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: install demo test bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(STAMP)

# The demo needs kerasopt, its command line and the penguins table: not the dev
# tools (TensorFlow alone is 1.9 GB).
DEMO_STAMP := $(VENV)/.kerasopt-demo-installed
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[demo]"
	touch $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python examples/demo.py
	@echo "The kerasopt command is .venv/bin/kerasopt (or: source .venv/bin/activate)."

# The whole suite runs on the default backend (JAX). On TensorFlow: the fast part
# of the estimator, search and persistence tests, then a small slow subset (about
# 2 minutes): same-seed determinism across processes, sklearn's pickle, idempotent
# fit and train checks, one Keras OptunaSearchCV search and the CLI smoke test.
TF_TESTS := tests/test_estimators.py tests/test_sklearn_compat.py \
	tests/test_scikeras_compat.py tests/test_determinism.py \
	tests/test_persistence.py tests/test_search.py tests/test_search_compat.py
TF_SLOW := tests/test_determinism.py tests/test_sklearn_compat.py \
	tests/test_search.py tests/test_cli.py
TF_SLOW_SELECTED := same_seed or categoricals_default_space \
	or tune_resume_export_predict or check_estimators_pickle or check_fit_idempotent \
	or ((check_classifiers_train or check_regressors_train) and not readonly)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest -m "not slow" $(TF_TESTS)
	KERAS_BACKEND=tensorflow $(BIN)/python -m pytest -m slow $(TF_SLOW) \
		-k "$(TF_SLOW_SELECTED)"

bench: $(STAMP)
	$(BIN)/python -m pip install -e ".[bench]"
	$(BIN)/python benchmarks/run.py

docs: $(STAMP)
	$(BIN)/python -m pip install -e ".[docs]"
	$(BIN)/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build build dist src/*.egg-info
