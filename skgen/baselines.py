"""The paper's baselines: adversarial and variational autoencoders, and the adversary's JSD.

``AdversarialAutoencoder`` (Makhzani et al., 2016) and ``VariationalAutoencoder``
(Kingma and Welling, 2014) are ``BaseAutoencoder`` models like
``GENAutoencoder``: the same default networks, the same minibatch Adam loop,
the same reconstruction error and ``history_``, so that in a comparison the
differences come from the latent penalty alone. ``DiscriminatorJensenShannon``
is the neural-network estimate of the Jensen-Shannon divergence that section
5.1 compares the KDE estimate (``KDEJensenShannon``) with.

The loss functions are small torch functions at the top of this module; the
estimators below only wire them into the training loop's hooks.
"""

import contextlib
import math
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._training import BaseAutoencoder, TorchModulesMixin, device_generator, seeded_modules
from .nn import ACTIVATIONS, make_discriminator
from .targets import StandardNormal, make_target
from .utils._constants import LOG_2 as _LOG_2
from .utils._constants import LOG_2PI as _LOG_2PI
from .utils._state import unfitted_on_error
from .utils._torch import as_tensor, draw_seed, make_generator, resolve_device
from .utils._validation import TARGET_CONSTRAINT, check_float32_range

__all__ = [
    "AdversarialAutoencoder",
    "DiscriminatorJensenShannon",
    "VariationalAutoencoder",
    "bernoulli_nll",
    "discriminator_loss",
    "gaussian_nll",
    "generator_loss",
    "kl_standard_normal",
]

# A mean training cross-entropy 100 times a chance classifier's: the optimiser has diverged.
_DIVERGED_CROSS_ENTROPY = 100 * math.log(2.0)
_MIN_VARIANCE = 1e-6  # floor of the fitted observation variance (a perfect fit would give log 0)


# -- losses (torch in, torch out) ---------------------------------------------------
def kl_standard_normal(mean, log_var):
    """``KL(N(mean, diag(exp(log_var))) || N(0, I))`` in nats for each row, shape ``(n,)``.

    The closed form ``1/2 sum_j (mean_j^2 + exp(log_var_j) - 1 - log_var_j)``
    (Kingma and Welling, 2014, appendix B).
    """
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(1)


def gaussian_nll(x, x_hat, variance="auto"):
    """Negative log-likelihood of ``x`` under ``N(x_hat, variance I)``, per feature (0-d).

    The mean over samples and features of ``1/2 log(2 pi s2) + (x - x_hat)^2 / (2 s2)``.
    ``variance="auto"`` sets ``s2`` to its maximum-likelihood value, the mean
    squared error of the batch (floored at 1e-6), treated as a constant for the
    gradient: at the optimum the derivative in ``s2`` vanishes, so this is the
    gradient of the minimised loss ``1/2 log(2 pi e MSE)``.
    """
    mse = (x - x_hat).pow(2).mean()
    if isinstance(variance, str) and variance == "auto":
        s2 = mse.detach().clamp_min(_MIN_VARIANCE)
        return 0.5 * (_LOG_2PI + torch.log(s2)) + 0.5 * mse / s2
    s2 = float(variance)
    return 0.5 * (_LOG_2PI + math.log(s2)) + 0.5 * mse / s2


def bernoulli_nll(x, logits):
    """Negative log-likelihood of ``x`` in [0, 1] under ``Bernoulli(sigmoid(logits))``, per feature (0-d).

    The binary cross-entropy with logits, averaged over samples and features.
    """
    return F.binary_cross_entropy_with_logits(logits, x)


def discriminator_loss(logits_target, logits_codes):
    """The adversary's loss: binary cross-entropy, target samples labelled 1, codes 0.

    ``1/2 (-mean log D(z_t) - mean log(1 - D(z)))`` with ``D = sigmoid(logits)``:
    equal weight to both classes, so that its minimum over all classifiers is
    ``log 2 - JSD`` (Goodfellow et al., 2014).
    """
    ones = torch.ones_like(logits_target)
    zeros = torch.zeros_like(logits_codes)
    return 0.5 * (
        F.binary_cross_entropy_with_logits(logits_target, ones)
        + F.binary_cross_entropy_with_logits(logits_codes, zeros)
    )


def generator_loss(logits_codes):
    """The encoder's non-saturating adversarial loss ``-mean log D(E(x))``.

    Minimised when the adversary takes the codes for target samples; unlike
    the saturating ``mean log(1 - D(E(x)))`` its gradient does not vanish
    while the adversary wins.
    """
    return F.binary_cross_entropy_with_logits(logits_codes, torch.ones_like(logits_codes))


# -- the adversarial autoencoder ------------------------------------------------------
class AdversarialAutoencoder(BaseAutoencoder):
    """Adversarial autoencoder (Makhzani et al., 2016), trained like a GEN.

    The encoder ``E`` and decoder ``D`` of :class:`GENAutoencoder` and its
    training loop; the KDE Jensen-Shannon term is replaced by an adversary: a
    discriminator MLP that, after every minibatch, takes one Adam step of its
    own to tell target samples from the (detached) codes of that minibatch,
    while the encoder minimises ``adversarial_weight`` times the
    non-saturating generator loss ``-log sigmoid(disc(E(x)))``. At the
    adversary's optimum this drives the encoded distribution to the target,
    as the GEN's term does (section 3 of the paper), but through a learned
    density ratio instead of a KDE.

    Parameters
    ----------
    latent_dim : int, default=8
        Dimension ``l`` of the latent space.
    hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden widths of the default MLP encoder; the decoder mirrors them.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", "elu"}, default="relu"
        Used by the encoder, decoder and discriminator MLPs.
    encoder, decoder : torch.nn.Module or callable, default=None
        Replace the MLPs: a module (deep-copied at fit) or a factory
        ``f(in_features, out_features) -> nn.Module``.
    target : "normal", Target or fitted sklearn GaussianMixture, default="normal"
        The prior the codes are matched to; ``sample`` draws from it.
    adversarial_weight : float, default=0.01
        Weight of the generator loss against the reconstruction error, the
        counterpart of GEN's ``jsd_weight``; with ``reconstruction="mean"`` it
        is per feature. The adversary's gradient is sharper than the KDE's, and
        one optimiser step serves both terms, so the usable weights are
        smaller: on digits scaled to [0, 1] (``latent_dim=8``, 60 epochs,
        seeds 0 and 1) 0.01 gave a whitened latent entropy of 10.1 to 10.3
        nats (N(0, I_8): 11.66; GEN with its defaults: 11.59) at a
        reconstruction MSE of 0.011 to 0.012 (GEN: 0.0097); 0.005 gave 10.6 to
        10.7 at 0.013 to 0.015; from 0.02 the codes collapse (latent
        eigenvalues near 0) and from 0.03 so does the reconstruction.
    discriminator_hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden widths of the adversary (Makhzani et al. used two layers of
        1000 units on MNIST).
    discriminator_learning_rate : float, default=None
        Adam step size of the adversary; ``None`` uses ``learning_rate``.
        Its Adam uses ``beta1`` as well.
    reconstruction : {"mean", "sum"}, default="mean"
        Squared error averaged over features (``"mean"``) or summed (``"sum"``),
        as for :class:`GENAutoencoder`.
    batch_size : int, default=64
    max_iter : int, default=100
        Epochs.
    learning_rate : float, default=1e-3
    beta1 : float, default=0.5
        Adam's first-moment decay (the paper's 0.5, common for adversarial training).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its loss
        (reconstruction plus the weighted generator loss against the current
        adversary) has not improved by ``tol`` for ``n_iter_no_change``
        epochs, restoring the best encoder and decoder. The adversary is
        nonstationary, so this is noisier than for a GEN.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the networks, the minibatch order and the target samples shown
        to the adversary.
    verbose : int, default=0
        1 prints one line per epoch, 2 shows a progress bar.

    Attributes
    ----------
    encoder_, decoder_ : torch.nn.Module
    discriminator_ : torch.nn.Module
        The adversary at the end of training, mapping codes to logits of
        "drawn from the target".
    target_ : Target
        The resolved target.
    history_ : dict of lists
        Per epoch: ``loss``, ``reconstruction``, ``adversarial`` (the
        weighted generator loss), ``discriminator`` (the adversary's loss;
        ``log 2`` when it cannot tell codes from target samples),
        ``validation_loss``, ``seconds``.
    n_iter_ : int
    device_ : torch.device
    n_features_in_ : int

    See Also
    --------
    GENAutoencoder : The same autoencoder with the KDE Jensen-Shannon penalty.
    VariationalAutoencoder : The variational baseline.

    Notes
    -----
    Each minibatch ``x`` takes two steps. The autoencoder minimises

    ``||x - D(E(x))||^2 / d + adversarial_weight * (-mean log s(disc(E(x))))``

    (``s`` the logistic function; without ``/ d`` for ``reconstruction="sum"``),
    then the adversary minimises
    ``-1/2 mean log s(disc(z_t)) - 1/2 mean log(1 - s(disc(E(x))))`` over as
    many target samples ``z_t`` as codes. Makhzani et al. alternate a
    reconstruction phase and a regularisation phase (adversary, then
    encoder) per minibatch with SGD and momentum; here the encoder's
    adversarial step is merged into the reconstruction step so that the
    optimiser and schedule are exactly GEN's. The GEN paper's comparison
    (section 5.2, Table 2) uses the same fully connected encoder and decoder
    for all methods and Adam with learning rate 2e-4 and ``beta1=0.5``; it
    does not report the adversary's architecture or weight.

    References
    ----------
    A. Makhzani, J. Shlens, N. Jaitly, I. Goodfellow and B. Frey, "Adversarial
    autoencoders", ICLR workshop, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import AdversarialAutoencoder
    >>> X = np.random.RandomState(0).standard_normal((200, 6))
    >>> aae = AdversarialAutoencoder(latent_dim=2, hidden_layer_sizes=(16,), max_iter=2,
    ...                              discriminator_hidden_layer_sizes=(16,), random_state=0).fit(X)
    >>> aae.transform(X).shape, aae.sample(3, random_state=0).shape
    ((200, 2), (3, 6))
    """

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        "target": TARGET_CONSTRAINT,
        "adversarial_weight": [Interval(Real, 0, None, closed="left")],
        "discriminator_hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "discriminator_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "reconstruction": [StrOptions({"mean", "sum"})],
    }
    _penalty_name = "adversarial"
    _extra_history = ("discriminator",)
    _module_attrs = ("encoder_", "decoder_", "discriminator_")

    def __init__(
        self,
        latent_dim=8,
        *,
        hidden_layer_sizes=(512, 256),
        activation="relu",
        encoder=None,
        decoder=None,
        target="normal",
        adversarial_weight=0.01,
        discriminator_hidden_layer_sizes=(512, 256),
        discriminator_learning_rate=None,
        reconstruction="mean",
        batch_size=64,
        max_iter=100,
        learning_rate=1e-3,
        beta1=0.5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.encoder = encoder
        self.decoder = decoder
        self.target = target
        self.adversarial_weight = adversarial_weight
        self.discriminator_hidden_layer_sizes = discriminator_hidden_layer_sizes
        self.discriminator_learning_rate = discriminator_learning_rate
        self.reconstruction = reconstruction
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @unfitted_on_error
    def fit(self, X, y=None):
        """Train the encoder, decoder and adversary on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        self : AdversarialAutoencoder
        """
        try:
            return super().fit(X, y)
        finally:  # training-only state, also after an error
            for key in ("_disc_optimizer", "_disc_generator"):
                self.__dict__.pop(key, None)

    def _setup_penalty(self, X_train, generator):
        self.target_ = make_target(self.target, self.latent_dim)
        seed = draw_seed(generator)
        hidden = self.discriminator_hidden_layer_sizes
        self.discriminator_ = seeded_modules(
            seed, lambda: make_discriminator(self.latent_dim, hidden, self.activation)
        ).to(self.device_)
        lr = self.learning_rate if self.discriminator_learning_rate is None else self.discriminator_learning_rate
        self._disc_optimizer = torch.optim.Adam(self.discriminator_.parameters(), lr=lr, betas=(self.beta1, 0.999))
        self._disc_generator = device_generator(generator, self.device_)

    def _penalty(self, h, batch_idx):
        if self.adversarial_weight == 0:
            return None
        return self.adversarial_weight * generator_loss(self.discriminator_(h))

    def _after_step(self, h, batch_idx, step):
        # The adversary's step, on the minibatch's codes (detached: it does not move the encoder).
        z_t = self.target_.sample(h.shape[0], self._disc_generator, dtype=h.dtype, device=h.device)
        loss = discriminator_loss(self.discriminator_(z_t), self.discriminator_(h))
        self._disc_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self._disc_optimizer.step()
        return {"discriminator": loss.item()}

    def _validation_penalty(self, h, X_val):
        return self._penalty(h, None)

    def sample(self, n_samples=1, random_state=None):
        """Generate data by decoding codes drawn from the target.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
        labels : ndarray of shape (n_samples,)
            The mixture component of each sample; only for a mixture target.
        """
        check_is_fitted(self)
        return self._generate(self.target_, n_samples, random_state)


# -- the variational autoencoder ------------------------------------------------------
class VariationalAutoencoder(BaseAutoencoder):
    """Variational autoencoder (Kingma and Welling, 2014), trained like a GEN.

    The encoder of :class:`GENAutoencoder` with ``2 * latent_dim`` outputs,
    the mean and log-variance of a diagonal Gaussian posterior ``q(z|x)``; the
    decoder sees a reparameterised sample ``z = mean + exp(log_var / 2) * eps``
    in training, and the loss is the negative evidence lower bound (ELBO)
    with the KL divergence to the prior ``N(0, I)`` in closed form, weighted by
    ``kl_weight``. Same default networks, optimiser and loop as the GEN.

    Parameters
    ----------
    latent_dim : int, default=8
        Dimension ``l`` of the latent space.
    hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden widths of the default MLP encoder; the decoder mirrors them.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", "elu"}, default="relu"
    encoder, decoder : torch.nn.Module or callable, default=None
        Replace the MLPs: a module (deep-copied at fit) or a factory
        ``f(in_features, out_features) -> nn.Module``. The encoder must emit
        ``2 * latent_dim`` values per sample: the posterior mean, then the
        log-variance.
    likelihood : {"gaussian", "bernoulli"}, default="gaussian"
        The decoder's observation model. ``"gaussian"``: ``N(D(z), s2 I)``,
        see ``observation_variance``. ``"bernoulli"``: ``D(z)`` are logits of
        independent Bernoulli features, for data in [0, 1] such as pixel
        intensities (checked at fit); ``inverse_transform`` and ``sample``
        return ``sigmoid(D(z))``.
    kl_weight : float, default=1.0
        ``beta``: weight of the KL term; 1 is the ELBO.
    observation_variance : "auto" or float, default="auto"
        ``s2`` of the Gaussian likelihood. ``"auto"`` uses its
        maximum-likelihood value, the mean squared reconstruction error of
        each minibatch (see Notes); a float fixes it. Ignored for Bernoulli.
    batch_size : int, default=64
    max_iter : int, default=100
        Epochs.
    learning_rate : float, default=1e-3
    beta1 : float, default=0.5
        Adam's first-moment decay (GEN's setting, so that only the penalty differs).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its
        negative ELBO (with the posterior mean as the code, so that it is
        deterministic) has not improved by ``tol`` for ``n_iter_no_change``
        epochs, restoring the best weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the networks, the minibatch order and the reparameterisation noise.
    verbose : int, default=0
        1 prints one line per epoch, 2 shows a progress bar.

    Attributes
    ----------
    encoder_, decoder_ : torch.nn.Module
    history_ : dict of lists
        Per epoch: ``loss`` (the negative ELBO per feature, what is
        minimised), ``reconstruction`` (the mean squared error per feature of
        the reconstruction ``inverse_transform`` would give for the sampled
        codes: comparable with GEN's and the AAE's ``reconstruction="mean"``),
        ``kl`` (``kl_weight * KL / n_features``), ``nll`` (the negative
        log-likelihood per feature), ``validation_loss``, ``seconds``.
    n_iter_ : int
    device_ : torch.device
    n_features_in_ : int

    See Also
    --------
    GENAutoencoder : The same autoencoder with the KDE Jensen-Shannon penalty.
    AdversarialAutoencoder : The adversarial baseline.

    Notes
    -----
    The loss of a minibatch of ``n`` samples with ``d`` features is the
    negative ELBO divided by ``d`` (so that its scale, like GEN's
    ``reconstruction="mean"``, does not grow with the data dimension):

    ``NLL + kl_weight * mean_i KL(q(z|x_i) || N(0, I)) / d``

    with ``KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2)`` and, for
    the Gaussian likelihood, ``NLL = 1/2 log(2 pi s2) + MSE / (2 s2)``, ``MSE``
    the squared error of ``D(z)`` averaged over samples and features; for the
    Bernoulli likelihood, ``NLL`` is the binary cross-entropy of the logits
    ``D(z)`` averaged the same way. One sample of ``z`` per data point.

    Why ``observation_variance="auto"``: the KL term is in nats per sample,
    the Gaussian reconstruction term is ``MSE / (2 s2)``, so the balance
    between them depends on ``s2``. A fixed ``s2 = 1`` (the usual "squared
    error plus KL") weighs the KL about 25 times too heavily for pixels in
    [0, 1] whose residual MSE is 0.02, collapsing the posterior and blurring
    reconstructions: a straw-man baseline. The ``s2`` that maximises the ELBO
    is the MSE itself, in closed form; plugging it in (the "optimal
    sigma-VAE" of Rybkin et al., 2021) makes the loss the ELBO of a
    calibrated decoder, free of a scale parameter and invariant to rescaling
    the data, so that ``kl_weight=1`` is the genuine VAE on any data. It is
    estimated per minibatch (shared by all features, like GEN's isotropic
    residual variance) and floored at 1e-6.

    The posterior mean is the code: ``transform`` returns it, and
    ``sample`` decodes ``z ~ N(0, I)``, returning the decoder's mean without
    observation noise. The paper (section 5.2, Table 2) reports the VAE's
    latent entropy below the GEN's at equal reconstruction error, consistent
    with Rosca et al. (2018): the aggregate posterior of a VAE does not match
    its prior.

    References
    ----------
    D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR, 2014.

    O. Rybkin, K. Daniilidis and S. Levine, "Simple and effective VAE
    training with calibrated decoders", ICML, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import VariationalAutoencoder
    >>> X = np.random.RandomState(0).rand(200, 6)
    >>> vae = VariationalAutoencoder(latent_dim=2, hidden_layer_sizes=(16,), likelihood="bernoulli",
    ...                              max_iter=2, random_state=0).fit(X)
    >>> vae.transform(X).shape, vae.sample(3, random_state=0).shape
    ((200, 2), (3, 6))
    >>> probabilities = vae.sample(100, random_state=0)  # sigmoid of the decoder's logits
    >>> bool(probabilities.min() >= 0 and probabilities.max() <= 1)
    True
    """

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        "likelihood": [StrOptions({"gaussian", "bernoulli"})],
        "kl_weight": [Interval(Real, 0, None, closed="left")],
        "observation_variance": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither")],
    }
    _penalty_name = "kl"
    _extra_history = ("nll",)

    def __init__(
        self,
        latent_dim=8,
        *,
        hidden_layer_sizes=(512, 256),
        activation="relu",
        encoder=None,
        decoder=None,
        likelihood="gaussian",
        kl_weight=1.0,
        observation_variance="auto",
        batch_size=64,
        max_iter=100,
        learning_rate=1e-3,
        beta1=0.5,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.latent_dim = latent_dim
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.encoder = encoder
        self.decoder = decoder
        self.likelihood = likelihood
        self.kl_weight = kl_weight
        self.observation_variance = observation_variance
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @unfitted_on_error
    def fit(self, X, y=None):
        """Train the VAE on ``X`` by minimising the negative ELBO.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            In [0, 1] for ``likelihood="bernoulli"``.
        y : Ignored

        Returns
        -------
        self : VariationalAutoencoder
        """
        try:
            return super().fit(X, y)
        finally:
            self.__dict__.pop("_noise_generator", None)

    def _validate_X(self, X, reset):
        X = super()._validate_X(X, reset)
        if reset and self.likelihood == "bernoulli":
            lo, hi = float(X.min()), float(X.max())
            if lo < 0 or hi > 1:
                raise ValueError(
                    f"likelihood='bernoulli' needs X in [0, 1] (each feature is a probability), but X "
                    f"has values in [{lo:.4g}, {hi:.4g}]. Rescale it (e.g. MinMaxScaler, or pixels / 255) "
                    "or use likelihood='gaussian'."
                )
        return X

    # -- hooks -------------------------------------------------------------------
    def _encoder_width(self):
        return 2 * self.latent_dim

    def _code(self, h):
        return h[:, : self.latent_dim]

    def _training_code(self, h):
        mean, log_var = h[:, : self.latent_dim], h[:, self.latent_dim :]
        return mean + torch.exp(0.5 * log_var) * self._noise(mean)

    def _noise(self, like):
        """Standard normal noise of the reparameterisation, shaped like ``like``."""
        return torch.randn(like.shape, generator=self._noise_generator, dtype=like.dtype, device=like.device)

    def _decoded_data(self, out):
        return torch.sigmoid(out) if self.likelihood == "bernoulli" else out

    def _setup_penalty(self, X_train, generator):
        self._noise_generator = device_generator(generator, self.device_)

    def _reconstruction(self, x, out):
        if self.likelihood == "bernoulli":
            return bernoulli_nll(x, out)
        return gaussian_nll(x, out, self.observation_variance)

    def _penalty(self, h, batch_idx):
        if self.kl_weight == 0:
            return None
        kl = kl_standard_normal(h[:, : self.latent_dim], h[:, self.latent_dim :]).mean()
        return self.kl_weight * kl / self.n_features_in_

    def _validation_penalty(self, h, X_val):
        return self._penalty(h, None)

    def _batch_metrics(self, x, out, recon):
        mse = (x - self._decoded_data(out)).pow(2).mean()
        return {"reconstruction": mse.item(), "nll": recon.item()}

    def sample(self, n_samples=1, random_state=None):
        """Generate data by decoding codes drawn from the prior ``N(0, I)``.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The decoder's mean (probabilities for the Bernoulli likelihood).
        """
        check_is_fitted(self)
        return self._generate(StandardNormal(self.latent_dim), n_samples, random_state)


# -- the adversary's estimate of the JSD ---------------------------------------------------
def _chance_classifier(in_features, hidden_layer_sizes, activation):
    """A discriminator MLP whose output layer starts at zero: it predicts 1/2 everywhere,
    so that its held-out cross-entropy starts at exactly ``log 2`` (an estimate of 0)."""
    clf = make_discriminator(in_features, hidden_layer_sizes, activation)
    output = [m for m in clf.modules() if isinstance(m, torch.nn.Linear)][-1]
    torch.nn.init.zeros_(output.weight)
    torch.nn.init.zeros_(output.bias)
    return clf


@contextlib.contextmanager
def _one_cpu_thread(device):
    """Run torch's CPU kernels on one thread, restoring the setting on exit.

    A classifier this small gains nothing from intra-op threads, while their
    synchronisation costs up to ten times the compute on a busy machine.
    """
    previous = torch.get_num_threads()
    if device.type != "cpu" or previous == 1:
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class DiscriminatorJensenShannon(TorchModulesMixin, BaseEstimator):
    """Jensen-Shannon divergence to a target estimated by a classifier (section 5.1).

    ``fit(X)`` draws as many target samples as ``X`` has rows, trains an MLP
    to tell the two sets apart (binary cross-entropy, Adam) with early
    stopping on a held-out part of both, and turns the held-out
    cross-entropy into a divergence: for balanced classes the lowest
    expected cross-entropy any classifier reaches is ``log 2 - JSD``
    (Goodfellow et al., 2014), so ``divergence_ = log 2 - BCE`` in nats. This
    is the neural-network adversary the paper compares the KDE estimate
    (:class:`KDEJensenShannon`) with in Figure 1.

    Parameters
    ----------
    target : "normal", Target or fitted sklearn GaussianMixture, default="normal"
        The target ``p_t``; ``"normal"`` is ``N(0, I)`` in ``X.shape[1]`` dimensions.
    hidden_layer_sizes : "auto" or tuple of int, default="auto"
        ``"auto"``: three hidden layers of ``(10 l, 5 l, 2 l)`` units for
        ``l = X.shape[1]``. The paper fixes three layers with widths
        proportional to ``l`` and the first, widest, at ``10 l``; the
        narrowing to ``5 l`` and ``2 l`` is our choice.
    activation : {"leaky_relu", "relu", "tanh", "logistic", "identity", "elu"}, default="leaky_relu"
        The GAN discriminators' usual non-linearity. With ReLU the narrow
        last layer (``2 l`` units) sometimes dies at small ``l``: at
        ``l = 2`` one seed in three learnt nothing (estimate 0 for a shift
        of 1.5 whose JSD is 0.22).
    batch_size : int, default=64
    max_iter : int, default=200
        Most epochs.
    learning_rate : float, default=1e-3
        Adam's step size.
    validation_fraction : float, default=0.25
        Share of each set (data and target samples) held out for early
        stopping and for the estimate.
    n_iter_no_change : int, default=20
        Stop when the held-out cross-entropy has not improved by ``tol`` for
        this many epochs; the best classifier is restored. The held-out loss
        often plateaus near ``log 2`` for several epochs before the
        classifier finds a weak difference.
    tol : float, default=1e-4
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the target samples, the split, the network and the minibatch
        order. With an int, ``score`` draws the same target samples at every
        call.

    Attributes
    ----------
    divergence_ : float
        The JSD estimate (nats), ``log 2 - cross_entropy_``, in ``[0, log 2]``.
    cross_entropy_ : float
        Held-out binary cross-entropy (nats) of the selected classifier, with
        both classes weighted equally.
    classifier_ : torch.nn.Module
        The selected classifier; its logits are ``log p_t / p_e`` at the optimum.
    hidden_layer_sizes_ : tuple of int
    target_ : Target
    n_iter_ : int
        Epochs run.
    history_ : dict of lists
        Per epoch (epoch 0 is the untrained classifier, at chance):
        ``train_loss``, ``validation_loss``.
    device_ : torch.device
    n_features_in_ : int
        Latent dimension ``l``.

    See Also
    --------
    KDEJensenShannon : The KDE estimate the paper proposes instead.
    skgen.baselines.discriminator_loss : The cross-entropy the classifier minimises.

    Notes
    -----
    The estimate is a lower bound in expectation (a trained classifier is
    never better than the Bayes one), but the held-out set that selects the
    epoch also gives the estimate, which adds a small upward bias: the
    minimum of noisy held-out losses. The classifier's output layer starts
    at zero, so before training it predicts 1/2 everywhere, with a held-out
    cross-entropy of exactly ``log 2``; this chance classifier is one of the
    candidates early stopping chooses from. The estimate is therefore never
    negative: it is clipped at 0, by selection rather than by ``max``, unlike
    :class:`KDEJensenShannon`'s. On identical distributions it is 0 or a
    little above, within the noise of the held-out loss (about
    ``0.5 / sqrt(n_held_out)``). Its quality depends on the classifier's
    capacity, training and sample size, which is the paper's point: at
    ``l = 5`` and ``m = 1000`` it does not rise steadily with the separation
    of two modes (whitened, as in Figure 1) the way the KDE estimate does:
    over 5 trials at ``s = 0, 2, 4, 6`` it averaged 0.000, 0.000, 0.002 and
    0.073 against true values of 0, 0.003, 0.046 and 0.129 (numerical
    integration). On a plain shift of a unit Gaussian (``l = 2``,
    ``m = 500``, 6 trials) it is within about 0.03 of the truth (0.22 for a
    shift of 1.5, 0.53 for 3).

    On the CPU the classifier trains on one torch thread (the previous
    setting is restored afterwards): for a network this small, intra-op
    threads only add synchronisation, which cost ten times the compute on a
    busy two-core machine. A fit at ``l = 5, m = 1000`` then takes about
    1 s of CPU time (33 epochs on average, at most 2.5 s for 66 epochs).

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import DiscriminatorJensenShannon
    >>> rng = np.random.RandomState(0)
    >>> same = DiscriminatorJensenShannon(random_state=0).fit(rng.randn(500, 2))
    >>> apart = DiscriminatorJensenShannon(random_state=0).fit(rng.randn(500, 2) + 8)
    >>> bool(abs(same.divergence_) < 0.05 and apart.divergence_ > 0.6)
    True
    """

    _parameter_constraints = {
        "target": TARGET_CONSTRAINT,
        "hidden_layer_sizes": [StrOptions({"auto"}), "array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str, torch.device, None],
        "random_state": ["random_state"],
    }
    _module_attrs = ("classifier_",)

    def __init__(
        self,
        *,
        target="normal",
        hidden_layer_sizes="auto",
        activation="leaky_relu",
        batch_size=64,
        max_iter=200,
        learning_rate=1e-3,
        validation_fraction=0.25,
        n_iter_no_change=20,
        tol=1e-4,
        device="auto",
        random_state=None,
    ):
        self.target = target
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.random_state = random_state

    @unfitted_on_error
    def fit(self, X, y=None):
        """Train the classifier between ``X`` and target samples and estimate the JSD.

        Parameters
        ----------
        X : array-like of shape (m, l)
            Samples of ``p_e``, at least 2 (one to train on and one held out).
        y : Ignored

        Returns
        -------
        self : DiscriminatorJensenShannon
        """
        self._validate_params()
        X = check_float32_range(validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2))
        m, l = X.shape
        rng = check_random_state(self.random_state)
        self.target_ = make_target(self.target, l)
        self.device_ = resolve_device(self.device)
        if isinstance(self.hidden_layer_sizes, str):
            self.hidden_layer_sizes_ = (10 * l, 5 * l, 2 * l)
        elif isinstance(self.hidden_layer_sizes, Integral):
            self.hidden_layer_sizes_ = (int(self.hidden_layer_sizes),)
        else:
            self.hidden_layer_sizes_ = tuple(int(w) for w in self.hidden_layer_sizes)
        n_val = min(m - 1, max(1, int(round(self.validation_fraction * m))))

        gen = make_generator(rng)
        seed = draw_seed(rng)
        self.classifier_ = seeded_modules(
            seed, lambda: _chance_classifier(l, self.hidden_layer_sizes_, self.activation)
        )
        self.classifier_.to(self.device_)
        codes = as_tensor(X, dtype=torch.float32)
        samples = self.target_.sample(m, gen, dtype=torch.float32)
        # The same share of each class is held out, so both sets stay balanced.
        p_codes, p_samples = torch.randperm(m, generator=gen), torch.randperm(m, generator=gen)
        train = torch.cat([codes[p_codes[n_val:]], samples[p_samples[n_val:]]]).to(self.device_)
        labels = torch.cat([torch.zeros(m - n_val), torch.ones(m - n_val)]).to(self.device_)
        val_codes = codes[p_codes[:n_val]].to(self.device_)
        val_samples = samples[p_samples[:n_val]].to(self.device_)
        with _one_cpu_thread(self.device_):
            self.cross_entropy_ = self._train(train, labels, val_samples, val_codes, gen)
        self.divergence_ = _LOG_2 - self.cross_entropy_
        return self

    def _train(self, train, labels, val_samples, val_codes, gen):
        clf = self.classifier_
        optimizer = torch.optim.Adam(clf.parameters(), lr=self.learning_rate)
        n = train.shape[0]
        batch = min(self.batch_size, n)
        best = self._held_out_loss(val_samples, val_codes)
        best_state = {k: v.clone() for k, v in clf.state_dict().items()}
        self.history_ = {"train_loss": [math.nan], "validation_loss": [best]}
        no_improve, self.n_iter_ = 0, 0
        for epoch in range(1, self.max_iter + 1):
            clf.train()
            perm = torch.randperm(n, generator=gen).to(train.device)
            total = 0.0
            for start in range(0, n, batch):
                idx = perm[start : start + batch]
                loss = F.binary_cross_entropy_with_logits(clf(train[idx]), labels[idx])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += loss.item() * idx.shape[0]
            if not total / n < _DIVERGED_CROSS_ENTROPY:  # also NaN
                raise FloatingPointError(
                    f"the classifier's training diverged: its mean training cross-entropy was {total / n:.3g} in "
                    f"epoch {epoch} (a chance classifier has log 2 = {_LOG_2:.3f}), so no held-out estimate "
                    "of the divergence can be trusted. Use a smaller learning_rate."
                )
            val = self._held_out_loss(val_samples, val_codes)
            self.history_["train_loss"].append(total / n)
            self.history_["validation_loss"].append(val)
            self.n_iter_ = epoch
            if val < best - self.tol:
                best, no_improve = val, 0
                best_state = {k: v.clone() for k, v in clf.state_dict().items()}
            else:
                no_improve += 1
                if no_improve >= self.n_iter_no_change:
                    break
        clf.load_state_dict(best_state)
        clf.eval()
        return best

    @torch.no_grad()
    def _held_out_loss(self, samples, codes):
        self.classifier_.eval()
        # in float64, so that the chance classifier's loss is log 2 to the last digit
        return float(discriminator_loss(self.classifier_(samples).double(), self.classifier_(codes).double()))

    def score(self, X, y=None):
        """Negative JSD between the distribution of ``X`` and the target, by the fitted classifier.

        ``-(log 2 - BCE)`` with the binary cross-entropy of the fitted
        classifier on ``X`` (as codes) and as many fresh target samples: a
        held-out estimate when ``X`` is new data from the fitted distribution.
        Greater is better: closer to the target.

        Parameters
        ----------
        X : array-like of shape (n_samples, l)
        y : Ignored

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        X = check_float32_range(validate_data(self, X, dtype=[np.float64, np.float32], reset=False))
        gen = make_generator(self.random_state)
        samples = self.target_.sample(X.shape[0], gen, dtype=torch.float32).to(self.device_)
        codes = as_tensor(X, dtype=torch.float32, device=self.device_)
        return -(_LOG_2 - self._held_out_loss(samples, codes))
