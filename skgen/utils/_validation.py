"""Input checks shared by the math functions and the estimators.

The math layer accepts torch tensors and numpy arrays; these helpers turn bad
input into a ``ValueError`` or ``TypeError`` that names the problem before it
reaches torch, where it would surface as an obscure shape or NaN error.
"""

import math
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import HasMethods, StrOptions

from ._torch import as_tensor

__all__ = [
    "TARGET_CONSTRAINT",
    "check_bandwidth",
    "check_distance_range",
    "check_float32_range",
    "check_positive_int",
    "check_samples",
]


# The ``target`` parameter of every estimator: "normal", a skgen target (or any object with
# log_prob and sample), or a fitted scikit-learn GaussianMixture.
TARGET_CONSTRAINT = [StrOptions({"normal"}), HasMethods(["log_prob", "sample"]), HasMethods(["fit", "score_samples"])]

_FLOAT32_MAX = float(np.finfo(np.float32).max)
# 1 / h^2 and h^2 must stay finite and normal in float32, where the kernels are evaluated
_MIN_BANDWIDTH = 1e-18
_MAX_BANDWIDTH = 1e18


def check_float32_range(X, name="X"):
    """Refuse finite values that float32, in which the networks compute, cannot hold.

    A float64 value beyond about 3.4e38 would become ``inf`` in the cast and
    then NaN inside the network, surfacing as a message about a diverged
    model instead of about the data.
    """
    X = np.asarray(X)
    if X.dtype.kind == "f" and X.size and X.dtype.itemsize > 4:
        biggest = max(float(X.max()), -float(X.min()))  # no |X| copy: this runs on every transform
        if biggest > _FLOAT32_MAX:
            raise ValueError(
                f"{name} holds values up to {biggest:.3g}, beyond the float32 range (about 3.4e38) in which "
                "the networks compute; rescale the data (e.g. StandardScaler in a Pipeline)."
            )
    return X


def check_distance_range(X, name="X", dtype=None):
    """Refuse values whose squared distances would overflow ``dtype`` (default: ``X``'s).

    Kernel estimates take squared distances between samples; beyond about
    ``sqrt(max / (4 d))`` (1e19 in float32, 1e154 in float64 for a few
    dimensions) they become ``inf`` and the estimate silently becomes NaN.
    """
    if isinstance(X, torch.Tensor):
        if not X.numel() or not X.is_floating_point():
            return X
        biggest, dtype = float(X.detach().abs().max()), dtype or X.dtype
        limit = math.sqrt(torch.finfo(dtype).max / (4 * max(1, X.shape[-1])))
    else:
        X = np.asarray(X)
        if not X.size or X.dtype.kind != "f":
            return X
        biggest, dtype = max(float(X.max()), -float(X.min())), dtype or X.dtype
        limit = math.sqrt(float(np.finfo(dtype).max) / (4 * max(1, X.shape[-1])))
    if biggest > limit:
        raise ValueError(
            f"{name} holds values up to {biggest:.3g}: squared distances between its samples would overflow "
            f"{str(dtype).removeprefix('torch.')} (values must stay below about {limit:.2g}). Rescale the data "
            "(e.g. StandardScaler in a Pipeline)."
        )
    return X


def check_positive_int(value, name, *, allow_zero=False):
    """Return ``value`` as an int, refusing bools, non-integers and values < 1 (< 0 with ``allow_zero``)."""
    what = "a non-negative integer" if allow_zero else "a positive integer"
    if isinstance(value, bool) or not isinstance(value, Integral | np.integer):
        raise TypeError(f"{name} must be {what}, got {value!r}.")
    if value < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return int(value)


def check_bandwidth(bandwidth, name="bandwidth"):
    """Return ``bandwidth`` as a float after checking it is finite and > 0."""
    if isinstance(bandwidth, torch.Tensor):
        if bandwidth.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got shape {tuple(bandwidth.shape)}.")
        bandwidth = float(bandwidth.detach())
    if isinstance(bandwidth, bool) or not isinstance(bandwidth, Real | np.floating | np.integer):
        raise TypeError(f"{name} must be a positive real number, got {bandwidth!r}.")
    bandwidth = float(bandwidth)
    if not math.isfinite(bandwidth) or bandwidth <= 0:
        raise ValueError(
            f"{name} must be a finite positive number, got {bandwidth!r}: a Gaussian kernel needs a width h > 0."
        )
    if not _MIN_BANDWIDTH <= bandwidth <= _MAX_BANDWIDTH:
        raise ValueError(
            f"{name}={bandwidth!r} is outside [{_MIN_BANDWIDTH:g}, {_MAX_BANDWIDTH:g}]: the kernel's "
            "1 / h^2 or h^2 would overflow. Rescale the data instead (a Gaussian kernel's width is "
            "relative to the data's scale)."
        )
    return bandwidth


def check_samples(
    X, name="X", *, min_samples=2, n_features=None, features_are=None, dtype=None, device=None, distances=True
):
    """Validate a 2-D sample array and return it as a floating torch tensor.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n_samples, n_features)
        Samples, one per row.
    name : str, default="X"
        Name used in error messages.
    min_samples : int, default=2
        Fewest rows accepted.
    n_features : int, default=None
        Required number of columns, if any.
    features_are : str, default=None
        What the required number of columns is, for the error message (e.g.
        "the latent dimension"); by default the target distribution's.
    dtype : torch.dtype, default=None
        Output dtype. ``None`` keeps float32/float64 tensors and arrays as they
        are and converts everything else to float64.
    device : torch.device, default=None
        Output device. ``None`` keeps a tensor's device (CPU for arrays).
    distances : bool, default=True
        Refuse values whose squared distances overflow (see
        :func:`check_distance_range`); off for data that no kernel sees.

    Returns
    -------
    X : torch.Tensor of shape (n_samples, n_features)
    """
    if isinstance(X, torch.Tensor):
        if X.is_complex():
            raise TypeError(f"{name} must be real-valued, got a complex tensor.")
        if not (X.is_floating_point() or X.dtype in _INT_DTYPES):
            raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}.")
        if X.dtype not in (torch.float32, torch.float64):
            X = X.to(torch.float64)
    else:
        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise TypeError(f"{name} is a sparse matrix; skgen needs dense data.")
        arr = np.asarray(X)
        if arr.dtype.kind == "c":
            raise TypeError(f"{name} must be real-valued, got complex dtype {arr.dtype}.")
        if arr.dtype.kind not in "fiub":
            try:
                arr = arr.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}.") from None
        if arr.dtype.kind == "b":
            raise TypeError(f"{name} must hold real numbers, got boolean values.")
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        X = as_tensor(arr)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"{X.ndim}-D with shape {tuple(X.shape)}. Reshape a single feature "
            "with X.reshape(-1, 1) and a single sample with X.reshape(1, -1)."
        )
    n, d = X.shape
    if d == 0:
        raise ValueError(f"{name} has 0 features (shape {tuple(X.shape)}); need at least 1.")
    if n < min_samples:
        raise ValueError(
            f"{name} has {n} sample(s) (shape {tuple(X.shape)}) while a minimum of {min_samples} is required."
        )
    if n_features is not None and d != n_features:
        raise ValueError(
            f"{name} has {d} features but {n_features} are expected "
            f"({features_are or 'the dimension of the target distribution'})."
        )
    if not bool(torch.isfinite(X).all()):
        kind = "NaN" if bool(torch.isnan(X).any()) else "infinity"
        raise ValueError(f"{name} contains {kind}; remove or impute those rows first.")
    if distances:
        check_distance_range(X, name, dtype)
    if dtype is not None or device is not None:
        X = X.to(dtype=dtype or X.dtype, device=device or X.device)
    return X


_INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)
