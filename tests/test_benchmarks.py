"""Keep the benchmark code from rotting: one cheap benchmark, end to end.

Timings are not asserted here (benchmarks are not tests); only that the
runner produces well-formed results files.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _runner() -> Any:
    """benchmarks/run.py as a module (it puts benchmarks/ on sys.path itself)."""
    spec = importlib.util.spec_from_file_location("_bench_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quick_predict_benchmark_writes_results(tmp_path: Path) -> None:
    run = _runner()
    assert run.main(["--quick", "--only", "predict", "--output", str(tmp_path)]) == 0

    results = json.loads((tmp_path / "results.json").read_text())
    [run_info] = results["runs"]
    assert run_info["quick"] is True and run_info["benchmarks"] == ["predict"]
    assert run_info["environment"]["cpu_count"] >= 1
    assert run_info["environment"]["versions"]["keras"]
    rows = results["rows"]
    assert [r["benchmark"] for r in rows] == ["predict"] * 3
    for r in rows:
        assert r["baseline"] > 0 and r["kerasopt"] > 0, r
        assert r["passed"] in (True, False), r
    table = (tmp_path / "results.md").read_text()
    assert "| Benchmark | Case | Baseline |" in table
    assert table.count("| predict |") == 3


def test_runner_rejects_unknown_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    run = _runner()
    with pytest.raises(SystemExit):
        run.main(["--only", "nonexistent"])
    assert "invalid choice: 'nonexistent'" in capsys.readouterr().err


def test_update_keeps_other_benchmarks_rows(tmp_path: Path) -> None:
    run = _runner()
    old_row = {"benchmark": "fit", "case": "c", "baseline_name": "keras",
               "baseline": 2.0, "kerasopt": 1.0, "unit": "s", "ratio": 0.5,
               "target": "<= 1.0x", "passed": True, "note": ""}  # fmt: skip
    stale = dict(old_row, benchmark="predict", ratio=99.0)
    (tmp_path / "results.json").write_text(
        json.dumps({"runs": [], "rows": [old_row, stale]})
    )
    kept = run._previous(tmp_path, ["predict"])
    assert kept["rows"] == [old_row]
    kept["runs"].append(
        {"benchmarks": ["predict"], "quick": True, "seconds": 1.0, "failed": [],
         "load_average_after": [1.0, 1.0, 1.0], "environment": run.environment()}
    )  # fmt: skip
    table = run.markdown(kept)
    assert "| fit | c | keras | 2 | 1 | s | 0.5 | <= 1.0x | pass |" in table
    assert "| predict | c |" not in table  # the stale row is gone
