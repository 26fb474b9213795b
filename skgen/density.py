"""The data-space density of a decoder (eq. 10-11): torch functions, no sklearn.

``log p(x) = log p(z') - 1/2 log det(J^T J) + log p(x - D(z'))`` with
``z' = E(x)``, ``J`` the decoder's Jacobian at ``z'`` and ``p(x - D(z'))``
the off-manifold law of the reconstruction residual. The estimator
(:meth:`skgen.GENAutoencoder.score_samples`) fits the residual law and the
Jacobian floor once after training and calls these functions.
"""

import math

import torch

from .utils._constants import LOG_2PI as _LOG_2PI

__all__ = [
    "decoder_jacobian",
    "fit_residual_gaussian",
    "fit_signal_scale",
    "has_zero_background",
    "jacobian_log_det",
    "residual_log_prob",
    "signal_scale",
]


def decoder_jacobian(decoder, z):
    """Jacobian of ``decoder`` at each code, by batched forward-mode autodiff.

    A decoder that ``torch.func.vmap`` cannot batch (control flow on tensor
    values, ``.item()``) is differentiated one code at a time instead: slower,
    same result.

    Parameters
    ----------
    decoder : callable
        Maps a ``(batch, l)`` tensor to ``(batch, d)``, sample by sample.
    z : torch.Tensor of shape (n, l)

    Returns
    -------
    J : torch.Tensor of shape (n, d, l)
    """
    from torch.func import jacfwd, vmap

    def decode_one(zi):
        return decoder(zi.unsqueeze(0)).squeeze(0)

    try:
        return vmap(jacfwd(decode_one))(z).detach()
    except RuntimeError:
        with torch.enable_grad():
            return torch.stack([torch.autograd.functional.jacobian(decode_one, zi) for zi in z]).detach()


def jacobian_log_det(J, *, floor=0.0):
    """``log det(J^T J)`` per sample (eq. 11), with the metric's eigenvalues floored.

    ``J^T J`` is the first fundamental form of the decoded manifold; its
    eigenvalues are the squared singular values of ``J``. A singular value
    below ``floor`` is replaced by ``floor``, so the result stays finite when
    the decoder flattens a direction (a rank-deficient Jacobian, where the
    exact value is ``-inf``).

    Parameters
    ----------
    J : torch.Tensor of shape (n, d, l)
    floor : float, default=0.0
        Smallest singular value counted; 0 keeps the exact value.

    Returns
    -------
    log_det : torch.Tensor of shape (n,), float64
    n_floored : torch.Tensor of shape (n,), int64
        How many singular values were below ``floor`` at each sample.
    """
    if not (math.isfinite(float(floor)) and floor >= 0):
        raise ValueError(f"floor must be a finite number >= 0, got {floor!r}.")
    if J.ndim != 3:
        raise ValueError(f"J must have shape (n, d, l), got {tuple(J.shape)}.")
    J = J.double()
    eig = torch.linalg.eigvalsh(J.transpose(1, 2) @ J)  # (n, l), squared singular values
    floor2 = float(floor) ** 2
    n_floored = (eig < floor2).sum(1) if floor2 > 0 else torch.zeros(eig.shape[0], dtype=torch.int64)
    eig = eig.clamp_min(max(floor2, torch.finfo(torch.float64).tiny))
    return torch.log(eig).sum(1), n_floored


def has_zero_background(X, *, min_zero_fraction=0.25):
    """Whether ``X`` looks like intensity data: no negative entry, and zero is common.

    ``residual_scale="auto"`` uses the signal-scaled law (:func:`fit_signal_scale`)
    on such data. The law models noise that grows with the decoded signal;
    that reads right where zero is the absence of a signal (the background of
    an image, an empty count), and backwards where the data are centred
    (then the mean square measures the distance from the mean) or where a
    feature's zero is merely its smallest value (min-max scaled measurements
    have about one zero per feature).

    Parameters
    ----------
    X : torch.Tensor of shape (n, d)
    min_zero_fraction : float, default=0.25
        The fraction of entries that must be exactly zero: 0.49 for
        scikit-learn's digits, about 0.8 for MNIST, under 0.07 for the
        min-max scaled tables of scikit-learn (breast cancer, wine, iris,
        diabetes).

    Returns
    -------
    bool
    """
    if X.numel() == 0 or bool((X < 0).any()):
        return False
    return int(torch.count_nonzero(X == 0)) >= min_zero_fraction * X.numel()  # no float copy of X


def fit_signal_scale(X_hat, *, min_scale=1e-3, X=None, min_reference=1e-6):
    """Reference and floor of the signal-scaled off-manifold law, from training reconstructions.

    The law ``residual_scale="signal"`` scales the residual covariance of
    each sample by ``s = mean(x_hat^2) / reference``: the decoded sample's
    mean square over the training reconstructions' average, so ``s`` is
    about 1 on the training data. ``floor`` is the smallest ``s`` of the
    training data (at least ``min_scale``): a reconstruction fainter than
    any the decoder made of its training data is not given less variance
    than the faintest of them. With the data ``X``, the reference is at
    least ``min_reference`` times their mean square: a decoder that returns
    (almost) zeros on its training data would otherwise make the factor of
    any other reconstruction overflow, and its log density ``-inf``.

    Parameters
    ----------
    X_hat : torch.Tensor of shape (n, d)
        Reconstructions ``D(E(x))`` of the training data.
    min_scale : float, default=1e-3
    X : torch.Tensor of shape (n, d), default=None
        The training data themselves.
    min_reference : float, default=1e-6

    Returns
    -------
    reference : float
    floor : float
    """
    energy = X_hat.double().pow(2).mean(1)
    lowest = 0.0 if X is None else min_reference * float(X.double().pow(2).mean())
    reference = max(float(energy.mean()), lowest, torch.finfo(torch.float64).tiny)
    floor = max(float(energy.min()) / reference, float(min_scale))
    return reference, floor


def signal_scale(X_hat, reference, floor):
    """Per-sample variance factor ``max(mean(x_hat^2) / reference, floor)``.

    See :func:`~skgen.density.fit_signal_scale`.

    Parameters
    ----------
    X_hat : torch.Tensor of shape (n, d)
    reference, floor : float

    Returns
    -------
    scale : torch.Tensor of shape (n,), float64
    """
    return (X_hat.double().pow(2).mean(1) / reference).clamp_min(floor)


def fit_residual_gaussian(R, n_components=0, *, scale=None, min_variance=1e-12):
    """Fit the off-manifold Gaussian to reconstruction residuals ``R``.

    ``n_components = 0`` is the paper's isotropic law ``N(0, sigma^2 I)``
    with ``sigma^2`` the mean squared residual. ``n_components = k > 0`` is a
    probabilistic PCA (Tipping and Bishop, 1999) ``N(mu, W W^T + sigma^2 I)``:
    the residuals' mean, their ``k`` leading principal directions with their
    variances, and ``sigma^2`` the mean variance of the other ``d - k``
    directions (maximum likelihood). Residuals of neighbouring pixels are
    correlated; the low-rank part takes that structure out of the isotropic
    remainder. ``k`` is reduced to ``min(k, n - 1, d - 1)``.

    Parameters
    ----------
    R : torch.Tensor of shape (n, d)
    n_components : int, default=0
    scale : torch.Tensor of shape (n,) or None, default=None
        Per-sample variance factors (:func:`signal_scale`): the law is then
        fitted to ``R / sqrt(scale)``, the residuals in units of their
        sample's own scale. None: all 1.
    min_variance : float, default=1e-12
        Floor for ``sigma^2`` and the component variances (a decoder that
        reconstructs its training data exactly would give 0).

    Returns
    -------
    params : dict
        ``mean`` (d,), ``components`` (k, d) orthonormal rows,
        ``variances`` (k,), ``noise_variance`` (float), all float64.
    """
    R = R.double()
    if scale is not None:
        R = R / _checked_scale(scale).sqrt().unsqueeze(1)
    n, d = R.shape
    k = max(0, min(int(n_components), n - 1, d - 1))
    if k == 0:
        return {
            "mean": torch.zeros(d, dtype=torch.float64, device=R.device),
            "components": torch.zeros(0, d, dtype=torch.float64, device=R.device),
            "variances": torch.zeros(0, dtype=torch.float64, device=R.device),
            "noise_variance": max(float(R.pow(2).mean()), min_variance),
        }
    mean = R.mean(0)
    Rc = R - mean
    _, s, Vt = torch.linalg.svd(Rc, full_matrices=False)  # s: (min(n, d),)
    eig = s.pow(2) / n  # variances along the principal directions
    total = float(Rc.pow(2).sum()) / n
    noise = max((total - float(eig[:k].sum())) / (d - k), min_variance)
    variances = eig[:k].clamp_min(noise)  # ML PPCA: the top variances are at least sigma^2
    return {"mean": mean, "components": Vt[:k].contiguous(), "variances": variances, "noise_variance": noise}


def _checked_scale(scale):
    scale = scale.double()
    if not bool((scale > 0).all()) or not bool(torch.isfinite(scale).all()):
        raise ValueError("scale must hold finite positive variance factors.")
    return scale


def residual_log_prob(R, params, *, scale=None):
    """Log density of residuals ``R`` under :func:`~skgen.density.fit_residual_gaussian`'s law.

    Uses the Woodbury identity, so the cost is ``O(n d k)`` and no ``d x d``
    matrix is formed. With ``scale``, the covariance of row ``i`` is
    ``scale[i]`` times the fitted one: the density of ``R[i] / sqrt(scale[i])``
    minus ``d/2 log scale[i]`` (the change of variables).

    Parameters
    ----------
    R : torch.Tensor of shape (n, d)
    params : dict
        As returned by :func:`fit_residual_gaussian`.
    scale : torch.Tensor of shape (n,) or None, default=None
        Per-sample variance factors, as given to the fit.

    Returns
    -------
    log_prob : torch.Tensor of shape (n,), float64
        ``-inf`` for a row with an infinite or NaN residual (a decoder
        output that overflowed): no density there.
    """
    R = R.double()
    finite = torch.isfinite(R).all(1)
    R = torch.where(finite.unsqueeze(1), R, torch.zeros_like(R))
    d = R.shape[1]
    log_scale = 0.0
    if scale is not None:
        scale = _checked_scale(scale)
        R = R / scale.sqrt().unsqueeze(1)
        log_scale = 0.5 * d * torch.log(scale)
    R = R - params["mean"]
    s2 = params["noise_variance"]
    lam = params["variances"]
    maha = R.pow(2).sum(1)
    log_det = d * math.log(s2)
    if lam.numel():
        proj = R @ params["components"].T  # (n, k)
        maha = maha - (proj.pow(2) * ((lam - s2) / lam)).sum(1)
        log_det = log_det + float(torch.log(lam / s2).sum())
    log_prob = -0.5 * maha / s2 - 0.5 * log_det - 0.5 * d * _LOG_2PI - log_scale
    return log_prob.masked_fill(~finite, -math.inf)
