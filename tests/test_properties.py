"""Property-based tests (hypothesis) over shapes and extreme values."""
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import lstm

DTYPES = st.sampled_from([np.float32, np.float64])


def finite_arrays(dtype, bound=1e4, min_dims=1, max_dims=3):
    return arrays(
        dtype,
        array_shapes(min_dims=min_dims, max_dims=max_dims, max_side=6),
        elements=st.floats(-bound, bound, allow_nan=False, width=32),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dtype=DTYPES)
def test_sigmoid_and_tanh_stay_in_range_without_warnings(data, dtype):
    z = data.draw(finite_arrays(dtype))
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s, t = lstm.sigmoid(z), lstm.tanh(z)
        ds, dt = lstm.sigmoid_grad(z), lstm.tanh_grad(z)
    assert s.shape == z.shape and s.dtype == dtype
    assert np.all((s >= 0) & (s <= 1)) and np.all((t >= -1) & (t <= 1))
    assert np.all((ds >= 0) & (ds <= 0.25)) and np.all((dt >= 0) & (dt <= 1))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), dtype=DTYPES)
def test_softmax_is_a_distribution_for_any_logits(data, dtype):
    z = data.draw(finite_arrays(dtype))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = lstm.softmax(z)
        lp = lstm.log_softmax(z)
    assert p.dtype == dtype and np.all(np.isfinite(lp))
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=10 * np.finfo(dtype).eps * z.shape[-1])
    # log_softmax keeps information that exp(log p) loses: it is ≤ 0 and finite.
    assert np.all(lp <= 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_cross_entropy_gradient_rows_sum_to_zero(data):
    logits = data.draw(finite_arrays(np.float64, bound=1e3, min_dims=2, max_dims=2))
    B, K = logits.shape
    labels = np.array(data.draw(st.lists(st.integers(0, K - 1), min_size=B, max_size=B)))
    loss, d = lstm.softmax_cross_entropy(logits, labels)
    assert np.isfinite(loss) and loss >= 0
    # Σ_k (p_k - y_k) = 1 - 1 = 0 for every example.
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(H=st.integers(1, 5), D=st.integers(1, 5), order=st.permutations("ifgo"))
def test_gate_reordering_round_trips(H, D, order):
    order = "".join(order)
    W = np.arange(4 * H * D, dtype=np.float64).reshape(4 * H, D)
    there = lstm.reorder_gates(W, "book", order)
    np.testing.assert_array_equal(lstm.reorder_gates(there, order, "book"), W)
