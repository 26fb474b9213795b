"""The JSD-maximising kernel bandwidth (section 3, Table 1) and its estimator.

The bandwidth of a GEN is not a hyper-parameter: it is the ``h`` that best
tells apart two sample sets drawn from the target itself, i.e. that maximises
the KDE estimate of the Jensen-Shannon divergence (eq. 2) between a KDE built
on ``m`` target samples and the target. It depends only on the target, the
latent dimension ``l`` and ``m``.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from .kde import KernelSums, kde_log_density_and_dh
from .targets import Gaussian, GaussianMixture, make_target
from .utils._state import unfitted_on_error
from .utils._torch import make_generator, resolve_device
from .utils._validation import TARGET_CONSTRAINT, check_positive_int

__all__ = [
    "DegenerateBandwidthError",
    "DegenerateBandwidthWarning",
    "JSDBandwidthSelector",
    "NoBandwidthMaximumError",
    "jsd_bandwidth",
]


class DegenerateBandwidthWarning(UserWarning):
    """The selected bandwidth makes the converged latent distribution degenerate.

    Section 4: with a standard-normal target a converged GEN encodes its data
    as ``N(0, (1 - h^2) I)``, which collapses as ``h`` reaches 1.
    """


class DegenerateBandwidthError(ValueError):
    """A GEN refuses to train with a bandwidth whose converged latent distribution degenerates.

    Raised by :meth:`skgen.GENAutoencoder.fit` where :func:`jsd_bandwidth`
    warns with :class:`DegenerateBandwidthWarning` (``h^2`` at or above the
    target's smallest variance); a ``ValueError``.
    """


_METHODS = ("root", "fixed_point")


def jsd_bandwidth(
    latent_dim,
    n_samples,
    *,
    target=None,
    n_trials=10,
    method="root",
    random_state=None,
    return_std=False,
    n_eval_samples=None,
    tol=1e-4,
    device=None,
):
    """Bandwidth that maximises the KDE JSD between sample sets from the target.

    In each trial three independent sets are drawn from the target: ``m``
    KDE centres, ``n_eval`` points ``z'`` standing for the encoded samples
    and ``n_eval`` points ``z''`` for the target expectation of eq. 2. The
    trial's bandwidth is the maximiser of the JSD estimate in ``h``, found as
    the root of its analytic derivative (supplement eq. 2). The result is the
    mean over trials (Table 1 of the paper).

    Parameters
    ----------
    latent_dim : int
        Latent dimension ``l``.
    n_samples : int
        Number ``m`` of KDE samples.
    target : "normal", Target or fitted sklearn GaussianMixture, default=None
        The target distribution; ``None`` is the standard normal.
    n_trials : int, default=10
        Independent repetitions averaged.
    method : {"root", "fixed_point"}, default="root"
        ``"root"`` traps the sign change of dJSD/dh and refines it by Newton
        steps, bisecting whenever a step would leave the trap. ``"fixed_point"`` iterates the rearranged stationarity
        condition of supplement eq. 3. That update is not a contraction by
        construction: its denominator ``l (E'[1-r] - E''[r])`` vanishes as the
        KDE approaches the target. A trial whose iteration leaves the positive
        range or does not settle within 50 steps falls back to root trapping,
        with a ``ConvergenceWarning`` that counts them.
    random_state : int, RandomState instance or None, default=None
        Seeds the local torch generator that draws the samples.
    return_std : bool, default=False
        Also return the standard deviation over trials.
    n_eval_samples : int, default=None
        Size of each of the ``z'`` and ``z''`` sets; default ``m``.
    tol : float, default=1e-4
        Relative tolerance on each trial's ``h``.
    device : str or torch.device, default=None
        Where to compute (CPU by default).

    Returns
    -------
    bandwidth : float
    std : float
        Only with ``return_std``.

    Warns
    -----
    DegenerateBandwidthWarning
        When ``h^2`` reaches the smallest target variance (``h >= 1`` for the
        standard normal): the latent distribution a GEN converges to,
        ``N(0, (1 - h^2) I)``, degenerates (section 4).

    Notes
    -----
    The search is not confined to ``h < 1``: for ``l = 40`` and ``m <= 1000``
    the maximum lies above 1 (Table 1's ">1.0" cells). Distances are computed
    once per trial and cached, kernels are evaluated in float32 with
    exponents clamped at -80 (far below float32 resolution), so one
    evaluation of dJSD/dh costs one pass of ``exp`` over the kernel matrix.

    Examples
    --------
    >>> from skgen.bandwidth import jsd_bandwidth
    >>> h = jsd_bandwidth(5, 1000, n_trials=2, random_state=0)
    >>> 0.5 < h < 0.6  # Table 1: 0.55 +- 0.02
    True
    """
    hs, _, target = _trial_bandwidths(
        latent_dim,
        n_samples,
        target=target,
        n_trials=n_trials,
        method=method,
        random_state=random_state,
        n_eval_samples=n_eval_samples,
        tol=tol,
        device=device,
    )
    h = float(np.mean(hs))
    _warn_if_degenerate(h, target, latent_dim, n_samples)
    std = float(np.std(hs, ddof=1)) if len(hs) > 1 else 0.0
    return (h, std) if return_std else h


def _warn_if_degenerate(h, target, latent_dim, n_samples):
    min_var = getattr(target, "min_variance", None)
    if min_var is not None and h * h >= min_var:
        warnings.warn(
            f"the JSD-optimal bandwidth h={h:.3f} for latent_dim={latent_dim} and "
            f"{n_samples} KDE samples has h^2 >= {min_var:.3g}, the smallest target "
            "variance. A GEN converges to the target deconvolved by the kernel "
            "(N(0, (1 - h^2) I) for a standard normal, section 4), which degenerates "
            "here. Use more KDE samples or a smaller latent_dim.",
            DegenerateBandwidthWarning,
            stacklevel=3,
        )


def _trial_bandwidths(latent_dim, n_samples, *, target, n_trials, method, random_state, n_eval_samples, tol, device):
    """Per-trial maximisers, per trial whether the fixed point fell back, and the resolved target."""
    l = check_positive_int(latent_dim, "latent_dim")
    m = check_positive_int(n_samples, "n_samples")
    if m < 2:
        raise ValueError(f"n_samples must be at least 2 to build a KDE, got {m}.")
    n_trials = check_positive_int(n_trials, "n_trials")
    n_eval = m if n_eval_samples is None else check_positive_int(n_eval_samples, "n_eval_samples")
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
    if isinstance(tol, bool) or not isinstance(tol, Real) or not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}.")
    target = make_target(target, l)
    device = torch.device("cpu") if device is None else resolve_device(device)
    gen = make_generator(random_state, device)

    hs, fallbacks, reasons = [], [], []
    storage = None
    for _ in range(n_trials):
        problem = _BandwidthProblem(target, l, m, n_eval, gen, device, storage)
        storage = problem.sums._shifted
        guess = float(np.mean(hs)) if hs else problem.initial_guess()
        fell_back = False
        if method == "fixed_point":
            h, reason = problem.fixed_point(guess, tol)
            if h is None:
                fell_back = True
                reasons.append(reason)
                h = problem.root(guess, tol)
        else:
            h = problem.root(guess, tol)
        hs.append(h)
        fallbacks.append(fell_back)
    if any(fallbacks):
        warnings.warn(
            f"the fixed-point iteration (supplement eq. 3) failed in {sum(fallbacks)} of "
            f"{n_trials} trials for latent_dim={l}, n_samples={m} ({reasons[0]}); root "
            "trapping was used for those trials.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return np.asarray(hs), np.asarray(fallbacks), target


class _BandwidthProblem:
    """One trial: fixed samples, the JSD derivative and its stationary point."""

    def __init__(self, target, l, m, n_eval, gen, device, storage=None):
        centres = target.sample(m, gen, device=device)  # (m, l) float64
        z_e = target.sample(n_eval, gen, device=device)  # (n_eval, l)
        z_t = target.sample(n_eval, gen, device=device)  # (n_eval, l)
        queries = torch.cat([z_e, z_t])  # (2 n_eval, l)
        self.log_pt = target.log_prob(queries)  # float64
        # Centred in float64 before the float32 cast, which would keep no digit of a
        # unit distance for a target far from the origin. On the target's own mean: 0 for
        # the standard normal, where the centring then changes no bit.
        ref = _target_mean(target, centres)
        self.sums = KernelSums((queries - ref).float(), (centres - ref).float(), storage=storage)
        self.l, self.m, self.n_eval = l, m, n_eval
        self.scale = float(centres.std(0).pow(2).mean().sqrt())
        # The search's range: from well below the narrowest component (a mixture's
        # modes may be far narrower than its overall spread) to far above the spread.
        narrowest = getattr(target, "min_variance", None)
        narrowest = self.scale if narrowest is None else min(self.scale, math.sqrt(float(narrowest)))
        self.lo_limit, self.hi_limit = 1e-3 * narrowest, 50.0 * self.scale

    def initial_guess(self):
        # Scott's rule, slightly widened: Table 1 sits 5-20 % above it.
        return 1.1 * self.scale * self.m ** (-1.0 / (self.l + 4))

    def _stats(self, h, second=False):
        out = self.sums(h, second=second)
        lse, S = out[0].double(), out[1].double()
        log_pe, A = kde_log_density_and_dh(lse, S, h, self.m, self.l)
        r = torch.sigmoid(log_pe - self.log_pt)  # p_e / (p_e + p_t)
        n = self.n_eval
        stats = {"r_e": r[:n], "r_t": r[n:], "S_e": S[:n], "S_t": S[n:], "A_e": A[:n], "A_t": A[n:]}
        if second:  # dA/dh, with dS/dh = V / h^3
            dA = out[2].double() / h**6 - 3.0 * S / h**4 + self.l / h**2
            stats["dA_e"], stats["dA_t"] = dA[:n], dA[n:]
        return stats

    def derivative(self, h, second=False):
        """dJSD/dh (supplement eq. 2, halved as in :func:`skgen.kde.kde_jsd`).

        With ``second=True`` also d2JSD/dh2, using ``dr/dh = r (1 - r) A``.
        """
        s = self._stats(h, second)
        r_e, r_t, A_e, A_t = s["r_e"], s["r_t"], s["A_e"], s["A_t"]
        d1 = float(0.5 * ((1 - r_e) * A_e).mean() - 0.5 * (r_t * A_t).mean())
        if not second:
            return d1
        q_e, q_t = r_e * (1 - r_e), r_t * (1 - r_t)
        d2 = float(0.5 * (-q_e * A_e**2 + (1 - r_e) * s["dA_e"]).mean() - 0.5 * (q_t * A_t**2 + r_t * s["dA_t"]).mean())
        return d1, d2

    def root(self, guess, tol, max_iter=100):
        """Root of dJSD/dh by safeguarded Newton (``rtsafe``).

        Newton steps on the derivative, with every evaluation trapping the
        root: ``lo`` has dJSD/dh > 0 (the maximum lies above), ``hi`` has
        dJSD/dh <= 0. A step that leaves the trap, or a non-concave point,
        bisects instead; before both ends are known steps are limited to a
        factor 1.5, so the search walks past h = 1 when the maximum is there.
        """
        lo_limit, hi_limit = self.lo_limit, self.hi_limit
        lo = hi = None
        h = guess
        for _ in range(max_iter):
            d1, d2 = self.derivative(h, second=True)
            if d1 > 0:
                lo = h if lo is None else max(lo, h)
            else:
                hi = h if hi is None else min(hi, h)
            step = -d1 / d2 if d2 < 0 else None
            new = None if step is None else h + step
            if lo is not None and hi is not None:
                if new is None or not lo < new < hi:
                    new = 0.5 * (lo + hi)
                if hi - lo <= tol * lo:
                    return 0.5 * (lo + hi)
            else:
                if new is None:
                    new = h * 1.5 if d1 > 0 else h / 1.5
                new = min(max(new, h / 1.5), h * 1.5)
            if abs(new - h) <= tol * h:
                return new
            if new < lo_limit:
                raise NoBandwidthMaximumError(_no_max_message("below", lo_limit, self.l, self.m))
            if new > hi_limit:
                raise NoBandwidthMaximumError(_no_max_message("above", hi_limit, self.l, self.m))
            h = new
        raise RuntimeError(f"the bandwidth search did not converge in {max_iter} steps.")

    def fixed_point(self, guess, tol, max_iter=50):
        """Iterate supplement eq. 3; return (h, None) or (None, reason)."""
        h = guess
        for _ in range(max_iter):
            s = self._stats(h)
            r_e, r_t, S_e, S_t = s["r_e"], s["r_t"], s["S_e"], s["S_t"]
            num = float(((1 - r_e) * S_e).mean() - (r_t * S_t).mean())
            den = self.l * float((1 - r_e).mean() - r_t.mean())
            if den <= 0 or num <= 0:
                return None, "the update's numerator or denominator became non-positive"
            h_new = math.sqrt(num / den)
            if not (self.lo_limit < h_new < self.hi_limit):
                return None, f"the iterate left the range (h={h_new:.3g})"
            if abs(h_new - h) <= tol * h:
                return h_new, None
            h = h_new
        return None, f"no convergence in {max_iter} steps"


def _target_mean(target, samples):
    """The target's mean (a mixture's weighted mean of its modes), else its samples' mean."""
    if isinstance(target, Gaussian):  # a StandardNormal's is zeros: subtracting them changes no bit
        mean = target.mean
    elif isinstance(target, GaussianMixture):
        mean = target.weights @ target.means
    else:
        return samples.mean(0)
    return torch.as_tensor(mean, dtype=samples.dtype, device=samples.device)


class NoBandwidthMaximumError(ValueError, RuntimeError):
    """The JSD estimate has no maximum in ``h`` for these samples (too few for the target).

    A ``ValueError``, like the estimators' other refusals of a configuration
    (e.g. ``h^2 >= 1``); also a ``RuntimeError``, which it was before.
    """


def _no_max_message(side, limit, l, m):
    return (
        f"the JSD estimate has no maximum in h {side} {limit:.3g} for latent_dim={l} "
        f"and n_samples={m}: the KDE cannot resolve this target with so few samples. "
        "Use more samples or a smaller latent dimension."
    )


class JSDBandwidthSelector(BaseEstimator):
    """Select the GEN kernel bandwidth from the shape of the data.

    ``fit(X)`` reads ``m, l = X.shape`` and runs :func:`jsd_bandwidth`: the
    bandwidth depends on the number of KDE samples, the latent dimension and
    the target, not on the values in ``X`` (which are only validated).

    Parameters
    ----------
    target : "normal", Target or fitted sklearn GaussianMixture, default="normal"
        Target distribution; ``"normal"`` is ``N(0, I)`` in ``X.shape[1]`` dimensions.
    n_trials : int, default=10
        Trials averaged.
    method : {"root", "fixed_point"}, default="root"
        See :func:`jsd_bandwidth`.
    random_state : int, RandomState instance or None, default=None
        Seeds the samples drawn from the target.

    Attributes
    ----------
    bandwidth_ : float
        Mean of the per-trial maximisers.
    bandwidth_std_ : float
        Their standard deviation.
    bandwidths_ : ndarray of shape (n_trials,)
        The per-trial maximisers.
    n_fixed_point_fallbacks_ : int
        Trials where the fixed point failed and root trapping was used.
    target_ : Target
        The resolved target.
    n_features_in_ : int
        Latent dimension ``l``.

    See Also
    --------
    jsd_bandwidth : The function doing the work.
    KDEJensenShannon : Uses this bandwidth to estimate a divergence.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import JSDBandwidthSelector
    >>> X = np.zeros((500, 2))
    >>> sel = JSDBandwidthSelector(n_trials=3, random_state=0).fit(X)
    >>> round(sel.bandwidth_, 1)  # Table 1: 0.41 +- 0.04
    0.4
    """

    _parameter_constraints = {
        "target": TARGET_CONSTRAINT,
        "n_trials": [Interval(Integral, 1, None, closed="left")],
        "method": [StrOptions(set(_METHODS))],
        "random_state": ["random_state"],
    }

    def __init__(self, *, target="normal", n_trials=10, method="root", random_state=None):
        self.target = target
        self.n_trials = n_trials
        self.method = method
        self.random_state = random_state

    @unfitted_on_error
    def fit(self, X, y=None):
        """Select the bandwidth for ``m = X.shape[0]`` samples in ``l = X.shape[1]`` dimensions.

        Parameters
        ----------
        X : array-like of shape (m, l)
        y : Ignored

        Returns
        -------
        self : JSDBandwidthSelector
        """
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        m, l = X.shape
        self.target_ = make_target(self.target, l)
        hs, fallbacks, _ = _trial_bandwidths(
            l,
            m,
            target=self.target_,
            n_trials=self.n_trials,
            method=self.method,
            random_state=self.random_state,
            n_eval_samples=None,
            tol=1e-4,
            device=None,
        )
        self.bandwidths_ = hs
        self.bandwidth_ = float(hs.mean())
        self.bandwidth_std_ = float(hs.std(ddof=1)) if len(hs) > 1 else 0.0
        self.n_fixed_point_fallbacks_ = int(fallbacks.sum())
        _warn_if_degenerate(self.bandwidth_, self.target_, l, m)
        return self
