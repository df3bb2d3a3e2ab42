"""The documentation runs as written: README, docs pages, quickstart notebook."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART_PAGE = ROOT / "docs" / "quickstart.md"
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"

# ```python fences only: ```{code-block} python blocks are shown, not run
# (shell sessions, fragments that need a database server).
_PYTHON_BLOCK = re.compile(
    r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE
)
_SKIP = "<!-- skip -->"


def python_blocks(markdown: str) -> list[str]:
    """The ```python blocks of a page, minus those preceded by ``<!-- skip -->``."""
    blocks = []
    for match in _PYTHON_BLOCK.finditer(markdown):
        before = markdown[: match.start()].rstrip().splitlines()
        if before and before[-1].strip() == _SKIP:
            continue
        blocks.append(match.group(1))
    return blocks


def _pages() -> list[Path]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    # The quickstart page runs as the notebook built from it (below).
    return [
        page for page in pages
        if page.exists() and page != QUICKSTART_PAGE and "_build" not in page.parts
        and python_blocks(page.read_text(encoding="utf-8"))
    ]  # fmt: skip


def _quickstart_names() -> dict[str, object]:
    """``X``, ``y`` and a fitted ``pipe`` as the quickstart leaves them, in short."""
    from palmerpenguins import load_penguins

    from kerasopt import KerasClassifier, make_tabular_pipeline

    penguins = load_penguins()
    X, y = penguins.drop(columns="species"), penguins["species"]
    pipe = make_tabular_pipeline(KerasClassifier(epochs=2, random_state=0)).fit(X, y)
    return {"X": X, "y": y, "pipe": pipe}


def _load_notebook_builder():
    spec = importlib.util.spec_from_file_location(
        "make_quickstart_notebook", ROOT / "examples" / "make_quickstart_notebook.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_python_blocks_honours_skip_marker():
    page = (
        "text\n```python\nx = 1\n```\n"
        "<!-- skip -->\n```python\nraise SystemExit\n```\n"
        "```{code-block} python\nnot run\n```\n"
        "```python\ny = 2\n```\n"
    )
    assert python_blocks(page) == ["x = 1\n", "y = 2\n"]


def test_quickstart_notebook_matches_page():
    nbformat = pytest.importorskip("nbformat")
    builder = _load_notebook_builder()
    page = QUICKSTART_PAGE.read_text(encoding="utf-8")
    expected = builder.notebook_from_markdown(page)
    actual = nbformat.read(NOTEBOOK, as_version=4)
    assert [(c.cell_type, c.source) for c in actual.cells] == [
        (c.cell_type, c.source) for c in expected.cells
    ], "quickstart.ipynb is stale: run python examples/make_quickstart_notebook.py"
    assert sum(c.cell_type == "code" for c in actual.cells) >= 4


@pytest.mark.slow
def test_quickstart_notebook_runs(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )  # fmt: skip
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    accuracy = float(re.search(r"CV accuracy: ([0-9.]+)", text).group(1))
    assert accuracy > 0.5, text


@pytest.mark.slow
@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_markdown_python_blocks_run(page, tmp_path, monkeypatch):
    """Each page runs top to bottom in one namespace, in an empty directory.

    Pages may continue the quickstart: when a page uses ``pipe`` without
    defining it first, it gets ``X``, ``y`` (penguins) and a fitted ``pipe``.
    """
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict[str, object] = {"__name__": "__main__"}
    first_use = re.search(r"^.*\bpipe\b.*$", "".join(blocks), re.MULTILINE)
    if first_use and not re.match(r"\s*pipe\s*=", first_use.group(0)):
        namespace.update(_quickstart_names())
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{page.name}, block {number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{page.name}, python block {number} failed: {exc!r}\n{block}")
    assert os.getcwd() == str(tmp_path)
