"""
=====================================================================
From an event table to a churn model: RNN vs. gradient boosting
=====================================================================

Business data often comes as a *long* table of events: one row per customer
and event (a purchase, a visit, a call to support), each with a timestamp and
a few columns. The usual tabular workflow turns it into one row per customer
by hand-made aggregates (number of events, mean amount, last value, ...) and
fits a model such as :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.

Aggregates forget the *order* of the events. When the label depends on that
order, a recurrent network that reads each customer's events one after the
other can pick it up without anyone having to guess the right feature.
This example builds such a data set, converts it to one sequence per customer
with :func:`~sklearn_rnn.preprocessing.long_to_sequences`, and compares the
two approaches with :func:`~sklearn.model_selection.cross_val_score`.
"""

# %%
# A synthetic event table
# -----------------------
#
# Each of 1000 customers has between 4 and 39 events over one year. An event
# is a ``"purchase"`` (with an amount), a ``"visit"`` or a ``"support"``
# contact, made on the ``"web"`` or in the ``"app"``.
#
# The label, churn, follows a rule about order: a customer churns when their
# last support contact came *after* their last purchase (a complaint that was
# never followed by another purchase). Visits, which carry no information, may
# come after either. 5 % of the labels are flipped at random, so no model can
# be perfect.

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_rnn import RNNClassifier
from sklearn_rnn.preprocessing import SequenceScaler, long_to_sequences

rng = np.random.default_rng(0)
start = pd.Timestamp("2024-01-01")
tables, churn = [], {}
for i in range(1000):
    customer = f"C{i:04d}"
    n_events = rng.integers(4, 40)
    days = np.sort(rng.choice(365, size=n_events, replace=False))
    kind = rng.choice(["purchase", "visit", "support"], n_events, p=[0.35, 0.5, 0.15])
    amount = np.where(kind == "purchase", rng.lognormal(3, 0.6, n_events), 0.0)
    tables.append(
        pd.DataFrame(
            {
                "customer_id": customer,
                "timestamp": start + pd.to_timedelta(days, unit="D"),
                "event": kind,
                "amount": amount.round(2),
                "channel": rng.choice(["web", "app"], n_events, p=[0.6, 0.4]),
            }
        )
    )
    purchases = np.flatnonzero(kind == "purchase")
    contacts = np.flatnonzero(kind == "support")
    last_purchase = purchases[-1] if len(purchases) else -1
    churned = len(contacts) > 0 and contacts[-1] > last_purchase
    churn[customer] = int(churned != (rng.random() < 0.05))

# Shuffle the rows: long_to_sequences will order them by customer and time.
events = pd.concat(tables, ignore_index=True).sample(frac=1, random_state=0)
labels = pd.Series(churn, name="churn")
print(events.head())
print(f"{len(events)} events of {events['customer_id'].nunique()} customers")
print(f"churn rate: {labels.mean():.2f}")

# %%
# Numeric step features
# ---------------------
#
# Neural networks take numbers, so the categorical columns are one-hot encoded
# (``pd.get_dummies``). The gap in days since the customer's previous event is
# added as a feature: the timestamp only orders the steps, it is not an input
# by itself. Amounts are log-transformed, as they are skewed.

events = events.sort_values(["customer_id", "timestamp"])
events["log_amount"] = np.log1p(events["amount"])
events["days_since_previous"] = (
    events.groupby("customer_id")["timestamp"].diff().dt.days.fillna(0)
)
events = pd.get_dummies(events, columns=["event", "channel"], dtype=float)
step_features = [
    "log_amount",
    "days_since_previous",
    "event_purchase",
    "event_support",
    "event_visit",
    "channel_app",
]

# %%
# One sequence per customer
# -------------------------
#
# :func:`~sklearn_rnn.preprocessing.long_to_sequences` groups the rows of each
# customer, sorts them by time and returns one array of shape
# ``(n_events, n_features)`` per customer, plus the customer ids in the same
# order, which align the labels. The arrays have different lengths; the
# classifier takes them as they are.

sequences, customer_ids = long_to_sequences(
    events,
    id_column="customer_id",
    time_column="timestamp",
    feature_columns=step_features,
)
y = labels.loc[customer_ids].to_numpy()
print(f"{len(sequences)} sequences; the first has shape {sequences[0].shape}")

# %%
# Hand-made aggregates for the gradient boosting baseline
# -------------------------------------------------------
#
# The usual tabular route: one row per customer with the count of events, the
# mean and sum of every step feature, and the features of the last event, the
# kind of table a ``groupby(...).agg(...)`` gives in a few lines.

grouped = events.groupby("customer_id")[step_features]
aggregates = pd.concat(
    [
        grouped.size().rename("n_events"),
        grouped.mean().add_suffix("_mean"),
        grouped.sum().add_suffix("_sum"),
        grouped.last().add_suffix("_last"),
    ],
    axis=1,
).loc[customer_ids]
print(f"aggregate table: {aggregates.shape}")

# %%
# Cross-validation of both models
# -------------------------------
#
# Both models are evaluated on the same five stratified folds of customers,
# with the area under the ROC curve, a common score for churn models.
#
# The recurrent model is a :class:`~sklearn.pipeline.Pipeline`, so the
# standardization learned by
# :class:`~sklearn_rnn.preprocessing.SequenceScaler` is refitted inside each
# training fold, exactly like a ``StandardScaler`` would be: no information
# leaks from the test fold. The network is a small LSTM trained for 15
# epochs, with a learning rate that decreases smoothly to zero
# (``lr_schedule="cosine"``) and no convolutional branch
# (``conv_channels=None``): a purely recurrent model.

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
rnn = make_pipeline(
    SequenceScaler(),
    RNNClassifier(
        cell_type="lstm",
        hidden_size=32,
        max_epochs=15,
        lr=3e-3,
        lr_schedule="cosine",
        conv_channels=None,
        random_state=0,
    ),
)
rnn_scores = cross_val_score(rnn, sequences, y, cv=cv, scoring="roc_auc")
hgb = HistGradientBoostingClassifier(random_state=0)
hgb_scores = cross_val_score(hgb, aggregates, y, cv=cv, scoring="roc_auc")
print(
    f"RNN on event sequences:       ROC AUC {rnn_scores.mean():.3f} "
    f"+/- {rnn_scores.std():.3f}"
)
print(
    f"gradient boosting on aggregates: ROC AUC {hgb_scores.mean():.3f} "
    f"+/- {hgb_scores.std():.3f}"
)

# %%
fig, ax = plt.subplots(figsize=(6, 4))
names = ["RNN\n(event sequences)", "Gradient boosting\n(aggregates)"]
scores = [rnn_scores, hgb_scores]
ax.bar(
    names,
    [s.mean() for s in scores],
    yerr=[s.std() for s in scores],
    capsize=6,
    color=["C0", "C1"],
    alpha=0.7,
)
for position, fold_scores in enumerate(scores):
    ax.scatter(np.full(len(fold_scores), position), fold_scores, color="k", zorder=3)
ax.set(ylabel="ROC AUC (5-fold CV)", ylim=(0.5, 1.0), title="Churn prediction")
fig.tight_layout()

# %%
# What this shows
# ---------------
#
# On this data the recurrent network, fed the events in order, scores clearly
# higher than gradient boosting on generic aggregates (ROC AUC about 0.95
# against 0.84 in our run). The flipped labels set a ceiling: the exact rule
# itself scores about 0.94 on these noisy labels, so the network has found
# nearly all there is to find. The aggregates do carry signal: customers
# with more support contacts churn more often, and those whose very last
# event was a support contact nearly always do.
#
# This does not make boosting the weaker model. Give it the feature that
# encodes the rule, for instance the days since the last support contact
# minus the days since the last purchase, and it matches the network (we
# measured an ROC AUC of 0.94). The point is where the work goes: with
# aggregates, someone has to guess which order effects matter; the network
# reads the sequence and learns them. When the label depends only on counts
# and totals, the aggregates and the much faster trees are the better choice.

plt.show()
