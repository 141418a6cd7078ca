"""SymPy helpers: the book's machinery for proving derivatives equal.

The recipe used in every chapter:

1. build the forward expression from element symbols (:func:`matrix`),
   with σ and tanh as functions that know their own derivatives;
2. write the hand-derived gradient as a SymPy expression;
3. :func:`assert_gradient` (or :func:`assert_equal`) proves it equal to
   ``sympy.diff`` by expanding the difference to zero;
4. :func:`numeric` evaluates either side at numbers, to compare with the
   NumPy code in :mod:`lstm`.

Why σ is a function of its own: written through ``exp``, σ' comes out of
``diff`` as ``exp(-z) / (1 + exp(-z))**2``, and proving that equal to a
hand-written σ(1 - σ) needs ``simplify``, which takes minutes on a whole
LSTM cell.  :class:`sigmoid` differentiates straight to σ(1 - σ), so both
sides are polynomials in the same σ(·) and tanh(·) terms and ``expand``
decides equality in well under a second.  SymPy's own ``tanh`` already
differentiates to 1 - tanh², so it is used as it is.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import sympy as sp

tanh = sp.tanh


class sigmoid(sp.Function):
    """σ(z) = 1 / (1 + exp(-z)) whose derivative SymPy writes as σ(1 - σ)."""

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.S.Half
        if z.is_Float:  # numbers evaluate, as sympy.tanh's do
            return 1 / (1 + sp.exp(-z))
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _eval_rewrite_as_exp(self, z, **kwargs):
        return 1 / (1 + sp.exp(-z))

    def _eval_is_real(self):
        return self.args[0].is_real

    def _eval_is_positive(self):
        return self.args[0].is_real


def matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    """A rows × cols matrix of real symbols ``name_ij`` (1-based, like the text).

    Immutable, so that it can key the ``values`` mapping of :func:`numeric`.
    """
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i + 1}{j + 1}", real=True))


def vector(name: str, n: int) -> sp.Matrix:
    """An n × 1 column of real symbols ``name_i`` (immutable, like :func:`matrix`)."""
    return sp.ImmutableMatrix(n, 1, lambda i, _: sp.Symbol(f"{name}_{i + 1}", real=True))


def _as_matrix(expr) -> sp.Matrix:
    return expr if isinstance(expr, sp.MatrixBase) else sp.Matrix([[expr]])


def assert_equal(hand, auto, what: str = "expression", *, show: int = 3) -> None:
    """Prove ``hand == auto`` by expanding their difference to zero.

    Works on scalars and matrices.  On failure raises ``AssertionError``
    listing up to ``show`` differing entries: where, the hand-derived value,
    SymPy's, and their difference.
    """
    hand, auto = _as_matrix(hand), _as_matrix(auto)
    if hand.shape != auto.shape:
        raise AssertionError(f"{what}: hand-derived shape {hand.shape} differs from SymPy's {auto.shape}")
    bad = []
    for idx in np.ndindex(*hand.shape):
        diff = sp.expand(hand[idx] - auto[idx])
        if diff != 0:
            bad.append((idx, hand[idx], auto[idx], diff))
    if bad:
        lines = [f"{what}: {len(bad)} of {hand.rows * hand.cols} entries differ"]
        for idx, h, a, d in bad[:show]:
            lines += [f"  entry {idx}:", f"    hand-derived: {h}", f"    sympy.diff:   {a}", f"    difference:   {d}"]
        raise AssertionError("\n".join(lines))


def gradient(expr, wrt) -> sp.Matrix:
    """∂expr/∂wrt for a scalar ``expr``: a matrix shaped like ``wrt``."""
    wrt = _as_matrix(wrt)
    return wrt.applyfunc(lambda w: sp.diff(expr, w))


def assert_gradient(hand, expr, wrt, what: str | None = None) -> None:
    """Prove that ``hand`` is the gradient of the scalar ``expr`` w.r.t. ``wrt``."""
    assert_equal(hand, gradient(expr, wrt), what or f"gradient w.r.t. {_as_matrix(wrt)[0]}…")


# σ is evaluated by an identity of its own, σ(z) = (1 + tanh(z/2)) / 2, and
# deliberately not by lstm.sigmoid: a comparison of SymPy's numbers with the
# package's then shares no code with the package.
_NUMERIC = {"sigmoid": lambda z: 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=np.float64))), "tanh": np.tanh}


def numeric(expr, values: Mapping) -> np.ndarray:
    """Evaluate ``expr`` at numbers, via ``sympy.lambdify``.

    ``values`` maps each symbol, or each matrix of symbols (from
    :func:`matrix`), to a number or an array of the same shape (a 1-D array
    will do for a column from :func:`vector`).  The result
    is a float64 array of ``expr``'s shape (a 0-d array for a scalar).
    """
    symbols: list = []
    numbers: list[float] = []
    for key, val in values.items():
        if isinstance(key, sp.MatrixBase):
            arr = np.asarray(val, dtype=np.float64)
            if key.cols == 1 and arr.shape == (key.rows,):
                arr = arr[:, None]  # a 1-D array for a column of symbols
            if arr.shape != key.shape:
                raise ValueError(f"value for {key[0]}… has shape {arr.shape}; expected {key.shape}")
            symbols += list(key)
            numbers += arr.reshape(-1).tolist()
        else:
            symbols.append(key)
            numbers.append(float(val))
    # cse: the gradients of unrolled networks repeat subexpressions many times over.
    f = sp.lambdify(symbols, expr, modules=[_NUMERIC, "numpy"], cse=True)
    out = np.asarray(f(*numbers), dtype=np.float64)
    if isinstance(expr, sp.MatrixBase):
        out = out.reshape(expr.shape)
    return out


def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """The LSTM step of :func:`lstm.lstm_step_forward`, on SymPy matrices.

    ``x`` (B, D), ``h_prev`` and ``c_prev`` (B, H), ``W_x`` (4H, D),
    ``W_h`` (4H, H), ``b`` (4H, 1).  Returns ``(h, c, gates)`` with ``gates``
    a dict of the (B, H) matrices ``a`` (B, 4H), ``i``, ``f``, ``g``, ``o``.
    """
    B, H = h_prev.shape
    a = x * W_x.T + h_prev * W_h.T + sp.ones(B, 1) * b.T
    i = a[:, 0:H].applyfunc(sigmoid)
    f = a[:, H : 2 * H].applyfunc(sigmoid)
    g = a[:, 2 * H : 3 * H].applyfunc(tanh)
    o = a[:, 3 * H : 4 * H].applyfunc(sigmoid)
    c = f.multiply_elementwise(c_prev) + i.multiply_elementwise(g)
    h = o.multiply_elementwise(c.applyfunc(tanh))
    return h, c, {"a": a, "i": i, "f": f, "g": g, "o": o}


def frobenius(A, B) -> sp.Expr:
    """Σ_jk A_jk B_jk: the loss whose gradient w.r.t. A's inputs is backprop with upstream B."""
    return sum((A.multiply_elementwise(B)), sp.S.Zero)


def peephole_step_forward(x, h_prev, c_prev, W_x, W_h, b, p_i, p_f, p_o):
    """The step of :func:`lstm.peephole_step_forward` on SymPy matrices.

    As :func:`lstm_step_forward`, with peephole columns ``p_i``, ``p_f``, ``p_o``
    (H, 1).  Returns ``(h, c, gates)``.
    """
    B, H = h_prev.shape
    a = x * W_x.T + h_prev * W_h.T + sp.ones(B, 1) * b.T
    def row(p):  # broadcast a peephole over the batch
        return sp.ones(B, 1) * p.T
    i = (a[:, 0:H] + row(p_i).multiply_elementwise(c_prev)).applyfunc(sigmoid)
    f = (a[:, H : 2 * H] + row(p_f).multiply_elementwise(c_prev)).applyfunc(sigmoid)
    g = a[:, 2 * H : 3 * H].applyfunc(tanh)
    c = f.multiply_elementwise(c_prev) + i.multiply_elementwise(g)
    o = (a[:, 3 * H : 4 * H] + row(p_o).multiply_elementwise(c)).applyfunc(sigmoid)
    h = o.multiply_elementwise(c.applyfunc(tanh))
    return h, c, {"a": a, "i": i, "f": f, "g": g, "o": o}


def layer_norm(z, gamma, beta, eps):
    """Row-wise layer normalisation of a SymPy matrix ``z`` (B, H): γ ⊙ (z - μ)/sqrt(v + ε) + β.

    ``gamma``, ``beta`` (H, 1); ``eps`` a symbol or number.
    """
    B, H = z.shape
    rows = []
    for r in range(B):
        mu = sum(z[r, :]) / H
        var = sum((z[r, k] - mu) ** 2 for k in range(H)) / H
        rows.append([gamma[k] * (z[r, k] - mu) / sp.sqrt(var + eps) + beta[k] for k in range(H)])
    return sp.Matrix(rows)


def layer_norm_tf_step_forward(x, h_prev, c_prev, W_x, W_h, gamma, beta, forget_bias, eps):
    """The step of :func:`lstm.layer_norm_tf_step_forward` on SymPy matrices.

    ``gamma`` and ``beta`` are (5, H) matrices with rows i, f, g, o, c.
    """
    H = h_prev.shape[1]
    a = x * W_x.T + h_prev * W_h.T
    n = [layer_norm(a[:, k * H : (k + 1) * H], gamma[k, :].T, beta[k, :].T, eps) for k in range(4)]
    i = n[0].applyfunc(sigmoid)
    f = n[1].applyfunc(lambda v: sigmoid(v + forget_bias))
    g = n[2].applyfunc(tanh)
    o = n[3].applyfunc(sigmoid)
    c = layer_norm(f.multiply_elementwise(c_prev) + i.multiply_elementwise(g), gamma[4, :].T, beta[4, :].T, eps)
    h = o.multiply_elementwise(c.applyfunc(tanh))
    return h, c, {"i": i, "f": f, "g": g, "o": o}


def scalar_gate_step_forward(x, h_prev, c_prev, w_i, w_f, w_o, W_g):
    """Source 003's step (:func:`lstm.scalar_gate_step_forward`) for one example, in the source's columns.

    ``x`` (D, 1), ``h_prev`` and ``c_prev`` (H, 1), ``w_i``, ``w_f``, ``w_o``
    (D+2H+1, 1), ``W_g`` (D+H+1, H).  Returns ``(h, c, parts)`` with ``parts``
    holding the pre-activations ``a_i``, ``a_f``, ``a_o`` (scalars), ``a_g``
    (H, 1), and the gates ``i``, ``f``, ``o``, ``g``.
    """
    one = sp.Matrix([[1]])
    u_prev = sp.Matrix.vstack(x, h_prev, c_prev, one)
    a_i, a_f = (w_i.T * u_prev)[0], (w_f.T * u_prev)[0]
    a_g = W_g.T * sp.Matrix.vstack(x, h_prev, one)
    i, f, g = sigmoid(a_i), sigmoid(a_f), a_g.applyfunc(tanh)
    c = f * c_prev + i * g
    a_o = (w_o.T * sp.Matrix.vstack(x, h_prev, c, one))[0]
    o = sigmoid(a_o)
    h = (o * c).applyfunc(tanh)
    return h, c, {"a_i": a_i, "a_f": a_f, "a_o": a_o, "a_g": a_g, "i": i, "f": f, "o": o, "g": g}


def gru_step_forward(x, h_prev, W_x, W_h, b_x, b_h, *, reset_after: bool = True):
    """The GRU step on SymPy matrices, written apart from the NumPy code.

    ``x`` (B, D), ``h_prev`` (B, H), ``W_x`` (3H, D), ``W_h`` (3H, H), ``b_x``
    and ``b_h`` (3H, 1).  Returns ``(h, parts)``: ``parts`` holds the (B, H)
    matrices ``r``, ``z``, ``n`` and the candidate's pre-activation ``a_n``.
    """
    B, H = h_prev.shape
    ones = sp.ones(B, 1)

    def blk(M, k):  # gate block k (rows) of a stacked parameter
        return M[k * H : (k + 1) * H, :]

    ax = [x * blk(W_x, k).T + ones * blk(b_x, k).T for k in range(3)]  # input side, with b_x
    r = (ax[0] + h_prev * blk(W_h, 0).T + ones * blk(b_h, 0).T).applyfunc(sigmoid)
    z = (ax[1] + h_prev * blk(W_h, 1).T + ones * blk(b_h, 1).T).applyfunc(sigmoid)
    if reset_after:
        a_n = ax[2] + r.multiply_elementwise(h_prev * blk(W_h, 2).T + ones * blk(b_h, 2).T)
    else:
        a_n = ax[2] + r.multiply_elementwise(h_prev) * blk(W_h, 2).T + ones * blk(b_h, 2).T
    n = a_n.applyfunc(sp.tanh)
    h = n + z.multiply_elementwise(h_prev - n)
    return h, {"r": r, "z": z, "n": n, "a_n": a_n}
