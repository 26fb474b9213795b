"""Tests for skgen.targets: densities, sampling, smoothing and round trips.

Every fast path is checked against scipy's multivariate normal (a mixture is
summed by hand from scipy's component densities), in float32 and float64.
"""

import copy
import pickle

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from skgen.targets import Gaussian, GaussianMixture, StandardNormal, Target, make_target

DTYPES = [torch.float32, torch.float64]
# float32 log densities of O(10) carry absolute rounding errors of a few 1e-6.
TOL = {torch.float32: dict(rtol=1e-5, atol=1e-4), torch.float64: dict(rtol=1e-10, atol=1e-10)}

COV3 = np.array([[2.0, 0.3, -0.2], [0.3, 1.0, 0.1], [-0.2, 0.1, 0.5]])
MEAN3 = np.array([0.5, -1.0, 2.0])


def _points(n, d, seed=0, scale=1.5):
    return np.random.RandomState(seed).standard_normal((n, d)) * scale


def _mixture():
    means = np.array([[-2.0, 0.0, 1.0], [2.0, 1.0, -1.0], [0.0, -3.0, 0.0]])
    covs = np.stack([COV3, np.diag([0.5, 1.5, 1.0]), 0.7 * np.eye(3)])
    weights = np.array([0.2, 0.5, 0.3])
    return GaussianMixture(means, covs, weights), means, covs, weights


def _mixture_log_prob_scipy(z, means, covs, weights):
    comps = np.stack(
        [np.log(w) + multivariate_normal(mu, c).logpdf(z) for mu, c, w in zip(means, covs, weights)],
        axis=1,
    )
    return logsumexp(comps, axis=1)


def _targets():
    return [
        StandardNormal(3),
        Gaussian(MEAN3, COV3),
        _mixture()[0],
    ]


# -----------------------------------------------------------------------------
# log_prob against scipy
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_standard_normal_log_prob_matches_scipy(dtype):
    z = _points(50, 4, seed=1)
    got = StandardNormal(4).log_prob(torch.as_tensor(z, dtype=dtype))
    assert got.dtype == dtype
    assert got.shape == (50,)
    expected = multivariate_normal(np.zeros(4), np.eye(4)).logpdf(z)
    np.testing.assert_allclose(got.double().numpy(), expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gaussian_log_prob_matches_scipy(dtype):
    z = _points(60, 3, seed=2)
    got = Gaussian(MEAN3, COV3).log_prob(torch.as_tensor(z, dtype=dtype))
    assert got.dtype == dtype
    assert got.shape == (60,)
    expected = multivariate_normal(MEAN3, COV3).logpdf(z)
    np.testing.assert_allclose(got.double().numpy(), expected, **TOL[dtype])


@pytest.mark.parametrize(
    "cov, full",
    [
        (2.5, 2.5 * np.eye(3)),
        (np.array([0.5, 1.0, 3.0]), np.diag([0.5, 1.0, 3.0])),
        (COV3, COV3),
    ],
    ids=["scalar", "diagonal", "full"],
)
def test_gaussian_covariance_forms(cov, full):
    t = Gaussian(MEAN3, cov)
    np.testing.assert_array_equal(t.cov, full)
    z = _points(20, 3, seed=3)
    np.testing.assert_allclose(
        t.log_prob(torch.as_tensor(z)).numpy(), multivariate_normal(MEAN3, full).logpdf(z), rtol=1e-10
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_mixture_log_prob_matches_scipy_by_hand(dtype):
    t, means, covs, weights = _mixture()
    z = _points(80, 3, seed=4, scale=2.5)
    got = t.log_prob(torch.as_tensor(z, dtype=dtype))
    assert got.dtype == dtype
    assert got.shape == (80,)
    expected = _mixture_log_prob_scipy(z, means, covs, weights)
    np.testing.assert_allclose(got.double().numpy(), expected, **TOL[dtype])


def test_mixture_component_log_prob():
    t, means, covs, weights = _mixture()
    z = _points(10, 3, seed=5)
    comp = t.component_log_prob(torch.as_tensor(z)).numpy()
    assert comp.shape == (10, 3)
    for k in range(3):
        expected = np.log(weights[k]) + multivariate_normal(means[k], covs[k]).logpdf(z)
        np.testing.assert_allclose(comp[:, k], expected, rtol=1e-10)


def test_mixture_covariance_forms_and_default_weights():
    means = np.array([[0.0, 0.0], [3.0, 1.0]])
    spherical = GaussianMixture(means, [0.5, 2.0])
    np.testing.assert_array_equal(spherical.covariances, [0.5 * np.eye(2), 2.0 * np.eye(2)])
    np.testing.assert_array_equal(spherical.weights, [0.5, 0.5])
    diag = GaussianMixture(means, [[0.5, 1.0], [2.0, 3.0]])
    np.testing.assert_array_equal(diag.covariances, [np.diag([0.5, 1.0]), np.diag([2.0, 3.0])])
    shared = GaussianMixture(means, 1.5)
    np.testing.assert_array_equal(shared.covariances, [1.5 * np.eye(2)] * 2)
    assert shared.n_components == 2
    assert shared.latent_dim == 2


def test_log_prob_is_differentiable():
    for t in _targets():
        z = torch.as_tensor(_points(6, 3, seed=6)).requires_grad_(True)
        assert torch.autograd.gradcheck(t.log_prob, (z,))


def test_log_prob_accepts_numpy_and_checks_shape():
    t = Gaussian(MEAN3, COV3)
    z = _points(5, 3, seed=7)
    np.testing.assert_allclose(t.log_prob(z).numpy(), multivariate_normal(MEAN3, COV3).logpdf(z))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        t.log_prob(np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        t.log_prob(np.zeros(3))


# -----------------------------------------------------------------------------
# sampling
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("idx", [0, 1, 2], ids=["standard", "gaussian", "mixture"])
def test_sample_shape_dtype_and_seed(idx, dtype):
    t = _targets()[idx]
    a = t.sample(7, torch.Generator().manual_seed(3), dtype=dtype)
    b = t.sample(7, torch.Generator().manual_seed(3), dtype=dtype)
    c = t.sample(7, torch.Generator().manual_seed(4), dtype=dtype)
    assert a.shape == (7, 3)
    assert a.dtype == dtype
    assert a.device.type == "cpu"
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_standard_normal_sample_moments():
    z = StandardNormal(3).sample(40000, torch.Generator().manual_seed(0)).numpy()
    np.testing.assert_allclose(z.mean(0), np.zeros(3), atol=0.03)
    np.testing.assert_allclose(np.cov(z.T), np.eye(3), atol=0.03)


def test_gaussian_sample_moments():
    z = Gaussian(MEAN3, COV3).sample(40000, torch.Generator().manual_seed(1)).numpy()
    np.testing.assert_allclose(z.mean(0), MEAN3, atol=0.04)
    np.testing.assert_allclose(np.cov(z.T), COV3, atol=0.05)


def test_mixture_sample_moments_and_labels():
    t, means, covs, weights = _mixture()
    z, labels = t.sample(40000, torch.Generator().manual_seed(2), return_labels=True)
    z, labels = z.numpy(), labels.numpy()
    assert labels.shape == (40000,)
    assert set(np.unique(labels)) == {0, 1, 2}
    np.testing.assert_allclose(np.bincount(labels) / labels.size, weights, atol=0.015)
    for k in range(3):
        zk = z[labels == k]
        np.testing.assert_allclose(zk.mean(0), means[k], atol=0.08)
        np.testing.assert_allclose(np.cov(zk.T), covs[k], atol=0.1)
    # the overall mean and covariance of the mixture
    mean = weights @ means
    cov = sum(w * (c + np.outer(mu - mean, mu - mean)) for w, mu, c in zip(weights, means, covs))
    np.testing.assert_allclose(z.mean(0), mean, atol=0.05)
    np.testing.assert_allclose(np.cov(z.T), cov, rtol=0.05, atol=0.05)


def test_mixture_sample_labels_match_points():
    # well separated components: each point is closest to its own component's mean
    means = np.array([[-20.0, 0.0], [20.0, 0.0], [0.0, 30.0]])
    t = GaussianMixture(means, 1.0, [0.5, 0.25, 0.25])
    g = torch.Generator().manual_seed(0)
    z, labels = t.sample(300, g, return_labels=True)
    nearest = np.argmin(((z.numpy()[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(nearest, labels.numpy())
    z_plain = t.sample(300, torch.Generator().manual_seed(0))
    assert torch.equal(z_plain, z)


# -----------------------------------------------------------------------------
# smoothing and deconvolution (section 4)
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("h", [0.1, 0.3, 0.55])
def test_gaussian_smoothed_and_deconvolved_covariances(h):
    for t in (StandardNormal(3), Gaussian(MEAN3, COV3)):
        s, d = t.smoothed(h), t.deconvolved(h)
        np.testing.assert_allclose(s.cov, t.cov + h * h * np.eye(3), rtol=1e-14)
        np.testing.assert_allclose(d.cov, t.cov - h * h * np.eye(3), rtol=1e-14)
        np.testing.assert_array_equal(s.mean, t.mean)
        np.testing.assert_array_equal(d.mean, t.mean)
        back = d.smoothed(h)
        np.testing.assert_allclose(back.cov, t.cov, rtol=1e-14, atol=1e-15)
        np.testing.assert_array_equal(back.mean, t.mean)
        z = torch.as_tensor(_points(10, 3, seed=8))
        torch.testing.assert_close(back.log_prob(z), t.log_prob(z), rtol=1e-12, atol=1e-12)
        # the smoothed density is the KDE limit: N(mean, cov + h^2 I)
        np.testing.assert_allclose(
            s.log_prob(z).numpy(),
            multivariate_normal(t.mean, t.cov + h * h * np.eye(3)).logpdf(z.numpy()),
            rtol=1e-10,
        )


def test_smoothed_deconvolved_exact_round_trip():
    # h^2 exactly representable: the round trip is bit-for-bit the original
    t = Gaussian(MEAN3, COV3)
    assert t.deconvolved(0.5).smoothed(0.5) == t
    m = _mixture()[0]
    assert m.deconvolved(0.5).smoothed(0.5) == m


@pytest.mark.parametrize("h", [0.2, 0.6])
def test_mixture_smoothed_and_deconvolved(h):
    t, means, covs, weights = _mixture()
    s, d = t.smoothed(h), t.deconvolved(h)
    np.testing.assert_allclose(s.covariances, covs + h * h * np.eye(3), rtol=1e-14)
    np.testing.assert_allclose(d.covariances, covs - h * h * np.eye(3), rtol=1e-14)
    np.testing.assert_array_equal(s.means, means)
    np.testing.assert_array_equal(s.weights, weights)
    back = d.smoothed(h)
    np.testing.assert_allclose(back.covariances, covs, rtol=1e-14, atol=1e-15)
    z = torch.as_tensor(_points(10, 3, seed=9))
    torch.testing.assert_close(back.log_prob(z), t.log_prob(z), rtol=1e-12, atol=1e-12)


def test_min_variance():
    assert StandardNormal(4).min_variance == 1.0
    assert Gaussian(MEAN3, COV3).min_variance == pytest.approx(np.linalg.eigvalsh(COV3).min())
    t, _, covs, _ = _mixture()
    assert t.min_variance == pytest.approx(min(np.linalg.eigvalsh(c).min() for c in covs))


def test_deconvolved_refuses_degenerate_bandwidth():
    with pytest.raises(ValueError, match="degenerate"):
        StandardNormal(3).deconvolved(1.0)
    with pytest.raises(ValueError, match="degenerate"):
        StandardNormal(3).deconvolved(1.5)
    g = Gaussian(MEAN3, COV3)
    with pytest.raises(ValueError, match="smallest target variance"):
        g.deconvolved(np.sqrt(g.min_variance))
    m = _mixture()[0]
    with pytest.raises(ValueError, match="degenerate"):
        m.deconvolved(np.sqrt(m.min_variance) * 1.0001)
    # just below the limit is still fine
    assert StandardNormal(3).deconvolved(0.999).min_variance > 0


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_smoothed_rejects_bad_bandwidth(bad):
    for t in _targets():
        with pytest.raises(ValueError, match="bandwidth"):
            t.smoothed(bad)
        with pytest.raises(ValueError, match="bandwidth"):
            t.deconvolved(bad)


# -----------------------------------------------------------------------------
# scikit-learn mixtures and make_target
# -----------------------------------------------------------------------------
def _blobs(seed=0):
    rng = np.random.RandomState(seed)
    return np.concatenate(
        [
            rng.standard_normal((120, 3)) * [1.0, 0.5, 2.0] + [4.0, 0.0, 0.0],
            rng.standard_normal((80, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.7]])
            - [3.0, 1.0, 0.0],
        ]
    )


@pytest.mark.parametrize("covariance_type", ["full", "diag", "spherical", "tied"])
def test_from_sklearn_matches_score_samples(covariance_type):
    X = _blobs()
    gmm = SkGaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    t = GaussianMixture.from_sklearn(gmm)
    assert t.n_components == 2
    assert t.latent_dim == 3
    np.testing.assert_allclose(t.weights, gmm.weights_, rtol=1e-12)
    np.testing.assert_allclose(t.means, gmm.means_, rtol=1e-12)
    Z = _points(50, 3, seed=10, scale=3.0)
    np.testing.assert_allclose(t.log_prob(torch.as_tensor(Z)).numpy(), gmm.score_samples(Z), rtol=1e-8, atol=1e-8)
    via_make = make_target(gmm, 3)
    assert isinstance(via_make, GaussianMixture)
    assert via_make == t


def test_from_sklearn_unfitted_raises():
    with pytest.raises(ValueError, match="fitted"):
        GaussianMixture.from_sklearn(SkGaussianMixture(2))
    with pytest.raises(ValueError, match="fitted"):
        make_target(SkGaussianMixture(2), 3)


def test_make_target():
    t = make_target("normal", 3)
    assert isinstance(t, StandardNormal)
    assert t.latent_dim == 3
    assert make_target(None, 5) == StandardNormal(5)
    g = Gaussian(MEAN3, COV3)
    assert make_target(g, 3) is g
    gmm = SkGaussianMixture(2, random_state=0).fit(_blobs())
    with pytest.raises(ValueError, match="3-dimensional but 2 dimensions are needed"):
        make_target(gmm, 2)
    with pytest.raises(ValueError, match="must agree"):
        make_target(g, 4)
    with pytest.raises(ValueError, match="'normal'"):
        make_target("uniform", 3)
    with pytest.raises(TypeError, match="target must be"):
        make_target(3.0, 3)
    with pytest.raises(TypeError, match="target must be"):
        make_target(np.zeros(3), 3)


def test_make_target_accepts_duck_typed_targets():
    class Duck:
        latent_dim = 2

        def log_prob(self, z):
            return -(z * z).sum(1)

        def sample(self, n, generator=None, **kw):
            return torch.zeros(n, 2)

    d = Duck()
    assert make_target(d, 2) is d
    with pytest.raises(ValueError, match="must agree"):
        make_target(d, 3)


# -----------------------------------------------------------------------------
# copies, pickling, clone
# -----------------------------------------------------------------------------
@pytest.mark.parametrize("idx", [0, 1, 2], ids=["standard", "gaussian", "mixture"])
@pytest.mark.parametrize("how", ["deepcopy", "pickle", "clone"])
def test_round_trips(idx, how):
    t = _targets()[idx]
    z = torch.as_tensor(_points(9, 3, seed=11))
    expected = t.log_prob(z)  # fills the torch cache before copying
    t.log_prob(z.float())
    if how == "deepcopy":
        u = copy.deepcopy(t)
    elif how == "pickle":
        u = pickle.loads(pickle.dumps(t))
    else:
        u = clone(t, safe=False)
    assert u is not t
    assert type(u) is type(t)
    assert u == t
    assert t == u
    assert not (u != t)
    assert torch.equal(u.log_prob(z), expected)
    a = u.sample(5, torch.Generator().manual_seed(0))
    b = t.sample(5, torch.Generator().manual_seed(0))
    assert torch.equal(a, b)
    assert "_torch_cache" not in pickle.loads(pickle.dumps(t)).__dict__


def test_copies_are_independent():
    t = Gaussian(MEAN3, COV3)
    u = copy.deepcopy(t)
    u.mean[0] = 100.0
    assert t.mean[0] == MEAN3[0]
    assert u != t


def test_equality_and_hash():
    assert StandardNormal(3) == StandardNormal(3)
    assert StandardNormal(3) != StandardNormal(4)
    assert Gaussian(MEAN3, COV3) != Gaussian(MEAN3, 2 * COV3)
    assert Gaussian(MEAN3, COV3) != _mixture()[0]
    assert StandardNormal(3) != "normal"
    with pytest.raises(TypeError):
        hash(StandardNormal(3))


def test_base_class_is_abstract():
    t = Target()
    for call in (
        lambda: t.latent_dim,
        lambda: t.min_variance,
        lambda: t.log_prob(None),
        lambda: t.sample(3),
        lambda: t.smoothed(0.1),
        lambda: t.deconvolved(0.1),
    ):
        with pytest.raises(NotImplementedError):
            call()


def test_repr():
    assert repr(StandardNormal(3)) == "StandardNormal(latent_dim=3)"
    assert repr(_mixture()[0]) == "GaussianMixture(n_components=3, latent_dim=3)"
    assert repr(Gaussian([0.0, 1.0], 2.0)).startswith("Gaussian(mean=")


# -----------------------------------------------------------------------------
# bad construction
# -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cov, match",
    [
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
        (np.array([[1.0, 0.0], [0.0, 0.0]]), "positive definite"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "NaN"),
        (-1.0, "positive definite"),
        (np.array([1.0, 2.0, 3.0]), "diagonal needs 2"),
        (np.ones((3, 3)), r"shape \(2, 2\)"),
    ],
)
def test_gaussian_rejects_bad_covariance(cov, match):
    with pytest.raises(ValueError, match=match):
        Gaussian([0.0, 0.0], cov)


@pytest.mark.parametrize(
    "mean, match",
    [([0.0, np.nan], "NaN"), ([np.inf, 0.0], "infinity"), (0.0, "1-D"), ([], "non-empty"), ([[0.0, 1.0]], "1-D")],
)
def test_gaussian_rejects_bad_mean(mean, match):
    with pytest.raises(ValueError, match=match):
        Gaussian(mean, 1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weights=[0.5, 0.6]), "sum to 1"),
        (dict(weights=[1.5, -0.5]), "non-negative"),
        (dict(weights=[np.nan, 1.0]), "finite"),
        (dict(weights=[1.0]), r"shape \(2,\)"),
        (dict(covariances=[[[1.0, 0.0], [0.0, -1.0]], np.eye(2)]), r"covariances\[0\].*positive definite"),
        (dict(covariances=[np.eye(2), [[1.0, 0.3], [0.0, 1.0]]]), r"covariances\[1\].*symmetric"),
        (dict(covariances=np.ones((3, 3))), "do not fit"),
        (dict(covariances=[1.0, 1.0, 1.0]), "do not fit"),
    ],
)
def test_mixture_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture([[0.0, 0.0], [1.0, 1.0]], **kwargs)


@pytest.mark.parametrize("means", [[0.0, 1.0], [[np.nan, 0.0]], np.zeros((0, 2)), np.zeros((2, 0))])
def test_mixture_rejects_bad_means(means):
    with pytest.raises(ValueError, match="means"):
        GaussianMixture(means, 1.0)


def test_mixture_zero_weight_component_is_allowed():
    t = GaussianMixture([[0.0, 0.0], [5.0, 5.0]], 1.0, [1.0, 0.0])
    z = _points(20, 2, seed=12)
    np.testing.assert_allclose(
        t.log_prob(torch.as_tensor(z)).numpy(),
        multivariate_normal(np.zeros(2), np.eye(2)).logpdf(z),
        rtol=1e-10,
    )
    _, labels = t.sample(100, torch.Generator().manual_seed(0), return_labels=True)
    assert bool((labels == 0).all())


@pytest.mark.parametrize(
    "latent_dim, error",
    [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("3", TypeError), (None, TypeError)],
)
def test_standard_normal_rejects_bad_latent_dim(latent_dim, error):
    with pytest.raises(error, match="latent_dim must be a positive integer"):
        StandardNormal(latent_dim)


def test_standard_normal_accepts_numpy_integer():
    t = StandardNormal(np.int64(2))
    assert t.latent_dim == 2
    assert t == StandardNormal(2)


def test_monte_carlo_jsd_closed_cases():
    import math

    from skgen.targets import Gaussian, StandardNormal, monte_carlo_jsd

    gen = torch.Generator().manual_seed(0)
    assert monte_carlo_jsd(StandardNormal(2), StandardNormal(2), 20_000, gen) == pytest.approx(0.0, abs=1e-12)
    far = monte_carlo_jsd(Gaussian([0.0, 0.0]), Gaussian([40.0, 0.0]), 2_000, gen)
    assert far == pytest.approx(math.log(2), abs=1e-6)
    mid = monte_carlo_jsd(Gaussian([0.0]), Gaussian([1.0]), 200_000, gen)
    assert 0.10 < mid < 0.12  # N(0,1) vs N(1,1): 0.1111 by numerical integration
    with pytest.raises(ValueError, match="dimensional"):
        monte_carlo_jsd(StandardNormal(2), StandardNormal(3))


def test_component_cross_entropy_is_the_posterior_log_loss():
    from scipy.stats import multivariate_normal

    from skgen.targets import component_cross_entropy

    means = np.array([[-1.0, 0.0], [1.5, 0.5]])
    covs = np.array([np.eye(2), [[0.5, 0.1], [0.1, 0.8]]])
    weights = np.array([0.3, 0.7])
    t = GaussianMixture(means, covs, weights)
    z = np.random.RandomState(0).normal(size=(6, 2))
    labels = np.array([0, 1, -1, 1, -1, 0])
    dens = np.stack([w * multivariate_normal(m, c).pdf(z) for m, c, w in zip(means, covs, weights)], 1)
    post = dens / dens.sum(1, keepdims=True)
    known = labels >= 0
    expected = -np.mean(np.log(post[known, labels[known]]))
    got = component_cross_entropy(t, torch.as_tensor(z), torch.as_tensor(labels))
    assert float(got) == pytest.approx(expected, rel=1e-10)
    assert component_cross_entropy(t, torch.as_tensor(z), torch.full((6,), -1)) is None
