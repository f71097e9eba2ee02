"""Sphinx configuration for the sklearn_rnn documentation.

Build with ``python -m sphinx -W -b html docs docs/_build/html``.
"""

import re

import sklearn_rnn

project = "sklearn_rnn"
author = "sklearn_rnn developers"
copyright = "sklearn_rnn developers"
release = sklearn_rnn.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
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
exclude_patterns = ["_build"]
source_suffix = {".rst": "restructuredtext"}
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


# A fitted attribute in a numpydoc type, such as ``(n_samples, maxlen_)``,
# would read as a reStructuredText reference; escape the trailing underscore.
_FITTED_NAME = re.compile(r"(?<![`\w])([A-Za-z]\w*)_(?![`\w])")


def _escape_fitted_names_in_types(app, what, name, obj, options, lines):
    for i, line in enumerate(lines):
        head, sep, type_ = line.partition(" : ")
        if sep and head.strip().isidentifier():
            lines[i] = head + sep + _FITTED_NAME.sub(r"\1\\_", type_)


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_member)
    # Before numpydoc (priority 500) rewrites the sections.
    app.connect(
        "autodoc-process-docstring", _escape_fitted_names_in_types, priority=400
    )
