"""The ``kerasopt`` command line: tune, inspect, report, export and predict.

Each command parses its options, calls the library, renders and returns.
Heavy modules (TensorFlow, Optuna, pandas) are imported inside the commands,
so ``kerasopt --help`` answers at once. Studies live in ``kerasopt.db`` in the
working directory unless ``--storage`` or ``KERASOPT_STORAGE`` says otherwise.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import handle_errors, quiet_libraries, settings
from ._inspect import fail_stale, report, show, studies
from ._model import export, predict
from ._tune import tune

__all__ = ["app", "main"]

app = typer.Typer(
    name="kerasopt",
    help=(
        "Tune Keras models on tables with Optuna, then export and predict.\n\n"
        "Studies are kept in kerasopt.db in the working directory unless --storage "
        "(or KERASOPT_STORAGE) names another Optuna storage."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help wraps at any width; rich's tables cut option names.
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"kerasopt {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="KERASOPT_DEBUG", help="Show tracebacks of errors."
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    settings["debug"] = debug
    quiet_libraries()  # before any command imports a Keras backend


for _command in (tune, studies, show, report, export, predict, fail_stale):
    app.command(_command.__name__.replace("_", "-"))(handle_errors(_command))


def main() -> None:
    """Console-script entry point (``kerasopt``)."""
    app()
