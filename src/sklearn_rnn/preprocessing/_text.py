"""Tokenizer: text documents to integer token-id sequences for token mode.

Word and character tokens reuse scikit-learn's text preprocessing (the
preprocessor, token pattern, character analyzer and stop word list of
``CountVectorizer``). Subword models (BPE, WordPiece) are learned here, with
deterministic tie-breaking, and run by the optional HuggingFace ``tokenizers``
package.

The transform's hot path has no per-token Python bytecode: documents are
lowercased and split with ``map`` over C functions, and ids are looked up with
``map(dict.get, ...)`` straight into one ``np.fromiter`` buffer that is then
cut into per-document views.
"""

import heapq
import warnings
from collections import Counter, defaultdict
from collections.abc import Mapping
from itertools import chain, count, pairwise, repeat
from numbers import Integral, Real
from operator import attrgetter

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, StrOptions, _fit_context

PAD_TOKEN = "<pad>"
OOV_TOKEN = "<unk>"
_SPECIAL_TOKENS = (PAD_TOKEN, OOV_TOKEN)
_DEFAULT_TOKEN_PATTERN = r"(?u)\b\w+\b"
# Marks a continuation piece of a word in the subword vocabulary ("play",
# "##ing"), as BERT's WordPiece does; it lets decoding restore word breaks.
_SUBWORD_PREFIX = "##"
# Sentinel ids of the lookup: never emitted, removed before output.
_UNKNOWN = -1
_STOP = -2
# Documents are tokenized this many at a time, so that their tokens are
# still in the CPU cache when looked up (measured: 20 % faster than 4096).
_CHUNK_SIZE = 256
# Token counts are folded in (an O(vocabulary) bincount) every this many tokens.
_COUNT_EVERY = 2**20


def _import_tokenizers():
    try:
        import tokenizers
    except ImportError as exc:
        raise ImportError(
            "backend='huggingface' needs the HuggingFace tokenizers package: "
            "pip install 'sklearn-rnn[huggingface]' (or pip install tokenizers)."
        ) from exc
    return tokenizers


def _check_documents(X):
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


def _order_by_count(counts):
    """Tokens sorted by (-count, token): independent of document order."""
    # reverse=True keeps the alphabetical order of equal counts (sort is stable).
    return sorted(sorted(counts), key=counts.__getitem__, reverse=True)


def _with_specials(tokens):
    """Vocabulary dict: the special tokens as ids 0 and 1, then ``tokens``."""
    vocabulary = dict(zip(_SPECIAL_TOKENS, range(len(_SPECIAL_TOKENS)), strict=True))
    vocabulary.update(zip(tokens, range(2, len(tokens) + 2), strict=True))
    return vocabulary


def _learn_subwords(word_counts, max_size, min_freq):
    """Learn BPE merges from word counts, deterministically.

    Returns ``(token_counts, merges)``: every subword token (the initial
    alphabet and each merge result) with its count in the final segmentation
    of the words, and the merges in the order learned. Ties between pairs of
    equal count go to the smallest pair of strings, so neither document order
    nor hashing changes the result (HuggingFace's own trainers break ties by
    hash order and differ between runs).
    """
    words = sorted(word_counts)
    counts = [word_counts[w] for w in words]
    symbols = [[w[0], *(_SUBWORD_PREFIX + c for c in w[1:])] for w in words]
    alphabet = Counter()
    for syms, n in zip(symbols, counts, strict=True):
        for s in syms:
            alphabet[s] += n
    if max_size is not None and len(alphabet) + 2 > max_size:
        raise ValueError(
            f"max_tokens={max_size} is too small for the subword model: the words "
            f"hold {len(alphabet)} distinct characters (with their '##' "
            "continuation forms), which with the 2 special tokens need "
            f"max_tokens >= {len(alphabet) + 2}."
        )
    tokens = set(alphabet)
    pair_counts = defaultdict(int)
    where = defaultdict(set)
    for i, (syms, n) in enumerate(zip(symbols, counts, strict=True)):
        for pair in pairwise(syms):
            pair_counts[pair] += n
            where[pair].add(i)
    heap = [(-n, a, b) for (a, b), n in pair_counts.items()]
    heapq.heapify(heap)
    merges = []
    cut = len(_SUBWORD_PREFIX)
    while heap and (max_size is None or len(tokens) + 2 < max_size):
        negative, a, b = heapq.heappop(heap)
        if pair_counts.get((a, b)) != -negative:
            continue  # stale entry: the pair's count changed since it was pushed
        if -negative < min_freq:
            break
        merged = a + b[cut:]
        merges.append((a, b))
        tokens.add(merged)
        del pair_counts[(a, b)]
        changed = set()
        for i in where.pop((a, b)):
            syms = symbols[i]
            new, j = [], 0
            while j < len(syms):
                if j + 1 < len(syms) and syms[j] == a and syms[j + 1] == b:
                    new.append(merged)
                    j += 2
                else:
                    new.append(syms[j])
                    j += 1
            if len(new) == len(syms):
                continue
            delta = Counter(pairwise(new))
            delta.subtract(pairwise(syms))
            for pair, d in delta.items():
                if d and pair != (a, b):
                    pair_counts[pair] += d * counts[i]
                    changed.add(pair)
                    if d > 0:
                        where[pair].add(i)
            symbols[i] = new
        for pair in changed:
            n = pair_counts[pair]
            if n > 0:
                heapq.heappush(heap, (-n, *pair))
            else:
                del pair_counts[pair]
    final = dict.fromkeys(tokens, 0)
    for syms, n in zip(symbols, counts, strict=True):
        for s in syms:
            final[s] += n
    return final, merges


def _build_hf_tokenizer(vocabulary, merges, subword):
    tokenizers = _import_tokenizers()
    if subword == "bpe":
        model = tokenizers.models.BPE(
            vocab=vocabulary,
            merges=merges,
            unk_token=OOV_TOKEN,
            continuing_subword_prefix=_SUBWORD_PREFIX,
        )
    else:
        model = tokenizers.models.WordPiece(
            vocab=vocabulary,
            unk_token=OOV_TOKEN,
            continuing_subword_prefix=_SUBWORD_PREFIX,
        )
    tokenizer = tokenizers.Tokenizer(model)
    # Words arrive pre-split by the analyzer; the decoder glues "##" pieces.
    tokenizer.decoder = tokenizers.decoders.WordPiece(
        prefix=_SUBWORD_PREFIX, cleanup=False
    )
    return tokenizer


class Tokenizer(TransformerMixin, BaseEstimator, auto_wrap_output_keys=None):
    """Turn text documents into integer token-id sequences.

    Learns a vocabulary from the documents in ``fit`` and maps each document
    to the ids of its tokens in ``transform``, the input that token mode of
    :class:`~sklearn_rnn.RNNClassifier` and :class:`~sklearn_rnn.RNNRegressor`
    (``embedding_dim`` set) reads. Id 0 is padding and id 1 stands for
    out-of-vocabulary tokens; the other ids follow the vocabulary ordered by
    decreasing count, ties broken alphabetically, so the same documents in
    another order give the same ids.

    Tokens come from scikit-learn's text preprocessing (as in
    :class:`~sklearn.feature_extraction.text.CountVectorizer`): lowercasing,
    accent stripping, a token regular expression or single characters, and
    optional stop words. With ``backend="huggingface"`` each of those tokens
    is further split into subword units by a BPE or WordPiece model.

    Parameters
    ----------
    analyzer : {"word", "char"} or callable, default="word"
        What a token is. "word": the matches of ``token_pattern``. "char":
        single characters, with runs of whitespace collapsed to one space. A
        callable receives each document after ``lowercase`` and
        ``strip_accents`` and returns its list of string tokens; a lambda
        cannot be pickled, a module-level function can.

    lowercase : bool, default=True
        Convert documents to lowercase before splitting them into tokens.

    strip_accents : {"ascii", "unicode"} or callable, default=None
        Remove accents before splitting into tokens, as in
        :class:`~sklearn.feature_extraction.text.CountVectorizer`: "ascii" is
        fast but only handles characters with a direct ASCII mapping,
        "unicode" handles any character. A callable gets each (lowercased)
        document and returns it normalized. None leaves characters as they are.

    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression of a token, used with ``analyzer="word"``. Unlike
        scikit-learn's default, one-letter tokens ("a", "I", digits) are kept.
        With one capturing group, the group is the token.

    stop_words : {"english"} or list of str, default=None
        Tokens removed from the documents, never counted nor emitted.
        "english" is scikit-learn's English list, which contains "not",
        "no" and "nor": think twice before using it for sentiment. None
        removes nothing.

    max_tokens : int, default=None
        Largest vocabulary size, the 2 special tokens (padding and
        out-of-vocabulary) included, so ``len(vocabulary_)`` never exceeds it
        and can be used as the embedding size. The most frequent tokens are
        kept. Must be at least 3. None keeps every token.

    min_freq : int, default=1
        Tokens seen fewer times are left out of the vocabulary. With
        ``backend="huggingface"``, the smallest count of a pair of subwords
        for it to be merged.

    vocabulary : mapping or iterable of str, default=None
        A fixed vocabulary instead of a learned one: an iterable of tokens,
        which get ids 2, 3, ... in that order (it may start with "<pad>",
        "<unk>", as ``get_feature_names_out()`` does), or a mapping of
        token to id whose ids, with "<pad>" as 0 and "<unk>" as 1, run from
        0 to its length minus 1 without gaps. Cannot be combined with
        ``max_tokens``, ``min_freq`` or ``backend="huggingface"``.

    oov : {"token", "drop", "error"}, default="token"
        What happens to a token that is not in the vocabulary: "token" maps
        it to the out-of-vocabulary id 1, "drop" removes it, "error" raises
        a ValueError naming it. Id 1 stays reserved in every case.

    max_length : int, default=None
        None: ``transform`` returns one array per document, of its own
        length. An int: ``transform`` returns an array of shape
        (n_samples, max_length), padded with 0 after each document's tokens,
        the form the estimators read as padding.

    truncating : {"post", "pre"}, default="post"
        With ``max_length``, which tokens a longer document keeps: "post"
        keeps the first ``max_length`` (drops the end), "pre" keeps the last.
        The default differs from ``SequencePadder``, which keeps the most
        recent steps of a time series: the start of a document (its title,
        its lead) usually says most about it, and it is what Keras'
        ``TextVectorization`` and HuggingFace tokenizers keep.

    backend : {"python", "huggingface"}, default="python"
        "python": each token is one vocabulary entry, looked up in a dict.
        "huggingface": each token (word) is split into subword units by the
        model chosen with ``subword``, learned here and run by the
        HuggingFace ``tokenizers`` package (an optional dependency), so
        unseen words are spelled with known pieces instead of becoming
        out-of-vocabulary.

    subword : {"bpe", "wordpiece"}, default="bpe"
        The subword model of ``backend="huggingface"``. Both learn the same
        vocabulary (merges of the most frequent adjacent pairs; "##" marks a
        piece that continues a word); "bpe" encodes a word by replaying the
        merges, "wordpiece" by taking the longest known prefix first, and
        maps a word with an unknown character to "<unk>" as a whole.

    Attributes
    ----------
    vocabulary_ : dict
        Token to id, in id order: "<pad>" is 0, "<unk>" is 1. Its length is
        the embedding size (``vocab_size`` of the estimators).

    token_counts_ : dict
        Number of occurrences of each token of the analyzer (words, with
        ``backend="huggingface"``) in all documents seen by ``fit`` and
        ``partial_fit``, before ``min_freq`` and ``max_tokens`` apply and
        without stop words, most frequent first.

    hf_tokenizer_ : tokenizers.Tokenizer
        With ``backend="huggingface"`` only: the subword tokenizer, whose
        vocabulary is ``vocabulary_``.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts with
        the same text preprocessing.
    sklearn_rnn.RNNClassifier : Reads the token ids with ``embedding_dim`` set.

    Notes
    -----
    Every document must be a string; missing documents (None, NaN) are an
    error, not an empty string. A document with no token (empty, only
    punctuation or stop words) becomes an empty sequence; the estimators give
    it their prediction for an empty input.

    "<pad>" and "<unk>" are not learned as tokens: if the analyzer (a custom
    pattern or callable) produces them, they are out-of-vocabulary tokens,
    so that padding never appears inside text.

    In a pipeline whose estimator learns the number of ids from the training
    ids (``vocab_size=None``), every id of ``vocabulary_`` occurs in the
    training documents only with ``backend="python"``, a learned vocabulary
    and no ``max_length``; otherwise documents seen later can hold larger
    ids than the training ones. Set the estimator's ``vocab_size`` to
    ``max_tokens`` (an upper bound on ``len(vocabulary_)``) in that case.

    ``partial_fit`` adds the documents' counts to ``token_counts_`` and
    rebuilds the vocabulary from the totals, so it ends where ``fit`` on all
    the chunks together would; ids can change between calls.

    Examples
    --------
    >>> from sklearn_rnn.preprocessing import Tokenizer
    >>> docs = ["The film was good", "the plot was bad", "Good acting"]
    >>> tokenizer = Tokenizer().fit(docs)
    >>> tokenizer.vocabulary_
    {'<pad>': 0, '<unk>': 1, 'good': 2, 'the': 3, 'was': 4, 'acting': 5,
     'bad': 6, 'film': 7, 'plot': 8}
    >>> tokenizer.transform(["a good film", "bad"])
    [array([1, 2, 7]), array([6])]
    >>> tokenizer.set_params(max_length=4).transform(["a good film", "bad"])
    array([[1, 2, 7, 0],
           [6, 0, 0, 0]])
    >>> tokenizer.inverse_transform([[1, 2, 7, 0]])
    ['<unk> good film']
    """

    _parameter_constraints: dict = {
        "analyzer": [StrOptions({"word", "char"}), callable],
        "lowercase": ["boolean"],
        "strip_accents": [StrOptions({"ascii", "unicode"}), callable, None],
        "token_pattern": [str],
        "stop_words": [StrOptions({"english"}), list, None],
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_freq": [Interval(Integral, 1, None, closed="left")],
        "vocabulary": [Mapping, HasMethods("__iter__"), None],
        "oov": [StrOptions({"token", "drop", "error"})],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "truncating": [StrOptions({"post", "pre"})],
        "backend": [StrOptions({"python", "huggingface"})],
        "subword": [StrOptions({"bpe", "wordpiece"})],
    }

    def __init__(
        self,
        *,
        analyzer="word",
        lowercase=True,
        strip_accents=None,
        token_pattern=_DEFAULT_TOKEN_PATTERN,
        stop_words=None,
        max_tokens=None,
        min_freq=1,
        vocabulary=None,
        oov="token",
        max_length=None,
        truncating="post",
        backend="python",
        subword="bpe",
    ):
        self.analyzer = analyzer
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.stop_words = stop_words
        self.max_tokens = max_tokens
        self.min_freq = min_freq
        self.vocabulary = vocabulary
        self.oov = oov
        self.max_length = max_length
        self.truncating = truncating
        self.backend = backend
        self.subword = subword

    # -- analysis ---------------------------------------------------------------

    def _check_settings(self):
        """Checks across parameters that _parameter_constraints cannot express."""
        if self.max_tokens is not None and self.max_tokens <= len(_SPECIAL_TOKENS):
            raise ValueError(
                f"max_tokens={self.max_tokens} leaves no room for any token: it "
                f"counts the {len(_SPECIAL_TOKENS)} special tokens (padding id 0, "
                "out-of-vocabulary id 1), so it must be at least 3."
            )
        if self.vocabulary is not None:
            given = [
                name
                for name, value, default in [
                    ("max_tokens", self.max_tokens, None),
                    ("min_freq", self.min_freq, 1),
                    ("backend", self.backend, "python"),
                ]
                if value != default
            ]
            if given:
                raise ValueError(
                    f"A fixed vocabulary cannot be combined with {given[0]}="
                    f"{getattr(self, given[0])!r}: that parameter shapes a learned "
                    "vocabulary. Leave it at its default or set vocabulary=None."
                )
        if self.backend == "python" and self.subword != "bpe":
            raise ValueError(
                f"subword={self.subword!r} needs backend='huggingface'; the "
                "python backend maps whole tokens."
            )
        if self.backend == "huggingface":
            if self.analyzer == "char":
                raise ValueError(
                    "analyzer='char' cannot be combined with backend='huggingface':"
                    " subword models split words. Use analyzer='word' (or a "
                    "callable that returns words)."
                )
            _import_tokenizers()
        if self.analyzer != "word" and self.token_pattern != _DEFAULT_TOKEN_PATTERN:
            warnings.warn(
                f"token_pattern is not used with analyzer={self.analyzer!r}; only "
                "analyzer='word' splits documents with it.",
                UserWarning,
                stacklevel=3,
            )

    def _vectorizer(self, **params):
        # scikit-learn's implementation of the text preprocessing we share.
        return CountVectorizer(
            lowercase=self.lowercase,
            strip_accents=self.strip_accents,
            token_pattern=self.token_pattern,
            **params,
        )

    def _build_analyzer(self):
        """Function: list of documents -> list of their token lists."""
        if self.strip_accents is not None:
            preprocess = self._vectorizer().build_preprocessor()
        elif self.lowercase:
            preprocess = str.lower
        else:
            preprocess = None
        if self.analyzer == "word":
            try:
                split = self._vectorizer().build_tokenizer()
            except Exception as exc:  # re.error, or scikit-learn's group check
                raise ValueError(
                    f"token_pattern={self.token_pattern!r} is not usable: {exc}"
                ) from exc
        elif self.analyzer == "char":
            # Preprocessing happens above; this adds whitespace normalization.
            split = CountVectorizer(analyzer="char", lowercase=False).build_analyzer()
        else:
            analyzer = self.analyzer

            def split(doc):
                return list(analyzer(doc))

        if preprocess is None:
            return lambda docs: list(map(split, docs))
        return lambda docs: list(map(split, map(preprocess, docs)))

    def _analyze_chunks(self, docs):
        """Yield (offset, token lists) for consecutive chunks of documents.

        Holding the tokens of one chunk at a time bounds memory and keeps the
        strings in cache between splitting and lookup.
        """
        analyze = self._build_analyzer()
        for start in range(0, len(docs), _CHUNK_SIZE):
            yield start, analyze(docs[start : start + _CHUNK_SIZE])

    def _stop_words(self):
        if self.stop_words is None:
            return frozenset()
        if isinstance(self.stop_words, str):
            return frozenset(CountVectorizer(stop_words="english").get_stop_words())
        bad = [w for w in self.stop_words if not isinstance(w, str)]
        if bad:
            raise TypeError(
                f"stop_words must hold strings; got {bad[0]!r} of type "
                f"{type(bad[0]).__name__}."
            )
        return frozenset(self.stop_words)

    def _warn_unmatched_stop_words(self, stop_words):
        # A stop word that preprocessing changes ("The" with lowercase) or splits
        # can never match a token; saying so beats ignoring it silently.
        if not stop_words or self.analyzer not in ("word", "char"):
            return
        words = sorted(stop_words)
        analyzed = zip(words, self._build_analyzer()(words), strict=True)
        unmatched = [w for w, tokens in analyzed if tokens != [w]]
        if unmatched:
            warnings.warn(
                f"{len(unmatched)} stop word(s) can never match a token after "
                f"preprocessing and tokenization, e.g. {unmatched[:5]}.",
                UserWarning,
                stacklevel=4,
            )

    # -- fitting ----------------------------------------------------------------

    def _count(self, docs, *, keep_ids):
        """Count the tokens of docs.

        Returns the distinct tokens in order of first appearance, their counts
        and, with ``keep_ids``, every token as its index in that list, end to
        end, with the number of tokens of each document.
        """
        # A missing key calls count().__next__: new tokens get the next index
        # without any Python-level code per token.
        index = defaultdict(count().__next__)
        get_index = index.__getitem__
        counts = np.zeros(0, dtype=np.int64)
        flats, lengths, pending = [], [], []

        def add_pending(counts):
            if not pending:
                return counts
            new = np.bincount(np.concatenate(pending), minlength=len(index))
            new[: len(counts)] += counts
            pending.clear()
            return new

        n_pending = 0
        for _, token_lists in self._analyze_chunks(docs):
            sizes = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
            ids = np.fromiter(
                map(get_index, chain.from_iterable(token_lists)),
                np.int64,
                int(sizes.sum()),
            )
            pending.append(ids)
            n_pending += len(ids)
            if n_pending >= _COUNT_EVERY:
                counts, n_pending = add_pending(counts), 0
            if keep_ids:
                flats.append(ids)
                lengths.append(sizes)
        counts = add_pending(counts)
        tokens = list(index)
        kinds = {kind for kind in map(type, tokens) if not issubclass(kind, str)}
        if kinds:
            raise TypeError(
                "The analyzer must return string tokens; got tokens of type "
                f"{sorted(k.__name__ for k in kinds)}."
            )
        if "" in index:
            raise ValueError(
                "The analyzer produced the empty string as a token; check "
                f"token_pattern={self.token_pattern!r} (it must not match an empty "
                "string) or the analyzer."
            )
        if not keep_ids:
            return tokens, counts, None, None
        return tokens, counts, np.concatenate(flats), np.concatenate(lengths)

    def _learn(self, tokens, counts, *, reset):
        """Set token_counts_ and the vocabulary from the counted tokens."""
        ignored = self._stop_words().union(_SPECIAL_TOKENS)
        totals = {} if reset else dict(getattr(self, "token_counts_", {}))
        for token, n in zip(tokens, counts.tolist(), strict=True):
            if token not in ignored:
                totals[token] = totals.get(token, 0) + n
        self.token_counts_ = {t: totals[t] for t in _order_by_count(totals)}
        self.__dict__.pop("hf_tokenizer_", None)
        if self.vocabulary is not None:
            self.vocabulary_ = self._fixed_vocabulary()
        elif self.backend == "huggingface":
            self._learn_subword_vocabulary()
        else:
            self._learn_vocabulary()
        # partial_fit may start empty: later chunks can lift counts to min_freq.
        if reset and len(self.vocabulary_) == len(_SPECIAL_TOKENS):
            self._raise_empty()

    def _fit(self, X, *, reset, keep_ids=False):
        self._check_settings()
        docs = _check_documents(X)
        if not docs:
            raise ValueError(
                "Found 0 documents while a minimum of 1 is required to fit a Tokenizer."
            )
        self._warn_unmatched_stop_words(self._stop_words())
        tokens, counts, ids, lengths = self._count(docs, keep_ids=keep_ids)
        self._learn(tokens, counts, reset=reset)
        return docs, tokens, ids, lengths

    def _raise_empty(self):
        raise ValueError(
            "The vocabulary is empty: no token is left after "
            f"min_freq={self.min_freq}"
            + (" and stop words" if self.stop_words is not None else "")
            + f" (the documents hold {len(self.token_counts_)} distinct "
            "tokens besides stop words). Lower min_freq, or check the "
            "documents, token_pattern and stop_words."
        )

    def _learn_vocabulary(self):
        counts = self.token_counts_  # already ordered by (-count, token)
        kept = [t for t, c in counts.items() if c >= self.min_freq]
        if self.max_tokens is not None:
            kept = kept[: self.max_tokens - len(_SPECIAL_TOKENS)]
        self.vocabulary_ = _with_specials(kept)

    def _learn_subword_vocabulary(self):
        counts, merges = _learn_subwords(
            self.token_counts_, self.max_tokens, self.min_freq
        )
        tokens = [t for t in _order_by_count(counts) if t not in _SPECIAL_TOKENS]
        self.vocabulary_ = _with_specials(tokens)
        self.hf_tokenizer_ = _build_hf_tokenizer(self.vocabulary_, merges, self.subword)

    def _fixed_vocabulary(self):
        given = self.vocabulary
        if isinstance(given, Mapping):
            for token, index in given.items():
                if not isinstance(token, str):
                    raise TypeError(
                        f"vocabulary keys must be strings; got {token!r} of type "
                        f"{type(token).__name__}."
                    )
                if isinstance(index, bool) or not isinstance(index, Integral):
                    raise TypeError(
                        f"vocabulary ids must be integers; {token!r} maps to {index!r}."
                    )
            vocabulary = {t: int(i) for t, i in given.items()}
            if PAD_TOKEN not in vocabulary and OOV_TOKEN not in vocabulary:
                vocabulary.update({PAD_TOKEN: 0, OOV_TOKEN: 1})
            for index, special in enumerate(_SPECIAL_TOKENS):
                if vocabulary.get(special) != index:
                    raise ValueError(
                        f"vocabulary must map {special!r} to {index} (ids 0 and 1 "
                        f"are padding and out-of-vocabulary), got "
                        f"{vocabulary.get(special)!r}."
                    )
            ids = sorted(vocabulary.values())
            if ids != list(range(len(ids))):
                missing = sorted(set(range(len(ids))) - set(ids))
                repeated = sorted(i for i, c in Counter(ids).items() if c > 1)
                raise ValueError(
                    f"vocabulary ids must run from 0 to {len(ids) - 1} without "
                    "gaps, each used once (padding 0 and out-of-vocabulary 1 "
                    f"included); missing ids: {missing[:5]}, repeated ids: "
                    f"{repeated[:5]}."
                )
            vocabulary = dict(sorted(vocabulary.items(), key=lambda kv: kv[1]))
        else:
            tokens = list(given)
            if tokens[:2] == list(_SPECIAL_TOKENS):
                tokens = tokens[2:]
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(
                        f"vocabulary must hold strings; got {token!r} of type "
                        f"{type(token).__name__}."
                    )
                if token in _SPECIAL_TOKENS:
                    raise ValueError(
                        f"vocabulary holds the special token {token!r} at position "
                        f"{tokens.index(token)}; it may only appear as the first "
                        "two entries '<pad>', '<unk>' (ids 0 and 1)."
                    )
            repeated = [t for t, c in Counter(tokens).items() if c > 1]
            if repeated:
                raise ValueError(
                    f"vocabulary holds repeated tokens, e.g. {repeated[:5]}; each "
                    "token needs a single id."
                )
            vocabulary = _with_specials(tokens)
        if len(vocabulary) == len(_SPECIAL_TOKENS):
            raise ValueError(
                "The vocabulary is empty: the fixed vocabulary holds no token "
                "besides the special tokens."
            )
        return vocabulary

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary of the documents X, forgetting earlier fits.

        Parameters
        ----------
        X : iterable of str of length n_samples
            Documents: a list, 1-D array or Series of strings.
        y : None
            Ignored.

        Returns
        -------
        self : Tokenizer
            The fitted tokenizer.
        """
        self._fit(X, reset=True)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Add the documents X to the counts and rebuild the vocabulary.

        For corpora that arrive in chunks: after ``partial_fit`` on every
        chunk, the tokenizer equals one fitted on all the chunks at once.
        Unlike ``fit``, it accepts a vocabulary that is still empty (no token
        reaches ``min_freq`` yet), since later chunks add to the counts.

        Parameters
        ----------
        X : iterable of str of length n_samples
            Documents: a list, 1-D array or Series of strings.
        y : None
            Ignored.

        Returns
        -------
        self : Tokenizer
            The updated tokenizer.
        """
        self._fit(X, reset=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Learn the vocabulary of X and return X as token ids.

        Equivalent to ``fit(X).transform(X)``, but splits the documents once.

        Parameters
        ----------
        X : iterable of str of length n_samples
            Documents: a list, 1-D array or Series of strings.
        y : None
            Ignored.

        Returns
        -------
        X_ids : list of ndarray or ndarray of shape (n_samples, max_length)
            Token ids of each document, as in :meth:`transform`.
        """
        subwords = self.backend == "huggingface" and self.vocabulary is None
        docs, tokens, ids, lengths = self._fit(X, reset=True, keep_ids=not subwords)
        if subwords:
            return self._transform(docs)
        # Look each distinct token up once, then map every occurrence by indexing.
        encode = self._encoder()
        remap, _ = encode([tokens], np.array([len(tokens)]))
        flat = remap[ids]
        if self.oov == "error" and (flat == _UNKNOWN).any():
            position = int(np.flatnonzero(flat == _UNKNOWN)[0])
            doc = int(np.searchsorted(np.cumsum(lengths), position, side="right"))
            self._raise_unknown(doc, tokens[ids[position]])
        return self._finish(flat, lengths)

    # -- transforming -----------------------------------------------------------

    def transform(self, X):
        """Map each document of X to the ids of its tokens.

        Parameters
        ----------
        X : iterable of str of length n_samples
            Documents: a list, 1-D array or Series of strings.

        Returns
        -------
        X_ids : list of ndarray or ndarray of shape (n_samples, max_length)
            With ``max_length=None``, a list of n_samples int64 arrays, each
            as long as its document's tokens. Otherwise an int64 array padded
            with 0 after each document's tokens and truncated as
            ``truncating`` says.
        """
        check_is_fitted(self, "vocabulary_")
        # max_length, truncating and oov act here and may be set after fit.
        self._validate_params()
        return self._transform(_check_documents(X))

    def _transform(self, docs):
        encode = self._encoder()
        flats, lengths = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for start, token_lists in self._analyze_chunks(docs):
            sizes = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
            flat, token_at = encode(token_lists, sizes)
            if self.oov == "error" and (flat == _UNKNOWN).any():
                position = int(np.flatnonzero(flat == _UNKNOWN)[0])
                ends = np.cumsum(sizes)
                doc = int(np.searchsorted(ends, position, side="right"))
                step = position - int(ends[doc] - sizes[doc])
                self._raise_unknown(start + doc, token_at(doc, step))
            flats.append(flat)
            lengths.append(sizes)
        return self._finish(np.concatenate(flats), np.concatenate(lengths))

    def _encoder(self):
        """Function (token lists, their sizes) -> (ids end to end, token_at).

        Ids are the vocabulary's, with the sentinels _STOP for stop words and
        _UNKNOWN for unknown tokens unless oov="token"; ``token_at(doc, step)``
        names the token behind an id.
        """
        stop_words = self._stop_words()
        default = 1 if self.oov == "token" else _UNKNOWN
        if hasattr(self, "hf_tokenizer_"):
            return self._subword_encoder(stop_words, default)
        lookup = self.vocabulary_
        if stop_words:
            # Stop words are removed like unknown tokens: no per-document filter.
            lookup = {**lookup, **dict.fromkeys(stop_words, _STOP)}
        get = lookup.get

        def encode(token_lists, sizes):
            flat = np.fromiter(
                map(get, chain.from_iterable(token_lists), repeat(default)),
                np.int64,
                int(sizes.sum()),
            )
            # Only the tokens "<pad>" and "<unk>" map to 0 and 1: they are
            # unknown, so that padding never appears inside text.
            flat[(flat == 0) | (flat == 1)] = default
            return flat, lambda doc, step: token_lists[doc][step]

        return encode

    def _subword_encoder(self, stop_words, default):
        encode_batch = self.hf_tokenizer_.encode_batch
        # Each distinct word is encoded by HuggingFace once per transform call
        # (a word's pieces do not depend on its neighbours); occurrences are
        # then looked up. Stop words have no pieces, so they vanish.
        pieces = dict.fromkeys(stop_words, ())

        def encode(token_lists, sizes):
            tokens = list(chain.from_iterable(token_lists))
            new = sorted(set(tokens).difference(pieces))
            if new:
                encodings = encode_batch(
                    [[word] for word in new],
                    is_pretokenized=True,
                    add_special_tokens=False,
                )
                pieces.update(zip(new, map(attrgetter("ids"), encodings), strict=True))
            per_token = list(map(pieces.__getitem__, tokens))
            n_pieces = np.fromiter(map(len, per_token), np.int64, len(per_token))
            doc_of = np.repeat(np.arange(len(sizes)), sizes)
            sizes[:] = np.bincount(doc_of, weights=n_pieces, minlength=len(sizes))
            flat = np.fromiter(
                chain.from_iterable(per_token), np.int64, int(n_pieces.sum())
            )
            # "<unk>", and "<pad>" if the model spells a word with it: unknown.
            flat[(flat == 0) | (flat == 1)] = default

            def token_at(doc, step):
                # The unknown piece belongs to one word of the document.
                for word in token_lists[doc]:
                    step -= len(pieces[word])
                    if step < 0:
                        return word

            return flat, token_at

        return encode

    def _raise_unknown(self, doc, token):
        raise ValueError(
            f"Document {doc} holds the token {token!r}, which is not in the "
            "vocabulary; oov='error' forbids unknown tokens. Use oov='token' to "
            "map them to id 1 or oov='drop' to remove them."
        )

    def _finish(self, flat, lengths):
        """Drop sentinel ids, then cut into documents or pad to max_length."""
        keep = flat >= 0
        if not keep.all():
            doc_of = np.repeat(np.arange(len(lengths)), lengths)
            lengths = np.bincount(doc_of[keep], minlength=len(lengths))
            lengths = lengths.astype(np.int64)
            flat = flat[keep]
        ends = np.cumsum(lengths)
        if self.max_length is None:
            # Views into one buffer: no per-document allocation or copy.
            return list(map(flat.__getitem__, map(slice, ends - lengths, ends)))
        n_docs, width = len(lengths), self.max_length
        out = np.zeros((n_docs, width), dtype=np.int64)
        doc_of = np.repeat(np.arange(n_docs), lengths)
        step = np.arange(len(flat)) - np.repeat(ends - lengths, lengths)
        if self.truncating == "pre":
            step -= np.repeat(np.maximum(lengths - width, 0), lengths)
            keep = step >= 0
        else:
            keep = step < width
        out[doc_of[keep], step[keep]] = flat[keep]
        return out

    # -- inverse and names ------------------------------------------------------

    def inverse_transform(self, X, *, return_tokens=False):
        """Map token ids back to text.

        Padding (id 0) is skipped; out-of-vocabulary ids become "<unk>".
        Lowercasing, accent stripping and dropped punctuation cannot be
        undone.

        Parameters
        ----------
        X : list of array-like of int or array-like of shape (n_samples, n_steps)
            Token ids, as returned by :meth:`transform`.
        return_tokens : bool, default=False
            If True, return each document as its list of tokens instead of a
            string.

        Returns
        -------
        X_original : list of str or list of list of str
            One string per document (tokens joined by a space, characters
            without one, subword pieces glued back into words), or its tokens
            with ``return_tokens=True``.
        """
        check_is_fitted(self, "vocabulary_")
        if isinstance(X, (str, bytes)) or X is None:
            raise TypeError(
                "inverse_transform expects token ids (a list of integer arrays "
                f"or a 2-D integer array), got {type(X).__name__}."
            )
        names = self.get_feature_names_out()
        sequences = []
        for i, row in enumerate(X):
            ids = np.asarray(row)
            if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
                raise ValueError(
                    f"Sequence {i} of X is not a 1-D sequence of integer token ids "
                    f"(shape {ids.shape}, dtype {ids.dtype})."
                )
            ids = ids[ids != 0].astype(np.int64)
            if ids.size and (ids.min() < 0 or ids.max() >= len(names)):
                bad = ids[(ids < 0) | (ids >= len(names))][0]
                raise ValueError(
                    f"Sequence {i} of X holds the id {bad}, outside the vocabulary "
                    f"(ids 0 to {len(names) - 1})."
                )
            sequences.append(ids)
        if return_tokens:
            return [names[ids].tolist() for ids in sequences]
        if hasattr(self, "hf_tokenizer_"):
            return self.hf_tokenizer_.decode_batch(
                [ids.tolist() for ids in sequences], skip_special_tokens=False
            )
        separator = "" if self.analyzer == "char" else " "
        return [separator.join(names[ids].tolist()) for ids in sequences]

    def get_feature_names_out(self, input_features=None):
        """Get the tokens of the vocabulary, in id order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Not used, present here for API consistency by convention.

        Returns
        -------
        feature_names_out : ndarray of str objects
            Token of each id: "<pad>", "<unk>", then the vocabulary.
        """
        check_is_fitted(self, "vocabulary_")
        return np.asarray(list(self.vocabulary_), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.transformer_tags.preserves_dtype = []
        return tags
