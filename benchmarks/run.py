"""Run the kerasopt benchmarks and write results.json and results.md.

Usage::

    python benchmarks/run.py                 # everything (what `make bench` runs)
    python benchmarks/run.py --quick         # small sizes, for development
    python benchmarks/run.py --only fit predict

Each ``benchmarks/bench_<name>.py`` module has ``run(quick) -> list of rows``;
see ``_common.row`` for a row's fields.
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

from _common import environment, fmt  # noqa: E402

BENCHMARKS = ("fit", "predict", "trial", "search", "quality", "parallel")


def markdown(results: dict) -> str:
    """The results as the markdown page the docs include."""
    env = results["environment"]
    versions = ", ".join(f"{k} {v}" for k, v in env["versions"].items() if v)
    lines = [
        "| Benchmark | Case | Baseline | Baseline value | kerasopt | Unit | Ratio "
        "| Target | Result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["rows"]:
        verdict = {True: "pass", False: "**miss**", None: ""}[r["passed"]]
        case = r["case"] + (f" ({r['note']})" if r["note"] else "")
        lines.append(
            f"| {r['benchmark']} | {case} | {r['baseline_name']} "
            f"| {fmt(r['baseline'])} | {fmt(r['kerasopt'])} | {r['unit']} "
            f"| {fmt(r['ratio'])} | {r['target']} | {verdict} |"
        )
    load = ", ".join(f"{v:.2f}" for v in env["load_average"])
    after = ", ".join(f"{v:.2f}" for v in results["load_average_after"])
    return "\n".join(
        [
            f"Run {env['time']}{' (--quick)' if results['quick'] else ''} on "
            f"{env['machine']}, {env['processor']}, {env['cpu_count']} CPUs; load "
            f"average {load} at the start, {after} at the end; "
            f"{results['seconds']:.0f} s in all."
            + (
                f" Failed: {', '.join(results['failed'])}." if results["failed"] else ""
            ),
            "",
            f"Python {env['python']}; {versions}.",
            "",
            *lines,
            "",
        ]
    )


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
    args = parser.parse_args(argv)
    names = args.only or BENCHMARKS
    results: dict = {"quick": args.quick, "environment": environment(), "rows": []}
    start = time.perf_counter()
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            module = importlib.import_module(f"bench_{name}")
            results["rows"].extend(module.run(quick=args.quick))
        except Exception:  # one broken benchmark must not lose the others' figures
            traceback.print_exc()
            failed.append(name)
        results["failed"] = failed
        results["seconds"] = time.perf_counter() - start
        results["load_average_after"] = list(os.getloadavg())
        write(
            results, args.output
        )  # after each benchmark: a long run keeps its figures
    print(f"wrote {args.output / 'results.json'} and {args.output / 'results.md'}")
    return 1 if failed else 0


def write(results: dict, folder: Path) -> None:
    """Write results.json and results.md into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (folder / "results.md").write_text(markdown(results))


if __name__ == "__main__":
    sys.exit(main())
