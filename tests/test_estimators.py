"""KDEJensenShannon, JSDBandwidthSelector and EntropyScorer as scikit-learn users meet them."""

import math
import pickle

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal, pearsonr
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture as SkGaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skgen import (
    EntropyScorer,
    Gaussian,
    GaussianMixture,
    JSDBandwidthSelector,
    KDEJensenShannon,
    jsd_bandwidth,
    kde_entropy,
)
from skgen.kde import whiten
from skgen.targets import monte_carlo_jsd


def _whitened_two_modes(s, m, l, rng):
    """Mixture of two standard normals separated by s along the first axis, whitened."""
    X = rng.standard_normal((m, l))
    X[:, 0] += np.where(rng.rand(m) < 0.5, -s / 2, s / 2)
    return whiten(torch.from_numpy(X)).numpy()


# -- KDEJensenShannon ---------------------------------------------------------
@pytest.fixture(scope="module")
def h_5_1000():
    return jsd_bandwidth(5, 1000, n_trials=3, random_state=0)


@pytest.mark.slow
def test_jsd_rises_with_separation_figure1(h_5_1000):
    """Section 5.1 / Figure 1: l=5, m=1000, s in 0..6, 20 trials each."""
    rng = np.random.RandomState(0)
    s_values, estimates = [], []
    for s in range(7):
        for trial in range(20):
            X = _whitened_two_modes(s, 1000, 5, rng)
            est = KDEJensenShannon(bandwidth=h_5_1000, estimate="plug_in", random_state=trial).fit(X)
            s_values.append(s)
            estimates.append(est.divergence_)
    estimates = np.asarray(estimates)
    r = pearsonr(s_values, estimates).statistic
    assert r >= 0.85
    assert estimates.max() <= math.log(2)
    # means increase from s=0 to s=6
    means = estimates.reshape(7, 20).mean(1)
    assert means[-1] > means[0] + 0.05


def test_identical_distributions_give_near_zero(h_5_1000):
    rng = np.random.RandomState(1)
    values = [
        KDEJensenShannon(bandwidth=h_5_1000, estimate="plug_in", random_state=i)
        .fit(rng.standard_normal((1000, 5)))
        .divergence_
        for i in range(5)
    ]
    # near 0 on the scale of log 2; the plug-in is biased slightly below 0 here
    # (about -0.025 nats at l=5, m=1000) and is deliberately not clipped.
    assert np.all(np.abs(values) < 0.05)
    assert np.mean(values) < 0
    # the bounded estimate is never below 0: its bias at a perfect match is positive, and small
    bounded = [
        KDEJensenShannon(bandwidth=h_5_1000, random_state=i).fit(rng.standard_normal((1000, 5))).divergence_
        for i in range(5)
    ]
    assert np.all((np.asarray(bounded) >= 0) & (np.asarray(bounded) < 0.05))


def test_disjoint_distributions_approach_log2():
    X = np.random.RandomState(0).standard_normal((500, 2)) + 30.0
    est = KDEJensenShannon(bandwidth=0.4, random_state=0).fit(X)
    assert math.log(2) - 1e-3 < est.divergence_ <= math.log(2)


@pytest.mark.parametrize("shift", [0.5, 1.0, 2.0])
def test_against_monte_carlo_ground_truth(shift):
    """Two Gaussians with analytic densities: the KDE estimate tracks the MC JSD."""
    l, m = 2, 2000
    gen = torch.Generator().manual_seed(0)
    target = Gaussian(np.zeros(l))
    p_e = Gaussian(np.r_[shift, np.zeros(l - 1)])
    truth = monte_carlo_jsd(p_e, target, 200_000, gen)
    X = p_e.sample(m, gen).numpy()
    h = jsd_bandwidth(l, m, n_trials=2, random_state=0)
    est = np.mean([KDEJensenShannon(bandwidth=h, random_state=i).fit(X).divergence_ for i in range(3)])
    assert abs(est - truth) < 0.03, (est, truth)


def test_auto_bandwidth_and_attributes():
    X = np.random.RandomState(0).standard_normal((400, 3))
    est = KDEJensenShannon(random_state=0).fit(X)
    h = jsd_bandwidth(3, 400, random_state=np.random.RandomState(0))
    assert est.bandwidth_ == pytest.approx(h)
    assert est.n_features_in_ == 3
    assert est.n_target_samples_ == 400
    assert repr(est.target_) == "StandardNormal(latent_dim=3)"


def test_score_is_negative_jsd_and_deterministic():
    rng = np.random.RandomState(0)
    est = KDEJensenShannon(bandwidth=0.5, random_state=0).fit(rng.standard_normal((500, 2)))
    near, far = rng.standard_normal((500, 2)), rng.standard_normal((500, 2)) * 3
    assert est.score(near) > est.score(far)
    assert est.score(near) == est.score(near)
    assert est.score(near) == pytest.approx(-KDEJensenShannon(bandwidth=0.5, random_state=0).fit(near).divergence_)


def test_pipeline_and_grid_search_pick_the_gaussian_scaling():
    """A grid search over a preprocessing step, scored by -JSD, picks the scaling that matches the target."""
    rng = np.random.RandomState(0)
    X = rng.standard_normal((600, 2)) * 2.0
    pipe = Pipeline([("scale", FunctionTransformer()), ("jsd", KDEJensenShannon(bandwidth=0.45, random_state=0))])
    grid = {"scale__func": [None, lambda Z: Z / 2.0, lambda Z: Z / 4.0]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X)
    assert search.best_index_ == 1
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_mixture_targets_skgen_and_sklearn():
    rng = np.random.RandomState(0)
    means = np.array([[-3.0, 0.0], [3.0, 0.0]])
    X = means[rng.randint(2, size=800)] + rng.standard_normal((800, 2))
    ours = KDEJensenShannon(target=GaussianMixture(means, 1.0), random_state=0).fit(X)
    sk = SkGaussianMixture(2, random_state=0).fit(X)
    fitted = KDEJensenShannon(target=sk, random_state=0).fit(X)
    normal = KDEJensenShannon(random_state=0).fit(X)
    assert abs(ours.divergence_) < 0.05
    assert abs(fitted.divergence_) < 0.05
    assert normal.divergence_ > ours.divergence_ + 0.1


def test_target_object_survives_clone_pickle_and_grid_search():
    target = Gaussian([0.0, 0.0], [[2.0, 0.3], [0.3, 1.0]])
    est = KDEJensenShannon(target=target, bandwidth=0.4, random_state=0)
    cloned = clone(est)
    assert cloned.target == target and cloned.target is not target
    X = np.random.RandomState(0).multivariate_normal([0, 0], target.cov, size=300)
    fitted = est.fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.divergence_ == fitted.divergence_
    assert restored.score(X) == fitted.score(X)
    search = GridSearchCV(clone(est), {"target": [target, "normal"]}, cv=2).fit(X)
    assert search.best_params_["target"] == target


@pytest.mark.parametrize(
    "params, X, error, match",
    [
        ({}, np.array([[0.0, np.nan], [1.0, 2.0]]), ValueError, "NaN"),
        ({}, np.array([[0.0, np.inf], [1.0, 2.0]]), ValueError, "infinity"),
        ({}, np.zeros(5), ValueError, "2D array"),
        ({}, np.zeros((1, 3)), ValueError, "minimum of 2"),
        ({}, np.zeros((5, 0)), ValueError, "feature"),
        ({"bandwidth": -1.0}, np.zeros((5, 2)), ValueError, "bandwidth"),
        ({"bandwidth": 0.0}, np.zeros((5, 2)), ValueError, "bandwidth"),
        ({"bandwidth": float("nan")}, np.zeros((5, 2)), ValueError, "bandwidth"),
        ({"target": Gaussian(np.zeros(3))}, np.zeros((5, 2)), ValueError, "3-dimensional"),
        ({}, np.array([["a", "b"], ["c", "d"]]), ValueError, "float"),
    ],
)
def test_bad_input_is_refused_clearly(params, X, error, match):
    with pytest.raises(error, match=match):
        KDEJensenShannon(**params).fit(X)


def test_score_with_wrong_width_is_refused():
    est = KDEJensenShannon(bandwidth=0.5).fit(np.random.RandomState(0).randn(50, 2))
    with pytest.raises(ValueError, match="features"):
        est.score(np.zeros((10, 3)))


def test_bandwidth_selector_matches_function_and_warns_when_degenerate():
    sel = JSDBandwidthSelector(n_trials=3, random_state=0).fit(np.zeros((1000, 5)))
    assert sel.bandwidth_ == pytest.approx(jsd_bandwidth(5, 1000, n_trials=3, random_state=0))
    assert sel.bandwidths_.shape == (3,)
    with pytest.warns(UserWarning, match="degenerates"):
        JSDBandwidthSelector(n_trials=1, random_state=0).fit(np.zeros((250, 40)))


# -- EntropyScorer ------------------------------------------------------------


def test_standard_normal_row_of_table2():
    """Table 2, "Standard Normal": l=8, m=1000 gives 11.668 +- 0.055 in the paper."""
    rng = np.random.RandomState(0)
    values = [EntropyScorer()(FunctionTransformer(), rng.standard_normal((1000, 8))) for _ in range(5)]
    assert abs(np.mean(values) - 11.668) < max(0.055, 0.05)


@pytest.mark.slow
def test_entropy_approaches_closed_form_for_known_covariance():
    cov = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]])
    truth = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * cov)[1]
    rng = np.random.RandomState(0)
    errors = []
    for m in (250, 1000, 4000):
        vals = [kde_entropy(rng.multivariate_normal(np.zeros(3), cov, size=m)) for _ in range(3)]
        errors.append(abs(np.mean(vals) - truth))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.05


def test_whitening_removes_scale_and_rotation():
    rng = np.random.RandomState(0)
    Z = rng.standard_normal((800, 3))
    A = rng.standard_normal((3, 3))
    scorer = EntropyScorer()
    assert scorer(FunctionTransformer(), Z @ A) == pytest.approx(scorer(FunctionTransformer(), Z), abs=1e-3)
    raw = EntropyScorer(whiten=False)
    assert raw(FunctionTransformer(), 3 * Z) == pytest.approx(raw(FunctionTransformer(), Z) + 3 * np.log(3), abs=1e-3)


def test_gaussian_scores_higher_than_non_gaussian():
    rng = np.random.RandomState(0)
    gauss = rng.standard_normal((1000, 2))
    uniform_cube = rng.uniform(size=(1000, 2))
    two_modes = _whitened_two_modes(6.0, 1000, 2, rng)
    scorer = EntropyScorer()
    g = scorer(FunctionTransformer(), gauss)
    assert g > scorer(FunctionTransformer(), uniform_cube)
    assert g > scorer(FunctionTransformer(), two_modes) + 0.2


def test_grid_search_with_pca_and_max_samples():
    rng = np.random.RandomState(0)
    X = np.c_[rng.standard_normal((400, 2)), rng.uniform(-1, 1, size=(400, 2))]
    scorer = EntropyScorer(max_samples=150, random_state=0)
    search = GridSearchCV(
        Pipeline([("scale", StandardScaler()), ("pca", PCA())]), {"pca__n_components": [1, 2]}, scoring=scorer, cv=2
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and scores[1] > scores[0]
    assert scorer(search.best_estimator_, X) == scorer(search.best_estimator_, X)


def test_scorer_params_and_repr():
    scorer = EntropyScorer(bandwidth=0.3)
    assert repr(scorer) == "EntropyScorer(bandwidth=0.3)"
    assert scorer.set_params(whiten=False).get_params()["whiten"] is False
    with pytest.raises(ValueError, match="invalid parameter"):
        scorer.set_params(nope=1)
    fixed = EntropyScorer(bandwidth=0.4, whiten=False)(FunctionTransformer(), np.random.RandomState(0).randn(300, 2))
    assert fixed == pytest.approx(kde_entropy(np.random.RandomState(0).randn(300, 2), 0.4), rel=1e-5)


@pytest.mark.parametrize(
    "scorer, Z, error, match",
    [
        (EntropyScorer(), np.zeros((10, 2)), ValueError, "singular"),
        (EntropyScorer(), np.array([[np.nan, 1.0], [1.0, 2.0], [0.0, 1.0]]), ValueError, "NaN"),
        (EntropyScorer(), np.zeros((1, 2)), ValueError, "minimum of 2"),
        (EntropyScorer(), np.zeros(4), ValueError, "2-D"),
        (EntropyScorer(bandwidth=-1.0), np.random.RandomState(0).randn(10, 2), ValueError, "positive"),
        (EntropyScorer(bandwidth="silverman"), np.random.RandomState(0).randn(10, 2), ValueError, "auto"),
        (EntropyScorer(max_samples=1), np.random.RandomState(0).randn(10, 2), ValueError, "max_samples"),
    ],
)
def test_scorer_bad_input(scorer, Z, error, match):
    with pytest.raises(error, match=match):
        scorer(FunctionTransformer(), Z)


def test_scorer_needs_a_transformer():
    with pytest.raises(TypeError, match="transform"):
        EntropyScorer()(object(), np.zeros((5, 2)))


def test_closed_form_reference_density():
    # sanity check of the Gaussian target used above against scipy
    t = Gaussian([1.0, -1.0], [[1.0, 0.2], [0.2, 0.5]])
    z = np.random.RandomState(0).randn(5, 2)
    ref = multivariate_normal([1.0, -1.0], [[1.0, 0.2], [0.2, 0.5]]).logpdf(z)
    np.testing.assert_allclose(t.log_prob(torch.from_numpy(z)).numpy(), ref, rtol=1e-10)
