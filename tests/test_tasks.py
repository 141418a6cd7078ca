"""The data generators: the adding problem's protocols and baselines, and the embedded Reber grammar."""
import re
from collections import defaultdict

import numpy as np
import pytest

from lstm.training import tasks
from lstm.training.tasks import (
    adding_1997_correct,
    adding_problem,
    adding_problem_1997,
    is_reber,
    reber_batch,
    reber_correct,
    reber_next_sets,
    reber_string,
    reber_strings,
)


@pytest.mark.parametrize("markers", ["halves", "anywhere", "first_half"])
def test_adding_problem_layout(markers):
    T, B = 20, 500
    x, y = adding_problem(T, B, rng=0, markers=markers)
    assert x.shape == (T, B, 2) and y.shape == (B, 1) and x.dtype == np.float64
    assert np.all((x[..., 0] >= 0) & (x[..., 0] < 1))
    assert np.all(x[..., 1].sum(axis=0) == 2) and set(np.unique(x[..., 1])) == {0.0, 1.0}
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * x[..., 1]).sum(axis=0), rtol=1e-15)
    first = x[..., 1].argmax(axis=0)
    last = T - 1 - x[::-1, :, 1].argmax(axis=0)
    if markers == "halves":
        assert np.all(first < T // 2) and np.all(last >= T // 2)
    elif markers == "first_half":  # both in the first half, every pair of positions in it drawn
        assert np.all(last < T // 2) and np.all(first < last)
        assert len(set(zip(first, last))) == (T // 2) * (T // 2 - 1) // 2
    else:  # both halves hold the first marker sometimes
        assert np.any(first >= T // 2) and np.any(last < T // 2)


@pytest.mark.parametrize("markers", ["halves", "anywhere", "first_half"])
def test_adding_problem_baselines(markers):
    # The two reference errors, measured on generated data (200,000 sequences; the standard
    # errors of the two means are 4.4e-4 and 1.7e-4, so the margins are > 4 standard errors).
    x, y = adding_problem(10, 200_000, rng=1, markers=markers)
    mse_one = np.mean((1.0 - y) ** 2)
    first_value = np.take_along_axis(x[..., 0], x[..., 1].argmax(axis=0)[None], axis=0)[0]
    mse_one_value = np.mean((first_value + 0.5 - y[:, 0]) ** 2)
    assert abs(mse_one - 0.167) < 2e-3 and abs(mse_one - tasks.ADDING_PREDICT_ONE_MSE) < 2e-3
    assert abs(mse_one_value - 0.083) < 1.5e-3 and abs(mse_one_value - tasks.ADDING_ONE_VALUE_MSE) < 1.5e-3


def test_adding_problem_is_seeded():
    a, b = adding_problem(8, 4, rng=3), adding_problem(8, 4, rng=3)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], adding_problem(8, 4, rng=4)[0])


def test_adding_problem_1997_protocol():
    T, B = 100, 4000
    x, y, lengths = adding_problem_1997(T, B, rng=2)
    assert x.shape == (T + T // 10, B, 2)
    assert lengths.min() == T and lengths.max() == T + T // 10
    v, m = x[..., 0], x[..., 1]
    assert np.all(np.abs(v) <= 1) and set(np.unique(m)) <= {-1.0, 0.0, 1.0}
    for b in range(B):
        marked = np.flatnonzero(m[:, b] == 1)
        assert len(marked) == 2
        assert marked[0] < 10 and marked[1] <= T // 2 - 1  # X₁ among the first ten, X₂ among the first T/2 − 1 others
        L = lengths[b]
        assert np.all(v[L:, b] == 0) and np.all(m[L:, b] == 0)
        assert m[L - 1, b] == -1 and (m[0, b] == -1 or 0 in marked)
        assert np.count_nonzero(m[:, b] == -1) == (1 if 0 in marked else 2)
    first_marked = m[0] == 1
    assert first_marked.any() and np.all(v[0, first_marked] == 0)  # the paper's rare case
    target = 0.5 + (v * (m == 1)).sum(axis=0) / 4
    np.testing.assert_allclose(y[:, 0], target, rtol=1e-15)
    assert np.all((y >= 0) & (y <= 1))
    # X₂ is uniform over its T/2 − 1 candidates: every one of them is used
    second = np.array([np.flatnonzero(m[:, b] == 1)[1] for b in range(B)])
    assert second.max() == T // 2 - 1


def test_adding_1997_criterion():
    y = np.array([[0.5], [0.5], [0.5]])
    assert adding_1997_correct(np.array([[0.53], [0.45], [0.541]]), y).tolist() == [True, False, False]


# An independent recogniser: a regular expression for Reber's diagram, derived by eliminating
# states by hand (not from the generator's table).
_L4 = "(?:XT*VP)*(?:S|XT*VV)"  # from the node after X/P: loop back through X T* V P, or leave
_REBER = f"B(?:TS*X{_L4}|PT*V(?:V|P{_L4}))E"
_EMBEDDED = re.compile(f"B(?:T{_REBER}T|P{_REBER}P)E")


def test_every_generated_string_is_accepted_by_an_independent_recogniser():
    strings = reber_strings(5000, rng=0)
    assert all(_EMBEDDED.fullmatch(s) for s in strings)
    assert all(is_reber(s) for s in strings)
    inner = reber_strings(2000, rng=1, embedded=False)
    assert all(re.fullmatch(_REBER, s) for s in inner)


def test_recogniser_rejects_non_strings():
    bad = ["BTBTXSEPE", "BTBTXSET", "BTBTXXETE", "BPBPVPEPE", "BTBPTTVPETE", "", "TBTXSETE", "BTBTXSETEE"]
    for s in bad:
        assert not is_reber(s), s
        assert not _EMBEDDED.fullmatch(s), s
    assert is_reber("BTBPTTVVETE") and is_reber("BPBPVPXVVEPE")
    with pytest.raises(ValueError, match="not an embedded Reber string"):
        reber_next_sets("BTBTXSEPE")


def test_next_sets_match_what_the_grammar_produces():
    # The legal sets, checked against frequencies: every observed continuation is legal,
    # and for every prefix seen often enough, every legal continuation is observed.
    seen = defaultdict(set)
    count = defaultdict(int)
    for s in reber_strings(20000, rng=4):
        for t, legal in enumerate(reber_next_sets(s)):
            prefix = s[: t + 1]
            seen[prefix].add(s[t + 1])
            count[prefix] += 1
            assert s[t + 1] in legal
            assert seen[prefix] <= legal
    sets = {}
    for s in reber_strings(20000, rng=4):
        for t, legal in enumerate(reber_next_sets(s)):
            sets[s[: t + 1]] = legal
    often = [p for p in count if count[p] >= 30]
    assert len(often) > 50
    for p in often:
        assert seen[p] == sets[p], p
    # the long-range dependency: after the inner E only the second symbol may follow
    s = "BPBTXSEPE"
    assert reber_next_sets(s)[6] == frozenset("P") and reber_next_sets(s)[2] == frozenset("TP")


def test_paper_sized_sets_and_batch():
    rng = np.random.default_rng(0)
    train, test = reber_strings(256, rng), reber_strings(256, rng)
    assert len(train) == len(test) == 256
    x, targets, mask, legal = reber_batch(train)
    T = max(map(len, train)) - 1
    assert x.shape == (T, 256, 7) and targets.shape == mask.shape == (T, 256) and legal.shape == (T, 256, 7)
    assert mask.sum() == sum(len(s) - 1 for s in train)
    assert np.all(legal[np.arange(T)[:, None], np.arange(256), targets] | (mask == 0)[...])
    assert np.all(x.sum(axis=-1) == mask)


def test_criterion():
    s = ["BTBTXSETE"]
    x, targets, mask, legal = reber_batch(s)
    perfect = np.where(legal, 1.0, 0.0)
    assert reber_correct(perfect, legal, mask).tolist() == [True]
    one_target = np.zeros_like(perfect)
    one_target[np.arange(len(s[0]) - 1), 0, targets[:, 0]] = 1.0  # right symbol, but its legal rival ranked low
    assert reber_correct(one_target, legal, mask).tolist() == [False]
    wrong_end = perfect.copy()
    wrong_end[6, 0] = [0, 0, 1, 0, 0, 0, 0]  # predicts P where only T may follow
    assert reber_correct(wrong_end, legal, mask).tolist() == [False]


def test_seeded_and_errors():
    assert reber_string(5) == reber_string(5)
    with pytest.raises(ValueError, match="T must be"):
        adding_problem(1, 3)
    with pytest.raises(ValueError, match="markers"):
        adding_problem(5, 3, markers="middle")
    with pytest.raises(ValueError, match="T must be"):
        adding_problem_1997(10, 3)
    with pytest.raises(ValueError, match="strings is empty"):
        reber_batch([])
