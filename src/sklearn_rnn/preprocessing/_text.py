"""Tokenizer: text documents to integer token-id sequences for token mode.

The estimator: its parameters, fit and transform. Documents become tokens in
``_analyzer`` (scikit-learn's text preprocessing); tokens are counted and
looked up in the vocabulary built by ``_vocabulary``, or split into subword
pieces by ``_subword``; ``_pad.pad_flat`` pads the ids to ``max_length``.
"""

import warnings
from collections import Counter
from collections.abc import Mapping
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._input import sequence_offsets
from ._analyzer import (
    DEFAULT_TOKEN_PATTERN,
    build_analyzer,
    check_documents,
    check_pretokenized_settings,
    check_token_documents,
    check_tokens,
    stop_word_set,
    warn_unmatched_stop_words,
)
from ._characters import (
    add_character_counts,
    cased_tokens,
    character_ids,
    character_vocabulary,
    check_character_settings,
    check_characters_counted,
    count_characters,
    token_id_column,
)
from ._pad import pad_flat
from ._subword import import_tokenizers, learn_subword_vocabulary, subword_encoder
from ._vocabulary import (
    SPECIAL_TOKENS,
    UNKNOWN,
    add_counts,
    count_tokens,
    fixed_vocabulary,
    ids_without_padding,
    learned_vocabulary,
    lookup_encoder,
)

# Documents are tokenized this many at a time, so that their tokens are
# still in the CPU cache when looked up (measured: 20 % faster than 4096).
_CHUNK_SIZE = 256
# Token counts are folded in (an O(vocabulary) bincount) every this many tokens.
_COUNT_EVERY = 2**20


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

    For sequence tagging (:class:`~sklearn_rnn.RNNTagger`), where every token
    carries a label, ``analyzer="pretokenized"`` takes documents already split
    into tokens (CoNLL sentences, sklearn-crfsuite input) and gives exactly
    one id per token, and ``max_word_length`` adds the ids of each token's
    characters, for a character-level encoder.

    Parameters
    ----------
    analyzer : {"word", "char", "pretokenized"} or callable, default="word"
        What a token is. "word": the matches of ``token_pattern``. "char":
        single characters, with runs of whitespace collapsed to one space.
        "pretokenized": each document is a list, tuple or 1-D array of string
        tokens, each mapped to exactly one id, aligned with the tokens given
        (and their labels); ``lowercase`` and ``strip_accents`` apply to each
        token, nothing splits or removes one, and the empty string is a token
        like any other. A callable receives each document after ``lowercase``
        and ``strip_accents`` and returns its list of string tokens; a lambda
        cannot be pickled, a module-level function can.

        "pretokenized" is a value of ``analyzer``, not a separate flag,
        because it says what a token is, as the other values do: the tokens
        of the input, the named form of scikit-learn's idiom for
        pre-tokenized text, an identity callable analyzer. It refuses, with
        a ValueError, what would break one id per token: ``stop_words``,
        ``oov="drop"`` and ``backend="huggingface"``.

    lowercase : bool, default=True
        Convert documents (with ``analyzer="pretokenized"``, each token) to
        lowercase before splitting them into tokens. The characters of
        ``max_word_length`` keep their case.

    strip_accents : {"ascii", "unicode"} or callable, default=None
        Remove accents before splitting into tokens, as in
        :class:`~sklearn.feature_extraction.text.CountVectorizer`: "ascii" is
        fast but only handles characters with a direct ASCII mapping,
        "unicode" handles any character. A callable gets each (lowercased)
        document, or token with ``analyzer="pretokenized"``, and returns it
        normalized. None leaves characters as they are.

    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression of a token, used with ``analyzer="word"``. Unlike
        scikit-learn's default, one-letter tokens ("a", "I", digits) are kept.
        With one capturing group, the group is the token.

    stop_words : {"english"} or list of str, default=None
        Tokens removed from the documents, never counted nor emitted.
        "english" is scikit-learn's English list, which contains "not",
        "no" and "nor": think twice before using it for sentiment. None
        removes nothing. Not with ``analyzer="pretokenized"``.

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
        a ValueError naming it. Id 1 stays reserved in every case. "drop"
        is not allowed with ``analyzer="pretokenized"``.

    max_length : int, default=None
        None: ``transform`` returns one array per document, of its own
        length. An int: ``transform`` returns an array of shape
        (n_samples, max_length), padded with 0 after each document's tokens,
        the form the estimators read as padding. The width that
        :class:`SequencePadder` names ``max_length`` too.

    truncating : {"pre", "post"}, default="pre"
        With ``max_length``, which tokens a longer document keeps: "pre"
        keeps the last ``max_length`` (drops the start), "post" keeps the
        first. "pre" is the default of :class:`SequencePadder` too, so that
        ``max_length`` and ``truncating`` mean the same in the whole package
        (and what Keras' ``pad_sequences`` means): the end of a sequence,
        which a recurrent network reads last, is kept. Where the start of a
        document says most about it (a title, a lead), set "post", what
        Keras' ``TextVectorization`` and HuggingFace tokenizers keep.

    max_word_length : int, default=None
        None: each token is one id. An int: each token is a row of
        ``1 + max_word_length`` ids, its token id (as without this option)
        then the ids of its characters in ``character_vocabulary_``, 0 after
        the word's end, the input of a character-level encoder (a character
        CNN, as in Ma and Hovy, 2016). ``transform`` then returns arrays of
        shape (n_tokens, 1 + max_word_length), or with ``max_length`` one
        array of shape (n_samples, max_length, 1 + max_word_length) whose
        padding steps are all 0. A longer word keeps its first
        ceil(max_word_length / 2) and last floor(max_word_length / 2)
        characters, its prefix and its suffix ("-ing", "-ed"), which tell
        most about its tag. Characters keep their case, as capitals mark
        names: they come from the tokens after ``strip_accents`` but before
        ``lowercase`` (with ``analyzer="word"`` or a callable, a document
        whose tokens lowercasing changes, such as one with "İ", is an
        error). Not with ``analyzer="char"`` or ``backend="huggingface"``.

    backend : {"python", "huggingface"}, default="python"
        "python": each token is one vocabulary entry, looked up in a dict.
        "huggingface": each token (word) is split into subword units by the
        model chosen with ``subword``, learned here and run by the
        HuggingFace ``tokenizers`` package (an optional dependency), so
        unseen words are spelled with known pieces instead of becoming
        out-of-vocabulary. Not with ``analyzer="pretokenized"`` or
        ``max_word_length``, whose tokens are whole words.

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

    character_vocabulary_ : dict
        With ``max_word_length`` only: character to id, in id order,
        "<pad>" 0 (after a word's end), "<unk>" 1 (a character ``fit`` never
        saw), then every character of the tokens by decreasing count, ties
        broken alphabetically. Its length is the size of a character
        embedding.

    character_counts_ : dict
        With ``max_word_length`` only: number of occurrences of each
        character in the tokens (without stop words) of all documents seen
        by ``fit`` and ``partial_fit``, most frequent first.

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counts with
        the same text preprocessing.
    sklearn_rnn.RNNClassifier : Reads the token ids with ``embedding_dim`` set.

    Notes
    -----
    Every document must be a string (with ``analyzer="pretokenized"``, a
    list of strings; a string there is an error, as it would be read one
    character at a time); missing documents or tokens (None, NaN) are an
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

    Pre-tokenized sentences, one row per token: its id, then the ids of its
    characters, whose case is kept ("S" of "She" is 9, the token "she" is 8).
    "Paris" keeps its first 2 and last 2 characters; its "P" is an unknown
    character (1):

    >>> sentences = [["Anna", "lives", "in", "Rome", "."], ["She", "left", "."]]
    >>> tagger_input = Tokenizer(analyzer="pretokenized", max_word_length=4)
    >>> tagger_input.fit_transform(sentences)[1]
    array([[ 8,  9, 12,  2,  0],
           [ 5,  6,  2, 11, 16],
           [ 2,  4,  0,  0,  0]])
    >>> tagger_input.transform([["Paris", "in", "!"]])[0]
    array([[ 1,  1, 10,  5, 15],
           [ 4,  5,  3,  0,  0],
           [ 1,  1,  0,  0,  0]])
    >>> tagger_input.inverse_transform(tagger_input.transform([["Paris", "in"]]))
    [['<unk>', 'in']]
    """

    _parameter_constraints: dict = {
        "analyzer": [StrOptions({"word", "char", "pretokenized"}), callable],
        "lowercase": ["boolean"],
        "strip_accents": [StrOptions({"ascii", "unicode"}), callable, None],
        "token_pattern": [str],
        "stop_words": [StrOptions({"english"}), list, None],
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_freq": [Interval(Integral, 1, None, closed="left")],
        "vocabulary": [Mapping, HasMethods("__iter__"), None],
        "oov": [StrOptions({"token", "drop", "error"})],
        "max_length": [Interval(Integral, 1, None, closed="left"), None],
        "truncating": [StrOptions({"pre", "post"})],
        "max_word_length": [Interval(Integral, 1, None, closed="left"), None],
        "backend": [StrOptions({"python", "huggingface"})],
        "subword": [StrOptions({"bpe", "wordpiece"})],
    }

    def __init__(
        self,
        *,
        analyzer="word",
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        stop_words=None,
        max_tokens=None,
        min_freq=1,
        vocabulary=None,
        oov="token",
        max_length=None,
        truncating="pre",
        max_word_length=None,
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
        self.max_word_length = max_word_length
        self.backend = backend
        self.subword = subword

    # -- analysis ---------------------------------------------------------------

    def _check_settings(self):
        """Checks across parameters that _parameter_constraints cannot express."""
        if self.max_tokens is not None and self.max_tokens <= len(SPECIAL_TOKENS):
            raise ValueError(
                f"max_tokens={self.max_tokens} leaves no room for any token: it "
                f"counts the {len(SPECIAL_TOKENS)} special tokens (padding id 0, "
                "out-of-vocabulary id 1), so it must be at least 3."
            )
        self._check_token_settings()
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
            import_tokenizers()
        if self.analyzer != "word" and self.token_pattern != DEFAULT_TOKEN_PATTERN:
            warnings.warn(
                f"token_pattern is not used with analyzer={self.analyzer!r}; only "
                "analyzer='word' splits documents with it.",
                UserWarning,
                stacklevel=3,
            )

    def _check_token_settings(self):
        """Checks of the parameters that transform reads too (set after fit)."""
        if self.analyzer == "pretokenized":
            check_pretokenized_settings(
                stop_words=self.stop_words, oov=self.oov, backend=self.backend
            )
        check_character_settings(
            max_word_length=self.max_word_length,
            analyzer=self.analyzer,
            backend=self.backend,
        )

    def _check_documents(self, X):
        if self.analyzer == "pretokenized":
            return check_token_documents(X)
        return check_documents(X)

    def _build_analyzer(self, lowercase=None):
        """Function: list of documents -> list of their token lists."""
        return build_analyzer(
            self.analyzer,
            lowercase=self.lowercase if lowercase is None else lowercase,
            strip_accents=self.strip_accents,
            token_pattern=self.token_pattern,
        )

    def _analyze_chunks(self, docs, *, characters=False):
        """Yield (offset, token lists, cased tokens) for chunks of documents.

        Holding the tokens of one chunk at a time bounds memory and keeps the
        strings in cache between splitting and lookup. With ``characters``,
        the chunk's tokens before lowercasing, end to end (else None).
        """
        analyze = self._build_analyzer()
        # Characters keep their case (capitals mark names): a second analysis
        # without lowercasing, unless nothing is lowercased.
        analyze_cased = (
            self._build_analyzer(lowercase=False)
            if characters and self.lowercase
            else analyze
        )
        # Pre-tokenized tokens are preprocessed one by one: aligned by design.
        check = analyze_cased is not analyze and self.analyzer != "pretokenized"
        for start in range(0, len(docs), _CHUNK_SIZE):
            chunk = docs[start : start + _CHUNK_SIZE]
            token_lists = analyze(chunk)
            cased = None
            if characters:
                cased = cased_tokens(
                    token_lists,
                    token_lists if analyze_cased is analyze else analyze_cased(chunk),
                    check=check,
                    first_doc=start,
                )
            yield start, token_lists, cased

    # -- fitting ----------------------------------------------------------------

    def _fit(self, X, *, reset, keep_ids=False):
        """Count the tokens of X and learn the vocabulary.

        Returns the documents, the distinct tokens and, with ``keep_ids``,
        every token as its index among them, with the tokens per document.
        """
        self._check_settings()
        characters = self.max_word_length is not None
        if not reset and hasattr(self, "token_counts_"):
            check_characters_counted(
                self.max_word_length, hasattr(self, "character_counts_"), "fits"
            )
        docs = self._check_documents(X)
        if not docs:
            raise ValueError(
                "Found 0 documents while a minimum of 1 is required to fit a Tokenizer."
            )
        stop_words = stop_word_set(self.stop_words)
        warn_unmatched_stop_words(stop_words, self._build_analyzer(), self.analyzer)
        character_counts = Counter()

        def token_chunks():
            for _, token_lists, cased in self._analyze_chunks(
                docs, characters=characters
            ):
                if characters:
                    count_characters(character_counts, cased, token_lists, stop_words)
                yield token_lists

        tokens, counts, ids, lengths = count_tokens(
            token_chunks(), keep_ids=keep_ids, every=_COUNT_EVERY
        )
        check_tokens(
            tokens, self.token_pattern, allow_empty=self.analyzer == "pretokenized"
        )
        previous = {} if reset else getattr(self, "token_counts_", {})
        self.token_counts_ = add_counts(
            previous, tokens, counts, ignored=stop_words.union(SPECIAL_TOKENS)
        )
        if characters:
            previous = {} if reset else getattr(self, "character_counts_", {})
            self.character_counts_ = add_character_counts(previous, character_counts)
            self.character_vocabulary_ = character_vocabulary(self.character_counts_)
        else:
            self.__dict__.pop("character_counts_", None)
            self.__dict__.pop("character_vocabulary_", None)
        self.__dict__.pop("hf_tokenizer_", None)
        if self.vocabulary is not None:
            self.vocabulary_ = fixed_vocabulary(self.vocabulary)
        elif self.backend == "huggingface":
            self.vocabulary_, self.hf_tokenizer_ = learn_subword_vocabulary(
                self.token_counts_,
                max_tokens=self.max_tokens,
                min_freq=self.min_freq,
                subword=self.subword,
            )
        else:
            self.vocabulary_ = learned_vocabulary(
                self.token_counts_, min_freq=self.min_freq, max_tokens=self.max_tokens
            )
        # partial_fit may start empty: later chunks can lift counts to min_freq.
        if reset and len(self.vocabulary_) == len(SPECIAL_TOKENS):
            raise ValueError(
                "The vocabulary is empty: no token is left after "
                f"min_freq={self.min_freq}"
                + (" and stop words" if self.stop_words is not None else "")
                + f" (the documents hold {len(self.token_counts_)} distinct "
                "tokens besides stop words). Lower min_freq, or check the "
                "documents, token_pattern and stop_words."
            )
        return docs, tokens, ids, lengths

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary of the documents X, forgetting earlier fits.

        Parameters
        ----------
        X : iterable of str or of list of str, of length n_samples
            Documents: a list, 1-D array or Series of strings; with
            ``analyzer="pretokenized"``, of lists of string tokens.
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
        X : iterable of str or of list of str, of length n_samples
            Documents: a list, 1-D array or Series of strings; with
            ``analyzer="pretokenized"``, of lists of string tokens.
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
        X : iterable of str or of list of str, of length n_samples
            Documents: a list, 1-D array or Series of strings; with
            ``analyzer="pretokenized"``, of lists of string tokens.
        y : None
            Ignored.

        Returns
        -------
        X_ids : list of ndarray or ndarray of shape (n_samples, max_length)
            Token ids of each document, as in :meth:`transform` (with
            ``max_word_length``, and their character ids).
        """
        subwords = self.backend == "huggingface" and self.vocabulary is None
        # Subword pieces, and the characters of the cased tokens, come from a
        # second pass over the documents.
        second_pass = subwords or self.max_word_length is not None
        docs, tokens, ids, lengths = self._fit(X, reset=True, keep_ids=not second_pass)
        if second_pass:
            return self._transform(docs)
        # Look each distinct token up once, then map every occurrence by indexing.
        encode = self._encoder()
        remap, _ = encode([tokens], np.array([len(tokens)]))
        flat = remap[ids]
        self._check_known(
            flat,
            lengths,
            lambda doc, step: tokens[ids[sequence_offsets(lengths)[doc] + step]],
        )
        return self._finish(flat, lengths)

    # -- transforming -----------------------------------------------------------

    def transform(self, X):
        """Map each document of X to the ids of its tokens.

        Parameters
        ----------
        X : iterable of str or of list of str, of length n_samples
            Documents: a list, 1-D array or Series of strings; with
            ``analyzer="pretokenized"``, of lists of string tokens.

        Returns
        -------
        X_ids : list of ndarray or ndarray of shape (n_samples, max_length)
            With ``max_length=None``, a list of n_samples int64 arrays, each
            as long as its document's tokens. Otherwise an int64 array padded
            with 0 after each document's tokens and truncated as
            ``truncating`` says. With ``max_word_length``, each token is a
            row of 1 + max_word_length ids (its id, then its characters'):
            arrays of shape (n_tokens, 1 + max_word_length), or one array
            of shape (n_samples, max_length, 1 + max_word_length).
        """
        check_is_fitted(self, "vocabulary_")
        # max_length, truncating, oov and max_word_length act here and may be
        # set after fit.
        self._validate_params()
        self._check_token_settings()
        check_characters_counted(
            self.max_word_length, hasattr(self, "character_vocabulary_"), "fit"
        )
        return self._transform(self._check_documents(X))

    def _transform(self, docs):
        encode = self._encoder()
        width = self.max_word_length
        # With characters, each token is a row: its id, then its characters.
        shape = (0,) if width is None else (0, 1 + width)
        flats, lengths = [np.zeros(shape, np.int64)], [np.zeros(0, np.int64)]
        for start, token_lists, cased in self._analyze_chunks(
            docs, characters=width is not None
        ):
            sizes = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
            flat, token_at = encode(token_lists, sizes)
            self._check_known(flat, sizes, token_at, first_doc=start)
            if width is not None:
                chars = character_ids(cased, self.character_vocabulary_, width)
                flat = np.concatenate([flat[:, None], chars], axis=1)
            flats.append(flat)
            lengths.append(sizes)
        return self._finish(np.concatenate(flats), np.concatenate(lengths))

    def _encoder(self):
        """Function (token lists, their sizes) -> (ids end to end, token_at).

        Ids are the vocabulary's, with sentinel ids for stop words and, unless
        oov="token", for unknown tokens; ``token_at(doc, step)`` names the
        token behind an id.
        """
        stop_words = stop_word_set(self.stop_words)
        default = 1 if self.oov == "token" else UNKNOWN
        if hasattr(self, "hf_tokenizer_"):
            return subword_encoder(self.hf_tokenizer_, stop_words, default)
        return lookup_encoder(self.vocabulary_, stop_words, default)

    def _check_known(self, flat, lengths, token_at, first_doc=0):
        """With oov="error", refuse the first unknown token of ``flat``."""
        if self.oov != "error":
            return
        unknown = np.flatnonzero(flat == UNKNOWN)
        if not unknown.size:
            return
        position = int(unknown[0])
        starts = sequence_offsets(lengths)
        # The last document that starts at or before the position: an empty
        # document starts where the next one does.
        doc = int(np.searchsorted(starts, position, side="right")) - 1
        token = token_at(doc, position - int(starts[doc]))
        raise ValueError(
            f"Document {first_doc + doc} holds the token {token!r}, which is not "
            "in the vocabulary; oov='error' forbids unknown tokens. Use "
            "oov='token' to map them to id 1 or oov='drop' to remove them."
        )

    def _finish(self, flat, lengths):
        """Drop sentinel ids, then cut into documents or pad to max_length.

        ``flat`` holds one token per row: its id, or its id then its
        character ids.
        """
        keep = (flat if flat.ndim == 1 else flat[:, 0]) >= 0
        if not keep.all():
            doc_of = np.repeat(np.arange(len(lengths)), lengths)
            lengths = np.bincount(doc_of[keep], minlength=len(lengths))
            lengths = lengths.astype(np.int64)
            flat = flat[keep]
        if self.max_length is None:
            starts = sequence_offsets(lengths)
            # Views into one buffer: no per-document allocation or copy.
            return list(map(flat.__getitem__, map(slice, starts, starts + lengths)))
        return pad_flat(
            flat, lengths, self.max_length, value=0, truncating=self.truncating
        )

    # -- inverse and names ------------------------------------------------------

    def inverse_transform(self, X, *, return_tokens="auto"):
        """Map token ids back to text.

        Padding (id 0) is skipped; out-of-vocabulary ids become "<unk>".
        Lowercasing, accent stripping and dropped punctuation cannot be
        undone. With ``max_word_length`` set, the token ids are read from
        column 0 and the character ids are not used.

        Parameters
        ----------
        X : list of array-like of int or array-like of shape (n_samples, n_steps)
            Token ids, as returned by :meth:`transform`: with
            ``max_word_length`` set, a list of arrays of shape
            (n_steps, 1 + max_word_length) or an array of shape
            (n_samples, n_steps, 1 + max_word_length).
        return_tokens : bool or "auto", default="auto"
            If True, return each document as its list of tokens instead of a
            string. "auto" returns the form of the documents: lists of tokens
            with ``analyzer="pretokenized"``, strings otherwise.

        Returns
        -------
        X_original : list of str or list of list of str
            One string per document (tokens joined by a space, characters
            without one, subword pieces glued back into words), or its tokens
            with ``return_tokens=True``.
        """
        check_is_fitted(self, "vocabulary_")
        if isinstance(return_tokens, str):
            if return_tokens != "auto":
                raise ValueError(
                    f"return_tokens must be True, False or 'auto', got "
                    f"{return_tokens!r}."
                )
            return_tokens = self.analyzer == "pretokenized"
        names = self.get_feature_names_out()
        if self.max_word_length is not None:
            X = token_id_column(X, self.max_word_length)
        sequences = ids_without_padding(X, len(names))
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
