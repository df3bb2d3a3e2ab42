"""Keep the benchmark code from rotting: one cheap benchmark, end to end.

Timings are not asserted here (benchmarks are not tests); only that the
runner produces well-formed results files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.mark.slow
def test_quick_predict_benchmark_writes_results(tmp_path: Path) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run
    finally:
        sys.path.remove(str(BENCHMARKS))

    assert run.main(["--quick", "--only", "predict", "--output", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    assert results["quick"] is True
    assert results["environment"]["cpu_count"] >= 1
    assert results["environment"]["versions"]["keras"]
    rows = results["rows"]
    assert [r["benchmark"] for r in rows] == ["predict"] * 3
    for r in rows:
        assert r["baseline"] > 0 and r["kerasopt"] > 0, r
        assert r["passed"] in (True, False), r
    table = (tmp_path / "results.md").read_text()
    assert "| Benchmark | Case | Baseline |" in table
    assert table.count("| predict |") == 3


def test_runner_rejects_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import run
    finally:
        sys.path.remove(str(BENCHMARKS))

    with pytest.raises(SystemExit):
        run.main(["--only", "nonexistent"])
    assert "invalid choice: 'nonexistent'" in capsys.readouterr().err
