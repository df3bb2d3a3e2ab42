"""The backend policy: JAX unless the user chose one (kerasopt._backend).

Each case runs in a fresh interpreter, since a Keras backend is chosen once
per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _python(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` with no backend settings (unless given) and Keras' home in tmp."""
    environ = {
        k: v for k, v in os.environ.items()
        if k != "KERAS_BACKEND" and not k.startswith("JAX_")
    }  # fmt: skip
    environ.update(KERAS_HOME=str(tmp_path / "keras-home"), **env)
    return subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True,
        timeout=180,
    )  # fmt: skip


def _keras_json(tmp_path: Path, backend: str) -> None:
    home = tmp_path / "keras-home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": backend}))


CHOSEN = "import os, sys, kerasopt; print(os.environ.get('KERAS_BACKEND'))"


def test_jax_when_nothing_is_chosen(tmp_path):
    code = (
        "import sys, kerasopt, keras\n"
        "from kerasopt import KerasClassifier\n"
        "print(keras.backend.backend(), 'tensorflow' in sys.modules)"
    )
    result = _python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["jax", "False"]


def test_jax_over_the_tensorflow_keras_writes_by_default(tmp_path):
    _keras_json(tmp_path, "tensorflow")  # what Keras writes on its first import
    result = _python(CHOSEN, tmp_path)
    assert result.stdout.strip() == "jax", result.stderr


@pytest.mark.parametrize("backend", ["tensorflow", "torch", "numpy"])
def test_environment_choice_is_kept(tmp_path, backend):
    result = _python(CHOSEN, tmp_path, KERAS_BACKEND=backend)
    assert result.stdout.strip() == backend, result.stderr


def test_config_file_choice_is_kept(tmp_path):
    _keras_json(tmp_path, "torch")
    result = _python(CHOSEN, tmp_path)
    assert result.stdout.strip() == "None", result.stderr


def test_unknown_backend_gets_keras_own_error(tmp_path):
    code = "import kerasopt\nfrom kerasopt import KerasClassifier"
    result = _python(code, tmp_path, KERAS_BACKEND="jaxx")
    assert result.returncode != 0
    assert "Unable to import backend : jaxx" in result.stderr
    assert "kerasopt" not in result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_keras_already_on_tensorflow_is_kept_with_a_hint(tmp_path):
    _keras_json(tmp_path, "tensorflow")
    code = (
        "import warnings, keras\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    import kerasopt\n"
        "print(keras.backend.backend())\n"
        "print('|'.join(str(w.message) for w in caught))"
    )
    result = _python(code, tmp_path, TF_CPP_MIN_LOG_LEVEL="3")
    backend, message = result.stdout.strip().splitlines()
    assert backend == "tensorflow", result.stderr
    assert "KERAS_BACKEND=jax" in message


def test_cli_help_imports_no_backend(tmp_path):
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from kerasopt.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print([m for m in ('jax', 'tensorflow', 'torch', 'keras') if m in sys.modules])"
    )
    result = _python(code, tmp_path)
    assert result.stdout.strip() == "[]", result.stderr


def test_jax_compilation_cache_is_on_and_user_settings_win(tmp_path):
    code = "import jax, kerasopt; print(jax.config.jax_compilation_cache_dir)"
    cache = tmp_path / "xdg"
    result = _python(code, tmp_path, XDG_CACHE_HOME=str(cache))
    # kerasopt configures the cache only where jax is not imported yet
    assert result.stdout.strip() in ("None", ""), result.stderr
    code = "import kerasopt, jax; print(jax.config.jax_compilation_cache_dir)"
    result = _python(code, tmp_path, XDG_CACHE_HOME=str(cache))
    assert result.stdout.strip() == str(cache / "kerasopt" / "jax"), result.stderr
    result = _python(code, tmp_path, JAX_COMPILATION_CACHE_DIR=str(tmp_path / "mine"))
    assert result.stdout.strip() == str(tmp_path / "mine"), result.stderr


def test_compiled_steps_are_reused_across_models(tmp_path):
    """A second model of the same architecture reads its steps from the cache."""
    # JAX reports each lookup in its persistent cache as a monitoring event.
    code = (
        "import kerasopt, keras, numpy as np, jax.monitoring\n"
        "events = []\n"
        "jax.monitoring.register_event_listener(lambda e, **_: events.append(e))\n"
        "X = np.random.rand(64, 3).astype('float32'); y = X.sum(1)\n"
        "for _ in range(2):\n"
        "    m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4),"
        " keras.layers.Dense(1)])\n"
        "    m.compile('adam', 'mse'); m.fit(X, y, epochs=1, verbose=0)\n"
        "    print([sum(e == f'/jax/compilation_cache/cache_{k}' for e in events)"
        " for k in ('hits', 'misses')])\n"
        "    events.clear()\n"
    )
    cache = tmp_path / "xdg"
    result = _python(code, tmp_path, XDG_CACHE_HOME=str(cache))
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines()[-2:])
    assert first[0] == 0 and first[1] > 0  # an empty cache: compiled, then stored
    assert second[0] > 0 and second[1] == 0  # the same steps: read, none compiled
    assert any((cache / "kerasopt" / "jax").iterdir())


def test_search_drops_compiled_functions_now_and_then_but_not_before_the_refit(
    monkeypatch,
):
    # It dropped them after every 10th trial: a 10-trial search then refit its
    # best trial with every compiled step gone (one more compile of a step
    # that had been compiled, 0.3-0.5 s of a 20 s search).
    from sklearn.linear_model import LogisticRegression

    import numpy as np
    from optuna.distributions import FloatDistribution

    from kerasopt import OptunaSearchCV
    from kerasopt.search import _objective, _search

    every = _objective.CLEAR_COMPILED_EVERY
    X, y = np.random.default_rng(0).normal(size=(40, 2)), np.arange(40) % 2
    events = []
    monkeypatch.setattr(_objective, "clear_compiled", lambda: events.append("clear"))
    refit = _search.refit_best

    def recorded(*args, **kwargs):
        events.append("refit")
        return refit(*args, **kwargs)

    monkeypatch.setattr(_search, "refit_best", recorded)
    for n_trials, clears in [(every, 0), (2 * every + 1, 2)]:
        events.clear()
        search = OptunaSearchCV(
            LogisticRegression(), {"C": FloatDistribution(0.1, 1)},
            n_trials=n_trials, cv=2, random_state=0,
        )  # fmt: skip
        search.fit(X, y)
        assert events == ["clear"] * clears + ["refit"], (n_trials, events)
