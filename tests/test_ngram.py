"""Kneser–Ney character models: normalisation, a value computed by hand, the book's baselines."""
import numpy as np
import pytest

import lstm
from lstm.lm import charlm, ngram

DATA = lstm.data_path("tinyshakespeare.txt")


def small_model(discount="modified", order=4, n=3000, V=6, seed=0):
    rng = np.random.default_rng(seed)
    # A skewed Markov chain, so that counts of 1, 2, 3 and more all occur.
    P = rng.dirichlet(np.full(V, 0.4), size=V)
    ids = [0]
    for _ in range(n - 1):
        ids.append(rng.choice(V, p=P[ids[-1]]))
    ids = np.array(ids)
    return ngram.KneserNey(ids, V, order, discount), ids


@pytest.mark.parametrize("discount", ["modified", 0.75, 1.0])
def test_distributions_sum_to_one_for_every_context(discount):
    model, ids = small_model(discount)
    V = model.V
    for order in range(1, model.max_order + 1):
        k = order - 1
        # Every context of length k, seen or not: V^k of them.
        if k:
            grid = np.array(np.meshgrid(*[np.arange(V)] * k, indexing="ij")).reshape(k, -1).T
        else:
            grid = np.zeros((1, 0), np.int64)
        p = model.distribution(grid, order)
        assert p.shape == (len(grid), V)
        assert p.min() > 0
        np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_unseen_contexts_exist_in_the_check():
    """The grid above covers unseen contexts too, so back-off is exercised."""
    model, _ = small_model()
    seen = set(model.raw[4].contexts.tolist())
    assert len(seen) < model.V**3


def test_hand_computed_bigram_value():
    """'abracadabra', absolute discount D = 1/2, bigram model.

    Bigrams: ab 2, br 2, ra 2, ac 1, ca 1, ad 1, da 1.  Continuation counts
    (distinct left neighbours): a 3 (r, c, d), b 1, c 1, d 1, r 1; 7 in all.
    P1(a) = (3 - 1/2)/7 + (1/2 · 5/7) · 1/5 = 3/7, P1(b) = 1/2/7 + 1/14 = 1/7.
    After r (seen twice, always followed by a): γ(r) = 1/2 · 1/2 = 1/4,
    P2(a|r) = (2 - 1/2)/2 + 1/4 · 3/7 = 6/7, P2(b|r) = 1/4 · 1/7 = 1/28.
    Context x never seen: P2(w|x) = P1(w).
    """
    text = "abracadabra"
    vocab = charlm.build_vocab(text)
    model = ngram.KneserNey(charlm.encode(text, vocab), len(vocab), 2, discount=0.5)
    r, a, b = vocab.index("r"), vocab.index("a"), vocab.index("b")
    np.testing.assert_allclose(model.prob([[r], [r]], [a, b], 2), [6 / 7, 1 / 28], rtol=1e-14)
    # After c (seen once, before a): γ(c) = 1/2, P2(a|c) = (1 - 1/2)/1 + 1/2 · 3/7 = 5/7.
    np.testing.assert_allclose(model.prob([[vocab.index("c")]], [a], 2), [5 / 7], rtol=1e-14)
    # A unigram model of order 1 uses true counts: a 5, b 2, c 1, d 1, r 2 of 11.
    unigram = ngram.KneserNey(charlm.encode(text, vocab), len(vocab), 1, discount=0.5)
    np.testing.assert_allclose(unigram.prob(np.zeros((1, 0), int), [a], 1),
                               [(5 - 0.5) / 11 + 0.5 * 5 / 11 / 5], rtol=1e-14)


def test_bits_per_char_matches_a_loop():
    model, ids = small_model(n=2000)
    test = ids[-300:]
    for order in (1, 2, 4):
        logs = []
        for t in range(1, len(test)):
            k = min(order, t + 1)
            ctx = test[t - k + 1 : t][None, :]
            logs.append(np.log2(model.prob(ctx, [test[t]], k)[0]))
        np.testing.assert_allclose(model.bits_per_char(test, order), -np.mean(logs), rtol=1e-12)


def test_bad_input_is_refused():
    model, _ = small_model()
    with pytest.raises(ValueError, match="contexts"):
        model.distribution(np.zeros((2, 1), int), 3)
    with pytest.raises(ValueError, match="order"):
        model.bits_per_char(np.arange(5), 7)
    with pytest.raises(ValueError, match="V"):
        ngram.KneserNey(np.array([0, 1, 5]), 3, 1)
    with pytest.raises(ValueError, match="discount"):
        ngram.KneserNey(np.arange(10) % 3, 3, 2, discount=1.5)


def test_the_books_baselines():
    """The 6-gram model on the book's split: about 2.2 bits per character (the issue's 2.22)."""
    text = DATA.read_text(encoding="utf-8")
    vocab = charlm.build_vocab(text)
    ids = charlm.encode(text, vocab)
    n = len(ids)
    train, test = ids[: round(0.9 * n)], ids[round(0.9 * n) :]
    bpc = ngram.table(train, test, len(vocab))
    assert list(bpc) == [1, 2, 3, 4, 5, 6]
    assert all(bpc[k + 1] < bpc[k] for k in range(1, 6))
    assert 2.15 < bpc[6] < 2.25
    assert 2.85 < bpc[3] < 3.0
