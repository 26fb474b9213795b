"""Target distributions for the latent space.

A target is the distribution ``p_t`` that a GEN pushes its encoded data
towards (section 3 of the paper). Each target offers

* ``log_prob(z)``: differentiable log density, torch in, torch out;
* ``sample(n_samples, generator=...)``: draws with a local ``torch.Generator``;
* ``smoothed(h)``: the target convolved with an isotropic Gaussian kernel of
  width ``h``, i.e. the expected KDE built from samples of the target;
* ``deconvolved(h)``: the distribution ``p`` with ``p * G_h = p_t``. Section 4
  shows that a converged GEN encodes its data with this distribution, e.g.
  ``N(0, (1 - h^2) I)`` for a standard-normal target, so sampling from a
  trained model must use it.

Parameters are stored as float64 numpy arrays, so targets deep-copy, pickle and
``clone`` cleanly; torch copies for a given dtype and device are cached.
"""

import math

import numpy as np
import torch

from .utils._constants import LOG_2PI as _LOG_2PI
from .utils._validation import check_positive_int

__all__ = [
    "component_cross_entropy",
    "Gaussian",
    "GaussianMixture",
    "StandardNormal",
    "Target",
    "log_prob_quantile",
    "make_target",
    "monte_carlo_jsd",
]


class Target:
    """Base class of the latent target distributions.

    Subclasses implement ``latent_dim``, ``log_prob``, ``sample``,
    ``smoothed``, ``deconvolved`` and ``min_variance``.
    """

    @property
    def latent_dim(self):
        raise NotImplementedError

    @property
    def min_variance(self):
        """Smallest eigenvalue over the component covariances.

        A GEN trained with bandwidth ``h`` is only consistent when
        ``h**2 < min_variance`` (section 4); past that the encoded distribution
        degenerates.
        """
        raise NotImplementedError

    def log_prob(self, z):
        raise NotImplementedError

    def sample(self, n_samples, generator=None, *, dtype=torch.float64, device=None):
        raise NotImplementedError

    def smoothed(self, bandwidth):
        raise NotImplementedError

    def deconvolved(self, bandwidth):
        raise NotImplementedError

    # -- shared helpers -------------------------------------------------------
    def _check_z(self, z):
        if not isinstance(z, torch.Tensor):
            z = torch.as_tensor(np.asarray(z, dtype=np.float64))
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"expected points of shape (n, {self.latent_dim}) for a "
                f"{self.latent_dim}-dimensional target, got {tuple(z.shape)}."
            )
        if not z.is_floating_point():
            z = z.to(torch.float64)
        return z

    def _cached(self, dtype, device):
        cache = self.__dict__.setdefault("_torch_cache", {})
        key = (dtype, str(device))
        if key not in cache:
            cache[key] = self._make_tensors(dtype, device)
        return cache[key]

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_torch_cache", None)
        return state

    def __deepcopy__(self, memo):
        new = object.__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__getstate__().items():
            new.__dict__[key] = value.copy() if isinstance(value, np.ndarray) else value
        return new

    def __eq__(self, other):
        if type(self) is not type(other):
            return NotImplemented
        a, b = self.__getstate__(), other.__getstate__()
        return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)

    __hash__ = None


def _check_bandwidth(h):
    h = float(h)
    if not math.isfinite(h) or h < 0:
        raise ValueError(f"bandwidth must be finite and >= 0, got {h!r}.")
    return h


# Codes and kernels are computed in float32, where squared distances overflow beyond about
# 1.8e19; a target must sit well inside that (1e18 allows distances of ten such units).
_MAX_TARGET_SCALE = 1e18


def _check_scale(values, name):
    """Refuse target parameters (means, standard deviations) that float32 codes cannot reach."""
    biggest = float(np.max(np.abs(values)))
    if biggest > _MAX_TARGET_SCALE:
        raise ValueError(
            f"{name} reaches {biggest:.3g}: codes and kernels are computed in float32, where squared distances "
            f"overflow, so a target must lie within about {_MAX_TARGET_SCALE:g} of the origin; use a target of a "
            "smaller scale."
        )


def _as_cov(cov, dim, name):
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim == 0:
        cov = np.eye(dim) * float(cov)
    elif cov.ndim == 1:
        if cov.shape[0] != dim:
            raise ValueError(f"{name}: a diagonal needs {dim} entries, got {cov.shape[0]}.")
        cov = np.diag(cov)
    if cov.shape != (dim, dim):
        raise ValueError(f"{name} must have shape ({dim}, {dim}), got {cov.shape}.")
    if not np.all(np.isfinite(cov)):
        raise ValueError(f"{name} contains NaN or infinity.")
    if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-10):
        raise ValueError(f"{name} must be symmetric.")
    cov = 0.5 * (cov + cov.T)
    eigenvalues = np.linalg.eigvalsh(cov)
    if eigenvalues.min() <= 0:
        raise ValueError(f"{name} must be positive definite.")
    _check_scale(np.sqrt(eigenvalues.max()), f"the standard deviation along {name}'s main axis")
    return cov


def _gaussian_log_prob(z, mean, chol, log_det):
    # z: (n, l); mean: (l,); chol: (l, l) lower Cholesky factor of the covariance
    diff = (z - mean).T  # (l, n)
    white = torch.linalg.solve_triangular(chol, diff, upper=False)  # (l, n)
    return -0.5 * (white * white).sum(0) - 0.5 * log_det - 0.5 * z.shape[1] * _LOG_2PI


class Gaussian(Target):
    """Multivariate normal target ``N(mean, cov)``.

    Parameters
    ----------
    mean : array-like of shape (latent_dim,)
        Mean vector.
    cov : array-like of shape (latent_dim, latent_dim), (latent_dim,) or float, default=1.0
        Full covariance, its diagonal, or a common variance.

    Examples
    --------
    >>> import torch
    >>> from skgen.targets import Gaussian
    >>> t = Gaussian([0.0, 1.0], [[2.0, 0.0], [0.0, 0.5]])
    >>> t.sample(3, torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    >>> t.smoothed(0.5).cov
    array([[2.25, 0.  ],
           [0.  , 0.75]])
    """

    def __init__(self, mean, cov=1.0):
        mean = np.asarray(mean, dtype=np.float64)
        if mean.ndim != 1 or mean.shape[0] < 1:
            raise ValueError(f"mean must be a non-empty 1-D vector, got shape {mean.shape}.")
        if not np.all(np.isfinite(mean)):
            raise ValueError("mean contains NaN or infinity.")
        _check_scale(mean, "mean")
        self.mean = mean
        self.cov = _as_cov(cov, mean.shape[0], "cov")

    @property
    def latent_dim(self):
        return self.mean.shape[0]

    @property
    def min_variance(self):
        return float(np.linalg.eigvalsh(self.cov).min())

    def _make_tensors(self, dtype, device):
        mean = torch.as_tensor(self.mean, dtype=dtype, device=device)
        chol = torch.as_tensor(np.linalg.cholesky(self.cov), dtype=dtype, device=device)
        log_det = float(np.linalg.slogdet(self.cov)[1])
        return mean, chol, log_det

    def log_prob(self, z):
        """Log density at each row of ``z`` (shape ``(n,)``), differentiable in ``z``."""
        z = self._check_z(z)
        mean, chol, log_det = self._cached(z.dtype, z.device)
        return _gaussian_log_prob(z, mean, chol, log_det)

    def sample(self, n_samples, generator=None, *, dtype=torch.float64, device=None):
        """Draw ``n_samples`` points, shape ``(n_samples, latent_dim)``."""
        n_samples = check_positive_int(n_samples, "n_samples", allow_zero=True)
        device = _generator_device(generator, device)
        mean, chol, _ = self._cached(dtype, device)
        eps = torch.randn(n_samples, self.latent_dim, generator=generator, dtype=dtype, device=device)
        return mean + eps @ chol.T

    def smoothed(self, bandwidth):
        """``N(mean, cov + h^2 I)``: the target convolved with ``G_h``."""
        h = _check_bandwidth(bandwidth)
        return Gaussian(self.mean, self.cov + h * h * np.eye(self.latent_dim))

    def deconvolved(self, bandwidth):
        """``N(mean, cov - h^2 I)``, whose convolution with ``G_h`` is the target.

        Raises ``ValueError`` when ``h^2`` reaches the smallest eigenvalue of
        ``cov``: the distribution then degenerates (section 4).
        """
        h = _check_bandwidth(bandwidth)
        if h * h >= self.min_variance:
            raise ValueError(_degenerate_message(h, self.min_variance))
        return Gaussian(self.mean, self.cov - h * h * np.eye(self.latent_dim))

    def __repr__(self):
        return f"Gaussian(mean={_short(self.mean)}, cov={_short(self.cov)})"


class StandardNormal(Gaussian):
    """Standard normal target ``N(0, I)`` in ``latent_dim`` dimensions.

    Parameters
    ----------
    latent_dim : int
        Dimension of the latent space.

    Examples
    --------
    >>> import torch
    >>> from skgen.targets import StandardNormal
    >>> t = StandardNormal(2)
    >>> float(t.log_prob(torch.zeros(1, 2, dtype=torch.float64))[0])  # -log(2 pi)
    -1.8378770664093453
    >>> t.deconvolved(0.6).cov  # section 4: (1 - h^2) I
    array([[0.64, 0.  ],
           [0.  , 0.64]])
    """

    def __init__(self, latent_dim):
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int | np.integer):
            raise TypeError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
        if latent_dim < 1:
            raise ValueError(f"latent_dim must be a positive integer, got {latent_dim!r}.")
        super().__init__(np.zeros(int(latent_dim)), 1.0)

    @property
    def min_variance(self):
        return 1.0

    def log_prob(self, z):
        z = self._check_z(z)
        return -0.5 * (z * z).sum(1) - 0.5 * self.latent_dim * _LOG_2PI

    def sample(self, n_samples, generator=None, *, dtype=torch.float64, device=None):
        n_samples = check_positive_int(n_samples, "n_samples", allow_zero=True)
        device = _generator_device(generator, device)
        return torch.randn(n_samples, self.latent_dim, generator=generator, dtype=dtype, device=device)

    def __repr__(self):
        return f"StandardNormal(latent_dim={self.latent_dim})"


class GaussianMixture(Target):
    """Mixture of Gaussians target (section 5.4).

    Parameters
    ----------
    means : array-like of shape (n_components, latent_dim)
        Component means.
    covariances : array-like, default=1.0
        Shape ``(n_components, latent_dim, latent_dim)`` (full),
        ``(n_components, latent_dim)`` (diagonal), ``(n_components,)``
        (spherical) or a float shared by all components.
    weights : array-like of shape (n_components,), default=None
        Mixing weights, non-negative and summing to one. ``None`` means equal
        weights.

    Examples
    --------
    >>> import torch
    >>> from skgen.targets import GaussianMixture
    >>> t = GaussianMixture([[-3.0, 0.0], [3.0, 0.0]], 1.0)
    >>> z, labels = t.sample(4, torch.Generator().manual_seed(0), return_labels=True)
    >>> z.shape, labels.shape
    (torch.Size([4, 2]), torch.Size([4]))
    """

    def __init__(self, means, covariances=1.0, weights=None):
        means = np.asarray(means, dtype=np.float64)
        if means.ndim != 2 or means.shape[0] < 1 or means.shape[1] < 1:
            raise ValueError(f"means must have shape (n_components, latent_dim), got {means.shape}.")
        if not np.all(np.isfinite(means)):
            raise ValueError("means contains NaN or infinity.")
        _check_scale(means, "means")
        k, dim = means.shape
        covs = np.asarray(covariances, dtype=np.float64)
        if covs.ndim == 0:
            covs = np.broadcast_to(covs, (k,))
        if covs.ndim == 1 and covs.shape[0] == k:
            covs = [c * np.eye(dim) for c in covs]
        elif covs.ndim == 2 and covs.shape == (k, dim):
            covs = [np.diag(c) for c in covs]
        elif covs.ndim != 3 or covs.shape != (k, dim, dim):
            raise ValueError(f"covariances of shape {covs.shape} do not fit {k} components in {dim} dimensions.")
        self.means = means
        self.covariances = np.stack([_as_cov(c, dim, f"covariances[{i}]") for i, c in enumerate(covs)])
        if weights is None:
            weights = np.full(k, 1.0 / k)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (k,):
            raise ValueError(f"weights must have shape ({k},), got {weights.shape}.")
        if not np.all(np.isfinite(weights)) or np.any(weights < 0):
            raise ValueError("weights must be finite and non-negative.")
        if not np.isclose(weights.sum(), 1.0, rtol=1e-6, atol=1e-8):
            raise ValueError(f"weights must sum to 1, got {weights.sum()!r}.")
        self.weights = weights / weights.sum()

    @classmethod
    def from_sklearn(cls, gmm):
        """Build a target from a fitted ``sklearn.mixture.GaussianMixture``."""
        for attr in ("means_", "covariances_", "weights_", "covariance_type"):
            if not hasattr(gmm, attr):
                raise ValueError(
                    "expected a fitted sklearn.mixture.GaussianMixture; "
                    f"{type(gmm).__name__} has no attribute {attr!r} (call fit first)."
                )
        means = np.asarray(gmm.means_, dtype=np.float64)
        covs = np.asarray(gmm.covariances_, dtype=np.float64)
        if gmm.covariance_type == "tied":
            covs = np.broadcast_to(covs, (means.shape[0],) + covs.shape)
        return cls(means, covs, gmm.weights_)

    @property
    def n_components(self):
        return self.means.shape[0]

    @property
    def latent_dim(self):
        return self.means.shape[1]

    @property
    def min_variance(self):
        return float(min(np.linalg.eigvalsh(c).min() for c in self.covariances))

    def _make_tensors(self, dtype, device):
        means = torch.as_tensor(self.means, dtype=dtype, device=device)
        chols = torch.as_tensor(np.linalg.cholesky(self.covariances), dtype=dtype, device=device)
        log_dets = [float(np.linalg.slogdet(c)[1]) for c in self.covariances]
        log_w = torch.as_tensor(np.log(np.maximum(self.weights, 1e-300)), dtype=dtype, device=device)
        weights = torch.as_tensor(self.weights, dtype=dtype, device=device)
        return means, chols, log_dets, log_w, weights

    def component_log_prob(self, z):
        """``log w_k + log N(z; mu_k, Sigma_k)`` for each component, shape ``(n, K)``."""
        z = self._check_z(z)
        means, chols, log_dets, log_w, _ = self._cached(z.dtype, z.device)
        comps = [_gaussian_log_prob(z, means[k], chols[k], log_dets[k]) for k in range(self.n_components)]
        return torch.stack(comps, dim=1) + log_w  # (n, K)

    def log_prob(self, z):
        """Log density at each row of ``z`` (shape ``(n,)``), differentiable in ``z``."""
        return torch.logsumexp(self.component_log_prob(z), dim=1)

    def sample(self, n_samples, generator=None, *, dtype=torch.float64, device=None, return_labels=False):
        """Draw ``n_samples`` points; with ``return_labels`` also their components."""
        n_samples = check_positive_int(n_samples, "n_samples", allow_zero=True)
        device = _generator_device(generator, device)
        means, chols, _, _, weights = self._cached(dtype, device)
        if n_samples == 0:  # torch.multinomial refuses to draw nothing
            labels = torch.zeros(0, dtype=torch.int64, device=device)
        else:
            labels = torch.multinomial(weights, n_samples, replacement=True, generator=generator)
        eps = torch.randn(n_samples, self.latent_dim, generator=generator, dtype=dtype, device=device)
        z = means[labels] + torch.einsum("nij,nj->ni", chols[labels], eps)
        return (z, labels) if return_labels else z

    def _shifted(self, delta):
        return GaussianMixture(self.means, self.covariances + delta * np.eye(self.latent_dim), self.weights)

    def smoothed(self, bandwidth):
        """Each component's covariance grows by ``h^2 I``."""
        h = _check_bandwidth(bandwidth)
        return self._shifted(h * h)

    def deconvolved(self, bandwidth):
        """Each component's covariance shrinks by ``h^2 I``; refused when one degenerates."""
        h = _check_bandwidth(bandwidth)
        if h * h >= self.min_variance:
            raise ValueError(_degenerate_message(h, self.min_variance))
        return self._shifted(-h * h)

    def __repr__(self):
        return f"GaussianMixture(n_components={self.n_components}, latent_dim={self.latent_dim})"


def _generator_device(generator, device):
    if device is not None:
        return torch.device(device)
    return generator.device if generator is not None else torch.device("cpu")


def _degenerate_message(h, min_var):
    return (
        f"bandwidth h={h:.4g} has h^2 >= {min_var:.4g}, the smallest target variance: "
        "the distribution whose KDE matches the target would have a covariance that is not "
        "positive definite, so the encoded distribution degenerates (section 4). Use more "
        "KDE samples or a smaller latent dimension so that the selected bandwidth is smaller."
    )


def _short(arr):
    return np.array2string(np.asarray(arr), precision=3, threshold=6, separator=", ")


def make_target(target, latent_dim):
    """Resolve an estimator's ``target`` parameter into a :class:`~skgen.targets.Target`.

    Parameters
    ----------
    target : "normal", None, Target or fitted sklearn.mixture.GaussianMixture
        ``"normal"`` and ``None`` give ``StandardNormal(latent_dim)``. A fitted
        scikit-learn ``GaussianMixture`` is converted with
        :meth:`skgen.GaussianMixture.from_sklearn`. Target objects are returned as
        they are after checking their dimension.
    latent_dim : int
        Dimension of the data the target must describe.

    Returns
    -------
    target : Target
    """
    if target is None or (isinstance(target, str) and target == "normal"):
        return StandardNormal(latent_dim)
    if isinstance(target, str):
        raise ValueError(f"target must be 'normal' or a target object, got {target!r}.")
    if not isinstance(target, Target):
        if hasattr(target, "covariance_type") and hasattr(target, "n_components"):
            target = GaussianMixture.from_sklearn(target)
        elif hasattr(target, "log_prob") and hasattr(target, "sample"):
            return _check_duck_target(target, latent_dim)
        else:
            raise TypeError(
                "target must be 'normal', a skgen.targets.Target or a fitted "
                f"sklearn.mixture.GaussianMixture, got {type(target).__name__}."
            )
    return _check_dim(target, latent_dim)


_TARGET_PROTOCOL = (
    "sample(n_samples, generator, *, dtype, device) -> tensor of shape (n_samples, latent_dim) and "
    "log_prob(z) -> tensor of shape (n,)"
)


def _check_duck_target(target, latent_dim):
    """A target that is not a :class:`Target`, tried once on two samples before training relies on it."""
    if isinstance(target, torch.distributions.Distribution):
        raise TypeError(
            f"target is a torch.distributions.{type(target).__name__}, which cannot draw from the torch.Generator "
            "that makes fits reproducible; use skgen.StandardNormal, skgen.Gaussian(mean, cov) or "
            f"skgen.GaussianMixture, or an object with {_TARGET_PROTOCOL}."
        )
    try:  # in float32, as the estimators sample
        z = target.sample(2, torch.Generator().manual_seed(0), dtype=torch.float32, device=torch.device("cpu"))
        log_p = target.log_prob(z)
    except Exception as exc:
        raise TypeError(
            f"the target ({type(target).__name__}) must implement {_TARGET_PROTOCOL}, as skgen.targets.Target "
            f"does; calling it failed: {exc}"
        ) from exc
    if not isinstance(z, torch.Tensor) or z.ndim != 2 or z.shape[0] != 2:
        shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
        raise ValueError(f"the target's sample(2, ...) returned {shape}; expected a tensor of shape (2, latent_dim).")
    _check_dim(target, latent_dim, dim=z.shape[1])
    if not isinstance(log_p, torch.Tensor) or tuple(log_p.shape) != (2,):
        shape = tuple(log_p.shape) if isinstance(log_p, torch.Tensor) else type(log_p).__name__
        raise ValueError(f"the target's log_prob of 2 samples returned {shape}; expected a tensor of shape (2,).")
    return _check_dim(target, latent_dim)


def _check_dim(target, latent_dim, dim=None):
    """Refuse a target whose dimension (``dim``, else its ``latent_dim``) is not ``latent_dim``."""
    dim = getattr(target, "latent_dim", None) if dim is None else dim
    if dim is not None and dim != latent_dim:
        raise ValueError(
            f"the target is {dim}-dimensional but {latent_dim} dimensions are needed (the estimator's latent_dim, "
            "or the number of features of the samples compared with it); they must agree."
        )
    return target


def component_cross_entropy(target, z, labels):
    """Mean cross-entropy of the mixture posterior against known components (section 5.4).

    ``-1/n_known sum_i log p(k_i | z_i)`` over the rows whose label ``k_i``
    is ``>= 0``, with ``p(k | z) = w_k N(z; mu_k, Sigma_k) / p(z)``: the term
    that anchors each labelled code to its class's mode in semi-supervised
    GEN training.

    Parameters
    ----------
    target : GaussianMixture
        Anything with ``component_log_prob(z) -> (n, K)``.
    z : torch.Tensor of shape (n, l)
    labels : torch.Tensor of shape (n,), int64
        Component index per row, ``-1`` for unlabelled rows.

    Returns
    -------
    loss : torch.Tensor, 0-d, or None
        Differentiable in ``z``; ``None`` when no row is labelled.
    """
    known = labels >= 0
    if not bool(known.any()):
        return None
    log_post = torch.log_softmax(target.component_log_prob(z[known]), dim=1)  # (n_known, K)
    return -log_post.gather(1, labels[known][:, None]).mean()


def log_prob_quantile(target, q, *, n_samples=200_000, generator=None):
    """The ``q``-quantile of ``log p_t(Z)`` for ``Z ~ p_t``: a density level of the target.

    A fraction ``q`` of the target's mass lies where its density is below
    ``exp(result)``, i.e. outside its ``1 - q`` highest-density region. For a
    Gaussian ``N(mu, Sigma)`` in ``l`` dimensions this is exact,
    ``-chi2_l.ppf(1 - q) / 2 - log det(2 pi Sigma) / 2``; for other targets
    it is estimated from ``n_samples`` draws.

    Parameters
    ----------
    target : Target or an object with ``log_prob`` and ``sample``
    q : float in (0, 1)
    n_samples : int, default=200000
        Draws for the Monte Carlo estimate (not used for Gaussians).
    generator : torch.Generator, default=None

    Returns
    -------
    level : float

    Examples
    --------
    >>> from skgen.targets import StandardNormal, log_prob_quantile
    >>> round(log_prob_quantile(StandardNormal(2), 0.01), 3)  # at radius 3.03, chi2_2's 99 % point
    -6.443
    """
    q = float(q)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}.")
    if isinstance(target, Gaussian):
        from scipy.stats import chi2

        log_det = float(np.linalg.slogdet(target.cov)[1])
        l = target.latent_dim
        return float(-0.5 * chi2.isf(q, l) - 0.5 * log_det - 0.5 * l * _LOG_2PI)
    z = target.sample(int(n_samples), generator)
    return float(torch.quantile(target.log_prob(z).double(), q))


def monte_carlo_jsd(p, q, n_samples=100_000, generator=None):
    """Jensen-Shannon divergence in nats between two targets, by Monte Carlo.

    ``JSD = 1/2 E_p[log 2p / (p + q)] + 1/2 E_q[log 2q / (p + q)]`` with the
    exact densities of both distributions: a ground truth against which to
    measure the KDE estimate's bias. The standard error falls as
    ``n_samples^(-1/2)``.

    Parameters
    ----------
    p, q : Target
        Distributions of the same dimension.
    n_samples : int, default=100000
        Samples drawn from each.
    generator : torch.Generator, default=None

    Returns
    -------
    jsd : float

    Examples
    --------
    >>> import torch
    >>> from skgen.targets import Gaussian, monte_carlo_jsd
    >>> gen = torch.Generator().manual_seed(0)
    >>> round(monte_carlo_jsd(Gaussian([0.0]), Gaussian([30.0]), 1000, gen), 4)  # disjoint: log 2
    0.6931
    """
    if p.latent_dim != q.latent_dim:
        raise ValueError(f"p is {p.latent_dim}-dimensional but q is {q.latent_dim}-dimensional.")
    zp, zq = p.sample(n_samples, generator), q.sample(n_samples, generator)

    def half(z, own, other):  # E_own[log 2 own / (own + other)]
        a, b = own.log_prob(z), other.log_prob(z)
        return (math.log(2.0) + a - torch.logaddexp(a, b)).mean()

    return float(0.5 * half(zp, p, q) + 0.5 * half(zq, q, p))
