"""The paper's baselines: adversarial and variational autoencoders, and the adversary's JSD.

``AdversarialAutoencoder`` (Makhzani et al., 2016) and ``VariationalAutoencoder``
(Kingma and Welling, 2014) are ``BaseAutoencoder`` models like
``GENAutoencoder``: the same default networks, the same minibatch Adam loop,
the same reconstruction error and ``history_``, so that in a comparison the
differences come from the latent penalty alone. ``DiscriminatorJensenShannon``
is the neural-network estimate of the Jensen-Shannon divergence that section
5.1 compares the KDE estimate (``KDEJensenShannon``) with.

One private module per estimator, as imbalanced-learn lays out its samplers:
``_losses`` (the loss functions, small torch functions), ``_adversarial``,
``_variational`` and ``_discriminator``; the estimators only wire the losses
into the training loop's hooks. The public names are re-exported here.
"""

from ._adversarial import AdversarialAutoencoder
from ._discriminator import DiscriminatorJensenShannon
from ._losses import bernoulli_nll, discriminator_loss, gaussian_nll, generator_loss, kl_standard_normal
from ._variational import VariationalAutoencoder

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
