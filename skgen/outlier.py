"""DensityOutlierDetector: scikit-learn's outlier interface around any density."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted

from .utils._state import unfitted_on_error

__all__ = ["DensityOutlierDetector"]


class DensityOutlierDetector(OutlierMixin, MetaEstimatorMixin, BaseEstimator):
    """Outlier detector that thresholds the log density of a fitted estimator.

    Fits a clone of ``estimator`` (anything with ``fit`` and
    ``score_samples``, greater = more normal: a :class:`GENAutoencoder`, a
    ``Pipeline`` ending in one, :class:`~sklearn.neighbors.KernelDensity`,
    :class:`~sklearn.mixture.GaussianMixture`) and calls a sample an outlier
    when its score falls below ``offset_``, a threshold read from the scores
    of the training samples, as :class:`~sklearn.ensemble.IsolationForest`
    does.

    Parameters
    ----------
    estimator : estimator object, default=None
        The density model; ``None`` means ``GENAutoencoder()`` with its
        defaults. It is cloned at ``fit``.
    contamination : "auto" or float in (0, 0.5], default="auto"
        The expected fraction of outliers in the training data. A float sets
        ``offset_`` to that quantile of the training scores, so that fraction
        of the training samples is predicted -1. ``"auto"`` assumes clean
        training data (novelty detection) and sets ``offset_`` to the lower
        fence of a box plot of the training scores, ``Q1 - 1.5 (Q3 - Q1)``:
        a training sample is an outlier only when its score is far below the
        bulk of the others, whatever the scale of the scores (log densities
        of images span hundreds of nats, of a 2-D Gaussian a few).

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator``.
    offset_ : float
        Threshold on ``score_samples``: ``decision_function = score_samples -
        offset_``.
    n_features_in_ : int
        Number of features seen during ``fit`` (from ``estimator_``).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when they all are strings
        (from ``estimator_``).

    See Also
    --------
    GENAutoencoder.score_samples : The data-space density of eq. 10-11.
    sklearn.ensemble.IsolationForest : The ``contamination`` convention this follows.
    sklearn.neighbors.LocalOutlierFactor : A density-ratio detector with ``novelty=True``.

    Notes
    -----
    The training scores are in-sample: for a flexible model (a GEN that
    has memorised part of its training set) they are higher than those of
    new samples from the same distribution, so a little more than
    ``contamination`` of new inliers falls below ``offset_``. Rank-based
    measures (ROC AUC, average precision) use ``score_samples`` and do not
    depend on ``offset_``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KernelDensity
    >>> from skgen.outlier import DensityOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 2))
    >>> det = DensityOutlierDetector(KernelDensity(bandwidth=0.5), contamination=0.05).fit(X)
    >>> det.predict([[0.0, 0.0], [6.0, 6.0]])
    array([ 1, -1])
    >>> float(np.mean(det.predict(X) == -1))
    0.05
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, estimator=None, *, contamination="auto"):
        self.estimator = estimator
        self.contamination = contamination

    def _make_estimator(self):
        if self.estimator is None:
            from .autoencoder import GENAutoencoder

            return GENAutoencoder()
        return clone(self.estimator)

    @_fit_context(prefer_skip_nested_validation=False)
    @unfitted_on_error
    def fit(self, X, y=None):
        """Fit the density model on ``X`` and set ``offset_`` from its training scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored
            Not used (unsupervised); present for API consistency.

        Returns
        -------
        self : DensityOutlierDetector
        """
        estimator = self._make_estimator().fit(X)
        scores = _checked_scores(estimator, X).astype(np.float64, copy=False)
        if not np.all(np.isfinite(scores)):
            bad = int(np.sum(~np.isfinite(scores)))
            raise ValueError(
                f"{type(estimator).__name__}.score_samples returned {bad} non-finite score(s) on the training "
                "data, so no threshold can be read from them; use a density model whose scores are finite."
            )
        if self.contamination == "auto":
            q1, q3 = np.percentile(scores, [25, 75])
            offset = q1 - 1.5 * (q3 - q1)
        else:
            offset = np.percentile(scores, 100.0 * self.contamination)
        self.estimator_ = estimator
        self.offset_ = float(offset)
        return self

    @property
    def n_features_in_(self):
        check_is_fitted(self)  # an unfitted detector has no n_features_in_ (AttributeError via NotFittedError)
        return self.estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        check_is_fitted(self)
        return self.estimator_.feature_names_in_

    def score_samples(self, X):
        """The fitted estimator's ``score_samples``: greater is more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        return _checked_scores(self.estimator_, X)

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        decision : ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            When the estimator's score of a sample is NaN: it could not
            score it (typically arithmetic overflow far from the data), and
            a NaN is neither above nor below the threshold.
        """
        scores = self.score_samples(X)
        nan = np.flatnonzero(np.isnan(scores))
        if nan.size:
            raise ValueError(
                f"{type(self.estimator_).__name__}.score_samples returned NaN for {nan.size} of {scores.size} "
                f"sample(s) (the first at row {nan[0]}), so they cannot be labelled; such rows usually hold values "
                "so large that the density model's arithmetic overflows: check them, or rescale the data."
            )
        return scores - self.offset_

    def predict(self, X):
        """+1 for inliers, -1 for outliers (``decision_function < 0``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._make_estimator().__sklearn_tags__()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.non_deterministic = inner.non_deterministic
        return tags


def _checked_scores(estimator, X):
    """``estimator.score_samples(X)`` as a float array, refused unless it holds one score per sample."""
    scores = np.asarray(estimator.score_samples(X))
    n = _num_samples(X)
    if scores.shape != (n,) or scores.dtype.kind not in "fiu":
        raise ValueError(
            f"{type(estimator).__name__}.score_samples must return one real score per sample, shape ({n},); "
            f"got an array of shape {scores.shape} and dtype {scores.dtype}."
        )
    return scores if scores.dtype.kind == "f" else scores.astype(np.float64)
