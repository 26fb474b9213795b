"""The baselines' losses: torch in, torch out."""

import math

import torch
import torch.nn.functional as F

from ..utils._constants import LOG_2PI as _LOG_2PI

_MIN_VARIANCE = 1e-6  # floor of the fitted observation variance (a perfect fit would give log 0)


# -- losses (torch in, torch out) ---------------------------------------------------
def kl_standard_normal(mean, log_var):
    """``KL(N(mean, diag(exp(log_var))) || N(0, I))`` in nats for each row, shape ``(n,)``.

    The closed form ``1/2 sum_j (mean_j^2 + exp(log_var_j) - 1 - log_var_j)``
    (Kingma and Welling, 2014, appendix B).

    Parameters
    ----------
    mean, log_var : torch.Tensor of shape (n, l)
        The encoder's Gaussian per sample: its mean and log variance.

    Returns
    -------
    kl : torch.Tensor of shape (n,)
    """
    return 0.5 * (mean.pow(2) + log_var.exp() - 1.0 - log_var).sum(1)


def gaussian_nll(x, x_hat, variance="auto"):
    """Negative log-likelihood of ``x`` under ``N(x_hat, variance I)``, per feature (0-d).

    The mean over samples and features of ``1/2 log(2 pi s2) + (x - x_hat)^2 / (2 s2)``.
    ``variance="auto"`` sets ``s2`` to its maximum-likelihood value, the mean
    squared error of the batch (floored at 1e-6), treated as a constant for the
    gradient: at the optimum the derivative in ``s2`` vanishes, so this is the
    gradient of the minimised loss ``1/2 log(2 pi e MSE)``.

    Parameters
    ----------
    x, x_hat : torch.Tensor of shape (n, d)
        The data and its reconstruction (the Gaussian's mean).
    variance : float or "auto", default="auto"
        The observation variance ``s2``.

    Returns
    -------
    nll : torch.Tensor, 0-d
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

    Parameters
    ----------
    x : torch.Tensor of shape (n, d)
        The data, in [0, 1].
    logits : torch.Tensor of shape (n, d)
        The decoder's output, the Bernoulli means' logits.

    Returns
    -------
    nll : torch.Tensor, 0-d
    """
    return F.binary_cross_entropy_with_logits(logits, x)


def discriminator_loss(logits_target, logits_codes):
    """The adversary's loss: binary cross-entropy, target samples labelled 1, codes 0.

    ``1/2 (-mean log D(z_t) - mean log(1 - D(z)))`` with ``D = sigmoid(logits)``:
    equal weight to both classes, so that its minimum over all classifiers is
    ``log 2 - JSD`` (Goodfellow et al., 2014).

    Parameters
    ----------
    logits_target : torch.Tensor of shape (n_t, 1)
        The adversary's logits on samples of the target.
    logits_codes : torch.Tensor of shape (n, 1)
        Its logits on the encoder's codes.

    Returns
    -------
    loss : torch.Tensor, 0-d
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

    Parameters
    ----------
    logits_codes : torch.Tensor of shape (n, 1)
        The adversary's logits on the encoder's codes.

    Returns
    -------
    loss : torch.Tensor, 0-d
    """
    return F.binary_cross_entropy_with_logits(logits_codes, torch.ones_like(logits_codes))
