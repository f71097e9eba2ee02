"""Sphinx configuration for the sklearn_rnn documentation.

Build the whole site, running every gallery example (each must take under a
minute on 2 CPU cores)::

    python -m sphinx -W -b html docs docs/_build/html

Build it quickly, showing the examples' code without running them::

    python -m sphinx -W -b html -D plot_gallery=0 docs docs/_build/html
"""

import os
import re
import sys
import time
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

# The gallery runs the examples inside this process. Before torch starts its
# thread pool: on a busy machine, OpenMP threads that spin-wait for work make
# small fits about ten times slower (measured), which would push examples
# past their one-minute budget for no reason of their own.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import sklearn_rnn

DOCS = Path(__file__).resolve().parent
# sphinx-gallery resolves its callables from strings ("conf.<name>"), which
# keeps the configuration picklable; that needs this directory importable.
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))

logger = logging.getLogger(__name__)

project = "sklearn_rnn"
author = "sklearn_rnn developers"
copyright = "sklearn_rnn developers"
release = sklearn_rnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

# API reference: autosummary writes one stub page per exported name.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True, "inherited-members": True}

# numpydoc: the class pages list their methods through autodoc; numpydoc's own
# member tables would duplicate them and reference names without stub pages.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_show_inherited_class_members = False
numpydoc_xref_param_type = False

# No network at build time, no cross-project links.
intersphinx_mapping = {}
nitpicky = False

templates_path = ["_templates"]
# The benchmark tables are Markdown fragments included by benchmarks.rst, not
# pages of their own.
exclude_patterns = ["_build", "benchmarks/*.md"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
master_doc = "index"
# ``::`` blocks hold shape pictures, not code; code uses ``code-block``.
highlight_language = "none"

html_theme = "alabaster"
html_title = f"sklearn_rnn {release}"
html_static_path = []
html_theme_options = {
    "description": "Recurrent neural networks as scikit-learn estimators",
    "fixed_sidebar": True,
    # Room for the 80-column shape pictures and code of the user guide.
    "page_width": "1120px",
}

# -- Example gallery (sphinx-gallery) -----------------------------------------

# The gallery runs every example at build time; each must finish within this
# many seconds on 2 CPU cores, or the build warns (and ``-W`` fails it).
EXAMPLE_TIME_LIMIT = 60.0
_example_started = {}


def check_example_time(gallery_conf, fname, when):
    """Time each gallery example and warn when it runs past the limit."""
    if fname is None:
        return
    if when == "before":
        _example_started[fname] = time.perf_counter()
        return
    started = _example_started.pop(fname, None)
    if started is None:
        return
    elapsed = time.perf_counter() - started
    if elapsed > EXAMPLE_TIME_LIMIT:
        logger.warning(
            "example %s took %.0f s; examples must run in under %.0f s on 2 CPU "
            "cores: make it smaller",
            os.path.basename(fname),
            elapsed,
            EXAMPLE_TIME_LIMIT,
        )


sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Only examples/plot_*.py are gallery examples: every other script there
    # (examples/quickstart.py, the README demo) is left out, not just left
    # unexecuted.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"(^|/)(?!plot_)[^/]*\.py$",
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" at the end of each API page (see _templates/).
    "doc_module": ("sklearn_rnn",),
    "backreferences_dir": "generated/backreferences",
    "reset_modules": ("matplotlib", "conf.check_example_time"),
    "reset_modules_order": "both",
    "remove_config_comments": True,
    "show_memory": False,
    # Each example page states its own running time; no summary page in the
    # source tree.
    "write_computation_times": False,
    # ``-D plot_gallery=0`` builds the site without running the examples.
    "plot_gallery": "True",
}

# myst-parser reads the Markdown tables that the benchmark scripts write into
# docs/benchmarks/ (see exclude_patterns), included by benchmarks.rst.


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document only members written in sklearn_rnn.

    Methods inherited from scikit-learn (``score``, ``set_output``, metadata
    routing) and torch (``apply``, ``eval``, ...) are documented by those
    projects; their docstrings reference labels that exist only there.
    """
    if what != "class" or skip:
        return skip
    module = getattr(getattr(obj, "__func__", obj), "__module__", None) or ""
    if not module.startswith("sklearn_rnn"):
        return True
    return None


# A fitted attribute in a numpydoc type, such as ``(n_samples, max_length_)``,
# would read as a reStructuredText reference; escape the trailing underscore.
_FITTED_NAME = re.compile(r"(?<![`\w])([A-Za-z]\w*)_(?![`\w])")


def _escape_fitted_names_in_types(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        head, sep, type_ = line.partition(" : ")
        if sep and head.strip().isidentifier():
            lines[i] = head + sep + _FITTED_NAME.sub(r"\1\\_", type_)


def _images_relative_to_included_markdown(app, doctree):
    """Read image paths in included Markdown relative to that file.

    A benchmark table in ``docs/benchmarks/`` links the plots saved next to it
    as ``![...](speed.png)``, which is right when the file itself is read
    (on GitHub); Sphinx would look for them next to the including page.
    """
    page_dir = Path(doctree["source"]).parent
    for image in doctree.findall(nodes.image):
        source, uri = image.source or "", image["uri"]
        if not source.endswith(".md") or "://" in uri or uri.startswith("/"):
            continue
        path = Path(source).parent / uri
        image["uri"] = Path(os.path.relpath(path, page_dir)).as_posix()


def setup(app):
    # Before Sphinx's image collector (priority 500) reads the paths.
    app.connect("doctree-read", _images_relative_to_included_markdown, priority=400)
    app.connect("autodoc-skip-member", _skip_foreign_member)
    # Before numpydoc (priority 500) rewrites the sections.
    app.connect(
        "autodoc-process-docstring", _escape_fitted_names_in_types, priority=400
    )
