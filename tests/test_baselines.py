"""The baselines: AdversarialAutoencoder, VariationalAutoencoder, DiscriminatorJensenShannon."""

import copy
import math
import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from skgen import AdversarialAutoencoder, DiscriminatorJensenShannon, VariationalAutoencoder
from skgen.baselines import gaussian_nll, kl_standard_normal
from skgen.targets import GaussianMixture

SMALL = dict(latent_dim=2, hidden_layer_sizes=(16,), max_iter=3, batch_size=32, random_state=0, device="cpu")
AAE_SMALL = dict(SMALL, discriminator_hidden_layer_sizes=(16,))
MODELS = [(AdversarialAutoencoder, AAE_SMALL), (VariationalAutoencoder, SMALL)]
IDS = ["aae", "vae"]


@pytest.fixture(scope="module")
def fitted(blobs):
    return {cls: cls(**params).fit(blobs) for cls, params in MODELS}


def gaussian_fit_kl(Z):
    """KL(N(mean, cov) of Z || N(0, I)): how far a Gaussian fit of the codes is from the target."""
    m, S = Z.mean(0), np.cov(Z.T)
    return 0.5 * (np.trace(S) + m @ m - Z.shape[1] - np.linalg.slogdet(S)[1])


# -- autoencoders: API -----------------------------------------------------------------
@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_auto_max_iter_counts_updates(cls, params, blobs, monkeypatch):
    """The baselines share GEN's max_iter="auto" (for comparisons on equal terms)."""
    import skgen._base as base

    monkeypatch.setattr(base, "AUTO_UPDATES", 20)
    monkeypatch.setattr(base, "AUTO_MIN_EPOCHS", 2)
    est = cls(**{**params, "max_iter": "auto", "batch_size": 100, "n_iter_no_change": 100}).fit(blobs)
    assert est.n_iter_ == 7  # ceil(20 / 3 minibatches)


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_shapes_dtypes_and_history(cls, params, fitted, blobs):
    est = fitted[cls]
    Z = est.transform(blobs)
    assert Z.shape == (300, 2) and Z.dtype == np.float64
    assert est.transform(blobs.astype(np.float32)).dtype == np.float32
    assert est.inverse_transform(Z).shape == (300, 6)
    assert est.inverse_transform(Z.astype(np.float32)).dtype == np.float32
    name = cls.__name__.lower()
    assert list(est.get_feature_names_out()) == [f"{name}0", f"{name}1"]
    penalty, extra = ("adversarial", "discriminator") if cls is AdversarialAutoencoder else ("kl", "nll")
    assert list(est.history_) == ["loss", "reconstruction", penalty, extra, "validation_loss", "seconds"]
    assert all(len(v) == est.n_iter_ == 3 for v in est.history_.values())
    assert np.isfinite(est.history_["loss"]).all()


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_same_seed_same_codes_different_seed_different(cls, params, fitted, blobs):
    a = fitted[cls].transform(blobs)
    b = cls(**params).fit(blobs).transform(blobs)
    c = cls(**{**params, "random_state": 1}).fit(blobs).transform(blobs)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_fit_does_not_touch_the_global_torch_rng(cls, params, blobs):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    cls(**{**params, "max_iter": 1}).fit(blobs)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_sample_shapes_dtypes_and_seeding(cls, params, fitted, blobs):
    est = fitted[cls]
    X1 = est.sample(5, random_state=0)
    assert X1.shape == (5, 6) and X1.dtype == np.float64
    np.testing.assert_array_equal(X1, est.sample(5, random_state=0))
    assert not np.allclose(X1, est.sample(5, random_state=1))
    assert cls(**{**params, "max_iter": 1}).fit(blobs.astype(np.float32)).sample(2).dtype == np.float32
    with pytest.raises(ValueError, match="positive integer"):
        est.sample(0)


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_pickle_round_trip_gives_identical_outputs(cls, params, fitted, blobs):
    est = fitted[cls]
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(blobs), est.transform(blobs))
    np.testing.assert_array_equal(restored.sample(4, random_state=2), est.sample(4, random_state=2))
    if cls is AdversarialAutoencoder:
        z = torch.zeros(3, 2)
        assert torch.equal(restored.discriminator_(z), est.discriminator_(z))


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_clone_and_early_stopping(cls, params, blobs):
    est = cls(**{**params, "max_iter": 20, "early_stopping": True, "n_iter_no_change": 2})
    assert clone(est).get_params() == est.get_params()
    est.fit(blobs)
    assert np.isfinite(est.history_["validation_loss"]).all() and est.n_iter_ <= 20


@pytest.mark.parametrize("cls, params", MODELS, ids=IDS)
def test_verbose_prints_one_line_per_epoch(cls, params, blobs, capsys):
    cls(**{**params, "verbose": 1}).fit(blobs)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("epoch")]
    assert len(lines) == 3 and cls._penalty_name in lines[0] and cls._extra_history[0] in lines[0]


@pytest.mark.parametrize(
    "cls, params, X, error, match",
    [
        (AdversarialAutoencoder, {}, np.array([[np.nan, 1.0], [1.0, 2.0], [0.0, 0.0]]), ValueError, "NaN"),
        (VariationalAutoencoder, {}, np.array([[np.inf, 1.0], [1.0, 2.0], [0.0, 0.0]]), ValueError, "infinity"),
        (AdversarialAutoencoder, {}, np.zeros((1, 3)), ValueError, "minimum of 2"),
        (VariationalAutoencoder, {}, np.zeros(5), ValueError, "2D array"),
        (VariationalAutoencoder, {"likelihood": "poisson"}, np.zeros((10, 3)), ValueError, "likelihood"),
        (VariationalAutoencoder, {"kl_weight": -1.0}, np.zeros((10, 3)), ValueError, "kl_weight"),
        (VariationalAutoencoder, {"observation_variance": 0.0}, np.zeros((10, 3)), ValueError, "observation_variance"),
        (AdversarialAutoencoder, {"adversarial_weight": -0.1}, np.zeros((10, 3)), ValueError, "adversarial_weight"),
        (AdversarialAutoencoder, {"target": "uniform"}, np.zeros((10, 3)), ValueError, "target"),
        # the VAE's encoder emits mean and log-variance: 2 * latent_dim outputs
        (
            VariationalAutoencoder,
            {"encoder": torch.nn.Linear(3, 2)},
            np.zeros((10, 3)),
            ValueError,
            r"encoder returns output of shape \(2, 2\).*expected \(n_samples, 4\)",
        ),
        (
            AdversarialAutoencoder,
            {"target": GaussianMixture([[0.0, 0.0, 0.0]])},
            np.zeros((10, 3)),
            ValueError,
            "3-dimensional",
        ),
    ],
)
def test_bad_input(cls, params, X, error, match):
    base = AAE_SMALL if cls is AdversarialAutoencoder else SMALL
    with pytest.raises(error, match=match):
        cls(**{**base, **params}).fit(X)


def test_bad_codes_for_inverse_transform(fitted):
    with pytest.raises(ValueError, match="3 features but 2 are expected"):
        fitted[VariationalAutoencoder].inverse_transform(np.zeros((4, 3)))


# -- the VAE ---------------------------------------------------------------------------
def test_kl_matches_torch_distributions_and_vanishes_at_the_prior():
    gen = torch.Generator().manual_seed(0)
    mean = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    log_var = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    q = torch.distributions.Normal(mean, torch.exp(0.5 * log_var))
    p = torch.distributions.Normal(torch.zeros_like(mean), torch.ones_like(mean))
    expected = torch.distributions.kl_divergence(q, p).sum(1)
    torch.testing.assert_close(kl_standard_normal(mean, log_var), expected)
    assert torch.equal(kl_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3)), torch.zeros(2))


@pytest.mark.parametrize(
    "params",
    [
        dict(likelihood="gaussian", kl_weight=0.7),
        dict(likelihood="gaussian", observation_variance=0.5),
        dict(likelihood="bernoulli", kl_weight=2.0),
    ],
    ids=["gaussian-auto", "gaussian-fixed", "bernoulli"],
)
def test_vae_loss_equals_a_hand_computation(params, monkeypatch):
    """One full-batch step: the recorded loss is the negative ELBO per feature, term by term."""
    X = np.random.RandomState(0).rand(8, 3)
    eps = 0.3
    monkeypatch.setattr(VariationalAutoencoder, "_noise", lambda self, like: torch.full_like(like, eps))
    # learning_rate=1e-12 leaves the float32 weights as they were when the loss was recorded
    est = VariationalAutoencoder(
        latent_dim=2,
        hidden_layer_sizes=(4,),
        max_iter=1,
        batch_size=8,
        learning_rate=1e-12,
        random_state=0,
        device="cpu",
        **params,
    ).fit(X)
    enc = copy.deepcopy(est.encoder_).double()
    dec = copy.deepcopy(est.decoder_).double()
    with torch.no_grad():
        h = enc(torch.from_numpy(X)).numpy()
        mu, log_var = h[:, :2], h[:, 2:]
        z = mu + np.exp(0.5 * log_var) * eps
        out = dec(torch.from_numpy(z)).numpy()
    kl = 0.5 * np.sum(mu**2 + np.exp(log_var) - 1 - log_var, axis=1).mean()
    if params["likelihood"] == "bernoulli":
        p = 1 / (1 + np.exp(-out))
        nll = -np.mean(X * np.log(p) + (1 - X) * np.log(1 - p))
        mse = np.mean((X - p) ** 2)
    else:
        mse = np.mean((X - out) ** 2)
        s2 = params.get("observation_variance", mse)
        nll = 0.5 * np.log(2 * np.pi * s2) + 0.5 * mse / s2
    kl_term = params.get("kl_weight", 1.0) * kl / 3
    hist = est.history_
    assert hist["nll"][0] == pytest.approx(nll, rel=1e-5)
    assert hist["kl"][0] == pytest.approx(kl_term, rel=1e-5)
    assert hist["loss"][0] == pytest.approx(nll + kl_term, rel=1e-5)
    assert hist["reconstruction"][0] == pytest.approx(mse, rel=1e-5)
    # transform is the posterior mean; inverse_transform the decoder's mean
    np.testing.assert_allclose(est.transform(X), mu, rtol=1e-5, atol=1e-6)
    dec_mu = dec(torch.from_numpy(mu)).detach().numpy()
    expected = 1 / (1 + np.exp(-dec_mu)) if params["likelihood"] == "bernoulli" else dec_mu
    np.testing.assert_allclose(est.inverse_transform(mu), expected, rtol=1e-5, atol=1e-6)


def test_auto_variance_is_the_maximum_likelihood_one():
    """observation_variance="auto": the NLL at the best variance, with its gradient, free of scale."""
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    x_hat = torch.randn(6, 4, generator=gen, dtype=torch.float64, requires_grad=True)
    auto = gaussian_nll(x, x_hat, "auto")
    mse = (x - x_hat).pow(2).mean()
    profile = 0.5 * torch.log(2 * math.pi * math.e * mse)  # the NLL minimised over the variance
    torch.testing.assert_close(auto, profile)
    for s2 in (0.5 * float(mse.detach()), 2.0 * float(mse.detach())):
        assert float(gaussian_nll(x, x_hat, s2).detach()) > float(auto.detach())
    (g_auto,) = torch.autograd.grad(auto, x_hat)
    (g_profile,) = torch.autograd.grad(profile, x_hat)
    torch.testing.assert_close(g_auto, g_profile)  # envelope theorem: the detached variance is exact
    scaled = gaussian_nll(10 * x, 10 * x_hat.detach(), "auto")
    assert float(scaled - auto.detach()) == pytest.approx(math.log(10.0))


def test_bernoulli_needs_data_in_the_unit_interval(blobs):
    with pytest.raises(ValueError, match=r"likelihood='bernoulli' needs X in \[0, 1\].*\[-"):
        VariationalAutoencoder(**SMALL, likelihood="bernoulli").fit(blobs)
    X = np.random.RandomState(0).rand(100, 6)
    est = VariationalAutoencoder(**SMALL, likelihood="bernoulli").fit(X)
    recon = est.inverse_transform(est.transform(blobs))  # any data can be encoded once fitted
    samples = est.sample(20, random_state=0)
    assert recon.min() >= 0 and recon.max() <= 1 and samples.min() >= 0 and samples.max() <= 1


def test_divergence_check_measures_probabilities_not_logits():
    # A Bernoulli VAE's decoder emits logits; the check that refuses a diverged
    # fit must compare the data with sigmoid(logits), as inverse_transform does.
    # Pixels that are always 0 drive their logits far below 0, so comparing the
    # logits themselves refused sound MNIST fits as "diverged".
    rng = np.random.RandomState(0)
    X = np.zeros((200, 40))
    X[:, :4] = rng.rand(200, 4) > 0.5
    est = VariationalAutoencoder(**dict(SMALL, max_iter=30, learning_rate=0.03), likelihood="bernoulli").fit(X)
    error = est._data_space_error(torch.as_tensor(X, dtype=torch.float32))
    public = ((X - est.inverse_transform(est.transform(X))) ** 2).mean()
    assert public < 0.1
    assert error == pytest.approx(public, rel=1e-4)


def test_vae_kl_pulls_codes_to_the_prior(blobs):
    params = dict(SMALL, max_iter=20)
    plain = VariationalAutoencoder(**params, kl_weight=0.0).fit(blobs)
    vae = VariationalAutoencoder(**params, kl_weight=4.0).fit(blobs)
    assert gaussian_fit_kl(vae.transform(blobs)) < 0.5 * gaussian_fit_kl(plain.transform(blobs))


def test_vae_custom_encoder_emits_mean_and_log_variance(blobs):
    enc = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 4))
    est = VariationalAutoencoder(**{**SMALL, "encoder": enc}).fit(blobs)
    assert est.transform(blobs).shape == (300, 2) and est.encoder_ is not enc


# -- the AAE ---------------------------------------------------------------------------
@pytest.mark.slow
def test_aae_codes_move_toward_the_target(blobs):
    params = dict(AAE_SMALL, hidden_layer_sizes=(32,), discriminator_hidden_layer_sizes=(32,), max_iter=20)
    plain = AdversarialAutoencoder(**params, adversarial_weight=0.0).fit(blobs)
    aae = AdversarialAutoencoder(**params, adversarial_weight=1.0).fit(blobs)
    assert gaussian_fit_kl(aae.transform(blobs)) < 0.5 * gaussian_fit_kl(plain.transform(blobs))
    # the adversary learnt something: below chance (log 2) against the unconstrained codes
    assert plain.history_["discriminator"][-1] < 0.6 < math.log(2)


def test_aae_mixture_target_samples_with_labels():
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(100, 4) - 3, rng.randn(100, 4) + 3]
    target = GaussianMixture([[-3.0, 0.0], [3.0, 0.0]], 1.0)
    est = AdversarialAutoencoder(**{**AAE_SMALL, "target": target}).fit(X)
    Xs, labels = est.sample(10, random_state=0)
    assert Xs.shape == (10, 4) and labels.shape == (10,) and set(labels) <= {0, 1}
    gmm = SkGaussianMixture(2, random_state=0).fit(rng.randn(50, 2))
    est = AdversarialAutoencoder(**{**AAE_SMALL, "target": gmm, "max_iter": 1}).fit(X)
    assert isinstance(est.target_, GaussianMixture) and len(est.sample(3)) == 2


# -- the discriminator's JSD -------------------------------------------------------------------
@pytest.mark.slow
def test_discriminator_jsd_identical_separated_and_monotone():
    rng = np.random.RandomState(0)
    est = {}
    for shift in (0.0, 1.5, 3.0, 10.0):
        X = rng.standard_normal((400, 2))
        X[:, 0] += shift
        est[shift] = DiscriminatorJensenShannon(random_state=0, device="cpu").fit(X)
    d = {k: v.divergence_ for k, v in est.items()}
    assert abs(d[0.0]) < 0.03
    assert d[0.0] < d[1.5] < d[3.0] < d[10.0]
    assert 0.6 < d[10.0] <= math.log(2)
    assert est[10.0].hidden_layer_sizes_ == (20, 10, 4)
    assert d[10.0] == pytest.approx(math.log(2) - est[10.0].cross_entropy_)
    # score: the fitted classifier on fresh data of the same distribution
    X = rng.standard_normal((400, 2))
    X[:, 0] += 10.0
    assert est[10.0].score(X) == pytest.approx(-d[10.0], abs=0.05)


def test_discriminator_jsd_seeding_pickle_threads_and_target():
    X = np.random.RandomState(1).standard_normal((200, 3)) * 1.5
    threads = torch.get_num_threads()
    a = DiscriminatorJensenShannon(random_state=0, device="cpu", max_iter=5).fit(X)
    assert torch.get_num_threads() == threads
    b = DiscriminatorJensenShannon(random_state=0, device="cpu", max_iter=5).fit(X)
    c = DiscriminatorJensenShannon(random_state=1, device="cpu", max_iter=5).fit(X)
    assert a.divergence_ == b.divergence_ != c.divergence_
    assert len(a.history_["validation_loss"]) == a.n_iter_ + 1
    restored = pickle.loads(pickle.dumps(a))
    assert restored.score(X) == a.score(X)
    # against its own distribution, X is near the target
    own = DiscriminatorJensenShannon(target=GaussianMixture(np.zeros((1, 3)), 2.25), random_state=0, device="cpu").fit(
        X
    )
    assert abs(own.divergence_) < 0.05


@pytest.mark.parametrize(
    "params, X, match",
    [
        ({}, np.array([[np.nan, 1.0], [1.0, 2.0]]), "NaN"),
        ({}, np.zeros((1, 2)), "minimum of 2"),
        ({}, np.zeros(4), "2D array"),
        ({"hidden_layer_sizes": (4, 0)}, np.zeros((10, 2)), "positive integers"),
        ({"validation_fraction": 1.0}, np.zeros((10, 2)), "validation_fraction"),
        ({"target": GaussianMixture([[0.0, 0.0, 0.0]])}, np.zeros((10, 2)), "3-dimensional"),
    ],
)
def test_discriminator_jsd_bad_input(params, X, match):
    with pytest.raises(ValueError, match=match):
        DiscriminatorJensenShannon(**params, device="cpu").fit(X)
