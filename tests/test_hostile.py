"""Hostile but fair input: state after a failed fit, divergence, numerics far from the origin,
values beyond float32, threads, and the smaller traps (issue 11, and later audits in sections 8,
9 and 10): each test covers a case that misbehaved before its fix."""

import gzip
import pickle
import threading
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import FunctionTransformer

from skgen import (
    DensityOutlierDetector,
    EntropyScorer,
    Gaussian,
    GaussianMixture,
    GENAutoencoder,
    KDEJensenShannon,
    NoBandwidthMaximumError,
    StandardNormal,
    jsd_bandwidth,
    kde_entropy,
)
from skgen.baselines import AdversarialAutoencoder, DiscriminatorJensenShannon, VariationalAutoencoder
from skgen.datasets import load_mnist, read_idx

SMALL = dict(latent_dim=2, hidden_layer_sizes=(16,), max_iter=3, batch_size=32, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).normal(size=(200, 5))


# -- 1. a failed refit leaves the estimator unfitted, not half-fitted ----------------------------------
def test_failed_refit_leaves_the_estimator_unfitted(X):
    g = GENAutoencoder(**SMALL).fit(X)
    with pytest.raises(ValueError, match="would degenerate"):
        g.set_params(bandwidth=1.5).fit(X)
    for attr in ("encoder_", "bandwidth_", "history_", "latent_distribution_"):
        assert not hasattr(g, attr)
    with pytest.raises(NotFittedError):
        g.transform(X)
    assert g.get_params()["bandwidth"] == 1.5  # the parameters stay as set
    g.set_params(bandwidth="auto").fit(X)  # and it can be fitted again
    assert g.transform(X).shape == (200, 2)


def test_failed_refit_with_bad_labels_drops_the_old_classes(X):
    target = GaussianMixture(means=[[-2.0, 0.0], [2.0, 0.0]], covariances=[np.eye(2), np.eye(2)])
    g = GENAutoencoder(**{**SMALL, "target": target}).fit(X, np.repeat(["a", "b"], 100))
    assert set(g.predict(X)) <= {"a", "b"}  # labels, not component indices
    with pytest.raises(ValueError, match="3 classes"):
        g.fit(X, np.repeat(["a", "b", "c"], [70, 70, 60]))
    with pytest.raises(NotFittedError):
        g.predict(X)


def test_failed_refit_of_the_divergence_estimator(X):
    est = KDEJensenShannon(bandwidth=0.5, random_state=0).fit(X)
    with pytest.raises(ValueError):
        est.fit(X[:1])
    assert not hasattr(est, "divergence_")


# -- 2. divergence after the last loss check ---------------------------------------------------------
@pytest.mark.parametrize("cls", [GENAutoencoder, AdversarialAutoencoder, VariationalAutoencoder])
def test_diverged_training_is_refused(cls, X):
    with pytest.raises((FloatingPointError, ValueError), match="diverged|became nan|NaN or infinity"):
        cls(latent_dim=2, hidden_layer_sizes=(16,), max_iter=5, learning_rate=1e3, random_state=0).fit(X)


def test_diverged_discriminator_is_refused():
    Z = np.random.RandomState(0).normal(size=(300, 2)) + 6
    with pytest.raises(FloatingPointError, match="diverged"):
        DiscriminatorJensenShannon(learning_rate=1e3, random_state=0).fit(Z)
    assert DiscriminatorJensenShannon(max_iter=30, random_state=0).fit(Z).divergence_ > 0.5  # sane lr: ~log 2


# -- 3. estimates do not depend on where the data sit ---------------------------------------------------
@pytest.mark.parametrize("offset", [1e3, 1e4, 1e7])
def test_bandwidth_search_is_translation_invariant(offset):
    h0 = jsd_bandwidth(2, 500, target=Gaussian([0.0, 0.0]), random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no false degeneracy warning either
        h = jsd_bandwidth(2, 500, target=Gaussian([offset, offset]), random_state=0)
    assert h == pytest.approx(h0, rel=1e-3)


@pytest.mark.parametrize("offset", [1e3, 1e4])
def test_entropy_of_float32_data_is_translation_invariant(offset):
    Z = np.random.RandomState(0).normal(size=(2000, 2)).astype(np.float32)
    assert kde_entropy(Z + np.float32(offset)) == pytest.approx(kde_entropy(Z), abs=1e-3)


# -- 4. finite values float32 cannot hold -----------------------------------------------------------
@pytest.mark.parametrize("scale", [1e39, 1e200])
def test_values_beyond_float32_are_refused_by_name(X, scale):
    g = GENAutoencoder(**SMALL).fit(X)
    for call in (
        g.transform,
        g.score_samples,
        lambda A: g.inverse_transform(A[:, :2]),
        lambda A: GENAutoencoder(**SMALL).fit(A),
        lambda A: DiscriminatorJensenShannon().fit(A[:, :2]),
    ):
        with pytest.raises(ValueError, match="float32 range"):
            call(X * scale)


# -- 6. threads -------------------------------------------------------------------------------------------
def test_fits_in_threads_are_reproducible_and_leave_global_state_alone(X):
    from skgen import autoencoder

    reference = {s: GENAutoencoder(**{**SMALL, "random_state": s}).fit(X).transform(X) for s in (0, 1)}
    filters, rng_state = list(warnings.filters), torch.random.get_rng_state()
    for _ in range(4):
        autoencoder._BANDWIDTH_MEMO.clear()  # the bandwidth search runs in both threads each time
        out = {}

        def fit(seed, out=out):
            out[seed] = GENAutoencoder(**{**SMALL, "random_state": seed}).fit(X).transform(X)

        threads = [threading.Thread(target=fit, args=(s,)) for s in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in (0, 1):
            np.testing.assert_array_equal(out[s], reference[s])
    assert warnings.filters == filters
    assert torch.equal(torch.random.get_rng_state(), rng_state)


# -- 7. the smaller ones -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        lambda X: GENAutoencoder(**SMALL, bandwidth=1e-200).fit(X),
        lambda X: KDEJensenShannon(bandwidth=1e-200).fit(X),
        lambda X: kde_entropy(X, 1e-200),
    ],
)
def test_a_bandwidth_too_small_to_compute_with_is_refused(X, call):
    with pytest.raises(ValueError, match="outside"):
        call(X)


def test_duck_typed_target_without_min_variance_is_refused(X):
    class Duck:
        latent_dim = 2

        def log_prob(self, z):
            return -0.5 * (z * z).sum(1)

        def sample(self, n, generator=None, dtype=torch.float64, device=None):
            return torch.randn(n, 2, generator=generator, dtype=dtype)

    with pytest.raises(TypeError, match="lacks min_variance and deconvolved"):
        GENAutoencoder(**{**SMALL, "target": Duck()}).fit(X)


def test_unlabelled_minus_one_among_string_labels(X):
    target = GaussianMixture(means=[[-2.0, 0.0], [2.0, 0.0]], covariances=[np.eye(2), np.eye(2)])
    y = ["a"] * 50 + [-1] * 50 + ["b"] * 50 + [-1] * 50
    g = GENAutoencoder(**{**SMALL, "target": target}).fit(X, y)
    assert list(g.classes_) == ["a", "b"]  # -1 marks the unlabelled, it is no class
    with pytest.raises(ValueError, match="string '-1'"):
        g.fit(X, np.array(["a", "-1", "b", "-1"] * 50))


def test_custom_modules_with_the_wrong_width_or_dtype(X):
    with pytest.raises(ValueError, match="first layer must take 5 features"):
        GENAutoencoder(**{**SMALL, "encoder": torch.nn.Linear(4, 2)}).fit(X)
    with pytest.raises(TypeError, match=r"float64 parameters.*encoder.float\(\)"):
        GENAutoencoder(**{**SMALL, "encoder": torch.nn.Linear(5, 2).double()}).fit(X)


def test_device_may_be_a_torch_device(X):
    g = GENAutoencoder(**{**SMALL, "device": torch.device("cpu")}).fit(X)
    assert g.device_ == torch.device("cpu")


def test_pickle_records_the_version_and_warns_on_a_mismatch(X):
    g = GENAutoencoder(**SMALL).fit(X)
    state = g.__getstate__()
    assert state["_skgen_version"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pickle.loads(pickle.dumps(g))  # same version: silent
    state["_skgen_version"] = "0.0.1"
    clone = GENAutoencoder.__new__(GENAutoencoder)
    with pytest.warns(UserWarning, match="saved by skgen 0.0.1"):
        clone.__setstate__(state)


def test_mnist_loader_refuses_bad_arguments_and_files(tmp_path):
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(ValueError, match="truncated"):
        read_idx(tmp_path / "short")
    payload = gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x04" + bytes(range(4)))
    (tmp_path / "cut.gz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(ValueError, match="could not be read"):
        read_idx(tmp_path / "cut.gz")
    images = b"\x00\x00\x08\x03" + (3).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + bytes(3 * 784)
    labels = b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes([1, 2, 3])
    (tmp_path / "train-images-idx3-ubyte").write_bytes(images)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(labels)
    X, y = load_mnist(tmp_path, n_samples=2, dtype="float64")
    assert X.shape == (2, 784) and X.dtype == np.float64 and list(y) == [1, 2]
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        load_mnist(tmp_path, n_samples=-5)
    with pytest.raises(TypeError, match="floating dtype"):
        load_mnist(tmp_path, dtype=np.int64)


def test_demo_refuses_a_negative_seed(capsys):
    from skgen.__main__ import main

    assert main(["demo", "--seed", "-1"]) == 2
    assert "seed must be in [0, 2**32 - 1]" in capsys.readouterr().err


# -- 5. a divergence score that model selection can trust ---------------------------------------------
def test_divergence_score_falls_as_the_codes_move_away_from_the_target():
    Z = np.random.RandomState(0).normal(size=(1000, 2))
    est = KDEJensenShannon(random_state=0).fit(Z)
    wider = [est.score(a * Z) for a in (1.0, 2.0, 5.0, 10.0, 100.0, 1000.0)]
    narrower = [est.score(a * Z) for a in (1.0, 0.5, 0.1, 0.01)]
    assert all(np.diff(wider) < 0) and all(np.diff(narrower) < 0)
    assert all(-np.log(2) <= s <= 0 for s in wider + narrower)
    # the paper's plug-in, one parameter away, is what turned back
    plug_in = KDEJensenShannon(estimate="plug_in", random_state=0).fit(Z)
    assert plug_in.score(100 * Z) > plug_in.score(10 * Z)


def test_codes_of_the_wrong_width_are_named_as_codes(X):
    g = GENAutoencoder(**SMALL).fit(X)
    with pytest.raises(ValueError, match=r"Z has 3 features but 2 are expected \(latent_dim"):
        g.inverse_transform(np.zeros((4, 3)))


# -- 8. a later audit: overflowing squares, scale, labels, counts and parameters ----------------------------
def test_values_whose_squared_distances_overflow_are_refused_by_name():
    Z = np.random.RandomState(0).normal(size=(100, 2))
    # just inside: every point is isolated from the target, the bounded JSD is log 2
    assert KDEJensenShannon(bandwidth=0.5).fit((Z * 1e18).astype(np.float32)).divergence_ == pytest.approx(np.log(2))
    fitted = KDEJensenShannon(random_state=0).fit(Z)
    for call in (
        lambda: KDEJensenShannon(bandwidth=0.5).fit((Z * 1e19).astype(np.float32)),  # was NaN
        lambda: KDEJensenShannon(bandwidth=0.5).fit(Z * 1e155),  # was NaN
        lambda: fitted.score(Z + 1e160),  # was NaN
        lambda: kde_entropy((Z * 1e20).astype(np.float32), 0.5),  # was NaN
        lambda: kde_entropy(Z * 1e200),  # was "h0 must be a finite positive number"
        lambda: EntropyScorer()(FunctionTransformer(lambda A: A * 1e200).fit(Z), Z),  # was LinAlgError
    ):
        with pytest.raises(ValueError, match="squared distances between its samples would overflow"):
            call()


@pytest.mark.parametrize("offset", [1e10, 1e30])
def test_discriminator_tells_data_far_from_the_target(offset):
    Z = np.random.RandomState(0).normal(size=(300, 2))
    # was 0 ("identical") at 1e30 and "diverged, use a smaller learning_rate" at 1e10
    assert DiscriminatorJensenShannon(random_state=0).fit(Z + offset).divergence_ > 0.6


@pytest.mark.parametrize("missing", [np.nan, None])
def test_missing_labels_are_refused(X, missing):
    target = GaussianMixture(means=[[-2.0, 0.0], [2.0, 0.0]])
    y = np.array([0] * 100 + [missing] * 100, dtype=object)
    with pytest.raises(ValueError, match="y contains NaN or None.*index 100.*-1"):  # NaN was a class
        GENAutoencoder(**{**SMALL, "target": target}).fit(X, y)


def test_bandwidth_search_arguments_and_narrow_modes():
    with pytest.raises(ValueError, match="device must be"):  # was a raw torch RuntimeError
        jsd_bandwidth(2, 10, device="bogus")
    assert 0 < jsd_bandwidth(2, 50, n_trials=1, tol=np.float32(1e-3), random_state=0) < 1  # was refused
    # modes far narrower than the mixture's spread: was "no maximum in h below 0.708"
    h_modes = jsd_bandwidth(2, 200, target=GaussianMixture([[-1000.0, 0.0], [1000.0, 0.0]]), random_state=0)
    assert h_modes == pytest.approx(jsd_bandwidth(2, 100, random_state=0), rel=0.05)


def test_targets_refuse_scales_and_counts_they_cannot_serve():
    with pytest.raises(ValueError, match="mean reaches 1e\\+30.*float32"):
        Gaussian([1e30, 0.0])
    with pytest.raises(ValueError, match="means reaches"):
        GaussianMixture([[1e20, 0.0]])
    with pytest.raises(ValueError, match="standard deviation"):
        Gaussian([0.0, 0.0], 1e40)
    for target in (Gaussian([0.0, 0.0]), StandardNormal(2), GaussianMixture([[0.0, 0.0], [1.0, 1.0]])):
        assert target.sample(0).shape == (0, 2)  # the mixture raised inside torch
        with pytest.raises(ValueError, match="non-negative integer"):
            target.sample(-1)
        for bad in (2.5, True):
            with pytest.raises(TypeError, match="non-negative integer"):
                target.sample(bad)


def test_entropy_scorer_checks_its_parameters_and_output():
    Z = np.random.RandomState(0).normal(size=(100, 3))
    identity = FunctionTransformer().fit(Z)
    with pytest.raises(TypeError, match="whiten must be True or False"):  # "no" whitened
        EntropyScorer(whiten="no")(identity, Z)
    with pytest.raises(TypeError, match="bandwidth must be 'auto'"):
        EntropyScorer(bandwidth=True)(identity, Z)
    sparse = FunctionTransformer(lambda A: __import__("scipy.sparse").sparse.csr_matrix(A), accept_sparse=True)
    with pytest.raises(TypeError, match="sparse matrix"):  # was "dtype object"
        EntropyScorer()(sparse.fit(Z), Z)
    assert repr(EntropyScorer(bandwidth=np.array([0.5, 0.6]))) == "EntropyScorer(bandwidth=array([0.5, 0.6]))"


def test_layer_sizes_may_be_arrays_but_not_fractions(X):
    g = GENAutoencoder(**{**SMALL, "hidden_layer_sizes": np.array([16])}).fit(X)  # was refused
    assert [m.out_features for m in g.encoder_ if isinstance(m, torch.nn.Linear)] == [16, 2]
    AdversarialAutoencoder(**SMALL, discriminator_hidden_layer_sizes=np.array([8])).fit(X)
    with pytest.raises(ValueError, match="sequence of positive integers"):  # was truncated to (2,)
        DiscriminatorJensenShannon(hidden_layer_sizes=(2.5,)).fit(X[:, :2])


def test_divergence_estimator_refuses_booleans():
    with pytest.raises(TypeError, match="bandwidth must be a number"):  # was used as h = 1
        KDEJensenShannon(bandwidth=True).fit(np.zeros((10, 2)) + np.arange(10)[:, None])


def test_outlier_detector_checks_the_scores_shape():
    class Columns(KernelDensity):
        def score_samples(self, X):
            return super().score_samples(X)[:, None]

    X2 = np.random.RandomState(0).normal(size=(60, 3))
    with pytest.raises(ValueError, match=r"one real score per sample, shape \(60,\); got an array of shape \(60, 1\)"):
        DensityOutlierDetector(Columns()).fit(X2)  # predict was 2-D


def test_codes_in_half_precision(X):
    g = GENAutoencoder(**SMALL).fit(X)
    Z = g.transform(X[:4])
    out = g.inverse_transform(torch.as_tensor(Z).to(torch.bfloat16))  # was "unsupported ScalarType"
    assert out.shape == (4, 5) and np.allclose(out, g.inverse_transform(Z), atol=0.1)


# -- 9. custom modules, the signal law and the low-level functions ------------------------------------------
def _dropout_encoder(n_in, n_out):
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, 16), torch.nn.ReLU(), torch.nn.Dropout(0.5), torch.nn.Linear(16, n_out)
    )


def _batch_norm_encoder(n_in, n_out):
    return torch.nn.Sequential(
        torch.nn.Linear(n_in, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Linear(16, n_out)
    )


def test_a_dropout_encoder_fits_reproducibly_and_leaves_the_global_rng_alone(X):
    state = torch.random.get_rng_state()
    first = GENAutoencoder(**{**SMALL, "encoder": _dropout_encoder}).fit(X).transform(X)
    second = GENAutoencoder(**{**SMALL, "encoder": _dropout_encoder}).fit(X).transform(X)
    assert np.array_equal(first, second)  # dropout drew from the unseeded global RNG
    assert torch.equal(torch.random.get_rng_state(), state)


def test_batch_norm_modules_and_a_last_minibatch_of_one(X):
    from skgen._base import minibatch_starts

    assert minibatch_starts(65, 64) == [0] and minibatch_starts(129, 64) == [0, 64]  # 1 row joins
    assert minibatch_starts(1, 64) == [0] and minibatch_starts(66, 64) == [0, 64]
    assert minibatch_starts(40, 1) == list(range(40))  # batch_size=1: nothing to join
    # 65 rows in minibatches of 64: the last row joins the one before instead of failing inside torch
    GENAutoencoder(**{**SMALL, "batch_size": 64, "encoder": _batch_norm_encoder}).fit(X[:65])
    with pytest.raises(ValueError, match="batch_size=1 cannot train the batch-norm layers of the encoder"):
        GENAutoencoder(**{**SMALL, "batch_size": 1, "encoder": _batch_norm_encoder}).fit(X[:65])
    # every KDE scheme trains the statistics on the minibatches alone (full/rolling re-encoded in train mode)
    tracked = {
        scheme: int(
            GENAutoencoder(**{**SMALL, "batch_size": 50, "encoder": _batch_norm_encoder, "kde_refresh": scheme})
            .fit(X[:100])
            .encoder_[1]
            .num_batches_tracked
        )
        for scheme in ("snapshot", "full", "rolling")
    }
    assert set(tracked.values()) == {4}, tracked  # 2 joint epochs of 2 minibatches (the third is decoder-only)


class _LinearThen(torch.nn.Module):
    """A linear layer followed by ``then``: custom modules that misbehave in one way each."""

    def __init__(self, n_in, n_out, then):
        super().__init__()
        self.linear, self.then = torch.nn.Linear(n_in, n_out), then

    def forward(self, x):
        return self.then(self.linear(x))


def test_custom_module_outputs_of_the_wrong_dtype_or_shape(X):
    with pytest.raises(TypeError, match="encoder returns float64 output"):  # failed inside the decoder
        GENAutoencoder(**{**SMALL, "encoder": _LinearThen(5, 2, lambda out: out.double())}).fit(X)
    g = GENAutoencoder(**{**SMALL, "encoder": _LinearThen(5, 2, lambda out: out.squeeze(0))}).fit(X)
    with pytest.raises(ValueError, match=r"returned output of shape \(2,\) for 1 sample"):  # was shape (2,)
        g.transform(X[:1])


def test_a_decoder_vmap_cannot_batch_is_differentiated_row_by_row(X):
    def branch(out):  # control flow on a value
        return out / 2 if float(out.detach().abs().max()) > 1e6 else out

    branches, linear = _LinearThen(2, 5, branch), torch.nn.Linear(2, 5)
    branches.linear.load_state_dict(linear.state_dict())  # the same map, which vmap can batch
    g = GENAutoencoder(**{**SMALL, "decoder": branches}).fit(X)
    plain = GENAutoencoder(**{**SMALL, "decoder": linear}).fit(X)
    assert np.allclose(g.score_samples(X[:5]), plain.score_samples(X[:5]), rtol=1e-4)  # vmap raised


def test_the_signal_law_stays_finite_when_the_decoder_returns_zeros(X):
    decoder = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.ReLU())
    with torch.no_grad():
        decoder[0].weight.fill_(1.0)
        decoder[0].bias.fill_(-50.0)  # zero reconstructions of the training data
    g = GENAutoencoder(**{**SMALL, "decoder": decoder, "residual_scale": "signal"}).fit(X)
    assert np.isfinite(g.score_samples(X * 1000)).all()  # was -inf


def test_no_bandwidth_maximum_is_a_value_error():
    with pytest.raises(ValueError, match="no maximum in h") as info:  # was a RuntimeError only
        jsd_bandwidth(1, 2, n_trials=2, random_state=0)
    assert isinstance(info.value, NoBandwidthMaximumError | RuntimeError)


def test_low_level_functions_refuse_arguments_they_would_misread():
    from skgen.density import jacobian_log_det, residual_log_prob
    from skgen.kde import entropy_bandwidth, jsd_loss, kde_entropy, kde_subset, log_kde, rolling_refresh_rows
    from skgen.targets import StandardNormal as Normal

    gen = torch.Generator().manual_seed(0)
    for call, match in [
        (lambda: kde_subset(5, -1, gen), "positive integer"),  # returned 4 rows
        (lambda: kde_subset(5, 6, gen), "cannot be drawn"),  # was capped at 5
        (lambda: rolling_refresh_rows(10, 0, 0), "positive integer"),  # ZeroDivisionError
        (lambda: jacobian_log_det(torch.zeros(3, 5, 2), floor=-1.0), "floor"),  # acted as floor=1
        (lambda: log_kde(torch.zeros(3, 2), torch.randn(4, 2), 0.5, chunk_size=0), "chunk_size"),  # read as 1
        (lambda: kde_entropy(torch.randn(6, 2, generator=gen), chunk_size=-5), "chunk_size"),  # read as 1
        (lambda: entropy_bandwidth(torch.randn(6, 2, generator=gen), chunk_size=2.5), "chunk_size"),  # read as 2
        (lambda: jsd_loss(torch.zeros(3, 2), torch.randn(4, 2), Normal(2), 0.5, log_floor=float("nan")), "NaN"),
        (
            lambda: residual_log_prob(
                torch.ones(2, 3),
                {
                    "mean": torch.zeros(3),
                    "noise_variance": 1.0,
                    "variances": torch.zeros(0),
                    "components": torch.zeros(0, 3),
                },
                scale=torch.zeros(2),
            ),
            "finite positive",
        ),  # NaN
    ]:
        with pytest.raises(ValueError, match=match):
            call()


# -- 10. an audit of the baselines, the outlier detector, the scorer, the data sets and the demo -------------
def test_outlier_labels_are_not_read_from_nan_scores(X):
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    far = np.full((2, 5), 1e308)
    detector = DensityOutlierDetector(SkGaussianMixture(2, covariance_type="spherical", random_state=0)).fit(X)
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="returned NaN for 2 of 2"):
        detector.predict(far)  # NaN < offset is False: both were called inliers
    g = GENAutoencoder(**SMALL).fit(X)
    scores = g.score_samples(np.full((2, 5), 3.4e38))  # the float32 residual overflowed to NaN
    assert np.all(scores < -1e70) and not np.isnan(scores).any()


def test_adversarial_autoencoder_reports_a_diverged_adversary(X):
    small = dict(SMALL, discriminator_hidden_layer_sizes=(8,))
    with pytest.raises(FloatingPointError, match="averaged .* over the last epoch.* smaller discriminator_learning"):
        AdversarialAutoencoder(**small, discriminator_learning_rate=1e3).fit(X)  # returned, loss 4e5
    with pytest.raises(FloatingPointError, match="cross-entropy became nan"):  # kept NaN weights
        AdversarialAutoencoder(**small, discriminator_learning_rate=1e30, adversarial_weight=0).fit(X)
    with pytest.raises(FloatingPointError, match="in its adversarial term.*discriminator_learning_rate"):
        AdversarialAutoencoder(**small, discriminator_learning_rate=1e30).fit(X)  # advised learning_rate


def test_entropy_scores_of_different_dimensions_compare_with_a_normal_reference():
    from sklearn.decomposition import PCA

    rng = np.random.RandomState(0)
    X = np.c_[3 * rng.randn(600), 2 * rng.randn(600), rng.exponential(size=600), 0.1 * rng.randn(600)]
    two, three = PCA(2).fit(X), PCA(3).fit(X)
    assert EntropyScorer()(three, X) > EntropyScorer()(two, X) + 1  # raw: more dimensions, more entropy
    scorer = EntropyScorer(reference="normal", random_state=0)
    assert abs(scorer(two, X)) < 0.03 and scorer(three, X) < -0.1  # Gaussian codes about 0, skewed ones below
    with pytest.raises(ValueError, match="reference must be None or 'normal'"):
        EntropyScorer(reference="uniform")(two, X)


def test_targets_that_cannot_be_sampled_as_skgen_does_are_refused_before_training(X):
    X2 = X[:, :2]
    mvn = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
    with pytest.raises(TypeError, match="torch.distributions.MultivariateNormal"):  # failed mid-fit on dtype=
        DiscriminatorJensenShannon(target=mvn).fit(X2)

    class ThreeD:
        def log_prob(self, z):
            return -0.5 * (z * z).sum(1)

        def sample(self, n, generator=None, *, dtype=torch.float64, device=None):
            return torch.randn(n, 3, generator=generator, dtype=dtype)

    with pytest.raises(ValueError, match="the target is 3-dimensional but 2"):  # was never checked
        AdversarialAutoencoder(**SMALL, target=ThreeD()).fit(X)


def test_vae_observation_variance_float32_can_compute_with(X):
    from sklearn.utils._param_validation import InvalidParameterError

    for variance in (1e-46, 1e-31, 3.1e30, 1e39):  # 1e-46: an infinite loss; 1e39: no gradient
        with pytest.raises(InvalidParameterError, match="observation_variance"):
            VariationalAutoencoder(**SMALL, observation_variance=variance).fit(X)
    for variance in (1e-30, 1e30):
        VariationalAutoencoder(**{**SMALL, "max_iter": 1}, observation_variance=variance).fit(X)


def test_discriminator_scores_with_target_samples_it_did_not_train_on(X):
    drawn = []

    class Recording(StandardNormal):
        def sample(self, n_samples, generator=None, **kwargs):
            drawn.append(super().sample(n_samples, generator, **kwargs))
            return drawn[-1]

    djs = DiscriminatorJensenShannon(target=Recording(2), random_state=0).fit(X[:, :2])
    djs.score(X[:, :2])
    assert len(drawn) == 2 and not torch.equal(drawn[0].float(), drawn[1].float())  # were equal


def test_dataset_helpers_take_numpy_scalars_and_absurd_headers(tmp_path):
    from skgen.datasets import make_curve

    assert make_curve(5, noise=np.float32(0.1), random_state=0)[0].shape == (5, 5)  # "not a finite number >= 0"
    with pytest.raises(ValueError, match="noise"):
        make_curve(5, noise=True)  # read as 1.0
    path = tmp_path / "huge.idx"
    path.write_bytes(bytes([0, 0, 8, 2]) + (2**32 - 1).to_bytes(4, "big") * 2)
    with pytest.raises(ValueError, match="needs 18446744065119617025"):  # the product overflowed int64
        read_idx(str(path))
