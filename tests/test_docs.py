"""The documentation site builds without warnings and says what the code does.

The build runs on a copy of the sources: Sphinx writes generated pages (API
stubs, the example gallery) into its source directory, and a test must leave
the checkout as it found it. The gallery's examples are not run here
(``-D plot_gallery=0``); the full build runs them.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sklearn_rnn
import sklearn_rnn.preprocessing

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted([*DOCS.glob("*.rst"), *DOCS.glob("user_guide/*.rst")])
PYTHON_BLOCK = re.compile(r"^\.\. code-block:: python\n((?:\n|   .*\n)+)", re.MULTILINE)
# Optional dependencies (extras plot, onnx, huggingface) some snippets use.
OPTIONAL = {
    "matplotlib",
    "onnx",
    "onnxruntime",
    "tokenizers",
    # the distributed extra
    "dask",
    "distributed",
    "ray",
    "dask_ml",
    # the benchmarks extra
    "seqeval",
    "sacrebleu",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    for name in ("sphinx", "sphinx_gallery", "myst_parser", "numpydoc"):
        pytest.importorskip(name)
    work = tmp_path_factory.mktemp("site")
    build_outputs = shutil.ignore_patterns(
        "_build", "generated", "auto_examples", "sg_execution_times.rst"
    )
    shutil.copytree(DOCS, work / "docs", ignore=build_outputs)
    for folder in ("examples", "benchmarks"):
        shutil.copytree(
            ROOT / folder, work / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    for file in ROOT.glob("*.md"):
        shutil.copy2(file, work)
    out = work / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "-b", "html"]
    command += ["-D", "plot_gallery=0", str(work / "docs"), str(out)]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, out


def test_site_builds_without_warnings(site):
    result, out = site
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (out / "index.html").exists()


def test_api_page_lists_exactly_the_public_names(site):
    _, out = site
    expected = {f"sklearn_rnn.{name}" for name in sklearn_rnn.__all__}
    expected |= {
        f"sklearn_rnn.preprocessing.{name}"
        for name in sklearn_rnn.preprocessing.__all__
    }
    expected.discard("sklearn_rnn.__version__")
    api = (out / "api.html").read_text(encoding="utf-8")
    listed = set(re.findall(r'href="generated/(sklearn_rnn[\w.]*?)\.html', api))
    assert listed == expected
    for name in expected:
        assert (out / "generated" / f"{name}.html").exists(), name


def test_gallery_holds_the_plot_examples_only(site):
    _, out = site
    gallery = out / "auto_examples"
    assert (gallery / "index.html").exists()
    pages = {page.stem for page in gallery.glob("*.html")} - {"index"}
    pages.discard("sg_execution_times")
    examples = {path.stem for path in (ROOT / "examples").glob("plot_*.py")}
    assert pages == examples


def test_benchmark_tables_are_rendered(site):
    _, out = site
    page = (out / "benchmarks.html").read_text(encoding="utf-8")
    separator = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
    n_tables = sum(
        len(separator.findall(path.read_text(encoding="utf-8")))
        for path in (DOCS / "benchmarks").glob("*.md")
    )
    assert page.count("<table") >= n_tables


def test_getting_started_has_the_readme_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", readme, flags=re.DOTALL)
    assert commands
    page = (DOCS / "getting_started.rst").read_text(encoding="utf-8")
    for command in commands:
        assert f"   {command}\n" in page, command


@pytest.mark.parametrize(
    "page",
    [page for page in PAGES if PYTHON_BLOCK.search(page.read_text(encoding="utf-8"))],
    ids=lambda page: str(page.relative_to(DOCS)),
)
def test_python_snippets_run(page, tmp_path, monkeypatch):
    """Every ``code-block:: python`` of a page runs, in order, as a reader would."""
    monkeypatch.chdir(tmp_path)  # snippets save models to the working directory
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": "__docs__"}
    for block in PYTHON_BLOCK.findall(page.read_text(encoding="utf-8")):
        code = re.sub(r"^   ", "", block, flags=re.MULTILINE)
        try:
            exec(compile(code, str(page), "exec"), namespace)
        except ModuleNotFoundError as exc:
            if exc.name not in OPTIONAL:
                raise
            pytest.skip(f"{exc.name} is an optional dependency")
