"""Tests for skgen.kde: the chunked log-space KDE, its gradients, JSD and entropy.

Every fast path is checked against a slow, obvious reference: a numpy double
loop, scikit-learn's KernelDensity, autograd through a naive torch expression,
or a float64 brute force. Closed forms (Gaussian entropy, JSD of a
distribution with itself) and hypothesis invariants cover the estimators.
"""

import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import logsumexp
from sklearn.neighbors import KernelDensity

import skgen.kde
from skgen.bandwidth import jsd_bandwidth
from skgen.kde import (
    KernelSums,
    entropy_bandwidth,
    jsd_loss,
    kde_entropy,
    kde_jsd,
    kde_jsd_grad_bandwidth,
    log_kde,
    sq_distances,
    whiten,
)
from skgen.targets import Gaussian, StandardNormal

LOG2 = math.log(2.0)
DTYPES = [torch.float32, torch.float64]


def _randn(*shape, seed=0, dtype=torch.float64, scale=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g, dtype=dtype) * scale


# -----------------------------------------------------------------------------
# references
# -----------------------------------------------------------------------------
def _log_kde_loop(query, centres, h, exclude=None):
    """Plain numpy double loop in float64: log(1/count sum_j G_h(q_i - c_j))."""
    query = np.asarray(query, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    n, l = query.shape
    m = centres.shape[0]
    out = np.empty(n)
    for i in range(n):
        logits = []
        for j in range(m):
            if exclude is not None and exclude[i] == j:
                continue
            diff = query[i] - centres[j]
            logits.append(-float(diff @ diff) / (2.0 * h * h))
        out[i] = logsumexp(logits) - math.log(len(logits)) - l * math.log(h) - 0.5 * l * math.log(2 * math.pi)
    return out


def _naive_log_kde(query, centres, h, exclude=None):
    """Differentiable torch reference through autograd (stores the full matrix)."""
    l = query.shape[1]
    if exclude is None:
        logits = -(torch.cdist(query, centres) ** 2) / (2 * h**2)
        log_count = torch.full((query.shape[0],), math.log(centres.shape[0]), dtype=query.dtype)
    else:
        # explicit differences: cdist's gradient is undefined at zero distance
        d2 = ((query[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        mask = torch.zeros_like(d2, dtype=torch.bool)
        rows = torch.arange(query.shape[0])[exclude >= 0]
        mask[rows, exclude[exclude >= 0]] = True
        logits = torch.where(mask, torch.tensor(-math.inf, dtype=query.dtype), -d2 / (2 * h**2))
        log_count = torch.log((~mask).sum(1).to(query.dtype))
    return torch.logsumexp(logits, 1) - log_count - l * torch.log(torch.as_tensor(h)) - 0.5 * l * math.log(2 * math.pi)


def _brute_kernel_sums(q, c, h, exclude_self):
    q, c = q.double(), c.double()
    d = ((q[:, None, :] - c[None, :, :]) ** 2).sum(-1)  # (n, m)
    logits = -d / (2 * h * h)
    if exclude_self:
        idx = torch.arange(q.shape[0])
        logits[idx, idx] = -math.inf
    lse = torch.logsumexp(logits, 1)
    w = torch.softmax(logits, 1)
    dd = d.clone()
    if exclude_self:
        dd[idx, idx] = 0.0
    S = (w * dd).sum(1)
    V = (w * dd * dd).sum(1) - S * S
    return lse, S, V


# -----------------------------------------------------------------------------
# log_kde values
# -----------------------------------------------------------------------------
def test_sq_distances():
    x, y = _randn(6, 3, seed=1), _randn(4, 3, seed=2)
    d2 = sq_distances(x, y)
    assert d2.shape == (6, 4)
    torch.testing.assert_close(d2, torch.cdist(x, y) ** 2, rtol=1e-10, atol=1e-12)
    assert bool((sq_distances(x, x) >= 0).all())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("h", [0.3, 1.7])
def test_log_kde_matches_sklearn_and_loop(dtype, h):
    q = _randn(17, 3, seed=1, dtype=dtype)
    c = _randn(23, 3, seed=2, dtype=dtype, scale=1.5)
    got = log_kde(q, c, h)
    assert got.shape == (17,)
    assert got.dtype == dtype
    q64, c64 = q.double().numpy(), c.double().numpy()
    sk = KernelDensity(bandwidth=h, kernel="gaussian").fit(c64).score_samples(q64)
    loop = _log_kde_loop(q64, c64, h)
    np.testing.assert_allclose(sk, loop, rtol=1e-10)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(got.double().numpy(), loop, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_kde_leave_one_out_matches_loop(dtype):
    x = _randn(15, 2, seed=3, dtype=dtype)
    got = log_kde(x, x, 0.6, leave_one_out=True)
    loop = _log_kde_loop(x.double().numpy(), x.double().numpy(), 0.6, exclude=np.arange(15))
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(got.double().numpy(), loop, **tol)
    # leave-one-out is not the full KDE
    assert not np.allclose(log_kde(x, x, 0.6).double().numpy(), loop, rtol=1e-3)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_kde_exclude_matches_loop(dtype):
    q = _randn(9, 3, seed=4, dtype=dtype)
    c = _randn(6, 3, seed=5, dtype=dtype)
    exclude = torch.tensor([0, -1, 5, 2, -1, 2, 3, -1, 1])
    got = log_kde(q, c, 0.8, exclude=exclude)
    loop = _log_kde_loop(q.double().numpy(), c.double().numpy(), 0.8, exclude=exclude.numpy())
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == torch.float32 else dict(rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(got.double().numpy(), loop, **tol)
    # rows with -1 are the plain KDE
    full = log_kde(q, c, 0.8)
    keep = exclude < 0
    torch.testing.assert_close(got[keep], full[keep])
    # int32 and numpy indices are accepted too
    torch.testing.assert_close(log_kde(q, c, 0.8, exclude=exclude.int()), got)
    torch.testing.assert_close(log_kde(q, c, 0.8, exclude=exclude.numpy()), got)


def test_exclude_equals_leave_one_out():
    x = _randn(12, 2, seed=6)
    torch.testing.assert_close(log_kde(x, x, 0.5, exclude=torch.arange(12)), log_kde(x, x, 0.5, leave_one_out=True))


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_kde_high_dimension_does_not_underflow(dtype):
    # l = 60, h = 0.05: every kernel is below exp(-10000); naive exp gives log(0)
    q = _randn(8, 60, seed=7, dtype=dtype)
    c = _randn(11, 60, seed=8, dtype=dtype)
    h = 0.05
    naive = torch.log(torch.exp(-(torch.cdist(q.double(), c.double()) ** 2) / (2 * h * h)).mean(1))
    assert bool(torch.isinf(naive).all())  # the problem is real
    got = log_kde(q, c, h)
    assert bool(torch.isfinite(got).all())
    ref = _log_kde_loop(q.double().numpy(), c.double().numpy(), h)
    assert np.all(np.isfinite(ref))
    tol = dict(rtol=2e-4) if dtype == torch.float32 else dict(rtol=1e-10)
    np.testing.assert_allclose(got.double().numpy(), ref, **tol)
    loo = log_kde(c, c, h, leave_one_out=True)
    ref_loo = _log_kde_loop(c.double().numpy(), c.double().numpy(), h, exclude=np.arange(11))
    assert bool(torch.isfinite(loo).all())
    np.testing.assert_allclose(loo.double().numpy(), ref_loo, **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_kde_chunk_sizes_agree(dtype):
    q = _randn(10, 3, seed=9, dtype=dtype)
    c = _randn(7, 3, seed=10, dtype=dtype)
    exclude = torch.tensor([1, -1, 3, 0, 6, -1, -1, 2, 5, 4])
    for kw in (dict(), dict(exclude=exclude)):
        results = [log_kde(q, c, 0.4, chunk_size=cs, **kw) for cs in (1, 3, None, 100)]
        for r in results[1:]:
            torch.testing.assert_close(r, results[0], rtol=1e-6 if dtype == torch.float32 else 1e-13, atol=0)
    x = _randn(10, 3, seed=11, dtype=dtype)
    results = [log_kde(x, x, 0.4, leave_one_out=True, chunk_size=cs) for cs in (1, 3, None)]
    for r in results[1:]:
        torch.testing.assert_close(r, results[0], rtol=1e-6 if dtype == torch.float32 else 1e-13, atol=0)


def test_log_kde_single_centre_closed_form():
    c = torch.zeros(1, 2, dtype=torch.float64)
    assert float(log_kde(c, c, 1.0)[0]) == pytest.approx(-math.log(2 * math.pi), rel=1e-14)
    q = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    expected = -0.5 * 5 / 0.25 - 2 * math.log(0.5) - math.log(2 * math.pi)
    assert float(log_kde(q, c, 0.5)[0]) == pytest.approx(expected, rel=1e-14)


def test_log_kde_tensor_bandwidth_equals_float():
    q, c = _randn(5, 2, seed=12), _randn(6, 2, seed=13)
    torch.testing.assert_close(log_kde(q, c, torch.tensor(0.7, dtype=torch.float64)), log_kde(q, c, 0.7))
    torch.testing.assert_close(log_kde(q, c, np.float64(0.7)), log_kde(q, c, 0.7))


# -----------------------------------------------------------------------------
# log_kde gradients
# -----------------------------------------------------------------------------
def _grad_inputs(n=4, m=5, l=2, seed=20):
    q = _randn(n, l, seed=seed).requires_grad_(True)
    c = _randn(m, l, seed=seed + 1).requires_grad_(True)
    h = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    return q, c, h


@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_log_kde_gradcheck(chunk_size):
    q, c, h = _grad_inputs()
    assert torch.autograd.gradcheck(lambda a, b, s: log_kde(a, b, s, chunk_size=chunk_size), (q, c, h))


@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_log_kde_gradcheck_leave_one_out(chunk_size):
    q, c, h = _grad_inputs(n=5, m=5)
    assert torch.autograd.gradcheck(
        lambda a, b, s: log_kde(a, b, s, leave_one_out=True, chunk_size=chunk_size), (q, c, h)
    )
    # the queries are the centres: gradient flows through both roles
    assert torch.autograd.gradcheck(lambda a, s: log_kde(a, a, s, leave_one_out=True, chunk_size=chunk_size), (c, h))


@pytest.mark.parametrize("chunk_size", [None, 2])
def test_log_kde_gradcheck_exclude(chunk_size):
    q, c, h = _grad_inputs(n=6, m=4)
    exclude = torch.tensor([0, -1, 3, 3, -1, 1])
    assert torch.autograd.gradcheck(lambda a, b, s: log_kde(a, b, s, exclude=exclude, chunk_size=chunk_size), (q, c, h))


def test_log_kde_gradcheck_single_inputs():
    # only one input requiring grad at a time exercises each branch of backward
    q, c, h = _grad_inputs()
    qd, cd, hd = q.detach(), c.detach(), h.detach()
    assert torch.autograd.gradcheck(lambda a: log_kde(a, cd, hd), (q,))
    assert torch.autograd.gradcheck(lambda b: log_kde(qd, b, hd), (c,))
    assert torch.autograd.gradcheck(lambda s: log_kde(qd, cd, s), (h,))


def _compare_with_naive(q, c, h, exclude=None, leave_one_out=False, chunk_size=None, seed=0):
    w = _randn(q.shape[0], seed=seed)  # random upstream gradient
    ex = torch.arange(q.shape[0]) if leave_one_out else exclude
    got = log_kde(q, c, h, exclude=exclude, leave_one_out=leave_one_out, chunk_size=chunk_size)
    g_fast = torch.autograd.grad((got * w).sum(), (q, c, h))
    ref = _naive_log_kde(q, c, h, exclude=ex)
    torch.testing.assert_close(got, ref, rtol=1e-11, atol=1e-11)
    g_ref = torch.autograd.grad((ref * w).sum(), (q, c, h))
    for a, b in zip(g_fast, g_ref):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("chunk_size", [None, 1, 4])
def test_log_kde_gradients_match_naive_autograd(chunk_size):
    q, c, h = _grad_inputs(n=9, m=13, l=3, seed=30)
    _compare_with_naive(q, c, h, chunk_size=chunk_size, seed=1)
    x, _, h2 = _grad_inputs(n=9, m=9, l=3, seed=31)
    y = _randn(9, 3, seed=32).requires_grad_(True)
    _compare_with_naive(x, y, h2, leave_one_out=True, chunk_size=chunk_size, seed=2)
    exclude = torch.tensor([0, -1, 12, 3, 3, -1, 7, 8, 1])
    _compare_with_naive(q, c, h, exclude=exclude, chunk_size=chunk_size, seed=3)


def test_log_kde_backward_recompute_path(monkeypatch):
    """With n * m > _CHUNK_ENTRIES the weights are recomputed chunk by chunk in backward."""
    q, c, h = _grad_inputs(n=9, m=13, l=3, seed=40)
    exclude = torch.tensor([0, -1, 12, 3, 3, -1, 7, 8, 1])
    stored = [
        torch.autograd.grad(log_kde(q, c, h, exclude=ex, chunk_size=cs).sum(), (q, c, h))
        for ex in (None, exclude)
        for cs in (None, 2)
    ]
    monkeypatch.setattr(skgen.kde, "_CHUNK_ENTRIES", 8)
    recomputed = [
        torch.autograd.grad(log_kde(q, c, h, exclude=ex, chunk_size=cs).sum(), (q, c, h))
        for ex in (None, exclude)
        for cs in (None, 2)
    ]
    for gs, gr in zip(stored, recomputed):
        for a, b in zip(gs, gr):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-13)
    # and the recompute path against the naive reference and gradcheck
    _compare_with_naive(q, c, h, chunk_size=None, seed=4)
    _compare_with_naive(q, c, h, exclude=exclude, chunk_size=3, seed=5)
    x = _randn(6, 2, seed=41).requires_grad_(True)
    _compare_with_naive(x, x, h, leave_one_out=True, seed=6)
    q2, c2, h2 = _grad_inputs()
    assert torch.autograd.gradcheck(lambda a, b, s: log_kde(a, b, s), (q2, c2, h2))
    assert torch.autograd.gradcheck(lambda a, s: log_kde(a, a, s, leave_one_out=True), (c2, h2))


def test_log_kde_one_element_bandwidth_tensor_backward():
    # check_bandwidth accepts any tensor with one element, so the forward runs;
    # the gradient must then have the bandwidth's shape.
    q, c, _ = _grad_inputs()
    h = torch.tensor([0.8], dtype=torch.float64, requires_grad=True)
    h0 = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    log_kde(q, c, h).sum().backward()
    log_kde(q, c, h0).sum().backward()
    assert h.grad.shape == (1,)
    assert float(h.grad[0]) == pytest.approx(float(h0.grad), rel=1e-12)


def test_log_kde_float32_bandwidth_tensor_gradient():
    q, c, _ = _grad_inputs()
    h32 = torch.tensor(0.8, dtype=torch.float32, requires_grad=True)
    h64 = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    log_kde(q, c, h32).sum().backward()
    log_kde(q, c, h64).sum().backward()
    assert h32.grad.dtype == torch.float32
    assert float(h32.grad) == pytest.approx(float(h64.grad), rel=1e-5)


# -----------------------------------------------------------------------------
# kde_jsd
# -----------------------------------------------------------------------------
def test_kde_jsd_of_a_distribution_with_itself_is_near_zero():
    g = torch.Generator().manual_seed(0)
    target = StandardNormal(2)
    h = jsd_bandwidth(2, 2000, n_trials=2, random_state=0)
    centres = target.sample(2000, g)
    z_t = target.sample(2000, g)
    value = float(kde_jsd(centres, target, h, target_samples=z_t))
    assert abs(value) < 0.05
    # explicit fresh queries as well
    z_e = target.sample(2000, g)
    assert abs(float(kde_jsd(centres, target, h, target_samples=z_t, queries=z_e))) < 0.05


def test_kde_jsd_of_far_apart_distributions_is_near_log2():
    g = torch.Generator().manual_seed(1)
    target = StandardNormal(2)
    centres = target.sample(300, g) + 20.0
    value = float(kde_jsd(centres, target, 0.4, target_samples=target.sample(300, g)))
    assert value == pytest.approx(LOG2, abs=1e-3)
    assert value <= LOG2


def test_kde_jsd_matches_hand_computation():
    g = torch.Generator().manual_seed(2)
    target = Gaussian([0.5, -0.5], [[1.0, 0.2], [0.2, 0.8]])
    c, zt, ze = target.sample(30, g), target.sample(25, g) * 1.3, target.sample(20, g)
    h = 0.45
    for queries, loo in ((None, True), (ze, False)):
        q = c if loo else queries
        pe_e = np.exp(_log_kde_loop(q.numpy(), c.numpy(), h, exclude=np.arange(30) if loo else None))
        pt_e = np.exp(target.log_prob(q).numpy())
        pe_t = np.exp(_log_kde_loop(zt.numpy(), c.numpy(), h))
        pt_t = np.exp(target.log_prob(zt).numpy())
        expected = 0.5 * np.mean(np.log(2 * pe_e / (pe_e + pt_e))) + 0.5 * np.mean(np.log(2 * pt_t / (pe_t + pt_t)))
        got = float(kde_jsd(c, target, h, target_samples=zt, queries=queries))
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)


_points = hnp.arrays(
    np.float64,
    st.tuples(st.integers(2, 7), st.integers(1, 3)),
    elements=st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False),
)


def _same_dim(data, shape_of):
    n = data.draw(st.integers(1, 6))
    return data.draw(hnp.arrays(np.float64, (n, shape_of.shape[1]), elements=st.floats(-3.0, 3.0, allow_nan=False)))


@settings(max_examples=30, deadline=None)
@given(centres=_points, data=st.data(), h=st.floats(0.05, 3.0), use_queries=st.booleans())
def test_kde_jsd_never_exceeds_log2(centres, data, h, use_queries):
    l = centres.shape[1]
    target = StandardNormal(l)
    zt = torch.as_tensor(_same_dim(data, centres))
    queries = torch.as_tensor(_same_dim(data, centres)) if use_queries else None
    value = float(kde_jsd(torch.as_tensor(centres), target, h, target_samples=zt, queries=queries))
    assert math.isfinite(value)
    assert value <= LOG2


@settings(max_examples=30, deadline=None)
@given(centres=_points, data=st.data(), h=st.floats(0.05, 3.0), seed=st.integers(0, 2**31 - 1))
def test_kde_jsd_is_invariant_to_permuting_centres(centres, data, h, seed):
    l = centres.shape[1]
    target = Gaussian(np.zeros(l), 1.5)
    zt = torch.as_tensor(_same_dim(data, centres))
    ze = torch.as_tensor(_same_dim(data, centres))
    perm = np.random.RandomState(seed).permutation(centres.shape[0])
    c, cp = torch.as_tensor(centres), torch.as_tensor(centres[perm])
    for queries in (None, ze):
        a = float(kde_jsd(c, target, h, target_samples=zt, queries=queries))
        b = float(kde_jsd(cp, target, h, target_samples=zt, queries=queries))
        assert b == pytest.approx(a, rel=1e-9, abs=1e-10)


@settings(max_examples=30, deadline=None)
@given(
    centres=_points,
    data=st.data(),
    h=st.floats(0.1, 3.0),
    shift=st.lists(st.floats(-5.0, 5.0), min_size=3, max_size=3),
)
def test_kde_jsd_is_invariant_to_translating_everything(centres, data, h, shift):
    l = centres.shape[1]
    s = np.asarray(shift[:l])
    cov = np.diag(np.linspace(0.5, 2.0, l))
    zt = _same_dim(data, centres)
    ze = _same_dim(data, centres)
    before, after = Gaussian(np.zeros(l), cov), Gaussian(s, cov)
    for queries in (None, ze):
        a = float(
            kde_jsd(
                torch.as_tensor(centres),
                before,
                h,
                target_samples=torch.as_tensor(zt),
                queries=None if queries is None else torch.as_tensor(queries),
            )
        )
        b = float(
            kde_jsd(
                torch.as_tensor(centres + s),
                after,
                h,
                target_samples=torch.as_tensor(zt + s),
                queries=None if queries is None else torch.as_tensor(queries + s),
            )
        )
        assert b == pytest.approx(a, rel=1e-7, abs=1e-8)


def test_kde_jsd_gradients_match_naive_autograd():
    target = Gaussian([0.3, -0.2], [[1.0, 0.3], [0.3, 0.7]])
    c = _randn(12, 2, seed=50).requires_grad_(True)
    ze = _randn(8, 2, seed=51).requires_grad_(True)
    zt = _randn(10, 2, seed=52).requires_grad_(True)
    h = torch.tensor(0.6, dtype=torch.float64, requires_grad=True)

    def naive(c, ze, zt, h):
        pe_e, pe_t = _naive_log_kde(ze, c, h), _naive_log_kde(zt, c, h)
        pt_e, pt_t = target.log_prob(ze), target.log_prob(zt)
        a = LOG2 + pe_e - torch.logaddexp(pe_e, pt_e)
        b = LOG2 + pt_t - torch.logaddexp(pe_t, pt_t)
        return 0.5 * (a.mean() + b.mean())

    got = kde_jsd(c, target, h, target_samples=zt, queries=ze)
    ref = naive(c, ze, zt, h)
    torch.testing.assert_close(got, ref, rtol=1e-12, atol=1e-12)
    for a, b in zip(torch.autograd.grad(got, (c, ze, zt, h)), torch.autograd.grad(ref, (c, ze, zt, h))):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-12)
    assert torch.autograd.gradcheck(
        lambda c, ze, zt, h: kde_jsd(c, target, h, target_samples=zt, queries=ze, chunk_size=3),
        (c, ze, zt, h),
    )
    assert torch.autograd.gradcheck(lambda c, h: kde_jsd(c, target, h, target_samples=zt.detach()), (c, h))


# -----------------------------------------------------------------------------
# kde_jsd_grad_bandwidth
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("explicit_queries", [False, True])
@pytest.mark.parametrize("h", [0.3, 0.9])
def test_kde_jsd_grad_bandwidth(explicit_queries, h):
    g = torch.Generator().manual_seed(60)
    target = Gaussian([0.0, 0.5, 0.0], [1.0, 0.6, 1.4])
    c = target.sample(40, g)
    zt = target.sample(35, g) * 1.2
    queries = target.sample(30, g) * 0.9 if explicit_queries else None
    analytic = kde_jsd_grad_bandwidth(c, target, h, target_samples=zt, queries=queries)
    assert isinstance(analytic, float)
    ht = torch.tensor(h, dtype=torch.float64, requires_grad=True)
    value = kde_jsd(c, target, ht, target_samples=zt, queries=queries)
    (auto,) = torch.autograd.grad(value, ht)
    assert analytic == pytest.approx(float(auto), rel=1e-8, abs=1e-11)
    eps = 1e-5
    hi = float(kde_jsd(c, target, h + eps, target_samples=zt, queries=queries))
    lo = float(kde_jsd(c, target, h - eps, target_samples=zt, queries=queries))
    assert analytic == pytest.approx((hi - lo) / (2 * eps), rel=1e-5, abs=1e-8)
    # chunked evaluation gives the same derivative
    chunked = kde_jsd_grad_bandwidth(c, target, h, target_samples=zt, queries=queries, chunk_size=7)
    assert chunked == pytest.approx(analytic, rel=1e-12, abs=1e-14)


# -----------------------------------------------------------------------------
# jsd_loss
# -----------------------------------------------------------------------------
def _loss_setup():
    target = Gaussian([0.0, 0.0], [[1.0, 0.4], [0.4, 1.5]])
    g = torch.Generator().manual_seed(70)
    z = (target.sample(7, g) * 1.5 + 0.3).requires_grad_(True)
    centres = target.sample(15, g) * 1.2
    exclude = torch.tensor([3, -1, 0, 14, -1, 7, 2])
    return target, z, centres, exclude


@pytest.mark.parametrize("use_exclude", [False, True])
def test_jsd_loss_values(use_exclude):
    target, z, centres, exclude = _loss_setup()
    ex = exclude if use_exclude else None
    h = 0.5
    pe = np.exp(_log_kde_loop(z.detach().numpy(), centres.numpy(), h, exclude=None if ex is None else ex.numpy()))
    pt = np.exp(target.log_prob(z.detach()).numpy())
    sat = float(jsd_loss(z, centres, target, h, exclude=ex, form="saturating").detach())
    non = float(jsd_loss(z, centres, target, h, exclude=ex, form="non_saturating").detach())
    assert sat == pytest.approx(np.mean(np.log(pe / (pe + pt))), rel=1e-10)
    assert non == pytest.approx(np.mean(np.log((pe + pt) / pt)), rel=1e-10)
    # the default form is the paper's saturating term
    assert float(jsd_loss(z, centres, target, h, exclude=ex).detach()) == sat


@pytest.mark.parametrize("form", ["saturating", "non_saturating"])
def test_jsd_loss_gradient_matches_finite_differences(form):
    target, z, centres, exclude = _loss_setup()
    for ex in (None, exclude):
        assert torch.autograd.gradcheck(
            lambda z, ex=ex: jsd_loss(z, centres, target, 0.5, exclude=ex, form=form, chunk_size=3), (z,)
        )


@pytest.mark.parametrize("form", ["saturating", "non_saturating"])
def test_jsd_loss_with_lagged_codes_and_a_density_floor(form):
    """lagged_z: the KDE is read at the lagged codes and its gradient applied to z, the target at z;
    log_floor adds a constant density c under the KDE (by hand in numpy, and gradcheck)."""
    target, z, centres, exclude = _loss_setup()
    lagged = z.detach() - 0.4
    h, log_c = 0.5, -4.0
    pe = np.exp(_log_kde_loop(lagged.numpy(), centres.numpy(), h, exclude=exclude.numpy())) + np.exp(log_c)
    pt = np.exp(target.log_prob(z.detach()).numpy())
    got = float(jsd_loss(z, centres, target, h, exclude=exclude, form=form, lagged_z=lagged, log_floor=log_c).detach())
    want = np.mean(np.log(pe / (pe + pt))) if form == "saturating" else np.mean(np.log((pe + pt) / pt))
    assert got == pytest.approx(want, rel=1e-10)
    # the gradient is that of the same expression with the KDE's argument moved by z - lagged
    q = lagged.clone().requires_grad_(True)
    zz = z.detach().clone().requires_grad_(True)
    log_pe = torch.logaddexp(log_kde(q, centres, h, exclude=exclude), torch.tensor(log_c, dtype=q.dtype))
    diff = target.log_prob(zz) - log_pe
    ref = -F.softplus(diff).mean() if form == "saturating" else F.softplus(-diff).mean()
    ref.backward()
    (grad_z,) = torch.autograd.grad(
        jsd_loss(z, centres, target, h, exclude=exclude, form=form, lagged_z=lagged, log_floor=log_c), z
    )
    np.testing.assert_allclose(grad_z.numpy(), (q.grad + zz.grad).numpy(), rtol=1e-9, atol=1e-12)
    # without lagged codes the floor's term is an ordinary differentiable function of z
    assert torch.autograd.gradcheck(
        lambda z: jsd_loss(z, centres, target, h, exclude=exclude, form=form, log_floor=log_c), (z,)
    )


def test_density_floor_pulls_an_isolated_code_back():
    """A code far beyond the others: without a floor the leave-one-out KDE sees no mass there and
    the non-saturating term pushes it outwards (or not at all); with a floor it points it home."""
    target = StandardNormal(2)
    g = torch.Generator().manual_seed(0)
    centres = target.sample(500, g) * 0.8
    z = torch.tensor([[4.0, 0.0], [9.0, 0.0]], dtype=torch.float64, requires_grad=True)
    for log_floor, inward in ((None, False), (-12.0, True)):
        (grad,) = torch.autograd.grad(jsd_loss(z, centres, target, 0.4, form="non_saturating", log_floor=log_floor), z)
        descent = -grad[:, 0]  # radial component of the step
        assert bool((descent < 0).all()) == inward
        if log_floor is not None:  # the far code is pulled at least as hard as the near one
            assert float(descent[1]) <= float(descent[0])


def test_jsd_loss_bad_form():
    target, z, centres, _ = _loss_setup()
    with pytest.raises(ValueError, match="form must be"):
        jsd_loss(z, centres, target, 0.5, form="bogus")


# -----------------------------------------------------------------------------
# KernelSums
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("exclude_self", [False, True])
@pytest.mark.parametrize("cache_entries", [1 << 28, 0])
@pytest.mark.parametrize("chunk_size", [None, 1, 3, 7])
def test_kernel_sums_match_brute_force(exclude_self, cache_entries, chunk_size):
    q = _randn(11, 3, seed=80)
    c = q if exclude_self else _randn(8, 3, seed=81, scale=1.3)
    sums = KernelSums(q, c, exclude_self=exclude_self, chunk_size=chunk_size, cache_entries=cache_entries)
    assert sums.cached == (cache_entries > 0)
    for h in (0.05, 0.4, 2.5):  # repeated calls on the same object
        lse, S, V = sums(h, second=True)
        lse2, S2 = sums(h)
        rl, rS, rV = _brute_kernel_sums(q, c, h, exclude_self)
        torch.testing.assert_close(lse, rl, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(S, rS, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(V, rV, rtol=1e-8, atol=1e-10)
        torch.testing.assert_close(lse2, lse, rtol=0, atol=0)
        torch.testing.assert_close(S2, S, rtol=0, atol=0)


def test_kernel_sums_float32_and_storage():
    q = _randn(10, 2, seed=82, dtype=torch.float32)
    c = _randn(9, 2, seed=83, dtype=torch.float32)
    storage = torch.full((200,), float("nan"), dtype=torch.float32)
    sums = KernelSums(q, c, storage=storage)
    lse, S, V = sums(0.7, second=True)
    assert lse.dtype == torch.float32
    rl, rS, rV = _brute_kernel_sums(q, c, 0.7, False)
    torch.testing.assert_close(lse.double(), rl, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(S.double(), rS, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(V.double(), rV, rtol=1e-3, atol=1e-4)
    assert not bool(torch.isnan(storage[:90]).any())  # the cache lives in the storage


def test_kernel_sums_reproduce_log_kde():
    x = _randn(14, 2, seed=84)
    sums = KernelSums(x, x, exclude_self=True)
    lse, S = sums(0.6)
    log_p, dlog_p = skgen.kde.kde_log_density_and_dh(lse, S, 0.6, 13, 2)
    torch.testing.assert_close(log_p, log_kde(x, x, 0.6, leave_one_out=True), rtol=1e-12, atol=1e-12)
    ht = torch.tensor(0.6, dtype=torch.float64, requires_grad=True)
    lp = log_kde(x, x, ht, leave_one_out=True)
    for i in range(3):
        (gi,) = torch.autograd.grad(lp[i], ht, retain_graph=True)
        assert float(dlog_p[i]) == pytest.approx(float(gi), rel=1e-10)


def test_kernel_sums_bad_input():
    x = _randn(5, 2, seed=85)
    with pytest.raises(ValueError, match="exclude_self"):
        KernelSums(x, _randn(4, 2, seed=86), exclude_self=True)
    with pytest.raises(ValueError, match="at least 2"):
        KernelSums(x[:1], x[:1], exclude_self=True)
    with pytest.raises(ValueError, match="dimensions"):
        KernelSums(x, _randn(4, 3, seed=86))


# -----------------------------------------------------------------------------
# entropy
# -----------------------------------------------------------------------------
def test_kde_entropy_equals_mean_leave_one_out_log_density():
    Z = _randn(200, 3, seed=90)
    for h in (0.2, 0.5, 1.3):
        expected = -float(log_kde(Z, Z, h, leave_one_out=True).mean())
        assert kde_entropy(Z, h) == pytest.approx(expected, rel=1e-12)
        assert kde_entropy(Z.numpy(), h) == pytest.approx(expected, rel=1e-12)
        assert kde_entropy(Z.numpy().tolist(), h) == pytest.approx(expected, rel=1e-12)
        assert kde_entropy(Z, h, chunk_size=7) == pytest.approx(expected, rel=1e-12)
    H, h = kde_entropy(Z, return_bandwidth=True)
    assert h == pytest.approx(entropy_bandwidth(Z), rel=1e-12)
    assert H == pytest.approx(-float(log_kde(Z, Z, h, leave_one_out=True).mean()), rel=1e-12)
    assert isinstance(H, float)
    assert kde_entropy(Z.float(), h) == pytest.approx(H, rel=1e-5)


def test_kde_entropy_fixed_point_bandwidth_minimises_entropy():
    Z = _randn(300, 2, seed=91)
    H, h = kde_entropy(Z, return_bandwidth=True)
    for f in (0.8, 0.95, 1.05, 1.25):
        assert kde_entropy(Z, h * f) > H


@pytest.mark.slow
def test_kde_entropy_approaches_gaussian_closed_form():
    sigma = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, -0.3], [0.0, -0.3, 0.5]])
    exact = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * sigma)[1]
    chol = np.linalg.cholesky(sigma)
    errors = {}
    for m in (500, 4000):
        errs = [
            abs(kde_entropy(np.random.RandomState(seed).standard_normal((m, 3)) @ chol.T) - exact) for seed in range(3)
        ]
        errors[m] = np.mean(errs)
    assert errors[4000] < errors[500]
    assert errors[4000] < 0.1


@settings(max_examples=10, deadline=None)
@given(a=st.floats(0.05, 20.0), seed=st.integers(0, 1000))
def test_kde_entropy_scaling(a, seed):
    Z = _randn(150, 3, seed=seed) @ torch.tensor(
        [[1.0, 0.5, 0.0], [0.0, 1.0, 0.2], [0.0, 0.0, 0.6]], dtype=torch.float64
    )
    H, h = kde_entropy(Z, return_bandwidth=True)
    Ha, ha = kde_entropy(a * Z, return_bandwidth=True)
    assert ha == pytest.approx(a * h, rel=1e-4)
    assert Ha == pytest.approx(H + 3 * math.log(a), abs=1e-4)


def test_entropy_bandwidth_is_the_fixed_point():
    Z = _randn(300, 2, seed=92, scale=1.7)
    h, n_iter = entropy_bandwidth(Z, return_n_iter=True)
    assert 1 <= n_iter < 100
    sums = KernelSums(Z, Z, exclude_self=True)
    _, S = sums(h)
    assert float(S.mean()) / 2 == pytest.approx(h * h, rel=1e-5)
    # plain iteration of supplement eq. 5 from a different start reaches the same point
    h2 = 0.05
    for _ in range(300):
        _, S = sums(math.sqrt(h2))
        h2 = float(S.mean()) / 2
    assert math.sqrt(h2) == pytest.approx(h, rel=1e-5)
    # and the starting point does not matter
    assert entropy_bandwidth(Z, h0=3.0) == pytest.approx(h, rel=1e-5)
    assert entropy_bandwidth(Z.numpy(), h0=0.01) == pytest.approx(h, rel=1e-5)


def test_entropy_bandwidth_warns_without_convergence():
    Z = _randn(100, 2, seed=93)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        h = entropy_bandwidth(Z, h0=50.0, max_iter=1)
    assert h > 0


def test_entropy_bandwidth_duplicates():
    with pytest.raises(ValueError, match="duplicates"):
        entropy_bandwidth(np.ones((10, 2)))


# -----------------------------------------------------------------------------
# whiten
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_whiten(dtype):
    A = torch.tensor([[2.0, 0.0, 0.0], [1.5, 0.5, 0.0], [-1.0, 0.3, 0.1]], dtype=torch.float64)
    Z = (_randn(500, 3, seed=94) @ A.T + torch.tensor([5.0, -2.0, 1.0], dtype=torch.float64)).to(dtype)
    W = whiten(Z)
    assert W.shape == Z.shape
    assert W.dtype == dtype
    tol = 1e-4 if dtype == torch.float32 else 1e-10
    torch.testing.assert_close(W.double().mean(0), torch.zeros(3, dtype=torch.float64), rtol=0, atol=tol)
    np.testing.assert_allclose(np.cov(W.double().numpy().T), np.eye(3), atol=tol)


def test_whiten_singular():
    Z = _randn(50, 2, seed=95)
    with pytest.raises(ValueError, match="singular"):
        whiten(torch.cat([Z, Z[:, :1]], 1))
    with pytest.raises(ValueError, match="singular"):
        whiten(torch.cat([Z, torch.full((50, 1), 3.0, dtype=torch.float64)], 1))
    with pytest.raises(ValueError, match="singular"):
        whiten(_randn(2, 3, seed=96))  # fewer samples than dimensions


# -----------------------------------------------------------------------------
# bad input
# -----------------------------------------------------------------------------
_Q = _randn(4, 2, seed=100)
_C = _randn(5, 2, seed=101)


@pytest.mark.parametrize(
    "query, centres, error, match",
    [
        (_Q.numpy(), _C, TypeError, "torch tensors"),
        (_Q[0], _C, ValueError, "2-D"),
        (_Q, _C[:, :, None], ValueError, "2-D"),
        (_Q, _randn(5, 3), ValueError, "2 dimensions but centres have 3"),
        (_Q[:, :0], _C[:, :0], ValueError, "one dimension"),
        (_Q, _C[:0], ValueError, "one centre"),
        (_Q.long(), _C.long(), TypeError, "floating point"),
        (_Q.to(torch.complex128), _C.to(torch.complex128), TypeError, "floating point"),
        (_Q.float(), _C, TypeError, "float32 but centres are torch.float64"),
    ],
)
def test_log_kde_bad_points(query, centres, error, match):
    with pytest.raises(error, match=match):
        log_kde(query, centres, 0.5)


@pytest.mark.parametrize(
    "bandwidth, error, match",
    [
        (0.0, ValueError, "finite positive"),
        (-1.0, ValueError, "finite positive"),
        (float("nan"), ValueError, "finite positive"),
        (float("inf"), ValueError, "finite positive"),
        (torch.tensor(-0.5), ValueError, "finite positive"),
        (torch.tensor([0.5, 0.6]), ValueError, "scalar"),
        ("0.5", TypeError, "positive real"),
        (None, TypeError, "positive real"),
        (True, TypeError, "positive real"),
        (1j, TypeError, "positive real"),
    ],
)
def test_bad_bandwidth(bandwidth, error, match):
    with pytest.raises(error, match=match):
        log_kde(_Q, _C, bandwidth)
    if bandwidth is not None:  # kde_entropy(Z, None) selects the bandwidth itself
        with pytest.raises(error, match=match):
            kde_entropy(_C, bandwidth)
    with pytest.raises(error, match=match):
        kde_jsd_grad_bandwidth(_C, StandardNormal(2), bandwidth, target_samples=_Q)


def test_log_kde_bad_exclusion():
    with pytest.raises(ValueError, match="leave_one_out=True needs the queries to be the centres"):
        log_kde(_Q, _C, 0.5, leave_one_out=True)
    with pytest.raises(ValueError, match="not both"):
        log_kde(_C, _C, 0.5, leave_one_out=True, exclude=torch.arange(5))
    with pytest.raises(ValueError, match="shape \\(4,\\)"):
        log_kde(_Q, _C, 0.5, exclude=torch.arange(3))
    with pytest.raises(ValueError, match="integer tensor"):
        log_kde(_Q, _C, 0.5, exclude=torch.zeros(4))
    with pytest.raises(ValueError, match=r"indices outside \[-1, 5\)"):
        log_kde(_Q, _C, 0.5, exclude=torch.tensor([0, 1, 5, -1]))
    with pytest.raises(ValueError, match=r"indices outside \[-1, 5\)"):  # -2 was read as "no centre"
        log_kde(_Q, _C, 0.5, exclude=torch.tensor([0, 1, -2, -1]))
    with pytest.raises(ValueError, match="at least 2 centres"):
        log_kde(_C[:1], _C[:1], 0.5, leave_one_out=True)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["query", "centres"])
def test_non_finite_points_are_refused(bad, where):
    from skgen.kde import jsd_loss, kde_jsd
    from skgen.targets import StandardNormal

    q, c = _Q.clone(), _C.clone()
    (q if where == "query" else c)[1, 0] = bad
    with pytest.raises(ValueError, match=f"{where} contains NaN or infinity"):
        log_kde(q, c, 0.5)
    with pytest.raises(ValueError, match="NaN or infinity"):
        jsd_loss(q, c, StandardNormal(c.shape[1]), 0.5)
    with pytest.raises(ValueError, match="NaN or infinity"):
        kde_jsd(c, StandardNormal(c.shape[1]), 0.5, target_samples=q)


@pytest.mark.parametrize(
    "Z, error, match",
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 1.0]]), ValueError, "NaN"),
        (np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, 1.0]]), ValueError, "infinity"),
        (torch.tensor([[0.0, 1.0], [-math.inf, 2.0], [1.0, 1.0]]), ValueError, "infinity"),
        (np.arange(5.0), ValueError, "2-D"),
        (np.zeros((2, 2, 2)), ValueError, "2-D"),
        (np.array([[0.0, 1.0]]), ValueError, "1 sample"),
        (np.zeros((5, 0)), ValueError, "0 features"),
        (np.ones((3, 2), dtype=complex), TypeError, "complex"),
        (torch.ones(3, 2, dtype=torch.complex64), TypeError, "complex"),
        (np.array([["a", "b"], ["c", "d"]]), TypeError, "real numbers"),
        (np.ones((3, 2), dtype=bool), TypeError, "boolean"),
        (torch.ones(3, 2, dtype=torch.bool), TypeError, "real numbers"),
    ],
)
def test_entropy_bad_samples(Z, error, match):
    with pytest.raises(error, match=match):
        kde_entropy(Z, 0.5)
    with pytest.raises(error, match=match):
        kde_entropy(Z)
    with pytest.raises(error, match=match):
        entropy_bandwidth(Z)


def test_entropy_accepts_integer_samples():
    Z = np.random.RandomState(0).randint(-5, 5, size=(40, 2))
    assert kde_entropy(Z, 0.7) == pytest.approx(kde_entropy(Z.astype(np.float64), 0.7), rel=1e-14)


def test_entropy_rejects_sparse():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        kde_entropy(scipy_sparse.csr_matrix(np.eye(3)), 0.5)


# -----------------------------------------------------------------------------
# memory: the kernel matrix is never formed in full
# -----------------------------------------------------------------------------
_MEMORY_CHILD = textwrap.dedent(
    """
    import resource
    import torch
    from skgen.kde import log_kde

    torch.set_num_threads(2)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 2, generator=g, dtype=torch.float64)
    y = torch.randn(20000, 2, generator=g, dtype=torch.float64)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = log_kde(x, y, 0.3)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert out.shape == (20000,) and bool(torch.isfinite(out).all())
    print(after - before)
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss is in KiB on Linux only")
def test_log_kde_memory_is_chunked():
    import os

    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    res = subprocess.run([sys.executable, "-c", _MEMORY_CHILD], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    growth_kib = int(res.stdout.strip().splitlines()[-1])
    full_matrix_kib = 20000 * 20000 * 8 // 1024  # 3.2 GB
    assert growth_kib < 800 * 1024, f"peak RSS grew by {growth_kib / 1024:.0f} MiB"
    assert growth_kib < full_matrix_kib / 4


# -----------------------------------------------------------------------------
# CUDA
# -----------------------------------------------------------------------------
@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
class TestCUDA:
    def test_log_kde_matches_cpu(self):
        q, c = _randn(50, 3, seed=110), _randn(70, 3, seed=111)
        exclude = torch.randint(-1, 70, (50,), generator=torch.Generator().manual_seed(0))
        for kw in (dict(), dict(exclude=exclude), dict(chunk_size=7)):
            cpu = log_kde(q, c, 0.4, **kw)
            kw_cuda = {k: (v.cuda() if isinstance(v, torch.Tensor) else v) for k, v in kw.items()}
            gpu = log_kde(q.cuda(), c.cuda(), 0.4, **kw_cuda)
            assert gpu.device.type == "cuda"
            torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-10, atol=1e-10)
        x = _randn(40, 3, seed=112)
        torch.testing.assert_close(
            log_kde(x.cuda(), x.cuda(), 0.4, leave_one_out=True).cpu(),
            log_kde(x, x, 0.4, leave_one_out=True),
            rtol=1e-10,
            atol=1e-10,
        )

    def test_log_kde_gradients_match_cpu(self):
        grads = []
        for device in ("cpu", "cuda"):
            q, c, h = (t.detach().to(device).requires_grad_(True) for t in _grad_inputs(n=9, m=13, l=3))
            out = log_kde(q, c, h, chunk_size=4)
            grads.append([g.cpu() for g in torch.autograd.grad(out.sum(), (q, c, h))])
        for a, b in zip(*grads):
            torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-11)

    def test_kde_jsd_matches_cpu(self):
        target = Gaussian([0.5, 0.0], [[1.0, 0.2], [0.2, 0.6]])
        c, zt, ze = _randn(60, 2, seed=113), _randn(50, 2, seed=114), _randn(40, 2, seed=115)
        for queries in (None, ze):
            cpu = kde_jsd(c, target, 0.5, target_samples=zt, queries=queries)
            gpu = kde_jsd(
                c.cuda(), target, 0.5, target_samples=zt.cuda(), queries=None if queries is None else queries.cuda()
            )
            assert gpu.device.type == "cuda"
            torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-10, atol=1e-10)
            g_cpu = kde_jsd_grad_bandwidth(c, target, 0.5, target_samples=zt, queries=queries)
            g_gpu = kde_jsd_grad_bandwidth(
                c.cuda(), target, 0.5, target_samples=zt.cuda(), queries=None if queries is None else queries.cuda()
            )
            assert g_gpu == pytest.approx(g_cpu, rel=1e-8, abs=1e-12)

    def test_kde_entropy_matches_cpu(self):
        Z = _randn(300, 2, seed=116)
        H_cpu, h_cpu = kde_entropy(Z, return_bandwidth=True)
        H_gpu, h_gpu = kde_entropy(Z.cuda(), return_bandwidth=True)
        assert h_gpu == pytest.approx(h_cpu, rel=1e-8)
        assert H_gpu == pytest.approx(H_cpu, rel=1e-8)


def test_kde_subset_and_its_slots():
    from skgen.kde import kde_subset

    index, slot = kde_subset(10, 4, torch.Generator().manual_seed(0))
    assert index.shape == (4,) and len(set(index.tolist())) == 4 and slot.shape == (10,)
    assert slot[index].tolist() == [0, 1, 2, 3]  # each chosen row knows its place in the set
    assert int((slot == -1).sum()) == 6


def test_rolling_refresh_covers_the_set_in_every_minibatches():
    from skgen.kde import rolling_refresh_rows

    m, every, start, seen = 10, 3, 0, []
    for _ in range(every):
        rows, start = rolling_refresh_rows(m, every, start)
        assert len(rows) == 4  # ceil(10 / 3)
        seen += rows.tolist()
    assert set(seen) == set(range(m))  # every code refreshed within `every` minibatches
    assert start == 12 % m
