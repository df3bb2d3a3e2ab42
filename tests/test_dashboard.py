"""optuna-dashboard opens the studies kerasopt writes (served over HTTP here)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import optuna
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from kerasopt import OptunaSearchCV
from kerasopt.search import resolve_storage

optuna_dashboard = pytest.importorskip("optuna_dashboard")


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:  # no access log in the test output
        pass


@pytest.fixture
def kerasopt_study(tmp_path: Path) -> str:
    """A SQLite file written by OptunaSearchCV, with the CLI's user attributes."""
    url = f"sqlite:///{tmp_path / 'kerasopt.db'}"
    X, y = load_iris(return_X_y=True)
    space = {"C": optuna.distributions.FloatDistribution(1e-2, 1e2, log=True)}
    search = OptunaSearchCV(
        LogisticRegression(max_iter=200), space, n_trials=3, cv=2, storage=url,
        study_name="iris-species", random_state=0,
    )  # fmt: skip
    search.fit(X, y)
    study = search.study_
    study.set_user_attr("features", ["a", "b"])
    study.set_user_attr("unused", {"id": "--id-column"})
    return url


@pytest.fixture
def dashboard(kerasopt_study: str) -> Iterator[str]:
    app = optuna_dashboard.wsgi(resolve_storage(kerasopt_study))
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local
        assert response.status == 200
        return json.loads(response.read())


def test_dashboard_lists_and_opens_a_kerasopt_study(dashboard: str) -> None:
    studies = _get(f"{dashboard}/api/studies")["study_summaries"]
    assert [s["study_name"] for s in studies] == ["iris-species"]
    detail = _get(f"{dashboard}/api/studies/{studies[0]['study_id']}?after=0")
    assert len(detail["trials"]) == 3
    assert {t["state"] for t in detail["trials"]} == {"Complete"}
