"""Documents to tokens for Tokenizer: scikit-learn's text preprocessing.

Word and character tokens reuse the preprocessor, token pattern, character
analyzer and stop word list of ``CountVectorizer``, as its
``_VectorizerMixin`` holds them apart from the counting. Documents are
lowercased and split with ``map`` over C functions: no per-token Python
bytecode.
"""

import warnings
from numbers import Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"


def check_documents(X):
    """Return X as a list of strings, or raise naming the offending document."""
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "Tokenizer expects a collection of documents (a list, 1-D array or "
            "Series of strings), got a single string. Wrap it in a list: [X]."
        )
    if sparse.issparse(X):
        raise TypeError(
            "Sparse input is not supported: Tokenizer expects a collection of "
            "documents (a list, 1-D array or Series of strings)."
        )
    if X is None:
        raise TypeError(
            "Tokenizer expects a collection of documents (a list, 1-D array or "
            f"Series of strings), got {type(X).__name__}."
        )
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"X is a DataFrame with {X.shape[1]} columns; Tokenizer expects "
                "one column of documents. Pass the text column, e.g. X['text'], "
                "or select it with a ColumnTransformer."
            )
        X = X.iloc[:, 0]
    if isinstance(X, (pd.Series, pd.Index)):
        docs = X.tolist()
    elif isinstance(X, np.ndarray):
        array = X[:, 0] if X.ndim == 2 and X.shape[1] == 1 else X
        if array.ndim != 1:
            raise ValueError(
                "Tokenizer expects a 1-D collection of documents, got an array of "
                f"shape {X.shape}."
            )
        docs = array.tolist()
    else:
        try:
            docs = list(X)
        except TypeError:
            raise TypeError(
                "Tokenizer expects a collection of documents (a list, 1-D array "
                f"or Series of strings), got {type(X).__name__}."
            ) from None
    # One C-level pass over the types; the slow loop only runs to name an error.
    if not all(issubclass(kind, str) for kind in set(map(type, docs))):
        for i, doc in enumerate(docs):
            if isinstance(doc, str):
                continue
            if doc is None or doc is pd.NA or (isinstance(doc, Real) and doc != doc):
                raise ValueError(
                    f"Document {i} is missing ({doc!r}); every document must be a "
                    "string. Fill or drop the missing documents first, e.g. "
                    "X.fillna('')."
                )
            raise TypeError(
                f"Document {i} is a {type(doc).__name__} ({doc!r:.60}); every "
                "document must be a string."
                + (" Decode bytes first." if isinstance(doc, bytes) else "")
            )
    return docs


def build_analyzer(analyzer, *, lowercase, strip_accents, token_pattern):
    """Function: list of documents -> list of their token lists."""

    def vectorizer():
        # scikit-learn's implementation of the text preprocessing we share.
        return CountVectorizer(
            lowercase=lowercase,
            strip_accents=strip_accents,
            token_pattern=token_pattern,
        )

    if strip_accents is not None:
        preprocess = vectorizer().build_preprocessor()
    elif lowercase:
        preprocess = str.lower
    else:
        preprocess = None
    if analyzer == "word":
        try:
            split = vectorizer().build_tokenizer()
        except Exception as exc:  # re.error, or scikit-learn's group check
            raise ValueError(
                f"token_pattern={token_pattern!r} is not usable: {exc}"
            ) from exc
    elif analyzer == "char":
        # Preprocessing happens above; this adds whitespace normalization.
        split = CountVectorizer(analyzer="char", lowercase=False).build_analyzer()
    else:

        def split(doc):
            return list(analyzer(doc))

    if preprocess is None:
        return lambda docs: list(map(split, docs))
    return lambda docs: list(map(split, map(preprocess, docs)))


def stop_word_set(stop_words):
    """The stop words as a frozenset: none, scikit-learn's English, or a list."""
    if stop_words is None:
        return frozenset()
    if isinstance(stop_words, str):
        return frozenset(CountVectorizer(stop_words="english").get_stop_words())
    bad = [w for w in stop_words if not isinstance(w, str)]
    if bad:
        raise TypeError(
            f"stop_words must hold strings; got {bad[0]!r} of type "
            f"{type(bad[0]).__name__}."
        )
    return frozenset(stop_words)


def warn_unmatched_stop_words(stop_words, analyze, analyzer):
    """Warn about stop words that preprocessing changes or splits."""
    # A stop word that preprocessing changes ("The" with lowercase) or splits
    # can never match a token; saying so beats ignoring it silently.
    if not stop_words or analyzer not in ("word", "char"):
        return
    words = sorted(stop_words)
    analyzed = zip(words, analyze(words), strict=True)
    unmatched = [w for w, tokens in analyzed if tokens != [w]]
    if unmatched:
        warnings.warn(
            f"{len(unmatched)} stop word(s) can never match a token after "
            f"preprocessing and tokenization, e.g. {unmatched[:5]}.",
            UserWarning,
            stacklevel=4,
        )


def check_tokens(tokens, token_pattern):
    """Refuse what an analyzer produced that is not a non-empty string."""
    kinds = {kind for kind in map(type, tokens) if not issubclass(kind, str)}
    if kinds:
        raise TypeError(
            "The analyzer must return string tokens; got tokens of type "
            f"{sorted(k.__name__ for k in kinds)}."
        )
    if "" in tokens:
        raise ValueError(
            "The analyzer produced the empty string as a token; check "
            f"token_pattern={token_pattern!r} (it must not match an empty "
            "string) or the analyzer."
        )
