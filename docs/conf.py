"""Sphinx configuration of the kerasopt documentation (``make docs``)."""

from __future__ import annotations

import os
import warnings

import kerasopt

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "kerasopt"
author = "kerasopt developers"
copyright = "kerasopt developers"  # noqa: A001 (Sphinx's name)
release = kerasopt.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py"]
templates_path = ["_templates"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections say it better
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Python warnings raised while importing/running code must not turn into
# Sphinx warnings (which -W makes errors) unless they are about the docs.
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

intersphinx_mapping: dict[str, tuple[str, str | None]] = {}  # offline builds

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(demo|make_quickstart_notebook)\.py$",
    "within_subsection_order": "FileNameSortKey",
    "image_scrapers": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_signature": False,
    # "Examples using ..." mini-galleries on the API pages.
    "doc_module": ("kerasopt",),
    "backreferences_dir": "api/generated/backreferences",
}

html_theme = "pydata_sphinx_theme"
html_title = "kerasopt"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []
