"""Start-up: ``import kerasopt``, the estimators, and ``kerasopt --help``.

Each is timed in a fresh interpreter (median of repeats) against the bare
interpreter start, ``python -c pass``. Targets: ``import kerasopt`` <= 2 s, and
``kerasopt --help`` imports no Keras backend (checked, and timed).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import Row, row

NAME = "import"

_HELP = (
    "import sys\n"
    "from kerasopt.cli import main\n"
    "sys.argv = ['kerasopt', '--help']\n"
    "try:\n"
    "    main()\n"
    "except SystemExit:\n"
    "    pass\n"
    "loaded = [m for m in ('jax', 'tensorflow', 'torch', 'keras') if m in sys.modules]\n"
    "sys.stderr.write('BACKENDS=' + ','.join(loaded))\n"
)


def _time(code: str, repeats: int) -> tuple[float, str]:
    times, stderr = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - start)
        stderr = done.stderr
    return statistics.median(times), stderr


def run(quick: bool = False) -> list[Row]:
    """Time the three start-ups against ``python -c pass``."""
    repeats = 2 if quick else 5
    bare, _ = _time("pass", repeats)
    rows = []
    for case, code, target in (
        ("import kerasopt", "import kerasopt", 2.0),
        ("from kerasopt import KerasClassifier", "from kerasopt import KerasClassifier", None),
    ):
        seconds, _ = _time(code, repeats)
        rows.append(
            row(
                NAME, case, baseline_name="python -c pass", baseline=bare,
                kerasopt=seconds, unit="s",
                target=f"<= {target:.0f} s" if target else "",
                passed=seconds <= target if target else None,
            )  # fmt: skip
        )
    seconds, stderr = _time(_HELP, repeats)
    backends = stderr.rsplit("BACKENDS=", 1)[-1].strip()
    rows.append(
        row(
            NAME, "kerasopt --help", baseline_name="python -c pass", baseline=bare,
            kerasopt=seconds, unit="s", target="no backend imported",
            passed=not backends, note=f"backends imported: {backends or 'none'}",
        )  # fmt: skip
    )
    return rows
