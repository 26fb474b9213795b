"""Tests for skgen.bandwidth: the JSD-maximising bandwidth and its estimator.

Statistical checks use fixed seeds and the tolerances of Table 1 of the
paper; the rest is deterministic (same seed, same samples) so that the search
can be checked against the JSD it maximises.
"""

import math
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from skgen import JSDBandwidthSelector, jsd_bandwidth
from skgen.bandwidth import DegenerateBandwidthWarning, _BandwidthProblem, _trial_bandwidths
from skgen.kde import kde_jsd, kde_jsd_grad_bandwidth
from skgen.targets import Gaussian, GaussianMixture, StandardNormal
from skgen.utils._torch import make_generator


def _no_warnings_of(category, record):
    return [w for w in record if issubclass(w.category, category)] == []


# -----------------------------------------------------------------------------
# Table 1
# -----------------------------------------------------------------------------
def test_table1_l5_m1000():
    h = jsd_bandwidth(5, 1000, n_trials=3, random_state=0)
    assert isinstance(h, float)
    assert h == pytest.approx(0.55, abs=0.03)


def test_table1_l2_m500():
    assert jsd_bandwidth(2, 500, n_trials=3, random_state=0) == pytest.approx(0.41, abs=0.06)


def test_high_dimension_few_samples_warns_degenerate():
    with pytest.warns(DegenerateBandwidthWarning, match="more KDE samples|smaller latent_dim") as record:
        h = jsd_bandwidth(40, 250, n_trials=2, random_state=0)
    assert h > 1.0
    messages = [str(w.message) for w in record if issubclass(w.category, DegenerateBandwidthWarning)]
    assert len(messages) == 1
    assert "latent_dim=40" in messages[0]
    assert issubclass(DegenerateBandwidthWarning, UserWarning)


def test_moderate_dimension_does_not_warn():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        h = jsd_bandwidth(20, 500, n_trials=2, random_state=0)
    assert h < 1.0
    assert _no_warnings_of(DegenerateBandwidthWarning, record)


def test_bandwidth_grows_with_dimension_and_shrinks_with_samples():
    h_2_500 = jsd_bandwidth(2, 500, n_trials=2, random_state=1)
    h_5_500 = jsd_bandwidth(5, 500, n_trials=2, random_state=1)
    h_5_100 = jsd_bandwidth(5, 100, n_trials=2, random_state=1)
    assert h_2_500 < h_5_500 < h_5_100


# -----------------------------------------------------------------------------
# return_std and determinism
# -----------------------------------------------------------------------------
def test_return_std_and_determinism():
    h, std = jsd_bandwidth(3, 200, n_trials=4, random_state=5, return_std=True)
    assert isinstance(std, float)
    assert std >= 0
    assert std > 0  # four independent trials do not coincide
    hs, _, _ = _trial_bandwidths(
        3, 200, target=None, n_trials=4, method="root", random_state=5, n_eval_samples=None, tol=1e-4, device=None
    )
    assert h == pytest.approx(float(np.mean(hs)), rel=1e-15)
    assert std == pytest.approx(float(np.std(hs, ddof=1)), rel=1e-12)
    assert jsd_bandwidth(3, 200, n_trials=4, random_state=5, return_std=True) == (h, std)
    assert jsd_bandwidth(3, 200, n_trials=4, random_state=5) == h
    assert jsd_bandwidth(3, 200, n_trials=4, random_state=6) != h
    _, std1 = jsd_bandwidth(3, 200, n_trials=1, random_state=5, return_std=True)
    assert std1 == 0.0


def test_random_state_kinds():
    a = jsd_bandwidth(2, 100, n_trials=2, random_state=3)
    b = jsd_bandwidth(2, 100, n_trials=2, random_state=np.random.RandomState(3))
    assert a == b
    g1 = make_generator(3)
    c = jsd_bandwidth(2, 100, n_trials=2, random_state=g1)
    assert c == a
    assert jsd_bandwidth(2, 100, n_trials=2, random_state=3, device="cpu") == a
    with pytest.raises(TypeError, match="random_state"):
        jsd_bandwidth(2, 100, n_trials=2, random_state="seed")


def test_n_eval_samples():
    h = jsd_bandwidth(2, 200, n_trials=2, random_state=0, n_eval_samples=400)
    assert 0.2 < h < 0.8
    assert h != jsd_bandwidth(2, 200, n_trials=2, random_state=0)


# -----------------------------------------------------------------------------
# fixed point against root trapping
# -----------------------------------------------------------------------------
def test_fixed_point_agrees_with_root_where_it_converges():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fp = jsd_bandwidth(10, 500, n_trials=2, random_state=0, method="fixed_point")
    root = jsd_bandwidth(10, 500, n_trials=2, random_state=0, method="root")
    assert _no_warnings_of(ConvergenceWarning, record)
    assert fp == pytest.approx(root, abs=1e-3)


def test_fixed_point_fallback_is_announced(monkeypatch):
    from skgen import bandwidth as bw

    # force the fallback: the fixed point reports failure in every trial
    monkeypatch.setattr(bw._BandwidthProblem, "fixed_point", lambda self, guess, tol: (None, "forced in the test"))
    kwargs = dict(target=None, n_trials=3, random_state=0, n_eval_samples=None, tol=1e-4, device=None)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        hs_fp, fallbacks, _ = _trial_bandwidths(2, 500, method="fixed_point", **kwargs)
    hs_root, no_fallbacks, _ = _trial_bandwidths(2, 500, method="root", **kwargs)
    assert fallbacks.all() and not no_fallbacks.any()
    conv = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == 1
    assert "failed in 3 of 3 trials" in str(conv[0].message) and "forced in the test" in str(conv[0].message)
    np.testing.assert_allclose(hs_fp, hs_root, atol=1e-12)  # the fallback is root trapping
    # the public function announces the same and returns the root's mean
    with pytest.warns(ConvergenceWarning, match="root trapping"):
        fp = jsd_bandwidth(2, 500, n_trials=3, random_state=0, method="fixed_point")
    assert fp == pytest.approx(jsd_bandwidth(2, 500, n_trials=3, random_state=0), abs=1e-12)


# -----------------------------------------------------------------------------
# the root is the JSD maximum
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("l, m", [(2, 300), (5, 400)])
def test_root_is_a_maximum_of_the_jsd(l, m):
    target = StandardNormal(l)
    h = jsd_bandwidth(l, m, n_trials=1, random_state=7)
    # the same trial, rebuilt from the same seed
    problem = _BandwidthProblem(target, l, m, m, make_generator(7), torch.device("cpu"))
    assert problem.root(problem.initial_guess(), 1e-4) == h
    assert problem.derivative(0.98 * h) > 0
    assert problem.derivative(1.02 * h) < 0
    d1, d2 = problem.derivative(h, second=True)
    assert d2 < 0  # concave there: a maximum, not a minimum
    assert abs(d1) < 0.05 * abs(problem.derivative(0.8 * h))
    # the same samples drawn again, in float64, through the public kde_jsd
    gen = make_generator(7)
    centres = target.sample(m, gen)
    z_e = target.sample(m, gen)
    z_t = target.sample(m, gen)
    assert centres.dtype == torch.float64

    def jsd(bw):
        return float(kde_jsd(centres, target, bw, target_samples=z_t, queries=z_e))

    assert jsd(h) >= jsd(0.8 * h)
    assert jsd(h) >= jsd(1.2 * h)
    assert kde_jsd_grad_bandwidth(centres, target, 0.8 * h, target_samples=z_t, queries=z_e) > 0
    assert kde_jsd_grad_bandwidth(centres, target, 1.2 * h, target_samples=z_t, queries=z_e) < 0
    # problem.derivative is kde_jsd's derivative on those samples (float32 kernels)
    for f in (0.8, 1.0, 1.2):
        exact = kde_jsd_grad_bandwidth(centres, target, f * h, target_samples=z_t, queries=z_e)
        assert problem.derivative(f * h) == pytest.approx(exact, rel=1e-3, abs=1e-4)


def test_root_with_a_scaled_guess():
    problem = _BandwidthProblem(StandardNormal(3), 3, 300, 300, make_generator(1), torch.device("cpu"))
    h = problem.root(problem.initial_guess(), 1e-6)
    for guess in (0.2 * h, 5.0 * h):
        assert problem.root(guess, 1e-6) == pytest.approx(h, rel=1e-4)


# -----------------------------------------------------------------------------
# other targets
# -----------------------------------------------------------------------------
def test_scaled_gaussian_target_scales_the_bandwidth():
    h1 = jsd_bandwidth(3, 300, n_trials=2, random_state=0)
    h2 = jsd_bandwidth(3, 300, target=Gaussian(np.zeros(3), 4.0), n_trials=2, random_state=0)
    assert h2 == pytest.approx(2.0 * h1, rel=1e-3)


def test_gaussian_mixture_targets():
    means = np.array([[-2.0, 0.0], [2.0, 0.5]])
    mix = GaussianMixture(means, [0.5, 1.0], [0.4, 0.6])
    h, std = jsd_bandwidth(2, 300, target=mix, n_trials=2, random_state=0, return_std=True)
    assert math.isfinite(h) and 0.05 < h < math.sqrt(mix.min_variance)
    assert std >= 0
    # a fitted scikit-learn mixture is converted and gives the same search
    rng = np.random.RandomState(0)
    X = np.concatenate([rng.standard_normal((150, 2)) * 0.7 - [2.0, 0.0], rng.standard_normal((150, 2)) + [2.0, 0.5]])
    gmm = SkGaussianMixture(2, random_state=0).fit(X)
    from_sk = jsd_bandwidth(2, 300, target=gmm, n_trials=2, random_state=0)
    converted = jsd_bandwidth(2, 300, target=GaussianMixture.from_sklearn(gmm), n_trials=2, random_state=0)
    assert from_sk == converted
    assert math.isfinite(from_sk) and from_sk > 0


def test_narrow_target_warns_degenerate():
    # the warning compares h^2 with the target's smallest variance, not with 1
    thin = Gaussian(np.zeros(2), [1.0, 1e-4])
    with pytest.warns(DegenerateBandwidthWarning, match="smallest target"):
        jsd_bandwidth(2, 200, target=thin, n_trials=1, random_state=0)


# -----------------------------------------------------------------------------
# bad input
# -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, kwargs, error, match",
    [
        ((0, 100), {}, ValueError, "latent_dim must be a positive integer"),
        ((2.5, 100), {}, TypeError, "latent_dim must be a positive integer"),
        ((2, 1), {}, ValueError, "n_samples must be at least 2"),
        ((2, 0), {}, ValueError, "n_samples must be a positive integer"),
        ((2, 100.0), {}, TypeError, "n_samples must be a positive integer"),
        ((2, 100), dict(n_trials=0), ValueError, "n_trials must be a positive integer"),
        ((2, 100), dict(method="bogus"), ValueError, "method must be one of"),
        ((2, 100), dict(target=StandardNormal(3)), ValueError, "3-dimensional but 2 dimensions are needed"),
        ((2, 100), dict(target="uniform"), ValueError, "'normal'"),
        ((2, 100), dict(target=1.0), TypeError, "target must be"),
        ((2, 100), dict(tol=0.0), ValueError, "tol must be in"),
        ((2, 100), dict(n_eval_samples=0), ValueError, "n_eval_samples"),
    ],
)
def test_jsd_bandwidth_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        jsd_bandwidth(*args, **kwargs)


# -----------------------------------------------------------------------------
# JSDBandwidthSelector
# -----------------------------------------------------------------------------
def test_selector_fit():
    sel = JSDBandwidthSelector(n_trials=3, random_state=0)
    assert sel.fit(np.zeros((500, 2))) is sel
    assert sel.n_features_in_ == 2
    assert isinstance(sel.bandwidth_, float)
    assert sel.bandwidth_std_ >= 0
    assert sel.bandwidths_.shape == (3,)
    assert sel.bandwidth_ == pytest.approx(float(np.mean(sel.bandwidths_)), rel=1e-15)
    assert sel.bandwidth_std_ == pytest.approx(float(np.std(sel.bandwidths_, ddof=1)), rel=1e-12)
    assert sel.n_fixed_point_fallbacks_ == 0
    assert sel.target_ == StandardNormal(2)
    # the estimator wraps the function
    h, std = jsd_bandwidth(2, 500, n_trials=3, random_state=0, return_std=True)
    assert sel.bandwidth_ == h
    assert sel.bandwidth_std_ == std
    assert sel.bandwidth_ == pytest.approx(0.41, abs=0.06)
    # only the shape of X matters
    other = JSDBandwidthSelector(n_trials=3, random_state=0).fit(
        np.random.RandomState(0).standard_normal((500, 2)).astype(np.float32)
    )
    np.testing.assert_array_equal(other.bandwidths_, sel.bandwidths_)


def test_selector_params_and_clone():
    sel = JSDBandwidthSelector(n_trials=2, method="fixed_point", random_state=3)
    params = sel.get_params()
    assert params == dict(target="normal", n_trials=2, method="fixed_point", random_state=3)
    sel.set_params(n_trials=4, method="root")
    assert sel.get_params()["n_trials"] == 4
    assert sel.get_params()["method"] == "root"
    twin = clone(sel)
    assert twin is not sel
    assert twin.get_params() == sel.get_params()
    X = np.zeros((200, 3))
    np.testing.assert_array_equal(twin.fit(X).bandwidths_, sel.fit(X).bandwidths_)
    assert not hasattr(clone(sel), "bandwidth_")


def test_selector_targets():
    mix = GaussianMixture([[-2.0, 0.0], [2.0, 0.5]], 1.0)
    sel = JSDBandwidthSelector(target=mix, n_trials=2, random_state=0).fit(np.zeros((200, 2)))
    assert sel.target_ is mix
    assert sel.bandwidth_ == jsd_bandwidth(2, 200, target=mix, n_trials=2, random_state=0)
    with pytest.raises(ValueError, match="must agree"):
        JSDBandwidthSelector(target=mix, n_trials=2).fit(np.zeros((200, 3)))


def test_selector_fixed_point_counts_fallbacks():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        sel = JSDBandwidthSelector(n_trials=3, method="fixed_point", random_state=0).fit(np.zeros((500, 2)))
        _, fallbacks, _ = _trial_bandwidths(
            2,
            500,
            target=None,
            n_trials=3,
            method="fixed_point",
            random_state=0,
            n_eval_samples=None,
            tol=1e-4,
            device=None,
        )
    assert sel.n_fixed_point_fallbacks_ == int(fallbacks.sum())
    conv = [w for w in record if issubclass(w.category, ConvergenceWarning)]
    assert len(conv) == (2 if fallbacks.any() else 0)  # one from fit, one from the direct call
    root = JSDBandwidthSelector(n_trials=3, random_state=0).fit(np.zeros((500, 2)))
    np.testing.assert_allclose(sel.bandwidths_, root.bandwidths_, atol=1e-3)


def test_selector_warns_degenerate():
    with pytest.warns(DegenerateBandwidthWarning, match="more KDE samples|smaller latent_dim"):
        sel = JSDBandwidthSelector(n_trials=1, random_state=0).fit(np.zeros((250, 40)))
    assert sel.bandwidth_ > 1.0


@pytest.mark.parametrize(
    "X, match",
    [
        (np.array([[0.0, np.nan]] * 10), "NaN"),
        (np.array([[0.0, np.inf]] * 10), "infinity"),
        (np.zeros(10), "2D array"),
        (np.zeros((1, 2)), "minimum of 2"),
        (np.zeros((10, 0)), "0 feature"),
    ],
)
def test_selector_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        JSDBandwidthSelector(n_trials=1).fit(X)


@pytest.mark.parametrize(
    "params", [dict(n_trials=0), dict(method="bogus"), dict(target="uniform"), dict(random_state="x")]
)
def test_selector_bad_params(params):
    with pytest.raises(ValueError):
        JSDBandwidthSelector(**params).fit(np.zeros((50, 2)))
