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


def _load(name: str) -> Any:
    """benchmarks/<name>.py as a module (it puts benchmarks/ on sys.path itself)."""
    path = BENCHMARKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _runner() -> Any:
    return _load("run")


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
    table = _load("report").results_page(kept)
    assert "| fit | c | keras | 2 | 1 | s | 0.5 | <= 1.0x | pass |" in table
    assert "| predict | c |" not in table  # the stale row is gone


def test_the_pages_are_generated_from_results_json() -> None:
    # results.md and the figures of docs/benchmarks.md: no figure typed by hand.
    report = _load("report")
    results = json.loads((BENCHMARKS / "results.json").read_text(encoding="utf-8"))
    for path, text in report.pages(results).items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path} differs from what results.json gives: run "
            "python benchmarks/report.py"
        )
    assert report.main(["--check"]) == 0


def test_every_row_says_who_measured_it_and_how() -> None:
    report, run = _load("report"), _runner()
    assert set(report.METHODS) == set(run.BENCHMARKS)
    results = json.loads((BENCHMARKS / "results.json").read_text(encoding="utf-8"))
    page = report.results_page(results).splitlines()
    lines = [x for x in page if x.startswith("| ") and not x.startswith("| Benchmark")]
    assert len(lines) == len(results["rows"]) > 0
    for line, row in zip(lines, results["rows"], strict=True):
        measured, method = line.rstrip(" |").split(" | ")[-2:]
        assert measured.startswith("kerasopt ")
        assert method == report.METHODS[row["benchmark"]]


def test_the_docs_page_keeps_its_prose_and_redoes_the_figures() -> None:
    report = _load("report")
    results = {"runs": [], "rows": []}
    page = f"# x\n\n{report.BEGIN}\nold figures\n{report.END}\n\nmore\n"
    assert report.docs_page(results, page) == (
        f"# x\n\n{report.BEGIN}\n\n\n\n{report.END}\n\nmore\n"
    )
    with pytest.raises(ValueError, match="lacks the markers"):
        report.docs_page(results, "# no markers\n")
