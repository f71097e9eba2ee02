"""The checks that keep SequencePadder exact: no lossy cast, a true round trip.

A padding value that the dtype of X cannot hold, ragged items whose common
dtype would round their values, and sequences that ``inverse_transform``
could not tell from their padding are errors here, never silent changes.
"""

import numpy as np


def check_exact_promotion(sequences):
    """Refuse ragged items whose values the common dtype of X cannot hold.

    The items of a ragged X are stacked in the dtype NumPy promotes their
    dtypes to. That promotion only loses values from integers to floats
    (int64 or uint64 with a float, uint64 with int64, all to float64), so
    only such items are checked, value by value. (NumPy calls the cast of
    int64 to float64 "safe", so ``np.can_cast`` cannot tell.)
    """
    if sequences.items is None:  # one array, one dtype
        return
    dtype = sequences.flat.dtype
    for i, item in enumerate(sequences.items):
        # An empty item's dtype says nothing and took no part in the promotion.
        if not item.size or not _may_round(item.dtype, dtype):
            continue
        lost = np.flatnonzero(_changed_by_cast(item, dtype))
        if lost.size:
            value = item.ravel()[lost[0]]
            dtypes = sorted({str(a.dtype) for a in sequences.items if a.size})
            raise ValueError(
                f"The sequences of X have different dtypes ({', '.join(dtypes)}), "
                f"which NumPy promotes to {dtype}; {dtype} cannot hold every "
                f"value exactly: {value} in sequence {i} ({item.dtype}) would "
                f"become {dtype.type(value).item()!r}. Cast the sequences to one "
                "dtype yourself: one that holds all their values, or float64 if "
                "that rounding is acceptable ([np.asarray(x, dtype=np.float64) "
                "for x in X])."
            )


def _may_round(from_dtype, to_dtype):
    """Whether a cast from ``from_dtype`` to ``to_dtype`` can change a value."""
    if from_dtype.kind not in "iu" or to_dtype.kind != "f":
        return False
    info = np.iinfo(from_dtype)
    magnitude_bits = info.bits - 1 if info.min else info.bits
    return magnitude_bits > np.finfo(to_dtype).nmant + 1


def _changed_by_cast(values, dtype):
    """Which integer ``values`` a cast to the float ``dtype`` changes."""
    cast = values.astype(dtype)
    info = np.iinfo(values.dtype)
    # Rounding can reach 2**63 (2**64 unsigned), just past the largest
    # integer, where casting back is undefined; the lowest integer is a power
    # of two, exact in any float.
    in_range = cast < 2.0 ** (info.bits - 1 if info.min else info.bits)
    back = np.where(in_range, cast, 0).astype(values.dtype)
    return ~in_range | (back != values)


def equals_padding(values, value):
    """Elementwise ``values == value``, where NaN equals NaN."""
    return np.isnan(values) if np.isnan(value) else values == value


def check_round_trip(out, kept, value, padding):
    """Refuse padded sequences that ``inverse_transform`` cannot give back.

    ``inverse_transform`` strips the steps next to the padding (trailing for
    "post", leading for "pre") whose features all equal the padding value: a
    sequence whose own step there equals it would lose that step.
    """
    has_steps = np.flatnonzero(kept)
    if padding == "post":
        edge = kept[has_steps] - 1
    else:
        edge = out.shape[1] - kept[has_steps]
    is_padding = equals_padding(out[has_steps, edge], value)
    if out.ndim == 3:
        is_padding = is_padding.all(axis=1)
    ambiguous = has_steps[is_padding]
    if not ambiguous.size:
        return
    side = "end" if padding == "post" else "start"
    raise ValueError(
        f"Sequence(s) at index {ambiguous[:10].tolist()} {side} with a step equal "
        f"to the padding value ({value.item()!r}) in every feature: inverse_transform "
        "could not tell that step from the padding and would drop it. "
        + _ambiguity_hint(out.dtype, value)
    )


def _ambiguity_hint(dtype, value):
    if dtype.kind == "b":
        return (
            "Boolean data holds both of the values it can be padded with: convert "
            "it to integers (e.g. x.astype(np.int8), padded with value=-1) or to "
            "float (padded with NaN)."
        )
    if dtype.kind == "f" and np.isnan(value):
        return (
            "Only trailing all-NaN steps are padding in float data; an all-NaN "
            "step inside a sequence is missing data: impute it first, or pad "
            "with a number that the data never holds (the value parameter)."
        )
    if dtype.kind == "f":
        return "Pad with a value that the data never holds, e.g. value='auto' (NaN)."
    hint = (
        "Pad with a value that the data never holds (e.g. value=-1 for "
        "non-negative integers), or convert the sequences to float to pad them "
        "with NaN."
    )
    if value == 0:
        hint += (
            " Token ids hold 0 only as padding: give already padded ids without "
            "their padding (e.g. Tokenizer without max_length)."
        )
    return hint


def padding_value(value, dtype):
    """The padding value for data of this dtype, refusing any lossy cast."""
    if isinstance(value, str):  # "auto"
        return dtype.type(np.nan) if dtype.kind == "f" else dtype.type(0)
    is_nan = value != value
    if dtype.kind == "f":
        try:
            with np.errstate(over="ignore"):
                cast = dtype.type(value)
        except OverflowError:  # a Python int beyond any float
            cast = dtype.type(np.inf)
        if not is_nan and value not in (np.inf, -np.inf) and np.isinf(cast):
            raise ValueError(
                f"value={value!r} does not fit in the dtype of X ({dtype}); it "
                "would become infinite."
            )
        return cast
    if is_nan:
        raise ValueError(
            f"value=nan cannot pad integer data (X has dtype {dtype}): NaN only "
            "exists in float arrays. Use value='auto' (pads with 0), another "
            "integer, or convert the sequences to float to pad them with NaN."
        )
    if dtype.kind == "b":
        exact = value in (0, 1)
    else:
        info = np.iinfo(dtype)
        exact = info.min <= value <= info.max and float(value).is_integer()
    if not exact:
        raise ValueError(
            f"value={value!r} cannot be stored exactly in X's dtype ({dtype}); "
            "casting it would change it silently. Use a value of that dtype, or "
            "convert the sequences to a float dtype first."
        )
    return dtype.type(value)
