"""Character n-gram language models with interpolated Kneser–Ney smoothing: the baselines.

An n-gram model predicts a character from the n-1 before it.  Counts alone
give zero probability to anything unseen, so Kneser–Ney smoothing (Kneser &
Ney 1995; Chen & Goodman 1999) takes a discount D off every seen count and
gives the mass so freed to a lower-order model, recursively:

    P_k(w | h) = max(c(hw) - D(c(hw)), 0) / c(h•) + γ(h) P_{k-1}(w | h')

where h' is h without its first character, c(h•) = Σ_w c(hw), and
γ(h) = (D₁ N₁(h•) + D₂ N₂(h•) + D₃ N₃₊(h•)) / c(h•), with N_r(h•) the number
of characters w with c(hw) = r (N₃₊: three or more).  γ is exactly the mass
the discounts removed, so each P_k sums to one.  A context never seen backs
off entirely: P_k(w | h) = P_{k-1}(w | h').  Below the unigram sits the
uniform distribution 1/V.

What makes it Kneser–Ney is the lower orders' counts: c is the true count
only at the highest order; below it, c(hw) is the *continuation count*
N₁₊(•hw), the number of distinct characters seen before hw.  A lower order
is consulted only when the longer context is rare, so it should say how
likely w is to follow a *new* context, not how often it occurs.

The discounts are Chen & Goodman's *modified* ones, from the numbers n_r of
distinct k-grams with count r: Y = n₁ / (n₁ + 2 n₂), D₁ = 1 - 2Y n₂/n₁,
D₂ = 2 - 3Y n₃/n₂, D₃ = 3 - 4Y n₄/n₃, per order (an estimate outside (0, r)
becomes r/2); or one fixed ``discount``.

Everything is vectorised: a k-gram over V characters is one integer,
Σ_j x_j V^(k-1-j), so counting is ``numpy.unique`` and looking up is
``numpy.searchsorted``.
"""
from __future__ import annotations

import numpy as np


def _codes(ids: np.ndarray, k: int, V: int) -> np.ndarray:
    """Integer codes of the len(ids) - k + 1 k-grams of ``ids`` (most significant first)."""
    code = ids[: len(ids) - k + 1].astype(np.int64)
    for j in range(1, k):
        code = code * V + ids[j : len(ids) - k + 1 + j]
    return code


def _discounts(counts: np.ndarray, discount) -> np.ndarray:
    """(D₁, D₂, D₃₊) from the count-of-counts (modified KN), or a fixed ``discount`` for all three."""
    if discount != "modified":
        d = float(discount)
        return np.array([min(d, 1.0), min(d, 2.0), min(d, 3.0)])
    n = np.array([np.count_nonzero(counts == r) for r in (1, 2, 3, 4)], dtype=np.float64)
    if n[0] == 0 or n[1] == 0:
        return np.array([0.5, 1.0, 1.5])  # too little data for the estimate: a plain choice
    Y = n[0] / (n[0] + 2 * n[1])
    D = np.array([1 - 2 * Y * n[1] / n[0],
                  2 - 3 * Y * n[2] / n[1],
                  3 - 4 * Y * n[3] / n[2] if n[2] else 1.5])
    # The estimate can fall outside (0, r) when few k-grams have a count r (the
    # unigram level has 65 at most): then a plain r/2.  Positive discounts keep
    # every probability above zero; a discount at most r keeps c - D(c) >= 0.
    r = np.array([1.0, 2.0, 3.0])
    return np.where((D > 0) & (D < r), D, r / 2)


class _Level:
    """The table of one order k: sorted k-gram codes and their counts, and per-context sums."""

    def __init__(self, grams: np.ndarray, counts: np.ndarray, V: int, discount):
        self.grams, self.counts = grams, counts.astype(np.float64)
        self.D = _discounts(counts, discount)
        ctx = grams // V  # grams are sorted, so their contexts are too
        self.contexts, start = np.unique(ctx, return_index=True)
        c = self.counts
        self.total = np.add.reduceat(c, start)
        mass = self.D[0] * (c == 1) + self.D[1] * (c == 2) + self.D[2] * (c >= 3)
        self.gamma_num = np.add.reduceat(mass, start)  # Σ_w D(c(hw)) = γ(h) c(h•)

    def lookup(self, gram_codes, ctx_codes):
        """(c(hw), c(h•), γ(h) c(h•)) for arrays of codes; zeros where unseen."""
        def find(sorted_codes, q):
            j = np.minimum(np.searchsorted(sorted_codes, q), len(sorted_codes) - 1)
            return j, sorted_codes[j] == q

        j, hit = find(self.grams, gram_codes)
        c = np.where(hit, self.counts[j], 0.0)
        j, hit = find(self.contexts, ctx_codes)
        return c, np.where(hit, self.total[j], 0.0), np.where(hit, self.gamma_num[j], 0.0)

    def discount(self, c):
        return np.select([c == 0, c == 1, c == 2], [0.0, self.D[0], self.D[1]], self.D[2])


class KneserNey:
    """Interpolated Kneser–Ney character models of every order 1 … ``max_order``.

    Parameters
    ----------
    ids : (N,) integer character ids of the training text, each in 0 … V-1.
    V : the vocabulary size.
    max_order : the largest n (the model of order n reads n-1 characters).
    discount : ``"modified"`` (Chen & Goodman's three discounts per order,
        estimated from the counts) or a number, one absolute discount D.

    Notes
    -----
    The model of order n uses true counts at order n and continuation counts
    below; the continuation tables are shared by every n.
    """

    def __init__(self, ids, V: int, max_order: int = 6, discount="modified"):
        ids = np.asarray(ids)
        if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
            raise ValueError(f"ids has shape {ids.shape} and dtype {ids.dtype}; expected 1-D integers")
        if not (isinstance(V, (int, np.integer)) and V >= 1) or ids.min() < 0 or ids.max() >= V:
            raise ValueError(f"V = {V!r}: need a positive integer with every id in 0 … V-1")
        if not (isinstance(max_order, (int, np.integer)) and 1 <= max_order <= 10):
            raise ValueError(f"max_order must be an integer in 1 … 10; got {max_order!r}")
        if len(ids) < max_order + 1:
            raise ValueError(f"ids has {len(ids)} characters; need more than max_order = {max_order}")
        if V ** max_order >= 2**62:
            raise ValueError(f"V^max_order = {V}^{max_order} does not fit the int64 codes")
        if discount != "modified" and not (0 < float(discount) <= 1):
            raise ValueError(f"discount is {discount!r}; expected 'modified' or a number in (0, 1]")
        self.V, self.max_order = int(V), int(max_order)
        # uniq[k]: the distinct k-grams' codes and their counts, k = 1 … max_order.
        uniq = {k: np.unique(_codes(ids, k, self.V), return_counts=True) for k in range(1, max_order + 1)}
        # True counts of every order (each is the highest order of some model); index 0 unused.
        self.raw: list[_Level | None] = [None] + [_Level(u, c, self.V, discount) for u, c in uniq.values()]
        # Continuation counts N₁₊(•g) of every order below max_order: the
        # number of distinct (k+1)-grams that end in the k-gram g.
        self.cont: list[_Level | None] = [None]
        for k in range(1, max_order):
            suffixes = uniq[k + 1][0] % self.V**k
            u, c = np.unique(suffixes, return_counts=True)
            self.cont.append(_Level(u, c, self.V, discount))

    def _levels(self, order):
        if not (isinstance(order, (int, np.integer)) and 1 <= order <= self.max_order):
            raise ValueError(f"order must be an integer in 1 … {self.max_order}; got {order!r}")
        return [self.cont[k] for k in range(1, order)] + [self.raw[order]]

    def _probs_by_level(self, ctx_codes, nxt, order):
        """P_k(w | last k-1 characters of the context) for k = 1 … order: a list of arrays."""
        p = np.full(len(nxt), 1.0 / self.V)
        out = []
        for k, level in enumerate(self._levels(order), start=1):
            h = ctx_codes % self.V ** (k - 1)
            c, total, gamma_num = level.lookup(h * self.V + nxt, h)
            seen = total > 0
            safe = np.where(seen, total, 1.0)
            p = np.where(seen, (c - level.discount(c)) / safe + gamma_num / safe * p, p)
            out.append(p)
        return out

    def _context_codes(self, contexts, order):
        contexts = np.asarray(contexts)
        if contexts.ndim != 2 or contexts.shape[1] != order - 1:
            raise ValueError(f"contexts has shape {contexts.shape}; "
                             f"expected (M, order - 1) = (M, {order - 1})")
        if contexts.size and (contexts.min() < 0 or contexts.max() >= self.V):
            raise ValueError(f"contexts has ids outside 0 … {self.V - 1}")
        code = np.zeros(len(contexts), np.int64)
        for j in range(order - 1):
            code = code * self.V + contexts[:, j]
        return code

    def prob(self, contexts, nxt, order: int | None = None) -> np.ndarray:
        """P(next | context), (M,), for contexts (M, order-1) and next characters (M,)."""
        order = self.max_order if order is None else order
        self._levels(order)
        nxt = np.asarray(nxt)
        codes = self._context_codes(contexts, order)
        if nxt.shape != (len(codes),) or not np.issubdtype(nxt.dtype, np.integer):
            raise ValueError(f"nxt has shape {nxt.shape}; expected ({len(codes)},) integers")
        return self._probs_by_level(codes, nxt, order)[-1]

    def distribution(self, contexts, order: int | None = None) -> np.ndarray:
        """P(w | context) for every w: (M, V) for contexts (M, order-1)."""
        order = self.max_order if order is None else order
        self._levels(order)
        codes = self._context_codes(contexts, order)
        M = len(codes)
        p = self._probs_by_level(np.repeat(codes, self.V), np.tile(np.arange(self.V), M), order)[-1]
        return p.reshape(M, self.V)

    def bits_per_char(self, ids, order: int | None = None) -> float:
        """Mean -log₂ P(x_t | x_<t) over t = 1 … N-1 of ``ids`` (the same targets the LSTM is scored on).

        The context is the order-1 characters before t; the first order-2
        targets have fewer before them, and target t < order-1 is scored by
        the model of order t+1 (the longest context the text provides).
        """
        order = self.max_order if order is None else order
        self._levels(order)
        ids = np.asarray(ids)
        if ids.ndim != 1 or len(ids) < 2 or ids.min() < 0 or ids.max() >= self.V:
            raise ValueError(f"ids must be 1-D with at least 2 ids in 0 … {self.V - 1}")
        ids = ids.astype(np.int64)
        t = np.arange(1, len(ids))
        padded = np.concatenate([np.zeros(order - 1, np.int64), ids])
        # The order-1 characters before target t sit at padded[t : t + order - 1].
        code = np.zeros(len(t), np.int64)
        for j in range(order - 1):
            code = code * self.V + padded[t + j]
        p = self._probs_by_level(code, ids[1:], order)[-1]
        for s in range(1, min(order - 1, len(ids))):
            p[s - 1] = self.prob(ids[None, :s], ids[s : s + 1], s + 1)[0]
        return float(-np.mean(np.log2(p)))


def table(train_ids, test_ids, V: int, orders=range(1, 7), discount="modified") -> dict[int, float]:
    """Test bits per character of the Kneser–Ney model of each order: {n: bpc}."""
    orders = list(orders)
    model = KneserNey(train_ids, V, max(orders), discount)
    return {n: model.bits_per_char(test_ids, n) for n in orders}


__all__ = ["KneserNey", "table"]
