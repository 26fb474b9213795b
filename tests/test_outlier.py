"""DensityOutlierDetector: scikit-learn's outlier interface around any density model."""

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgen import GENAutoencoder
from skgen.outlier import DensityOutlierDetector

SMALL_GEN = dict(latent_dim=2, hidden_layer_sizes=(16,), max_iter=5, batch_size=32, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def gaussian():
    return np.random.RandomState(0).normal(size=(400, 2))


@pytest.mark.parametrize("contamination", [0.01, 0.05, 0.2])
def test_contamination_sets_the_fraction_of_training_outliers(gaussian, contamination):
    det = DensityOutlierDetector(KernelDensity(bandwidth=0.4), contamination=contamination).fit(gaussian)
    scores = det.score_samples(gaussian)
    assert det.offset_ == pytest.approx(np.percentile(scores, 100 * contamination))
    assert np.mean(det.predict(gaussian) == -1) == pytest.approx(contamination, abs=1 / len(gaussian))


def test_auto_offset_is_the_lower_box_plot_fence(gaussian):
    det = DensityOutlierDetector(GaussianMixture(1, random_state=0)).fit(gaussian)
    q1, q3 = np.percentile(det.score_samples(gaussian), [25, 75])
    assert det.offset_ == pytest.approx(q1 - 1.5 * (q3 - q1))
    # the log density of N(0, I_2) is c - E with E ~ Exp(1): quartiles at log(4/3) and log 4, so the fence
    # flags P(E > log 4 + 1.5 log 3) = 1 / (4 * 3**1.5) = 4.8 % of the samples
    assert np.mean(det.predict(gaussian) == -1) == pytest.approx(1 / (4 * 3**1.5), abs=0.02)


def test_decision_function_predict_and_fit_predict_agree(gaussian):
    det = DensityOutlierDetector(KernelDensity(bandwidth=0.4), contamination=0.1)
    labels = det.fit_predict(gaussian)
    decision = det.decision_function(gaussian)
    np.testing.assert_allclose(decision, det.score_samples(gaussian) - det.offset_)
    np.testing.assert_array_equal(labels, np.where(decision < 0, -1, 1))
    np.testing.assert_array_equal(det.predict([[0.0, 0.0], [8.0, -8.0]]), [1, -1])


def test_wraps_a_pipeline_ending_in_a_gen(gaussian):
    X = np.c_[gaussian, gaussian @ [[1.0], [-0.5]]] * [1.0, 100.0, 3.0]
    det = DensityOutlierDetector(make_pipeline(StandardScaler(), GENAutoencoder(**SMALL_GEN))).fit(X)
    assert det.n_features_in_ == 3
    far = X[:5] * 10
    assert np.all(det.decision_function(far) < np.median(det.decision_function(X[:50])))
    assert det.estimator is not det.estimator_  # cloned


def test_default_estimator_is_a_gen():
    det = DensityOutlierDetector()
    assert isinstance(det._make_estimator(), GENAutoencoder)


def test_non_finite_training_scores_are_refused(gaussian):
    class Broken(KernelDensity):
        def score_samples(self, X):
            scores = super().score_samples(X)
            scores[0] = -np.inf
            return scores

    with pytest.raises(ValueError, match="1 non-finite score"):
        DensityOutlierDetector(Broken()).fit(gaussian)


@pytest.mark.parametrize("contamination", [0.0, 0.6, "none"])
def test_bad_contamination(gaussian, contamination):
    with pytest.raises(ValueError, match="contamination"):
        DensityOutlierDetector(KernelDensity(), contamination=contamination).fit(gaussian)


def test_estimator_without_score_samples_is_refused(gaussian):
    from sklearn.cluster import KMeans

    with pytest.raises(ValueError, match="estimator"):
        DensityOutlierDetector(KMeans(2)).fit(gaussian)
