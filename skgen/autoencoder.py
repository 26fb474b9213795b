"""GENAutoencoder: Algorithm 1 of the paper as a scikit-learn transformer."""

import copy
import math
import pickle
import threading
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._available_if import available_if
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder, minibatch_starts
from .bandwidth import DegenerateBandwidthError, _trial_bandwidths
from .density import (
    decoder_jacobian,
    fit_residual_gaussian,
    fit_signal_scale,
    has_zero_background,
    jacobian_log_det,
    residual_log_prob,
    signal_scale,
)
from .kde import jsd_loss, kde_slots, kde_subset, rolling_refresh_rows
from .metrics import whitened_entropy
from .nn import Affine, check_layer_sizes
from .targets import GaussianMixture, component_cross_entropy, log_prob_quantile, make_target
from .utils._docstrings import shared_docstring
from .utils._state import unfitted_on_error
from .utils._torch import as_tensor, draw_seed, to_numpy
from .utils._validation import TARGET_CONSTRAINT, check_bandwidth

__all__ = ["GENAutoencoder"]

_DENSITY_CHUNK = 512  # rows per batch of decoder Jacobians in score_samples
_DENSITY_FIT_SAMPLES = 10000  # training rows the off-manifold law and the Jacobian floor are fitted on
_GAP_SAMPLES = 4000  # training codes latent_gap_ is measured on (two m^2 kernel sums, about 0.3 s on a CPU)
_GAP_WARNING = 0.25  # nats of latent_gap_ above which fit warns (the robustness benchmark's bar is 0.15)
# Standard deviation of latent_gap_ over fits whose codes do follow the latent distribution, about
# 0.09 l / sqrt(n) nats (measured on normal samples, l = 2-32, n = 100-2000): fit warns only beyond 4 of them.
_GAP_NOISE = 0.09
# jsd_weight="auto": (KDE samples m, weight) at the two ends, geometric in m between them. Sets of up to
# 5000 need the full weight to spread codes in the updates they get (clustered data at m = 5000: a gap of
# 0.29 nats at 1.0, 0.80 at 0.4); from 10000 codes on, 0.4 left them as close to the target as 1.0 or
# closer, for less reconstruction (user guide, the weight).
_AUTO_WEIGHT = ((5000, 1.0), (10000, 0.4))
# weight_control="gap": the KDE set's codes the gap is measured on at each refresh (two kernel sums of
# 1000^2, about 15 ms on a CPU), the gap it holds the codes at (nats) and its gain (log-weight per nat).
_CONTROL_SAMPLES, _CONTROL_GAP, _CONTROL_GAIN = 1000, 0.05, 0.5
# ... and the pull it keeps on codes beyond the target's 1 - _PULL_MASS region (its level estimated from
# _PULL_SAMPLES draws where the target is not Gaussian: about 100 beyond it)
_PULL_MASS, _PULL_SAMPLES = 1e-4, 1_000_000


def _auto_jsd_weight(m):
    """``jsd_weight="auto"``: 1 up to 5000 KDE samples, 0.4 from 10000 on, geometric in ``m`` between."""
    (m0, w0), (m1, w1) = _AUTO_WEIGHT
    t = min(max(math.log(m / m0) / math.log(m1 / m0), 0.0), 1.0)
    return w0 * (w1 / w0) ** t


def _evenly_spaced(X, k):
    """At most ``k`` evenly spaced rows of ``X`` (all of them when it has no more)."""
    n = X.shape[0]
    return X if n <= k else X[torch.linspace(0, n - 1, k, device=X.device).long()]


_BANDWIDTH_MEMO = {}
_BANDWIDTH_MEMO_SIZE = 64
_BANDWIDTH_LOCK = threading.Lock()


def _selected_bandwidth(latent_dim, m, target, seed):
    """``jsd_bandwidth`` memoised on (l, m, target parameters, seed).

    The bandwidth is a deterministic function of these, so refits inside a
    grid search (same seed, same fold size) reuse it instead of repeating a
    search that takes seconds at m = 10000. Targets that cannot be
    fingerprinted are not memoised. Safe in threads: the search runs without
    touching the global warnings filters (``GENAutoencoder`` refuses
    ``h^2 >= min_variance`` with its own message instead of
    ``jsd_bandwidth``'s warning) and the memo is guarded by a lock.
    """
    try:
        key = (latent_dim, m, type(target).__name__, pickle.dumps(target.__getstate__()), seed)
    except Exception:  # a user's target without a picklable state
        key = None
    with _BANDWIDTH_LOCK:
        if key is not None and key in _BANDWIDTH_MEMO:
            return _BANDWIDTH_MEMO[key]
    hs, _, _ = _trial_bandwidths(
        latent_dim,
        m,
        target=target,
        n_trials=10,
        method="root",
        random_state=seed,
        n_eval_samples=None,
        tol=1e-4,
        device=None,
    )
    h = float(np.mean(hs))
    if key is not None:
        with _BANDWIDTH_LOCK:
            if len(_BANDWIDTH_MEMO) >= _BANDWIDTH_MEMO_SIZE:
                _BANDWIDTH_MEMO.pop(next(iter(_BANDWIDTH_MEMO)))
            _BANDWIDTH_MEMO[key] = h
    return h


def _is_mixture(target):
    """A skgen GaussianMixture or a (fitted) sklearn GaussianMixture."""
    return isinstance(target, GaussianMixture) or hasattr(target, "covariance_type")


def _mixture_target(estimator):
    return _is_mixture(getattr(estimator, "target_", estimator.target))


@shared_docstring
class GENAutoencoder(BaseAutoencoder):
    """Generative Encoding Network: an autoencoder whose codes follow a target.

    Trains an encoder ``E`` and a decoder ``D`` on reconstruction error plus
    ``jsd_weight`` times the KDE Jensen-Shannon term of eq. 3, with the KDE
    built on ``m`` lagged codes of training samples (Algorithm 1).

    Parameters
    ----------
    latent_dim : int, default=8
        Dimension ``l`` of the latent space.
    hidden_layer_sizes : tuple of int, default=(512, 256)
        Hidden widths of the default MLP encoder; the decoder mirrors them.
    activation : {"relu", "tanh", "logistic", "identity", "leaky_relu", "elu"}, default="relu"
    encoder, decoder : torch.nn.Module or callable, default=None
        Replace the MLPs: a module (deep-copied at fit) or a factory
        ``f(in_features, out_features) -> nn.Module``. Random layers
        (dropout) draw from torch's global RNG, which the fit seeds from
        ``random_state`` and restores after (such fits in threads run one
        at a time).
    data_scaling : {"auto", "encoder", "global"} or None, default="auto"
        What the default MLPs see of the data's units. ``"encoder"``: the
        default encoder sees each feature centred on its training mean and
        divided by one scale, the root mean feature variance (a fixed
        :class:`~skgen.nn.Affine` layer fitted on the training data, in front
        of it); the decoder produces the data as given. ``"global"``: the
        same, and the default decoder's output is mapped back by the inverse
        layer, so the fit does not depend on the data's units. ``None``:
        both networks see the data as given (the paper's training).
        ``"auto"``: ``None`` on images with a zero background
        (:func:`~skgen.density.has_zero_background` of the training data: no
        negative value, a quarter or more exact zeros), ``"encoder"``
        otherwise; ``data_scaling_`` records the choice. A custom ``encoder``
        or ``decoder`` always sees and produces the data as given, and the
        relative sizes of the features are kept in every case.
        A ReLU encoder fed uncentred inputs (a table in [0, 1] from
        ``MinMaxScaler``) starts with codes several times smaller than on
        centred data, and 100 epochs of the penalty may not spread them. In
        the robustness benchmark (user guide, scaling) ``"encoder"`` brought
        the entropy gap on breast cancer data in [0, 1] from 0.25-0.97 nats
        to -0.16 to -0.01 (digits in [0, 1]: from up to 0.83 to at most 0.11)
        and lowered the GEN's training error there; standardised data are
        all but unchanged. Images are left as given because on MNIST it
        cost: all 60000 images, gap 0.108 / 0.112 against 0.070 / 0.090
        (two seeds; the bar is 0.1) and 1.16x the plain autoencoder's
        training error against 1.12x (seed 0). So digits in
        [0, 1] train as given under ``"auto"``; set ``"encoder"`` for small
        image sets whose codes fall short (``latent_gap_``). ``"global"``
        spreads the codes too, but with its scaled decoder the plain
        autoencoder (``jsd_weight=0``) fits data in [0, 1] 1.4-3x better and
        the GEN does not (MNIST, 10000 images: 1.20x its training error).
    target : "normal", Target or fitted sklearn GaussianMixture, default="normal"
    jsd_weight : float or "auto", default="auto"
        The paper's lambda: the weight of the JSD term against the
        reconstruction term (``jsd_weight_``). With ``reconstruction="relative"``
        (the default) the reconstruction term is measured in units of the
        data's variance, so the weight means the same on data of any scale
        (standardised or in [0, 1], 64 or 784 features). ``"auto"`` sets it
        from the KDE set's size ``m``: 1 up to 5000 samples, 0.4 from 10000
        on, geometric in ``m`` between (0.79 at 6000, 0.54 at 8000). Small
        data sets need the full weight to spread the codes in the updates
        they get (digits, 1797 images: 0.4 leaves an entropy gap of 0.46
        nats; clustered data, 5000 samples: 0.80 against 0.29 at 1.0); from
        10000 samples on 0.4 left the codes as close to the target as 1.0 or
        closer, for less reconstruction (MNIST, 10000 or 60000 images, 100
        epochs: a gap of at most 0.10 nats at 1.11-1.15x the plain
        autoencoder's training reconstruction, against 1.21-1.28x at 1.0;
        seven other data sets of 10000 samples, two of them MNIST in other
        units or at another resolution: better reconstruction on all seven,
        the gap as close to 0 or closer). The measurements are in the user
        guide (the weight). The default was 1.0 before; ``jsd_weight=1.0``
        keeps it.
    n_kde_samples : int, default=10000
        ``m``, capped at the number of training samples (``n_kde_samples_``).
        With ``m < n`` the snapshot scheme draws a new set at every refresh:
        the next ``m`` samples of the minibatch order, so the samples the
        coming minibatches train on have their lagged codes in the set
        (Algorithm 1's line 3 draws the set at random; the order is a random
        permutation, so this set is a random subset too).
    kde_refresh : {"snapshot", "full", "rolling"}, default="snapshot"
        How the KDE set follows the encoder. ``"snapshot"``: every ``k_b``
        minibatches the encoder is copied (the *lagged encoder*) and the copy
        re-encodes the KDE set; each minibatch is compared with the set in
        the copy's coordinates (the KDE is read at the minibatch's own lagged
        codes, its gradient applied to the current codes), so the comparison
        never mixes two states of the encoder. ``"full"`` is Algorithm 1 as
        written: the current codes against the set re-encoded every ``k_b``
        minibatches. ``"rolling"``: the next ``m / k_b`` codes are re-encoded
        after every minibatch. With ``"full"`` and ``"rolling"`` a stale set
        repels the codes from the old copies of their neighbours; they need
        ``k_b = 1`` (a full re-encoding per minibatch), the snapshot scheme
        does not.
    kde_refresh_every : int or "auto", default="auto"
        ``k_b``, in minibatches (``kde_refresh_every_``). ``"auto"`` is one
        refresh per ``m`` training samples seen (``ceil(m / batch_size)``
        minibatches) for ``"snapshot"``, which keeps the re-encoding at a few
        per cent of the training cost, and 1 for the other two schemes.
    density_floor : float in (0, 1) or None, default=0.01
        A floor under the KDE density: the target's density level outside
        whose highest-density region this fraction of its mass lies
        (``log_density_floor_``). A leave-one-out Gaussian KDE with ``h < 1``
        falls off faster than the target, so a code far beyond the others
        sees no density there and is pushed further out; with the floor, a
        code where the target density is below the floor is pulled back.
        Where the target density is above it, the term is unchanged (of codes
        drawn from ``latent_distribution_``, fewer than 1 in 2000 lie where
        the floor acts, for a standard-normal target in 8 dimensions).
        ``None`` is the paper's estimator.
    bandwidth : float or "auto", default="auto"
        ``"auto"`` uses :func:`~skgen.jsd_bandwidth` for ``l`` and ``m``.
    jsd_form : {"non_saturating", "saturating"}, default="non_saturating"
        ``"saturating"`` is the paper's ``log p_e / (p_t + p_e)``;
        ``"non_saturating"`` minimises ``log (p_t + p_e) / p_t`` (same
        stationary point, no vanishing gradient far from the target).
    reconstruction : {"relative", "mean", "sum"}, default="relative"
        The reconstruction term: the squared error averaged over features
        and divided by the mean feature variance of the training data (the
        fraction of the variance left unexplained, ``"relative"``), averaged
        over features (``"mean"``) or summed (``"sum"``, eq. 3).
        ``history_["reconstruction"]`` is in the same units.
    decoder_fraction : float in [0, 1), default=0.2
        The last ``round(decoder_fraction * n_epochs)`` epochs (of
        ``max_iter``, or of what ``"auto"`` makes of it) train the
        decoder alone, on the codes of the frozen encoder (Algorithm 1's
        decoder step, line 11, without the encoder's): the penalty keeps the
        codes moving until the end, and this lets the decoder converge on the
        codes ``transform`` returns. If the joint phase stops early, the
        decoder phase follows it. ``history_["jsd"]`` is NaN in these epochs.
    weight_control : {"gap", None}, default="gap"
        ``"gap"``: lower the weight while the codes overshoot the target. At
        every refresh of the KDE set (once per ``m`` samples seen) the
        whitened entropy gap of 1000 of the set's codes (``latent_gap_``'s
        measure) moves the log of a factor on ``jsd_weight_`` by 0.5 per nat
        of gap above or below 0.05 nats, never above 1. Codes short of the
        target keep the full weight; codes spread more evenly than a random
        sample (a negative gap, as standardised data and MNIST give) get less,
        and once formed they keep their shape with little of it. The weight
        taken away keeps pulling codes that lie beyond the region holding all
        but 1e-4 of the target back towards it: with less weight the density
        floor pulls less, and without that pull the odd training code went
        out to 1.9x the radius holding all but 1e-6 of
        ``latent_distribution_`` (a skewed table; 0.9-1.3x with it, 1.3x at
        the full weight). Measured (user guide, the weight; against the
        weight kept fixed): MNIST, 10000 images, 100 epochs, two seeds, gap
        -0.05 / -0.06 at 1.09-1.11x the plain autoencoder's training
        reconstruction (1.13-1.14x held out) against 1.13-1.15x
        (1.16-1.17x); standardised tabular data 1.17-1.57x (worst seed)
        against 1.41-1.81x; data whose codes stay short of the target (in
        [0, 1], clustered, in their own units) keep about the full weight.
        ``history_["jsd_weight"]`` is the weight used. ``None``: the weight
        stays ``jsd_weight_``.
    off_manifold : {"low_rank", "isotropic"}, default="low_rank"
        The law of the reconstruction residual ``x - D(E(x))`` in
        ``score_samples`` (eq. 10's off-manifold term), fitted to the
        training residuals after training. ``"isotropic"`` is the paper's
        ``N(0, sigma^2 I)``. ``"low_rank"`` is a probabilistic PCA
        ``N(mu, W W^T + sigma^2 I)`` with ``latent_dim`` components: residuals
        of neighbouring features are correlated (a stroke drawn slightly
        thicker leaves a structured residual), and the low-rank part models
        that structure instead of counting it as independent errors. It
        ranked novel MNIST digits better than the isotropic law in every
        measurement (user guide, novelty detection).
    residual_scale : {"auto", "constant", "signal"}, default="auto"
        How the off-manifold law's covariance varies from sample to sample.
        ``"constant"``: one covariance for all (the paper). ``"signal"``: the
        covariance at ``x`` is the fitted one times ``mean(D(E(x))^2)`` over
        the training reconstructions' average (at least the smallest ratio
        seen in training): a variance the decoder predicts, noise that grows
        with the signal. ``"auto"`` (``residual_scale_`` records the choice)
        takes ``"signal"`` for intensity data, where no training value is
        negative and at least a quarter are exactly zero (a background:
        images, counts), and ``"constant"`` otherwise; it looks at the data
        ``fit`` is given, before ``data_scaling``. On images a faint
        reconstruction is itself a sign of an input the decoder cannot
        represent: on one-class MNIST the signal law raised the mean AUROC of
        ``score_samples`` from 0.969 to 0.983 (user guide, novelty
        detection); on line drawings of ten shapes, data it was not chosen
        on, from 0.984 to 0.986; on scikit-learn's digits it gave 0.996
        against 0.997. Held-out MNIST inliers get a lower mean log density
        with it than with ``"constant"`` (on eight digits of ten, by 2-7 %),
        so where ``score`` is to compare likelihoods rather than rank
        novelty, set ``"constant"``. On centred data (``StandardScaler``) the
        mean square measures the distance from the data's mean, not a
        signal, and on tabular features it ranked worse (breast cancer,
        benign as inliers: AUROC 0.898 to 0.836 standardised, 0.898 to 0.814
        in [0, 1]); one-hot categories, whose zeros pass for a background,
        are what ``"auto"`` gets wrong, at a small cost (0.983 to 0.981).
    batch_size : int, default=64
        Samples per minibatch. A last minibatch of one sample joins the one
        before it (batch-norm layers cannot train on a single row).
    max_iter : int or "auto", default=100
        Epochs. ``"auto"`` trains 100 epochs or enough for 10000 minibatch
        updates, whichever is more (on 1257 samples: 500 epochs). The
        penalty shapes the codes update by update: on small data sets in
        [0, 1], 100 epochs can leave them clustered (digits, width
        (256, 128), 600 KDE samples: an entropy gap of 0.8 nats; 10000
        updates: -0.06). The longer training costs held-out reconstruction
        there (1.5-4.5x the plain autoencoder's against 1.1-1.8x) and
        novelty ranking, which is why it is not the default
        (benchmarks/RESULTS.md, section 6.1a).
    learning_rate : float, default=1e-3
        Adam's step size, for the encoder and the decoder.
    beta1 : float, default=0.9
        Adam's first-moment decay (the paper's is 0.5, with which the
        weights at the end of an epoch reconstruct markedly worse than the
        epoch's running average).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop a phase when its
        reconstruction term has not improved by ``tol`` for
        ``n_iter_no_change`` epochs. Without it, the joint phase runs its
        epochs (the training reconstruction levels off long before the
        penalty has shaped the codes) unless ``jsd_weight=0``, and the decoder
        phase stops on the training reconstruction. (The JSD term is a game
        against a lagged KDE set, its value no measure of progress, so it is
        not monitored.) A phase that stops because the monitored term no
        longer improves keeps the weights of its best epoch. On small data a
        validation set stops the joint phase early and leaves the codes less
        Gaussian.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    device : {"auto", "cpu", "cuda", "cuda:N"} or torch.device, default="auto"
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, the minibatch order, the validation split,
        the KDE subsets and the bandwidth search, through local generators
        (torch's global RNG is left alone). Same seed, same model on the CPU.
    verbose : int, default=0
        1 prints one line per epoch, 2 shows a progress bar.

    Attributes
    ----------
    encoder_, decoder_ : torch.nn.Module
    target_ : Target
    bandwidth_ : float
        The kernel width ``h`` (selected for ``(latent_dim, m)`` or given).
    n_kde_samples_ : int
        ``m``, the size of the KDE set.
    jsd_weight_ : float
        The weight of the JSD term used: ``jsd_weight``, or what ``"auto"``
        made of it for ``n_kde_samples_``.
    kde_refresh_every_ : int
        The refresh period ``k_b`` used, in minibatches.
    log_density_floor_ : float or None
        Log of the density floor (``None`` without one).
    latent_distribution_ : Target
        The distribution a converged GEN encodes its data with: the target
        deconvolved by the kernel, ``N(0, (1 - h^2) I)`` for a standard
        normal (section 4). ``sample`` draws from it.
    residual_variance_ : float
        ``sigma^2`` of the off-manifold law: the mean squared training
        residual (``"isotropic"``) or the variance left outside the low-rank
        part (``"low_rank"``); with ``residual_scale_="signal"``, of the
        residuals divided by the square root of their sample's factor.
    residual_mean_ : ndarray of shape (n_features,)
        Mean training residual (zeros for ``"isotropic"``).
    residual_components_ : ndarray of shape (n_residual_components, n_features)
        Principal directions of the training residuals (no rows for
        ``"isotropic"``).
    residual_component_variances_ : ndarray of shape (n_residual_components,)
        Residual variance along each of them.
    data_scaling_ : {"encoder", "global"} or None
        The ``data_scaling`` the fit used, as ``"auto"`` resolved it.
    residual_scale_ : {"constant", "signal"}
        The off-manifold law's ``residual_scale``, as ``"auto"`` resolved it.
    signal_reference_ : float or None
        With ``residual_scale_="signal"``: the training reconstructions'
        average mean square, the unit of the per-sample factor. None
        otherwise.
    signal_floor_ : float or None
        With ``residual_scale_="signal"``: the smallest factor counted. None
        otherwise.
    jacobian_floor_ : float
        Smallest singular value of the decoder's Jacobian that
        ``score_samples`` counts: ``sqrt(residual_variance_)`` over the
        latent distribution's smallest standard deviation, the stretch at
        which one latent standard deviation decodes to a displacement as
        small as the off-manifold noise. A direction stretched less is not
        resolved by the model; counting it at the floor keeps ``log det(J^T
        J)`` finite where the decoder flattens a direction (exactly ``-inf``
        when the Jacobian is rank-deficient).
    latent_gap_ : float
        How far the training codes are from following
        ``latent_distribution_``, in nats: the whitened KDE entropy
        (:class:`~skgen.EntropyScorer`'s measure) of an equally large sample of it
        minus that of the distinct codes of the training data (at most 4000,
        evenly spaced; a repeated row counts once; the reference sample is
        fixed, so the gap depends on the codes alone). About 0 when the codes follow it (standard deviation
        about ``0.09 latent_dim / sqrt(n)``), below 0 for codes spread more
        evenly than a random sample, ``inf`` when a latent direction
        collapsed, NaN for fewer than ``latent_dim + 2`` samples. ``fit``
        emits a ``ConvergenceWarning`` when it exceeds 0.25 nats (and four
        such standard deviations) with ``jsd_weight > 0``: ``sample`` and
        ``score_samples`` assume codes that follow the distribution (user
        guide, checking a fit).
    history_ : dict of lists
        Per epoch: ``loss``, ``reconstruction``, ``jsd`` (the weighted
        term; NaN in the decoder phase), ``validation_loss`` (the held-out
        reconstruction term, NaN without ``early_stopping``), ``seconds``.
        The means are over the epoch's minibatches.
    n_iter_ : int
        Epochs run, both phases.
    classes_ : ndarray of shape (n_components,)
        With a mixture target fitted with labels (``fit(X, y)``): the class
        labels, sorted; the k-th is mapped to the k-th component, and
        ``predict`` returns them. Absent otherwise.
    device_ : torch.device
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when they all are strings.

    See Also
    --------
    DensityOutlierDetector : Outlier labels from ``score_samples``.
    KDEJensenShannon : The divergence between codes and the target, alone.
    EntropyScorer : How Gaussian the codes are, as a grid-search scorer.
    skgen.baselines.AdversarialAutoencoder : The adversarial alternative.
    skgen.baselines.VariationalAutoencoder : The variational alternative.

    Notes
    -----
    The paper's exact algorithm and settings are ``GENAutoencoder(
    jsd_weight=0.01, reconstruction="sum", kde_refresh="full",
    kde_refresh_every=10, jsd_form="saturating", density_floor=None,
    decoder_fraction=0, learning_rate=2e-4, beta1=0.5, data_scaling=None,
    weight_control=None)``. The user guide
    (:ref:`gen`) says why each default differs and what each measured on
    digits, breast cancer data and MNIST.

    Examples
    --------
    >>> import numpy as np
    >>> from skgen import GENAutoencoder
    >>> X = np.random.RandomState(0).normal(size=(200, 6))
    >>> gen = GENAutoencoder(latent_dim=2, hidden_layer_sizes=(16,), max_iter=5, random_state=0).fit(X)
    >>> gen.transform(X).shape, gen.sample(3, random_state=0).shape, gen.score_samples(X[:4]).shape
    ((200, 2), (3, 6), (4,))
    """

    _parameter_constraints = {
        **BaseAutoencoder._parameter_constraints,
        "data_scaling": [StrOptions({"auto", "encoder", "global"}), None],
        "target": TARGET_CONSTRAINT,
        "jsd_weight": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "n_kde_samples": [Interval(Integral, 2, None, closed="left")],
        "kde_refresh": [StrOptions({"snapshot", "full", "rolling"})],
        "kde_refresh_every": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "density_floor": [Interval(Real, 0, 1, closed="neither"), None],
        "bandwidth": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "jsd_form": [StrOptions({"non_saturating", "saturating"})],
        "reconstruction": [StrOptions({"relative", "mean", "sum"})],
        "decoder_fraction": [Interval(Real, 0, 1, closed="left")],
        "weight_control": [StrOptions({"gap"}), None],
        "off_manifold": [StrOptions({"low_rank", "isotropic"})],
        "residual_scale": [StrOptions({"auto", "constant", "signal"})],
    }
    _penalty_name = "jsd"
    # The JSD term is a game against a lagged KDE set: its value does not fall
    # steadily as the codes improve, so stopping watches the reconstruction (and,
    # without a validation set, only once the penalty is off: _stops_on_plateau).
    _monitor = "reconstruction"

    @property
    def _extra_history(self):  # the weight weight_control sets, per epoch
        return ("jsd_weight",) if self.weight_control is not None else ()

    def __init__(
        self,
        latent_dim=8,
        *,
        hidden_layer_sizes=(512, 256),
        activation="relu",
        encoder=None,
        decoder=None,
        data_scaling="auto",
        target="normal",
        jsd_weight="auto",
        n_kde_samples=10000,
        kde_refresh="snapshot",
        kde_refresh_every="auto",
        density_floor=0.01,
        bandwidth="auto",
        jsd_form="non_saturating",
        reconstruction="relative",
        decoder_fraction=0.2,
        weight_control="gap",
        off_manifold="low_rank",
        residual_scale="auto",
        batch_size=64,
        max_iter=100,
        learning_rate=1e-3,
        beta1=0.9,
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
        self.data_scaling = data_scaling
        self.target = target
        self.jsd_weight = jsd_weight
        self.n_kde_samples = n_kde_samples
        self.kde_refresh = kde_refresh
        self.kde_refresh_every = kde_refresh_every
        self.density_floor = density_floor
        self.bandwidth = bandwidth
        self.jsd_form = jsd_form
        self.reconstruction = reconstruction
        self.decoder_fraction = decoder_fraction
        self.weight_control = weight_control
        self.off_manifold = off_manifold
        self.residual_scale = residual_scale
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

    # -- Algorithm 1 -----------------------------------------------------------
    def _check_density_defined(self, n_features):
        """Refuse the configurations whose decoder Jacobian is rank-deficient by construction.

        ``score_samples`` (eq. 10-11) needs ``log det(J^T J)`` of the decoder's
        ``(n_features, latent_dim)`` Jacobian, which is ``-inf`` when its rank
        is below ``latent_dim``: always when ``latent_dim > n_features``, and
        for the default MLP when a hidden layer is narrower than ``latent_dim``.
        """
        l = self.latent_dim
        why = None
        if l > n_features:
            why = (
                f"latent_dim={l} exceeds the number of features (n_features = {n_features}): the data lie "
                f"on at most {n_features} dimensions, so the codes cannot fill a {l}-dimensional target"
            )
        elif self.decoder is None:
            widths = check_layer_sizes(self.hidden_layer_sizes)
            if widths and min(widths) < l:
                why = (
                    f"hidden_layer_sizes={self.hidden_layer_sizes} has a layer of width {min(widths)}, "
                    f"narrower than latent_dim={l}"
                )
        if why is not None:
            raise ValueError(
                f"{why}; the decoder's Jacobian then has rank below latent_dim, so log det(J^T J) in the "
                "data-space density (eq. 10-11, score_samples) is -inf. Use a smaller latent_dim or wider layers."
            )

    def _setup_networks(self, X_train):
        scaling = self.data_scaling
        if scaling == "auto":  # images with a zero background as given (MNIST fared worse centred)
            scaling = None if has_zero_background(X_train) else "encoder"
        self.data_scaling_ = scaling
        if scaling is None:
            return
        X = X_train.double()
        mean = X.mean(0)
        scale = float(X.var(0, correction=0).mean().sqrt())
        scale = scale if math.isfinite(scale) and scale > 0 else 1.0  # constant data: centre only
        if self.encoder is None:
            self.encoder_ = torch.nn.Sequential(Affine(-mean / scale, 1.0 / scale), *self.encoder_)
        if self.decoder is None and scaling == "global":
            self.decoder_ = torch.nn.Sequential(*self.decoder_, Affine(mean, scale))
        self.encoder_.to(self.device_)
        self.decoder_.to(self.device_)

    def _setup_penalty(self, X_train, generator):
        self._check_density_defined(X_train.shape[1])
        n = X_train.shape[0]
        self.target_ = make_target(self.target, self.latent_dim)
        missing = [name for name in ("min_variance", "deconvolved") if not hasattr(self.target_, name)]
        if missing:
            raise TypeError(
                f"the target {type(self.target_).__name__} lacks {' and '.join(missing)}: a GEN needs the "
                "target's smallest variance and its deconvolution by the kernel to know the distribution its "
                "codes converge to (section 4). Subclass skgen.targets.Target, or use a skgen target."
            )
        m = min(self.n_kde_samples, n)
        self.n_kde_samples_ = m
        if self.bandwidth == "auto":
            seed = draw_seed(generator)
            self.bandwidth_ = _selected_bandwidth(self.latent_dim, m, self.target_, seed)
        else:
            self.bandwidth_ = check_bandwidth(self.bandwidth)
        min_var = self.target_.min_variance
        if self.bandwidth_**2 >= min_var:
            raise DegenerateBandwidthError(
                f"the kernel bandwidth h={self.bandwidth_:.3f} (latent_dim={self.latent_dim}, "
                f"{m} KDE samples) has h^2 >= {min_var:.3g}, the smallest target variance: the latent "
                "distribution a GEN converges to (N(0, (1 - h^2) I) for a standard normal, section 4) "
                "would degenerate. Use more training/KDE samples, a smaller latent_dim, or a target "
                "with larger variance."
            )
        self.latent_distribution_ = self.target_.deconvolved(self.bandwidth_)
        if self.density_floor is None:
            self.log_density_floor_ = None
        else:
            floor_gen = torch.Generator().manual_seed(draw_seed(generator))
            self.log_density_floor_ = log_prob_quantile(self.target_, self.density_floor, generator=floor_gen)
        if self.kde_refresh_every == "auto":  # snapshot: one refresh per m training samples seen
            batch = min(self.batch_size, n)
            self.kde_refresh_every_ = -(-m // batch) if self.kde_refresh == "snapshot" else 1
        else:
            self.kde_refresh_every_ = int(self.kde_refresh_every)
        variance = float(X_train.double().var(0, correction=0).mean())
        # "relative": error / data variance, as (error / std)^2 so that data near float32's limits do not overflow
        self._recon_std = math.sqrt(variance) if variance > 0 else 1.0
        self._labels = None if self._labels_all is None else self._labels_all.to(X_train.device)[self._train_idx]
        self.jsd_weight_ = _auto_jsd_weight(m) if self.jsd_weight == "auto" else float(self.jsd_weight)
        self._log_weight_factor, self._control_reference = 0.0, None
        self._control_every = -(-m // min(self.batch_size, n))  # one measurement per m samples seen
        if self.jsd_weight_ == 0:  # no penalty: no KDE set to keep
            return
        # weight_control keeps the full weight's pull on codes beyond the target's 1 - _PULL_MASS region
        if self.weight_control is not None:
            pull_gen = torch.Generator().manual_seed(0)  # a fixed level: the main generator is not drawn from
            self._pull_level = log_prob_quantile(self.target_, _PULL_MASS, n_samples=_PULL_SAMPLES, generator=pull_gen)
        # Line 3: a subset of m training samples whose lagged codes form the KDE set.
        self._X_train = X_train
        self._kde_generator = torch.Generator().manual_seed(draw_seed(generator))
        self._roll = 0
        # A snapshot set smaller than the data holds the samples the coming minibatches train on, so their
        # codes in the set's encoder state are already encoded (no second pass through the lagged encoder).
        self._follows_order = self.kde_refresh == "snapshot" and m < n
        self._order_generator, self._order, self._order_step, self._next_order = generator, None, 0, None
        self._draw_kde_set()
        if self.kde_refresh == "snapshot":
            self._lagged = copy.deepcopy(self.encoder_).eval().requires_grad_(False)
            self._kde_codes = self._lagged_codes_of(self._kde_X)
        else:
            self._lagged = None
            self._kde_codes = self._encode_tensor(self._kde_X)

    def _draw_kde_set(self):
        """Draw the m training samples of the KDE set; ``_slot`` maps a sample to its row (or -1).

        A snapshot set smaller than the data is the next ``m`` distinct samples of the minibatch order
        (a random subset all the same: the order is a random permutation); otherwise a random subset.
        """
        X = self._X_train
        if self._follows_order:
            index = self._upcoming_rows().to(X.device)
            self._slot = kde_slots(index, X.shape[0])
        else:
            index, self._slot = kde_subset(X.shape[0], self.n_kde_samples_, self._kde_generator, device=X.device)
        self._kde_X = X[index]

    def _epoch_order(self, n, generator):
        order = getattr(self, "_next_order", None)  # drawn ahead by _upcoming_rows
        if order is None:
            order = super()._epoch_order(n, generator)
        self._order, self._order_step, self._next_order = order, self._step, None
        return order

    def _upcoming_rows(self):
        """The next ``m`` distinct training rows the minibatches visit: this epoch's rest, then the next epoch's."""
        n, m = self._X_train.shape[0], self.n_kde_samples_
        rest = torch.zeros(0, dtype=torch.int64)
        if self._order is not None:  # within an epoch: the samples its minibatches have not reached
            starts = minibatch_starts(n, min(self.batch_size, n))
            done = self._step - self._order_step
            rest = self._order[starts[done] if done < len(starts) else n :]
        if rest.shape[0] < m:  # draw the next epoch's order now; that epoch will use it
            if self._next_order is None:
                self._next_order = super()._epoch_order(n, self._order_generator)
            nxt = self._next_order
            seen = torch.zeros(n, dtype=torch.bool)
            seen[rest] = True
            rest = torch.cat([rest, nxt[~seen[nxt]]])
        return rest[:m]

    @torch.no_grad()
    def _lagged_codes_of(self, X):
        """Codes of ``X`` under the lagged encoder (the state the KDE set was encoded in)."""
        return self._code(torch.cat([self._lagged(X[i : i + 4096]) for i in range(0, X.shape[0], 4096)]))

    def _batch_lagged_codes(self, batch_idx, slots):
        """The minibatch's codes in the KDE set's encoder state: their slots, or the lagged encoder."""
        in_set = slots >= 0
        if bool(in_set.all()):
            return self._kde_codes[slots]
        lagged = self._lagged_codes_of(self._X_train[batch_idx])
        lagged[in_set] = self._kde_codes[slots[in_set]]
        return lagged

    def _penalty(self, z, batch_idx):
        if self.jsd_weight_ == 0:
            return None
        # A sample's own lagged code sits in the KDE set at distance ~0: leave it out.
        exclude = self._slot[batch_idx]
        lagged = None if self._lagged is None else self._batch_lagged_codes(batch_idx, exclude)
        penalty = jsd_loss(
            z,
            self._kde_codes,
            self.target_,
            self.bandwidth_,
            exclude=exclude,
            form=self.jsd_form,
            lagged_z=lagged,
            log_floor=self.log_density_floor_,
        )
        if self._labels is not None:  # labelled codes: cross-entropy of their own component
            anchor = component_cross_entropy(self.target_, z, self._labels[batch_idx])
            penalty = penalty if anchor is None else penalty + anchor
        return self._with_tail_pull(self._weight() * penalty, z)

    def _with_tail_pull(self, penalty, z):
        """What ``weight_control`` takes from the penalty, kept as a pull on codes far out.

        Beyond the density floor an isolated code feels the floored penalty as about
        ``log c - log p_t(z)``; with less weight that pull weakens and the odd code escapes. So the
        weight taken away, ``jsd_weight_`` minus the weight now, keeps pulling ``log p_t(z)`` up to
        ``_pull_level``, the level outside of which the target holds 1e-4 of its mass: far enough out
        to leave the tail the stationary point needs (a pull from the floor's 1 % level cost
        reconstruction), close enough that no training code went beyond 1.33x the radius holding all
        but 1e-6 (robustness benchmark; 1.9x without the pull).
        """
        rest = self.jsd_weight_ - self._weight()
        if rest <= 0:
            return penalty
        return penalty + rest * torch.relu(self._pull_level - self.target_.log_prob(z)).mean()

    def _weight(self):
        """The weight of the penalty now: ``jsd_weight_``, times the factor of ``weight_control``."""
        if self.weight_control is None:
            return self.jsd_weight_
        return self.jsd_weight_ * math.exp(self._log_weight_factor)

    def _after_step(self, z, batch_idx, step):
        if self.jsd_weight_ == 0:  # no penalty: the KDE set is never read
            return
        self._refresh_kde_set(z, batch_idx, step)
        if self.weight_control is None:
            return None
        if step % self._control_every == 0:
            self._control_weight()
        return {"jsd_weight": self._weight()}

    @torch.no_grad()
    def _control_weight(self):
        """``weight_control="gap"``: move the weight's factor by the gap of the KDE set's codes."""
        # The set's size is fixed for the fit, so its reference entropy is computed once.
        gap, self._control_reference = self._entropy_gap(
            _evenly_spaced(self._kde_codes, _CONTROL_SAMPLES), self._control_reference
        )
        if math.isnan(gap):  # too few codes to measure: keep the weight (inf: collapsed, the full weight)
            return
        self._log_weight_factor = min(self._log_weight_factor + _CONTROL_GAIN * (gap - _CONTROL_GAP), 0.0)

    def _refresh_kde_set(self, z, batch_idx, step):
        k_b, m = self.kde_refresh_every_, self.n_kde_samples_
        if self.kde_refresh == "snapshot":
            if step % k_b == 0:  # a new snapshot of the encoder re-encodes a newly drawn set
                self._lagged.load_state_dict(self.encoder_.state_dict())
                if self._follows_order:
                    self._draw_kde_set()
                self._kde_codes = self._lagged_codes_of(self._kde_X)
            return
        slots = self._slot[batch_idx]
        mask = slots >= 0
        self._kde_codes[slots[mask]] = z[mask]  # reuse the codes this minibatch computed
        # Re-encoded as transform would (_encode_tensor: evaluation mode), like the snapshot's lagged copy.
        if self.kde_refresh == "full":
            if step % k_b == 0:  # line 13: re-encode the whole KDE set
                self._kde_codes = self._encode_tensor(self._kde_X)
            return
        # rolling: re-encode the next ceil(m / k_b) codes
        idx, self._roll = rolling_refresh_rows(m, k_b, self._roll, device=self._kde_codes.device)
        self._kde_codes[idx] = self._encode_tensor(self._kde_X[idx])

    def _validation_penalty(self, z, X_val):
        if self.jsd_weight_ == 0:
            return None
        lagged = None if self._lagged is None else self._lagged_codes_of(X_val)
        penalty = self._weight() * jsd_loss(
            z,
            self._kde_codes,
            self.target_,
            self.bandwidth_,
            form=self.jsd_form,
            lagged_z=lagged,
            log_floor=self.log_density_floor_,
        )
        return self._with_tail_pull(penalty, z)

    def _reconstruction(self, x, x_hat):
        if self.reconstruction == "relative":
            return ((x - x_hat) / self._recon_std).pow(2).mean()
        return super()._reconstruction(x, x_hat)

    def _decoder_epochs(self, n_epochs):
        return int(round(self.decoder_fraction * n_epochs))

    def _stops_on_plateau(self, joint):
        # The reconstruction levels off long before the penalty has shaped the
        # codes, so a plateau ends the joint phase only when there is no penalty.
        return not joint or self.jsd_weight_ == 0

    @unfitted_on_error
    def fit(self, X, y=None):
        """Train the GEN on ``X`` (Algorithm 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Only with a mixture target (section 5.4): class labels, ``-1`` for
            unlabelled samples. The ``k``-th class in sorted order is mapped
            to the ``k``-th component, so the target needs one component per
            class. Labelled codes add the cross-entropy of their component's
            posterior to the penalty (weighted by ``jsd_weight`` like the JSD
            term), which anchors each class to its mode while the JSD term
            shapes the whole distribution. Ignored for other targets.

        Returns
        -------
        self : GENAutoencoder
        """
        self.__dict__.pop("classes_", None)
        self._labels_all = self._encode_labels(X, y) if y is not None and _is_mixture(self.target) else None
        try:
            super().fit(X, y)
            n_codes = self._gap_codes
        finally:  # training-only state, also after an error
            for key in (
                "_gap_codes",
                "_labels_all",
                "_labels",
                "_kde_X",
                "_slot",
                "_kde_codes",
                "_roll",
                "_lagged",
                "_X_train",
                "_recon_std",
                "_kde_generator",
                "_follows_order",
                "_order_generator",
                "_order",
                "_order_step",
                "_next_order",
                "_log_weight_factor",
                "_control_reference",
                "_pull_level",
                "_control_every",
            ):
                self.__dict__.pop(key, None)
        self._warn_if_short_of_target(n_codes)
        return self

    def _finish_fit(self, Xt):
        """Measure ``latent_gap_``; fit the off-manifold law and the Jacobian floor of ``score_samples``."""
        self.residual_scale_ = self.residual_scale
        if self.residual_scale == "auto":  # the user's data, before any data_scaling
            self.residual_scale_ = "signal" if has_zero_background(Xt) else "constant"
        Xt = _evenly_spaced(Xt, _DENSITY_FIT_SAMPLES)  # enough for k + 1 parameters per feature
        Z = self._encode_tensor(Xt)
        self.latent_gap_, self._gap_codes = self._latent_gap(Z)
        X_hat = self._decode_tensor(Z)
        self.signal_reference_ = self.signal_floor_ = None
        scale = None
        if self.residual_scale_ == "signal":
            self.signal_reference_, self.signal_floor_ = fit_signal_scale(X_hat, X=Xt)
            scale = signal_scale(X_hat, self.signal_reference_, self.signal_floor_)
        k = self.latent_dim if self.off_manifold == "low_rank" else 0
        params = fit_residual_gaussian(Xt - X_hat, k, scale=scale)
        self.residual_mean_ = to_numpy(params["mean"])
        self.residual_components_ = to_numpy(params["components"])
        self.residual_component_variances_ = to_numpy(params["variances"])
        self.residual_variance_ = params["noise_variance"]
        # A latent direction the decoder stretches less than the off-manifold noise (one latent standard
        # deviation decoded to a displacement below sigma) is not resolved: count it at that level.
        latent_std = math.sqrt(self.latent_distribution_.min_variance)
        self.jacobian_floor_ = math.sqrt(self.residual_variance_) / latent_std

    def _latent_gap(self, Z):
        """Whitened KDE entropy of an equally large sample of ``latent_distribution_`` minus that of the
        distinct codes among ``Z`` (at most ``_GAP_SAMPLES``, evenly spaced); the number of codes."""
        # A repeated training row gives one code many times; at distance 0 from its copies it would drive
        # the leave-one-out entropy towards -inf (every row twice: a gap of 63 nats for codes at -0.18).
        Z = Z.cpu()
        _, first = np.unique(Z.numpy(), axis=0, return_index=True)
        Z = _evenly_spaced(Z[torch.from_numpy(np.sort(first))], _GAP_SAMPLES)  # in training order
        return self._entropy_gap(Z)[0], Z.shape[0]

    def _entropy_gap(self, Z, reference=None):
        """(gap, reference): the whitened KDE entropy of a sample of ``latent_distribution_`` as large as
        ``Z`` (``reference``, computed when not given) minus that of the codes ``Z``; NaN for too few codes
        to whiten, inf when a latent direction collapsed (no spread at all along it)."""
        n = Z.shape[0]
        if n < self.latent_dim + 2:
            return math.nan, reference
        if reference is None:  # one fixed sample per (distribution, n): the gap is a function of the codes alone
            sample = self.latent_distribution_.sample(n, torch.Generator().manual_seed(0))
            reference = whitened_entropy(sample.cpu())
        try:
            return reference - whitened_entropy(Z.cpu()), reference
        except ValueError:
            return math.inf, reference

    def _warn_if_short_of_target(self, n):
        gap = self.latent_gap_
        if self.jsd_weight_ == 0 or not gap > max(_GAP_WARNING, 4 * _GAP_NOISE * self.latent_dim / math.sqrt(n)):
            return
        shape = (
            "a latent direction collapsed"
            if math.isinf(gap)
            else f"their whitened KDE entropy is {gap:.2f} nats below that of an equally large sample of it"
        )
        warnings.warn(
            f"GENAutoencoder: the training codes do not follow latent_distribution_ ({shape}; latent_gap_), "
            "which sample() and score_samples() assume. Train for more updates (max_iter='auto' runs at least "
            "10000; small data sets get few per epoch), centre and scale the data (data_scaling='encoder' or a "
            "StandardScaler in front; images in [0, 1] start with small codes), or raise jsd_weight. The user guide "
            "(GENAutoencoder in practice, checking a fit) has what each did on data the defaults were not chosen on.",
            ConvergenceWarning,
            stacklevel=4,  # this method, fit, unfitted_on_error's wrapper, the caller
        )

    # -- generation and density -------------------------------------------------
    def sample(self, n_samples=1, random_state=None):
        """Generate data by decoding codes drawn from ``latent_distribution_``.

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
        return self._generate(self.latent_distribution_, n_samples, random_state)

    def score_samples(self, X):
        """Log density of each sample in data space (eq. 10-11); greater is more normal.

        ``log p(x) = log p(z') - 1/2 log det(J^T J) + log p_r(x - D(z'))``
        with ``z' = E(x)``, ``p`` the latent distribution the encoder
        converged to (``latent_distribution_``), ``J`` the decoder's Jacobian
        at ``z'`` (forward-mode, batched; singular values below
        ``jacobian_floor_`` counted at the floor) and ``p_r`` the
        off-manifold law of the residual (``off_manifold``). The three terms
        are returned apart by :meth:`log_density_terms`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        terms = self.log_density_terms(X)
        return terms["latent"] + terms["jacobian"] + terms["off_manifold"]

    def log_density_terms(self, X):
        """The three terms of :meth:`score_samples`, apart.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        terms : dict of ndarray of shape (n_samples,)
            ``"latent"``: ``log p(E(x))``; ``"jacobian"``:
            ``-1/2 log det(J^T J)``; ``"off_manifold"``: ``log p_r(x -
            D(E(x)))``. ``score_samples`` is their sum.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        Xt = as_tensor(X, dtype=torch.float32, device=self.device_)
        params = {
            "mean": torch.as_tensor(self.residual_mean_, dtype=torch.float64, device=self.device_),
            "components": torch.as_tensor(self.residual_components_, dtype=torch.float64, device=self.device_),
            "variances": torch.as_tensor(self.residual_component_variances_, dtype=torch.float64, device=self.device_),
            "noise_variance": self.residual_variance_,
        }
        parts = {"latent": [], "jacobian": [], "off_manifold": []}
        for start in range(0, Xt.shape[0], _DENSITY_CHUNK):
            x = Xt[start : start + _DENSITY_CHUNK]
            with torch.no_grad():
                z = self.encoder_(x)
                # a code that overflowed float32 (input near its range) has no density, as a residual that
                # overflowed has none: its latent term is -inf, the other terms are taken at the origin
                lost = ~torch.isfinite(z).all(1)
                z = torch.where(lost.unsqueeze(1), torch.zeros_like(z), z)
                x_hat = self.decoder_(z)
            log_det, _ = jacobian_log_det(decoder_jacobian(self.decoder_, z), floor=self.jacobian_floor_)
            latent = self.latent_distribution_.log_prob(z.double())
            parts["latent"].append(to_numpy(latent.masked_fill(lost, -math.inf)))
            parts["jacobian"].append(to_numpy(-0.5 * log_det))
            scale = None
            if self.signal_reference_ is not None:
                scale = signal_scale(x_hat, self.signal_reference_, self.signal_floor_)
            residual = x.double() - x_hat.double()  # float32 overflows for data near its range
            parts["off_manifold"].append(to_numpy(residual_log_prob(residual, params, scale=scale)))
        return {key: np.concatenate(val).astype(X.dtype, copy=False) for key, val in parts.items()}

    def score(self, X, y=None):
        """Mean of :meth:`score_samples`: the average log density in data space."""
        return float(np.mean(self.score_samples(X)))

    # -- mixture targets ---------------------------------------------------------
    def _encode_labels(self, X, y):
        if isinstance(y, np.ndarray) and y.dtype.kind in "US" and np.any(y == "-1"):
            raise ValueError(
                "y holds string labels and the string '-1': unlabelled samples are marked by the integer -1, "
                "which a string array cannot hold. Pass y as a list or an object array with -1 for them."
            )
        y = np.asarray(y, dtype=object)  # labels keep their own type: -1 (a number) marks the unlabelled
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        if y.ndim != 1 or y.shape[0] != n:
            raise ValueError(f"y must be 1-D with one label per sample ({n}), got shape {y.shape}.")
        missing = [i for i, v in enumerate(y) if v is None or (isinstance(v, Real) and v != v)]
        if missing:
            raise ValueError(
                f"y contains NaN or None ({len(missing)} label(s), the first at index {missing[0]}); mark "
                "unlabelled samples with -1."
            )
        unlabelled = np.array([isinstance(v, Real) and not isinstance(v, bool) and v == -1 for v in y], dtype=bool)
        known = np.asarray(y[~unlabelled].tolist())  # the labels' own dtype again (numbers or strings)
        if known.size == 0:
            return None
        classes, codes = np.unique(known, return_inverse=True)
        target = make_target(self.target, self.latent_dim)
        if len(classes) != target.n_components:
            raise ValueError(
                f"y has {len(classes)} classes but the mixture target has {target.n_components} "
                "components; semi-supervised training maps each class to one component."
            )
        self.classes_ = classes
        labels = np.full(y.shape[0], -1, dtype=np.int64)
        labels[~unlabelled] = codes
        return torch.from_numpy(labels)

    @available_if(_mixture_target)
    def predict_proba(self, X):
        """Posterior over the mixture components (= classes when fitted with labels) at ``E(x)``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        z = torch.from_numpy(self.transform(X).astype(np.float64))
        log_post = self.latent_distribution_.component_log_prob(z)
        return torch.softmax(log_post, dim=1).numpy()

    @available_if(_mixture_target)
    def predict(self, X):
        """Class of the most probable mode at ``E(x)``: ``classes_`` when fitted
        with labels, else the component index."""
        k = self.predict_proba(X).argmax(1)
        classes = getattr(self, "classes_", None)
        return k if classes is None else classes[k]
