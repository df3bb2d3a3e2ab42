"""Build ``examples/quickstart.ipynb`` from ``docs/quickstart.md``.

The documentation page is the single source: its ```python blocks become code
cells, the text between them markdown cells. Run this after editing the page;
``tests/test_examples.py`` checks that the notebook is up to date and executes
it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "quickstart.md"
NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"

_BLOCK = re.compile(r"^```python\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
# MyST cross-references mean nothing in Jupyter: keep their text only.
_ROLE = re.compile(r"\{doc\}`([^`]*)`")


def notebook_from_markdown(text: str) -> nbformat.NotebookNode:
    """Return a notebook whose cells are the text and python blocks of ``text``."""
    cells = []
    position = 0
    for match in _BLOCK.finditer(text):
        prose = _ROLE.sub(r"`\1`", text[position : match.start()]).strip()
        if prose:
            cells.append(nbformat.v4.new_markdown_cell(prose))
        cells.append(nbformat.v4.new_code_cell(match.group(1).rstrip("\n")))
        position = match.end()
    prose = _ROLE.sub(r"`\1`", text[position:]).strip()
    if prose:
        cells.append(nbformat.v4.new_markdown_cell(prose))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3", "display_name": "Python 3", "language": "python",
    }  # fmt: skip
    # Stable ids keep the file unchanged when the page is unchanged.
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"
    return notebook


def main() -> None:
    notebook = notebook_from_markdown(SOURCE.read_text(encoding="utf-8"))
    nbformat.validate(notebook)
    nbformat.write(notebook, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} ({len(notebook.cells)} cells)")


if __name__ == "__main__":
    main()
