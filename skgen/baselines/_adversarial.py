"""AdversarialAutoencoder (Makhzani et al., 2016)."""

import math
from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._base import BaseAutoencoder, device_generator, seeded_modules
from ..nn import make_discriminator
from ..targets import make_target
from ..utils._constants import DIVERGED_CROSS_ENTROPY, LOG_2
from ..utils._docstrings import shared_docstring
from ..utils._state import unfitted_on_error
from ..utils._torch import draw_seed
from ..utils._validation import TARGET_CONSTRAINT
from ._losses import discriminator_loss, generator_loss


# -- the adversarial autoencoder ------------------------------------------------------
@shared_docstring
class AdversarialAutoencoder(BaseAutoencoder):
    """Adversarial autoencoder (Makhzani et al., 2016), trained like a GEN.

    The encoder ``E`` and decoder ``D`` of :class:`~skgen.GENAutoencoder` and its
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
        ``f(in_features, out_features) -> nn.Module``. Random layers
        (dropout) draw from torch's global RNG, which the fit seeds from
        ``random_state`` and restores after (such fits in threads run one
        at a time).
    target : "normal", Target or fitted sklearn GaussianMixture, default="normal"
        The prior the codes are matched to; ``sample`` draws from it.
    adversarial_weight : float, default=0.01
        Weight of the generator loss against the reconstruction error, the
        counterpart of GEN's ``jsd_weight``; with ``reconstruction="mean"`` it
        is per feature. The adversary's gradient is sharper than the KDE's, and
        one optimiser step serves both terms, so the usable weights are
        smaller; from 0.02 the codes collapsed on digits (the measurements are
        in the user guide, :ref:`baselines`).
    discriminator_hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden widths of the adversary (Makhzani et al. used two layers of
        1000 units on MNIST).
    discriminator_learning_rate : float, default=None
        Adam step size of the adversary; ``None`` uses ``learning_rate``.
        Its Adam uses ``beta1`` as well.
    reconstruction : {"mean", "sum"}, default="mean"
        Squared error averaged over features (``"mean"``) or summed (``"sum"``),
        as for :class:`~skgen.GENAutoencoder`.
    batch_size : int, default=64
        Samples per minibatch. A last minibatch of one sample joins the one
        before it (batch-norm layers cannot train on a single row).
    max_iter : int or "auto", default=100
        Epochs; ``"auto"``: 100, or enough for 10000 minibatch updates if
        that is more (as in GENAutoencoder, for comparisons on equal terms).
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
    skgen.GENAutoencoder : The same autoencoder with the KDE Jensen-Shannon penalty.
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
        value = loss.item()
        if not math.isfinite(value):  # a large finite value can be a spike it recovers from (see below)
            raise FloatingPointError(
                f"the adversary's cross-entropy became {value} at step {step}. " + self._divergence_advice(True)
            )
        self._disc_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self._disc_optimizer.step()
        return {"discriminator": value}

    def _check_not_diverged(self, X_train, initial_error):
        super()._check_not_diverged(X_train, initial_error)
        # The returned adversary: its mean cross-entropy over the last epoch it trained in.
        last = next((v for v in reversed(self.history_["discriminator"]) if not math.isnan(v)), None)
        if last is not None and not last < DIVERGED_CROSS_ENTROPY:
            raise FloatingPointError(
                f"the adversary's cross-entropy averaged {last:.3g} over the last epoch (a chance classifier has "
                f"log 2 = {LOG_2:.3f}): its gradient no longer measures the codes' distance to the target. "
                + self._divergence_advice(True)
            )

    def _divergence_advice(self, penalty_failed):
        if not penalty_failed:
            return super()._divergence_advice(penalty_failed)
        rate = "learning_rate" if self.discriminator_learning_rate is None else "discriminator_learning_rate"
        lr = self._disc_optimizer.param_groups[0]["lr"]
        return f"The adversary diverged: use a smaller {rate} (its step is {lr:g})."

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
