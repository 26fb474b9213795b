"""Which off-manifold residual scale ranks novelty better, and what ``residual_scale="auto"`` picks.

``residual_scale="signal"`` scales each sample's residual covariance by its
reconstruction's mean square; ``"constant"`` keeps one covariance for all;
``"auto"`` (the default) takes ``"signal"`` when the training data have no
negative value and at least a quarter of exact zeros (a background), and
``"constant"`` otherwise. The signal law was chosen on one-class MNIST
(``repro_novelty.py``); this script measures the rule on other data:

* ``shapes``: 28x28 line drawings of ten shapes (ring, C, square, U, +, T,
  triangle, L, X, V; random position, size, rotation and stroke width),
  drawn here. One shape as the inliers (``--n-train`` images), 1000 fresh
  images of every shape as the test set. Intensity images, like MNIST.
* ``onehot``: twelve categorical features of five levels, one-hot, and four
  numbers, min-max scaled; four classes with their own level probabilities
  and means; one class as the inliers (1000 rows), 500 of every class to
  test; ``--seeds``. Non-negative and 75 % zeros, but not intensities.
* ``tables``: breast cancer (benign as inliers, ``latent_dim=4``) and
  scikit-learn's 8x8 digits 0, 3, 8 (``latent_dim=8``), each with
  ``StandardScaler`` and ``MinMaxScaler``; 70 % of the inliers to train on,
  the rest and all outliers to test.

For every case one ``GENAutoencoder`` (defaults, ``residual_scale="constant"``)
is fitted, and both laws are fitted to its training residuals, so the two
columns differ only in the law. Printed: AUROC of ``score_samples`` under
each, and the law ``"auto"`` takes for those training data.

Usage::

    python benchmarks/bench_residual_scale.py --threads 1              # all three parts
    python benchmarks/bench_residual_scale.py --part shapes --epochs 30
"""

import argparse
import time

import numpy as np
import torch
from _repro import residual_laws
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skgen import GENAutoencoder
from skgen.density import has_zero_background

# The ten shapes as polylines in a unit frame (arcs as 24-point polylines).
_ARC = [(np.cos(a), np.sin(a)) for a in np.linspace(0, 2 * np.pi, 24)]
_OPEN_ARC = [(np.cos(a), np.sin(a)) for a in np.linspace(0.5, 2 * np.pi - 0.5, 24)]
SHAPES = {
    "ring": [_ARC],
    "C": [_OPEN_ARC],
    "square": [[(-1, -1), (-1, 1), (1, 1), (1, -1), (-1, -1)]],
    "U": [[(-1, -1), (1, -1), (1, 1), (-1, 1)]],
    "+": [[(-1, 0), (1, 0)], [(0, -1), (0, 1)]],
    "T": [[(-1, -1), (-1, 1)], [(-1, 0), (1, 0)]],
    "triangle": [[(-1, 0), (0.8, -1), (0.8, 1), (-1, 0)]],
    "L": [[(-1, -0.7), (1, -0.7), (1, 0.8)]],
    "X": [[(-1, -1), (1, 1)], [(-1, 1), (1, -1)]],
    "V": [[(-1, -1), (1, 0), (-1, 1)]],
}
_GRID = np.stack(np.meshgrid(np.arange(28.0), np.arange(28.0), indexing="ij"), -1)  # (28, 28, 2) pixel centres


def _distance_to_polyline(points):
    """Distance of every pixel centre to a polyline (min over its segments)."""
    best = np.full(_GRID.shape[:2], np.inf)
    for a, b in zip(points[:-1], points[1:]):
        ab = b - a
        t = np.clip(((_GRID - a) @ ab) / (ab @ ab), 0, 1)
        best = np.minimum(best, np.linalg.norm(_GRID - (a + t[..., None] * ab), axis=-1))
    return best


def draw_shapes(name, n, rng):
    """``n`` 28x28 drawings of one shape, flattened, in [0, 1] on a zero background."""
    images = np.empty((n, 784), dtype=np.float32)
    for i in range(n):
        centre, radius = 14 + rng.uniform(-4, 4, 2), rng.uniform(5, 10)
        angle, width = rng.uniform(-0.6, 0.6), rng.uniform(0.5, 2.0)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        dist = np.min(
            [
                _distance_to_polyline([centre + rot @ (radius * np.asarray(p, float)) for p in line])
                for line in SHAPES[name]
            ],
            axis=0,
        )
        images[i] = np.clip(1.0 - (dist - width), 0, 1).ravel()  # a stroke of half-width ``width``, 1-pixel edge
    return images


def make_onehot(rng, n_per_class):
    """Four classes of one-hot categorical rows (12 features x 5 levels) with four normal numbers."""
    levels = rng.dirichlet(np.full(5, 0.5), size=(4, 12))
    means = rng.normal(size=(4, 4))
    X, y = [], []
    for k, n in enumerate(n_per_class):
        cats = np.stack([rng.choice(5, size=n, p=levels[k, f]) for f in range(12)], 1)
        onehot = np.zeros((n, 60))
        onehot[np.arange(n)[:, None], np.arange(12) * 5 + cats] = 1
        X.append(np.hstack([onehot, rng.normal(means[k], 1.0, size=(n, 4))]))
        y.append(np.full(n, k))
    return np.vstack(X), np.concatenate(y)


def law_aurocs(X_train, X_test, inliers, latent_dim, epochs, seed):
    """AUROC of score_samples with the constant and the signal law on one GEN, and what "auto" takes."""
    gen = GENAutoencoder(latent_dim=latent_dim, max_iter=epochs, residual_scale="constant", random_state=seed)
    gen.fit(X_train)
    terms = gen.log_density_terms(X_test)
    in_manifold = terms["latent"] + terms["jacobian"]
    laws, _ = residual_laws(gen, X_train, X_test)
    auto = "signal" if has_zero_background(torch.as_tensor(X_train)) else "constant"
    return (
        roc_auc_score(inliers, in_manifold + laws["const"]),
        roc_auc_score(inliers, in_manifold + laws["signal"]),
        auto,
    )


def report(name, row, rows):
    rows.append(row)
    print(f"{name:<42} {row[0]:>9.3f} {row[1]:>9.3f} {row[2]:>9}", flush=True)


def part_shapes(args):
    X_test = np.vstack([draw_shapes(s, 1000, np.random.RandomState(1000 + k)) for k, s in enumerate(SHAPES)])
    y_test = np.repeat(np.arange(len(SHAPES)), 1000)
    print(
        f"shapes: {args.n_train} training images a shape, {args.epochs} epochs; zero pixels {np.mean(X_test == 0):.0%}"
    )
    rows = []
    for k, name in enumerate(SHAPES):
        X_train = draw_shapes(name, args.n_train, np.random.RandomState(k))
        report(f"  {name}", law_aurocs(X_train, X_test, y_test == k, 8, args.epochs, 0), rows)
    return rows


def part_onehot(args):
    rows = []
    for seed in args.seeds:
        rng = np.random.RandomState(seed)
        X, y = make_onehot(rng, [1000 + 500] * 4)
        test = np.concatenate([np.flatnonzero(y == k)[1000:] for k in range(4)])
        for k in range(4):
            train = np.flatnonzero(y == k)[:1000]
            scaler = MinMaxScaler().fit(X[train])
            report(
                f"  seed {seed}, class {k} inliers",
                law_aurocs(scaler.transform(X[train]), scaler.transform(X[test]), y[test] == k, 4, args.tab_epochs, 0),
                rows,
            )
    return rows


def part_tables(args):
    rows = []
    cases = [("breast cancer, benign", *load_breast_cancer(return_X_y=True), 1, 4)]
    X, y = load_digits(return_X_y=True)
    cases += [(f"8x8 digit {d}", X, y, d, 8) for d in (0, 3, 8)]
    for name, X, y, inlier, latent_dim in cases:
        own = np.random.RandomState(0).permutation(np.flatnonzero(y == inlier))
        n_train = int(0.7 * len(own))
        train, test = own[:n_train], np.r_[own[n_train:], np.flatnonzero(y != inlier)]
        for scaler in (StandardScaler(), MinMaxScaler()):
            scaler.fit(X[train])
            row = law_aurocs(
                scaler.transform(X[train]), scaler.transform(X[test]), y[test] == inlier, latent_dim, args.tab_epochs, 0
            )
            report(f"  {name}, {type(scaler).__name__}", row, rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "shapes", "onehot", "tables"), default="all")
    parser.add_argument("--n-train", type=int, default=2000, help="training images per shape")
    parser.add_argument("--epochs", type=int, default=100, help="GEN epochs on the shapes")
    parser.add_argument("--tab-epochs", type=int, default=100, help="GEN epochs on the one-hot data and the tables")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds of the one-hot data")
    parser.add_argument("--threads", type=int, default=0, help="cap torch's CPU threads (0: leave as is)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    print(f"{'AUROC of score_samples':<42} {'constant':>9} {'signal':>9} {'auto':>9}")
    parts = {"shapes": part_shapes, "onehot": part_onehot, "tables": part_tables}
    for name, run in parts.items():
        if args.part in ("all", name):
            rows = run(args)
            if name != "tables":
                mean = np.mean([r[:2] for r in rows], axis=0)
                print(f"{'  mean':<42} {mean[0]:>9.3f} {mean[1]:>9.3f} {rows[0][2]:>9}")
    print(f"\nwall time: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
