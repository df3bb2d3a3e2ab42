"""Run the kerasopt benchmarks and write results.json and the pages made from it.

Usage::

    python benchmarks/run.py                 # everything (what `make bench` runs)
    python benchmarks/run.py --quick         # small sizes, for development
    python benchmarks/run.py --only fit predict
    python benchmarks/run.py --only kerastuner --update   # keep the other rows

Each ``benchmarks/bench_<name>.py`` module has ``run(quick) -> list of rows``;
see ``_common.row`` for a row's fields. ``report.py`` writes results.md and the
figures of docs/benchmarks.md from results.json (the docs page only when the
output is this folder).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import kerasopt  # noqa: E402,F401  (first: the benchmarks run on its default backend)
from _common import environment  # noqa: E402
from report import write  # noqa: E402

BENCHMARKS = (
    "import", "cv", "fit", "predict", "trial", "search", "kerastuner", "quality",
    "parallel", "compile",
)  # fmt: skip


def _previous(folder: Path, names: list[str]) -> dict:
    """Results of earlier runs in ``folder``, minus the benchmarks about to rerun."""
    path = folder / "results.json"
    if not path.exists():
        return {"runs": [], "rows": []}
    old = json.loads(path.read_text())
    runs = (
        old["runs"]
        if "runs" in old
        else [
            {  # results written before runs were recorded separately
                "benchmarks": sorted({r["benchmark"] for r in old["rows"]}),
                **{k: old.get(k) for k in ("quick", "environment", "seconds")},
                "load_average_after": old.get("load_average_after", []),
                "failed": old.get("failed", []),
            }
        ]
    )
    for run in runs:
        run["benchmarks"] = [b for b in run["benchmarks"] if b not in names]
    return {
        "runs": [run for run in runs if run["benchmarks"]],
        "rows": [r for r in old["rows"] if r["benchmark"] not in names],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and repeats")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"benchmarks to run, among {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE,
        help="folder for results.json and results.md",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="keep the other benchmarks' rows of the existing results.json",
    )
    args = parser.parse_args(argv)
    names = list(args.only or BENCHMARKS)
    results = _previous(args.output, names) if args.update else {"runs": [], "rows": []}
    run = {"benchmarks": names, "quick": args.quick, "environment": environment()}
    results["runs"].append(run)
    start = time.perf_counter()
    run["failed"] = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"bench_{name}")
            results["rows"].extend(module.run(quick=args.quick))
        except Exception:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            run["failed"].append(name)
        run["seconds"] = time.perf_counter() - start
        run["load_average_after"] = list(os.getloadavg())
        write(results, args.output)  # after each benchmark: keep what is measured
    print(f"wrote {args.output / 'results.json'} and {args.output / 'results.md'}")
    return 1 if run["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
