"""Documents to tokens for Tokenizer: scikit-learn's text preprocessing.

Documents are checked here: strings, or with ``analyzer="pretokenized"``
lists of string tokens, which are preprocessed one by one and never split.
Word and character tokens reuse the preprocessor, token pattern, character
analyzer and stop word list of ``CountVectorizer``, as its
``_VectorizerMixin`` holds them apart from the counting. Documents are
lowercased and split with ``map`` over C functions: no per-token Python
bytecode.
"""

import warnings
from itertools import chain
from numbers import Real

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"


_DOCUMENTS = "a collection of documents (a list, 1-D array or Series of strings)"
_TOKEN_DOCUMENTS = (
    "a collection of pre-tokenized documents (a list or Series of lists of "
    "string tokens)"
)
# What a pre-tokenized document may be: an ordered sequence of tokens. Sets
# and generators are refused (no order, or consumed by the first look).
_TOKEN_SEQUENCES = (list, tuple, np.ndarray)


def _is_missing(value):
    """Whether value is a missing value: None, pandas' NA or a float NaN."""
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, Real) and value != value)  # NaN is not itself
    )


def _as_list(X, *, what, hint="Wrap it in a list: [X].", rows_are_documents=False):
    """The items of the container X as a list, or raise naming what is expected.

    A 2-D array is a column of documents, or with ``rows_are_documents`` a
    stack of pre-tokenized documents of one length each.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(f"Tokenizer expects {what}, got a single string. {hint}")
    if sparse.issparse(X):
        raise TypeError(f"Sparse input is not supported: Tokenizer expects {what}.")
    if X is None:
        raise TypeError(f"Tokenizer expects {what}, got {type(X).__name__}.")
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(
                f"X is a DataFrame with {X.shape[1]} columns; Tokenizer expects "
                "one column of documents. Pass the text column, e.g. X['text'], "
                "or select it with a ColumnTransformer."
            )
        X = X.iloc[:, 0]
    if isinstance(X, (pd.Series, pd.Index)):
        return X.tolist()
    if isinstance(X, np.ndarray):
        if rows_are_documents and X.ndim == 2:
            return list(X)
        array = X[:, 0] if X.ndim == 2 and X.shape[1] == 1 else X
        if array.ndim != 1:
            raise ValueError(
                f"Tokenizer expects a 1-D collection of documents, got an array "
                f"of shape {X.shape}."
            )
        return array.tolist()
    try:
        return list(X)
    except TypeError:
        raise TypeError(f"Tokenizer expects {what}, got {type(X).__name__}.") from None


def check_documents(X):
    """Return X as a list of strings, or raise naming the offending document."""
    docs = _as_list(X, what=_DOCUMENTS)
    # One C-level pass over the types; the slow loop only runs to name an error.
    if not all(issubclass(kind, str) for kind in set(map(type, docs))):
        for i, doc in enumerate(docs):
            if isinstance(doc, str):
                continue
            if _is_missing(doc):
                raise ValueError(
                    f"Document {i} is missing ({doc!r}); every document must be a "
                    "string. Fill or drop the missing documents first, e.g. "
                    "X.fillna('')."
                )
            raise TypeError(
                f"Document {i} is a {type(doc).__name__} ({doc!r:.60}); every "
                "document must be a string."
                + (" Decode bytes first." if isinstance(doc, bytes) else "")
                + (
                    " For documents that are lists of tokens, set "
                    "analyzer='pretokenized'."
                    if isinstance(doc, _TOKEN_SEQUENCES)
                    else ""
                )
            )
    return docs


def check_token_documents(X):
    """Return pre-tokenized X as a list of lists of str, or raise naming the item.

    Each document must be a list, tuple or 1-D array of strings; the empty
    string is a token like any other. A string document is refused: read as
    a sequence it would be split into characters.
    """
    docs = _as_list(
        X,
        what=_TOKEN_DOCUMENTS,
        hint="Pass a list of token lists, e.g. [X.split()].",
        rows_are_documents=True,
    )
    for i, doc in enumerate(docs):
        if isinstance(doc, (str, bytes)):
            raise TypeError(
                f"Document {i} is a string ({doc!r:.60}); with "
                "analyzer='pretokenized' every document must be a list of tokens "
                "(a list, tuple or 1-D array of strings), or it would be read one "
                "character at a time. Split it into tokens first, use "
                "analyzer='word' for raw text, or, if X is the tokens of a single "
                "document, wrap it in a list: [X]."
            )
        if isinstance(doc, np.ndarray):
            if doc.ndim != 1:
                raise ValueError(
                    f"Document {i} is an array of shape {doc.shape}; a "
                    "pre-tokenized document must be 1-D, one string per token."
                )
            docs[i] = doc.tolist()
        elif isinstance(doc, _TOKEN_SEQUENCES):
            docs[i] = list(doc)
        elif _is_missing(doc):
            raise ValueError(
                f"Document {i} is missing ({doc!r}); with analyzer='pretokenized' "
                "every document must be a list of string tokens (an empty list "
                "for a document without tokens)."
            )
        else:
            raise TypeError(
                f"Document {i} is a {type(doc).__name__} ({doc!r:.60}); with "
                "analyzer='pretokenized' every document must be a list, tuple or "
                "1-D array of string tokens."
            )
    # One C-level pass over the types; the slow loop only runs to name an error.
    kinds = set(map(type, chain.from_iterable(docs)))
    if not all(issubclass(kind, str) for kind in kinds):
        for i, doc in enumerate(docs):
            for j, token in enumerate(doc):
                if isinstance(token, str):
                    continue
                if _is_missing(token):
                    raise ValueError(
                        f"Token {j} of document {i} is missing ({token!r}); every "
                        "token must be a string."
                    )
                raise TypeError(
                    f"Token {j} of document {i} is a {type(token).__name__} "
                    f"({token!r:.60}); every token must be a string."
                    + (" Decode bytes first." if isinstance(token, bytes) else "")
                )
    return docs


def check_pretokenized_settings(*, stop_words, oov, backend):
    """Refuse with analyzer='pretokenized' what would break one id per token."""
    # A tagger aligns its labels with the tokens: a parameter that removes
    # or splits tokens would shift every later label, so it is an error.
    conflicts = [
        (stop_words is not None, f"stop_words={stop_words!r}", "removes tokens"),
        (oov == "drop", "oov='drop'", "removes unknown tokens"),
        (
            backend == "huggingface",
            "backend='huggingface'",
            "splits tokens into subwords",
        ),
    ]
    for conflict, setting, effect in conflicts:
        if conflict:
            raise ValueError(
                f"analyzer='pretokenized' cannot be combined with {setting}, which "
                f"{effect}: pre-tokenized documents get exactly one id per token, "
                "aligned with the tokens given (and their labels). Leave it at its "
                "default, or use analyzer='word'."
            )


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
    if analyzer == "pretokenized":
        # The documents are token lists already (check_token_documents):
        # preprocessing applies to each token, and nothing splits them.
        if preprocess is None:
            return lambda docs: docs
        return lambda docs: [list(map(preprocess, doc)) for doc in docs]
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


def check_tokens(tokens, token_pattern, *, allow_empty=False):
    """Refuse what an analyzer produced that is not a non-empty string.

    ``allow_empty`` accepts the empty string: a pre-tokenized document may
    hold it (or accent stripping may leave it), and it is a token there.
    """
    kinds = {kind for kind in map(type, tokens) if not issubclass(kind, str)}
    if kinds:
        raise TypeError(
            "The analyzer must return string tokens; got tokens of type "
            f"{sorted(k.__name__ for k in kinds)}."
        )
    if not allow_empty and "" in tokens:
        raise ValueError(
            "The analyzer produced the empty string as a token; check "
            f"token_pattern={token_pattern!r} (it must not match an empty "
            "string) or the analyzer."
        )
