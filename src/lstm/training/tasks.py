"""Data for the training experiments: the adding problem (two protocols) and the embedded Reber grammar.

Every generator draws from an ``rng`` argument (a ``numpy.random.Generator``
or a seed), so every data set is reproducible.  Arrays are time-major, as
everywhere in the book: inputs (T, B, D).

**The adding problem, modern protocol** (Le et al. 2015; Arjovsky et al.
2016).  Each step carries a pair (value ~ U[0, 1], marker ∈ {0, 1}); exactly
two markers are 1, and the target is the sum of the two marked values.  A
net that always predicts the mean, 1, scores MSE Var(X₁ + X₂) = 2/12 ≈ 0.167;
one that remembers only one value, predicting X₁ + ½, scores Var(X₂) =
1/12 ≈ 0.083.  Solving the task means going well below 0.083.

**The adding problem, 1997 protocol** (Hochreiter & Schmidhuber 1997,
experiment 4).  Values ~ U[−1, 1]; a random length between T and T + T/10;
X₁ marked among the first ten pairs and X₂ among the first T/2 − 1 still
unmarked ones; the first and last pairs carry the marker −1 (unless marked);
the target, given at the end only, is 0.5 + (X₁ + X₂)/4, and a sequence is
processed correctly when the absolute error is below 0.04.

**The embedded Reber grammar** (1997, experiment 1; Cleeremans et al. 1989).
Reber's finite-state grammar over B, T, P, S, X, V, E, embedded between
``B T … T E`` or ``B P … P E``: the second symbol must be recalled at the
second-to-last step, across the whole inner string.  At every branch both
choices have probability ½.  The task is to predict the next symbol; the
paper's criterion asks, at every step of every string, that the most active
outputs be exactly the legal next symbols.
"""
from __future__ import annotations

import numpy as np

from .._validate import check_array

# ----------------------------------------------------------------------------- the adding problem

ADDING_PREDICT_ONE_MSE = 1 / 6  # Var(X₁ + X₂) with X ~ U[0, 1]: predicting the mean 1
ADDING_ONE_VALUE_MSE = 1 / 12  # Var(X₂): remembering X₁ and guessing ½ for X₂
ADDING_1997_TOLERANCE = 0.04


def _positive_int(name, value, minimum=1):
    if not (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= minimum):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def adding_problem(T: int, B: int, *, rng=None, markers: str = "halves", dtype=np.float64):
    """A batch of the modern adding problem.

    Parameters
    ----------
    T : sequence length (>= 2).
    B : batch size.
    markers : ``"halves"`` puts the first marker uniformly in the first half
        (t < T/2) and the second in the second half (Arjovsky et al. 2016),
        so that every pair is at least one step and usually ~T/2 steps apart;
        ``"anywhere"`` draws two distinct positions uniformly;
        ``"first_half"`` draws two distinct positions in the first half, so
        that both values lie at least T − T//2 steps before the end, as in
        the 1997 protocol (a control for the lag alone).
    rng : Generator or seed.

    Returns
    -------
    x : (T, B, 2), channel 0 the values, channel 1 the markers.
    y : (B, 1), the sum of the two marked values.
    """
    T = _positive_int("T", T, 2)
    B = _positive_int("B", B)
    rng = np.random.default_rng(rng)
    values = rng.uniform(0.0, 1.0, size=(T, B))
    if markers == "halves":
        half = T // 2
        first = rng.integers(0, half, size=B)
        second = rng.integers(half, T, size=B)
    elif markers == "anywhere":
        first = rng.integers(0, T, size=B)
        second = (first + rng.integers(1, T, size=B)) % T  # a different position, uniform over the rest
    elif markers == "first_half":
        half = T // 2
        first = rng.integers(0, half, size=B)
        second = (first + rng.integers(1, half, size=B)) % half  # a different position in the first half
    else:
        raise ValueError(f"markers is {markers!r}; expected 'halves', 'anywhere' or 'first_half'")
    marks = np.zeros((T, B))
    cols = np.arange(B)
    marks[first, cols] = 1.0
    marks[second, cols] = 1.0
    x = np.stack([values, marks], axis=-1).astype(dtype)
    y = (values[first, cols] + values[second, cols])[:, None].astype(dtype)
    return x, y


def adding_problem_1997(T: int, B: int, *, rng=None, dtype=np.float64):
    """A batch of the adding problem as Hochreiter & Schmidhuber (1997) set it.

    Parameters
    ----------
    T : the minimal length (>= 22, so that T/2 − 1 > 10 positions exist for X₂).
    B : batch size.

    Returns
    -------
    x : (T_max, B, 2) with T_max = T + T // 10; channel 0 values in [−1, 1],
        channel 1 markers in {−1, 0, 1}; zero after each sequence's end.
    y : (B, 1), the target 0.5 + (X₁ + X₂)/4, in [0, 1].
    lengths : (B,) integers in T … T + T // 10 (for :class:`lstm.training.models.LastStepMSE`).

    Notes
    -----
    X₁ is one of the first ten pairs, X₂ one of the first T/2 − 1 pairs that
    are not X₁ (positions 0 … T/2 − 1 less X₁'s).  When a marked pair is the very first one, its value is set to zero,
    as the paper does for X₁.
    """
    T = _positive_int("T", T, 22)
    B = _positive_int("B", B)
    rng = np.random.default_rng(rng)
    T_max = T + T // 10
    lengths = rng.integers(T, T_max + 1, size=B)
    values = rng.uniform(-1.0, 1.0, size=(T_max, B))
    marks = np.zeros((T_max, B))
    cols = np.arange(B)
    first = rng.integers(0, 10, size=B)
    # the first T/2 − 1 still unmarked pairs are positions 0 … T/2 − 1 less `first`: draw one, skip `first`
    second = rng.integers(0, T // 2 - 1, size=B)
    second = second + (second >= first)
    marks[0, cols] = -1.0
    marks[lengths - 1, cols] = -1.0
    marks[first, cols] = 1.0
    marks[second, cols] = 1.0
    values[0, (first == 0) | (second == 0)] = 0.0
    steps = np.arange(T_max)[:, None]
    inside = steps < lengths[None, :]
    values *= inside
    marks *= inside
    y = 0.5 + (values[first, cols] + values[second, cols]) / 4.0
    x = np.stack([values, marks], axis=-1).astype(dtype)
    return x, y[:, None].astype(dtype), lengths


def adding_1997_correct(pred, y) -> np.ndarray:
    """(B,) bool: the 1997 criterion, ``|prediction − target| < 0.04``, for ``pred`` and ``y`` of shape (B, 1)."""
    pred = check_array("pred", pred, ("B", 1))
    y = check_array("y", y, pred.shape)
    return np.abs(pred - y)[:, 0] < ADDING_1997_TOLERANCE


# ----------------------------------------------------------------------------- the Reber grammar

REBER_SYMBOLS = "BTPSXVE"
# Reber's automaton: state → ((symbol, next state), (symbol, next state)); state 6 emits E.
_REBER = {
    1: (("T", 2), ("P", 3)),
    2: (("S", 2), ("X", 4)),
    3: (("T", 3), ("V", 5)),
    4: (("X", 3), ("S", 6)),
    5: (("P", 4), ("V", 6)),
}


def reber_string(rng=None, *, embedded: bool = True) -> str:
    """One string of the (embedded) Reber grammar, each branch taken with probability ½."""
    rng = np.random.default_rng(rng)
    out, state = ["B"], 1
    while state != 6:
        symbol, state = _REBER[state][int(rng.integers(2))]
        out.append(symbol)
    out.append("E")
    inner = "".join(out)
    if not embedded:
        return inner
    outer = "TP"[int(rng.integers(2))]
    return "B" + outer + inner + outer + "E"


def reber_strings(n: int, rng=None, *, embedded: bool = True) -> list[str]:
    """``n`` independent strings (repeats allowed, as when sampling the grammar)."""
    n = _positive_int("n", n)
    rng = np.random.default_rng(rng)
    return [reber_string(rng, embedded=embedded) for _ in range(n)]


def _inner_next_sets(s: str, start: int) -> tuple[list[frozenset], int]:
    """Legal next symbols after each symbol of the inner Reber string beginning at ``s[start]`` (a B)."""
    sets, state = [], 1
    i = start + 1
    sets.append(frozenset(sym for sym, _ in _REBER[1]))  # after B
    while state != 6:
        moves = dict(_REBER[state])
        if i >= len(s) or s[i] not in moves:
            raise ValueError(f"{s!r} is not a Reber string: {s[i] if i < len(s) else 'end'!r} at position {i}")
        state = moves[s[i]]
        sets.append(frozenset("E") if state == 6 else frozenset(sym for sym, _ in _REBER[state]))
        i += 1
    if i >= len(s) or s[i] != "E":
        raise ValueError(f"{s!r} is not a Reber string: expected E at position {i}")
    return sets, i


def reber_next_sets(s: str, *, embedded: bool = True) -> list[frozenset]:
    """For t = 0 … len(s) − 2, the set of symbols that may legally follow ``s[: t + 1]``.

    Raises ``ValueError`` if ``s`` is not in the grammar.
    """
    if not isinstance(s, str) or len(s) < 2 or s[0] != "B":
        raise ValueError(f"{s!r} is not a Reber string: it must start with B")
    if not embedded:
        sets, end = _inner_next_sets(s, 0)
        if end != len(s) - 1:
            raise ValueError(f"{s!r} is not a Reber string: symbols after the final E")
        return sets
    if s[1] not in "TP" or len(s) < 5 or s[2] != "B":
        raise ValueError(f"{s!r} is not an embedded Reber string: it must start with BTB or BPB")
    outer = s[1]
    sets = [frozenset("TP"), frozenset("B")]
    inner, end = _inner_next_sets(s, 2)
    sets += inner + [frozenset(outer)]  # after the inner E only the remembered symbol is legal
    if end + 2 != len(s) - 1 or s[end + 1] != outer or s[end + 2] != "E":
        raise ValueError(f"{s!r} is not an embedded Reber string: it must end with {outer}E")
    sets.append(frozenset("E"))
    return sets


def is_reber(s: str, *, embedded: bool = True) -> bool:
    """Whether ``s`` is in the (embedded) Reber grammar."""
    try:
        reber_next_sets(s, embedded=embedded)
    except ValueError:
        return False
    return True


def reber_batch(strings, *, dtype=np.float64):
    """Encode strings for next-symbol prediction, padded to the longest.

    Returns
    -------
    x : (T, B, 7) one-hot inputs s[0] … s[L−2], T = max L − 1, zero on padding.
    targets : (T, B) integer ids of s[1] … s[L−1] (0 on padding).
    mask : (T, B) float, 1 on real steps.
    legal : (T, B, 7) bool, the legal next symbols at each real step.
    """
    strings = list(strings)
    if not strings:
        raise ValueError("strings is empty")
    T = max(len(s) for s in strings) - 1
    B, K = len(strings), len(REBER_SYMBOLS)
    index = {c: k for k, c in enumerate(REBER_SYMBOLS)}
    x = np.zeros((T, B, K), dtype)
    targets = np.zeros((T, B), np.int64)
    mask = np.zeros((T, B), dtype)
    legal = np.zeros((T, B, K), bool)
    for b, s in enumerate(strings):
        sets = reber_next_sets(s)
        for t in range(len(s) - 1):
            x[t, b, index[s[t]]] = 1.0
            targets[t, b] = index[s[t + 1]]
            mask[t, b] = 1.0
            legal[t, b, [index[c] for c in sets[t]]] = True
    return x, targets, mask, legal


def reber_correct(logits, legal, mask) -> np.ndarray:
    """(B,) bool: the 1997 criterion on each string.

    At every real step the ``n`` largest outputs, n the number of legal
    symbols there, must be exactly the legal symbols (equivalently, every
    legal output exceeds every illegal one).  ``logits`` (T, B, K) (any
    monotone transform, e.g. softmax, gives the same verdict), ``legal``
    (T, B, K) bool, ``mask`` (T, B).
    """
    logits = check_array("logits", logits, ("T", "B", "K"))
    legal = np.asarray(legal, bool)
    mask = np.asarray(mask) > 0
    if legal.shape != logits.shape or mask.shape != logits.shape[:2]:
        raise ValueError(f"legal {legal.shape} and mask {mask.shape} must match logits {logits.shape} and its (T, B)")
    lowest_legal = np.where(legal, logits, np.inf).min(axis=-1)
    highest_illegal = np.where(legal, -np.inf, logits).max(axis=-1)
    ok = (lowest_legal > highest_illegal) | ~mask
    return ok.all(axis=0)


__all__ = [
    "ADDING_1997_TOLERANCE",
    "ADDING_ONE_VALUE_MSE",
    "ADDING_PREDICT_ONE_MSE",
    "REBER_SYMBOLS",
    "adding_1997_correct",
    "adding_problem",
    "adding_problem_1997",
    "is_reber",
    "reber_batch",
    "reber_correct",
    "reber_next_sets",
    "reber_string",
    "reber_strings",
]
