"""Scorers: the KDE entropy of a transformer's output as a normality score."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state

from .kde import kde_entropy
from .kde import whiten as _whiten
from .utils._validation import check_bandwidth, check_distance_range, check_samples

__all__ = ["EntropyScorer"]


def whitened_entropy(Z, bandwidth=None):
    """KDE entropy in nats of ``Z`` (a tensor) whitened in float64 and scored in float32.

    The measure of :class:`EntropyScorer` and of ``GENAutoencoder.latent_gap_``;
    raises ``ValueError`` when the covariance of ``Z`` is singular.
    """
    return kde_entropy(_whiten(Z.to(torch.float64)).to(torch.float32), bandwidth)


class EntropyScorer:
    """Scorer: KDE entropy of ``estimator.transform(X)``, whitened (section 5.2).

    Among all distributions with a given covariance the Gaussian has the
    largest entropy, so the entropy of whitened latent codes measures how
    Gaussian they are: greater is better, and the standard normal in ``l``
    dimensions scores ``l/2 log(2 pi e)`` up to the estimator's bias (about
    +0.19 nats for ``l = 8`` and ``m = 10000``; Table 2).

    The entropy grows with the dimension (by ``1/2 log(2 pi e)``, about 1.42
    nats, per dimension of Gaussian codes), so raw scores compare models with
    the same output dimension only. To compare dimensions (``latent_dim``,
    ``n_components``), use ``reference="normal"``: the score is then the
    entropy minus that of an equally large ``N(0, I_l)`` sample scored the same
    way, about 0 for Gaussian codes and below 0 otherwise, whatever ``l``.

    The entropy is the leave-one-out Gaussian KDE estimate of eq. 9 with the
    bandwidth of supplement eq. 5 (the maximum leave-one-out likelihood
    bandwidth), computed by :func:`skgen.kde_entropy`.

    Parameters
    ----------
    bandwidth : float or "auto", default="auto"
        Kernel width; ``"auto"`` solves the fixed point of supplement eq. 5.
    whiten : bool, default=True
        Centre the codes and map their covariance to the identity first, so
        that only the shape of the distribution is scored.
    max_samples : int, default=None
        Score a random subset of at most this many rows (the cost grows as
        ``m^2``). ``None`` uses all.
    reference : {None, "normal"}, default=None
        ``"normal"`` subtracts the score of a standard-normal sample of the
        codes' size and dimension (drawn from ``random_state``), which makes
        scores of different dimensions comparable; it doubles the cost. The
        reference sample adds noise of about 0.005-0.025 nats (300-900
        samples); an int ``random_state`` draws the same sample at every
        call, so that the models of a search are compared to one reference.
    random_state : int, RandomState instance or None, default=None
        Seeds the subset and the reference sample.

    See Also
    --------
    skgen.kde_entropy : The function doing the work.

    Notes
    -----
    Kernel sums are computed in float32, which changes the entropy by far
    less than its sampling error and halves the cost.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.model_selection import GridSearchCV
    >>> from skgen import EntropyScorer
    >>> rng = np.random.RandomState(0)
    >>> # two Gaussian directions, then a skewed one: the third component is not Gaussian
    >>> X = np.c_[3 * rng.randn(600), 2 * rng.randn(600), rng.exponential(size=600), 0.1 * rng.randn(600)]
    >>> grid = {"n_components": [2, 3]}
    >>> GridSearchCV(PCA(), grid, scoring=EntropyScorer(), cv=2).fit(X).best_params_  # more dimensions
    {'n_components': 3}
    >>> scorer = EntropyScorer(reference="normal", random_state=0)
    >>> GridSearchCV(PCA(), grid, scoring=scorer, cv=2).fit(X).best_params_  # more Gaussian
    {'n_components': 2}
    """

    def __init__(self, *, bandwidth="auto", whiten=True, max_samples=None, reference=None, random_state=None):
        self.bandwidth = bandwidth
        self.whiten = whiten
        self.max_samples = max_samples
        self.reference = reference
        self.random_state = random_state

    def __call__(self, estimator, X, y=None):
        """Entropy in nats of the whitened ``estimator.transform(X)`` (minus the reference's, if any)."""
        bandwidth = self._check_params()
        if not hasattr(estimator, "transform"):
            raise TypeError(f"EntropyScorer needs a transformer; {type(estimator).__name__} has no transform.")
        name = "estimator.transform(X)"
        Z = check_samples(estimator.transform(X), name, min_samples=2, distances=False)
        # whitened in float64 (its covariance must not overflow), else scored in float32
        check_distance_range(Z, name, torch.float64 if self.whiten else torch.float32)
        rng = check_random_state(self.random_state)
        if self.max_samples is not None and Z.shape[0] > self.max_samples:
            idx = np.sort(rng.choice(Z.shape[0], self.max_samples, replace=False))
            Z = Z[torch.from_numpy(idx)]
        entropy = self._entropy(Z, bandwidth)
        if self.reference is None:
            return entropy
        normal = torch.from_numpy(rng.standard_normal(Z.shape))
        return entropy - self._entropy(normal, bandwidth)

    def _entropy(self, Z, bandwidth):
        if self.whiten:
            return whitened_entropy(Z, bandwidth)
        return kde_entropy(Z.to(torch.float32), bandwidth)

    def _check_params(self):
        """The parameters' checks, before any work; the bandwidth to use (``None`` for auto)."""
        if not isinstance(self.whiten, bool | np.bool_):
            raise TypeError(f"whiten must be True or False, got {self.whiten!r}.")
        if not (self.reference is None or (isinstance(self.reference, str) and self.reference == "normal")):
            raise ValueError(f"reference must be None or 'normal', got {self.reference!r}.")
        if self.max_samples is not None and (
            isinstance(self.max_samples, bool) or not isinstance(self.max_samples, Integral) or self.max_samples < 2
        ):
            raise ValueError(f"max_samples must be an integer >= 2 or None, got {self.max_samples!r}.")
        if isinstance(self.bandwidth, str):
            if self.bandwidth != "auto":
                raise ValueError(f"bandwidth must be 'auto' or a positive float, got {self.bandwidth!r}.")
            return None
        if isinstance(self.bandwidth, bool) or not isinstance(self.bandwidth, Real):
            raise TypeError(f"bandwidth must be 'auto' or a positive float, got {self.bandwidth!r}.")
        return check_bandwidth(self.bandwidth)

    def get_params(self, deep=True):
        """Parameters of this scorer, as for an estimator."""
        return {
            "bandwidth": self.bandwidth,
            "whiten": self.whiten,
            "max_samples": self.max_samples,
            "reference": self.reference,
            "random_state": self.random_state,
        }

    def set_params(self, **params):
        """Set parameters, as for an estimator."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise ValueError(f"invalid parameter {key!r} for EntropyScorer; valid: {sorted(valid)}.")
            setattr(self, key, value)
        return self

    def __repr__(self):
        defaults = EntropyScorer().get_params()
        # `type(...) is` first: an array parameter must not be compared element-wise
        args = ", ".join(
            f"{k}={v!r}"
            for k, v in self.get_params().items()
            if not (type(v) is type(defaults[k]) and v == defaults[k])
        )
        return f"EntropyScorer({args})"
