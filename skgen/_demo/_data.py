"""The demo's data: digits, MNIST or the user's table, the subset and the scaler."""

import os
import types

import numpy as np

from ._common import (
    DEFAULT_EPOCHS,
    MNIST_EPOCHS,
    MNIST_N_SAMPLES,
    QUICK_EPOCHS,
    QUICK_KDE_SAMPLES,
    QUICK_N_SAMPLES,
    DemoError,
)


# -- data ---------------------------------------------------------------------
class _Data(types.SimpleNamespace):
    """X (raw values), name, description, image_shape or None, kind ("image" or "table")."""


def _load(args):
    if args.data is not None:
        from ..datasets import load_table

        try:
            X, image_shape = load_table(args.data)
        except (OSError, ValueError) as exc:
            raise DemoError(f"--data: {exc}") from None
        name = os.path.basename(args.data)
        return _Data(X=X, name=name, description=f"{args.data}", image_shape=image_shape, kind="table")
    if args.mnist is not None:
        from ..datasets import load_mnist

        n = args.n_samples or (QUICK_N_SAMPLES if args.quick else MNIST_N_SAMPLES)
        try:
            X, _ = load_mnist(args.mnist, "train", n_samples=n, dtype=np.float64)
        except (OSError, ValueError) as exc:
            raise DemoError(f"--mnist: {exc}") from None
        return _Data(
            X=X,
            name="MNIST",
            description=f"MNIST training images from {args.mnist}",
            image_shape=(28, 28),
            kind="image",
        )
    from sklearn.datasets import load_digits

    X = load_digits().data.astype(np.float64)
    return _Data(
        X=X, name="digits", description="scikit-learn's digits (load_digits)", image_shape=(8, 8), kind="image"
    )


def _config(args, data):
    mnist = args.mnist is not None
    if args.epochs is not None:
        epochs = args.epochs
    else:
        epochs = QUICK_EPOCHS if args.quick else MNIST_EPOCHS if mnist else DEFAULT_EPOCHS
    n_cap = args.n_samples or (QUICK_N_SAMPLES if args.quick else None)
    scale = args.scale if args.scale != "auto" else ("minmax" if data.kind == "image" else "standard")
    return dict(
        epochs=epochs,
        n_cap=n_cap,
        scale=scale,
        gen_extra={},
        seed=args.seed,
        n_kde_samples=QUICK_KDE_SAMPLES if args.quick else 10000,
    )


def _subset(data, cfg):
    X = data.X
    data.n_total = X.shape[0]
    if cfg["n_cap"] is not None and X.shape[0] > cfg["n_cap"]:
        rng = np.random.RandomState(cfg["seed"])
        X = X[np.sort(rng.choice(X.shape[0], cfg["n_cap"], replace=False))]
    return X


def _check_shapes(X, data, latent_dim):
    n, d = X.shape
    if n < 2:
        raise DemoError(f"{data.name} has {n} sample; a GEN needs at least 2")
    if latent_dim > d:
        raise DemoError(
            f"--latent-dim {latent_dim} is larger than the {d} features of {data.name}: the codes "
            f"would lie in a {d}-dimensional subspace (use --latent-dim {d} or less)"
        )
    if n < latent_dim + 2:
        raise DemoError(
            f"{n} samples are too few for --latent-dim {latent_dim}: the latent covariance "
            f"needs at least {latent_dim + 2} (use --n-samples or a smaller --latent-dim)"
        )


def _affine(X, shift, scale):
    return (X - shift) / scale


def _affine_inverse(X, shift, scale):
    return X * scale + shift


def _make_scaler(scale, X):
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    if scale == "standard":
        with np.errstate(over="ignore", invalid="ignore"):
            spread = X.std(axis=0)
        if not np.isfinite(spread).all():
            raise DemoError(
                f"values up to {np.abs(X).max():.3g} are too large to standardise (their squares overflow "
                "float64): rescale the data first, or use --scale minmax"
            )
        if not (spread > 0).any():
            raise DemoError("every column of the data is constant: there is nothing to encode")
        return StandardScaler(), "columns standardised (StandardScaler)"
    if scale == "minmax":
        lo, hi = float(X.min()), float(X.max())
        if not np.isfinite(hi - lo):
            raise DemoError(f"the values span [{lo:.3g}, {hi:.3g}], wider than float64 can hold: rescale the data")
        if not hi > lo:
            raise DemoError(f"every value of the data equals {lo}: there is nothing to encode")
        kw = {"shift": lo, "scale": hi - lo}
        scaler = FunctionTransformer(
            _affine, inverse_func=_affine_inverse, kw_args=kw, inv_kw_args=kw, check_inverse=False
        )
        return scaler, f"values mapped from [{lo:.4g}, {hi:.4g}] to [0, 1]"
    return "passthrough", "not scaled"
