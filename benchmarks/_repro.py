"""Shared pieces of the paper-reproduction scripts (``repro_*.py``).

* command-line arguments every script takes (``--quick``, ``--out``,
  ``--device``, ``--seed``, ``--threads``, ``--mnist``) and the closing
  footer (command, date, device, wall time);
* MNIST loading;
* one factory that builds GEN, AAE, VAE and a plain autoencoder with the same
  architecture and training settings (784-512-256-l MLPs, batch 64, GEN's
  learning rate and epochs), so that differences come from the latent penalty
  alone; Adam's beta1 is each class's default (0.9 for GEN and the plain
  autoencoder, the paper's 0.5 for AAE and VAE: with 0.9 the adversarial game
  of the AAE collapsed the codes of one of two seeds on MNIST);
* the entropy of an equally large N(0, I_l) sample (Table 2's reference row),
  the reconstruction error per pixel;
* the Frechet distance between two feature sets and a small MNIST classifier
  whose penultimate layer supplies the features (an MNIST stand-in for the
  Inception FID, which needs weights that cannot be downloaded here);
* image grids written as PNG.

These scripts live in ``benchmarks/`` and import this module as ``_repro``
(the script's folder is on ``sys.path`` when it is run as
``python benchmarks/repro_....py``).
"""

import argparse
import datetime
import json
import os
import platform
import shlex
import sys
import time
import warnings

import numpy as np
import torch
from sklearn.preprocessing import FunctionTransformer

from skgen import EntropyScorer, GENAutoencoder, jsd_bandwidth
from skgen.datasets import load_mnist
from skgen.density import fit_residual_gaussian, fit_signal_scale, residual_log_prob, signal_scale
from skgen.utils._torch import resolve_device

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_OUT = os.path.join(HERE, "results")
DEFAULT_MNIST = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "mnist"))

# Every model is built from these (GEN's own defaults, see its docstring).
ARCHITECTURE = {"hidden_layer_sizes": (512, 256), "batch_size": 64}
_GEN_DEFAULTS = GENAutoencoder().get_params()
TRAINING = {key: _GEN_DEFAULTS[key] for key in ("learning_rate", "max_iter", "tol", "n_iter_no_change")}

MODEL_NAMES = {"GEN": "GEN (skgen defaults)", "AAE": "AAE", "VAE": "VAE (Bernoulli)", "AE": "plain AE (jsd_weight=0)"}


# -- command line, header and footer ----------------------------------------------
def make_parser(doc, mnist=True):
    """An ArgumentParser with the options every reproduction script takes."""
    # "resolve": a script may redefine one of these options (its definition wins)
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter, conflict_handler="resolve"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a few minutes on 2 CPU cores instead of the paper's protocol"
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"folder for the PNGs and JSON (default {DEFAULT_OUT})")
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda | cuda:N (default auto)")
    parser.add_argument("--seed", type=int, default=0, help="first random seed (default 0)")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="cap torch's and BLAS's CPU threads (default 0: leave them as they are); on a "
        "2-core machine shared with other jobs, --threads 1 trained GEN 15x faster than 2",
    )
    if mnist:
        parser.add_argument(
            "--mnist", default=DEFAULT_MNIST, help=f"folder with the MNIST IDX files (default {DEFAULT_MNIST})"
        )
    return parser


class Run:
    """Wall clock and the closing lines of a reproduction script."""

    def __init__(self, args, title):
        self.args = args
        if getattr(args, "threads", 0):
            from threadpoolctl import threadpool_limits

            torch.set_num_threads(args.threads)
            self._limits = threadpool_limits(args.threads)  # kept alive for the run
        self.device = resolve_device(args.device)
        self.t0 = time.perf_counter()
        os.makedirs(args.out, exist_ok=True)
        mode = "quick" if getattr(args, "quick", False) else "full"
        print(f"{title} ({mode} mode, device {self.device})", flush=True)

    def path(self, name):
        return os.path.join(self.args.out, name)

    def write_json(self, name, data):
        """Write ``data`` as JSON under ``--out``; returns the path."""
        path = self.path(name)
        with open(path, "w") as f:
            json.dump(data, f, indent=1)
        return path

    def elapsed(self):
        return time.perf_counter() - self.t0

    def footer(self, written=()):
        for p in written:
            p = os.path.abspath(p)
            print(f"wrote {os.path.relpath(p, REPO) if p.startswith(REPO + os.sep) else p}")
        argv = [os.path.relpath(sys.argv[0], REPO) if os.path.exists(sys.argv[0]) else sys.argv[0], *sys.argv[1:]]
        dev = str(self.device)
        if self.device.type == "cuda":
            dev += f" ({torch.cuda.get_device_name(self.device)})"
        else:
            dev += f" ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"
        print(f"\ncommand:   python {shlex.join(argv)}")
        print(f"date:      {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}")
        print(f"device:    {dev}; torch {torch.__version__}")
        print(f"wall time: {self.elapsed():.0f} s ({self.elapsed() / 60:.1f} min)")


# -- data ----------------------------------------------------------------------------
def load_mnist_split(folder, n_train=None, n_test=None):
    """(X_train, y_train, X_test, y_test), pixels in [0, 1], the first n of each."""
    X_train, y_train = load_mnist(folder, "train", n_samples=n_train)
    X_test, y_test = load_mnist(folder, "test", n_samples=n_test)
    return X_train, y_train, X_test, y_test


# -- models --------------------------------------------------------------------------
def baselines_available():
    try:
        import skgen.baselines  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return None


def make_model(kind, *, latent_dim=8, max_iter=None, random_state=None, device="auto", **overrides):
    """GEN, AAE, VAE or a plain AE, all with ``ARCHITECTURE`` and ``TRAINING``.

    ``kind`` is "GEN" (GENAutoencoder with its defaults), "AE" (the same with
    ``jsd_weight=0``), "AAE" (AdversarialAutoencoder) or "VAE"
    (VariationalAutoencoder with a Bernoulli decoder). Shared settings a class
    does not take are left out; ``overrides`` are passed as given.
    """
    if kind in ("GEN", "AE"):
        cls, extra = GENAutoencoder, ({"jsd_weight": 0.0} if kind == "AE" else {})
    elif kind == "AAE":
        from skgen.baselines import AdversarialAutoencoder as cls

        extra = {}
    elif kind == "VAE":
        from skgen.baselines import VariationalAutoencoder as cls

        extra = {"likelihood": "bernoulli"}
    else:
        raise ValueError(f"unknown model kind {kind!r}; expected GEN, AE, AAE or VAE.")
    params = {
        **ARCHITECTURE,
        **TRAINING,
        "latent_dim": latent_dim,
        "random_state": random_state,
        "device": device,
        **extra,
    }
    if max_iter is not None:
        params["max_iter"] = max_iter
    accepted = cls().get_params()
    params = {k: v for k, v in params.items() if k in accepted}
    return cls(**{**params, **overrides})


def gen_bandwidth(n_samples, latent_dim=8, seed=0):
    """The JSD-optimal bandwidth a default GENAutoencoder selects for ``n_samples`` training samples.

    Algorithm 1, line 1: it depends on (l, m) only, with m = min(n, 10000)
    KDE samples. Selecting it once and passing ``bandwidth=h`` to every seed
    saves the search each fit would repeat (minutes on a CPU at m = 10000).
    """
    m = min(n_samples, _GEN_DEFAULTS["n_kde_samples"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(jsd_bandwidth(latent_dim, m, random_state=seed))


def reconstruction_mse(model, X):
    """Mean squared reconstruction error per pixel, ``D(E(x))`` against ``x``."""
    out = []
    for i in range(0, len(X), 4096):
        x = X[i : i + 4096]
        out.append(((x - model.inverse_transform(model.transform(x))) ** 2).sum())
    return float(np.sum(out) / X.size)


def residual_laws(gen, X_train, X_test):
    """Off-manifold log densities of ``X_test`` under each law a GEN can fit, all on ``gen``'s training residuals.

    ``"iso"``: ``off_manifold="isotropic"``; ``"const"`` and ``"signal"``: the low-rank law with
    ``residual_scale="constant"`` and ``"signal"`` (scaled per sample by the reconstruction's mean square),
    whichever the GEN itself uses. Returns the dict and the test reconstructions ``D(E(X_test))``.
    """
    X_hat_tr, X_hat_te = (torch.as_tensor(gen.inverse_transform(gen.transform(X))) for X in (X_train, X_test))
    resid_tr, resid_te = torch.as_tensor(X_train) - X_hat_tr, torch.as_tensor(X_test) - X_hat_te
    reference, floor = fit_signal_scale(X_hat_tr)
    scale_tr, scale_te = (signal_scale(Xh, reference, floor) for Xh in (X_hat_tr, X_hat_te))
    iso, const = (fit_residual_gaussian(resid_tr, k) for k in (0, gen.latent_dim))
    signal = fit_residual_gaussian(resid_tr, gen.latent_dim, scale=scale_tr)
    laws = {
        "iso": residual_log_prob(resid_te, iso),
        "const": residual_log_prob(resid_te, const),
        "signal": residual_log_prob(resid_te, signal, scale=scale_te),
    }
    return {name: value.numpy() for name, value in laws.items()}, X_hat_te.numpy()


def latent_entropy(model, X):
    """Table 2's metric: KDE entropy (nats) of the whitened codes of X (nan if they cannot be whitened)."""
    try:
        return float(EntropyScorer()(model, X))
    except ValueError as exc:  # a singular covariance: some latent direction collapsed
        print(f"  entropy undefined: {exc}")
        return float("nan")


def normal_entropy(n, latent_dim, rng):
    """The same metric on ``n`` draws from N(0, I_l) (Table 2's reference row)."""
    return float(EntropyScorer()(FunctionTransformer(), rng.standard_normal((n, latent_dim))))


def fmt(mean, std, digits=3):
    return f"{mean:.{digits}f}+-{std:.{digits}f}"


# -- Frechet distance of classifier features ------------------------------------------
def frechet_distance(A, B):
    """Frechet distance between Gaussians fitted to two feature sets (rows = samples).

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^{1/2})``, the formula of
    the FID; the trace of the matrix square root is computed from the
    eigenvalues of ``S_a^{1/2} S_b S_a^{1/2}``, which is symmetric.
    """
    A, B = np.asarray(A, np.float64), np.asarray(B, np.float64)
    mu_a, mu_b = A.mean(0), B.mean(0)
    S_a, S_b = np.cov(A, rowvar=False), np.cov(B, rowvar=False)
    w, V = np.linalg.eigh(S_a)
    root_a = (V * np.sqrt(np.clip(w, 0, None))) @ V.T
    cross = np.linalg.eigvalsh(root_a @ S_b @ root_a)
    tr_sqrt = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(S_a) + np.trace(S_b) - 2 * tr_sqrt)


class FeatureNet(torch.nn.Module):
    """A small MNIST classifier, 784-512-256-``n_features``-10 with dropout.

    Its penultimate layer (``n_features`` units after ReLU) supplies the
    features of the Frechet distance. It is NOT Inception-v3: the distances
    are comparable with each other, not with published FIDs.
    """

    def __init__(self, n_features=128):
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Linear(784, 512),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(512, 256),
            torch.nn.ReLU(),
            torch.nn.Dropout(0.2),
            torch.nn.Linear(256, n_features),
            torch.nn.ReLU(),
        )
        self.head = torch.nn.Linear(n_features, 10)

    def forward(self, x):
        return self.head(self.body(x))

    @torch.no_grad()
    def features(self, X, device="cpu"):
        self.eval()
        X = torch.as_tensor(np.clip(X, 0, 1), dtype=torch.float32)
        return torch.cat([self.body(X[i : i + 4096].to(device)).cpu() for i in range(0, len(X), 4096)]).numpy()

    @torch.no_grad()
    def predict(self, X, device="cpu"):
        self.eval()
        X = torch.as_tensor(X, dtype=torch.float32)
        return torch.cat(
            [self.forward(X[i : i + 4096].to(device)).argmax(1).cpu() for i in range(0, len(X), 4096)]
        ).numpy()


def train_feature_net(X, y, *, epochs=10, seed=0, device="cpu", n_features=128):
    """Train ``FeatureNet`` with Adam (lr 1e-3, batch 128) on (X, y); returns it in eval mode."""
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = FeatureNet(n_features).to(device)
        Xt = torch.as_tensor(X, dtype=torch.float32)
        yt = torch.as_tensor(y, dtype=torch.long)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(epochs):
            net.train()
            perm = torch.randperm(len(Xt), generator=gen)
            for i in range(0, len(Xt), 128):
                idx = perm[i : i + 128]
                loss = torch.nn.functional.cross_entropy(net(Xt[idx].to(device)), yt[idx].to(device))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    net.eval()
    return net


# -- pictures ------------------------------------------------------------------------
def tile(images, n_cols, side=None, pad=1):
    """Rows of flattened ``side x side`` images as one array, ``n_cols`` per row, grey gaps.

    ``side`` defaults to the square root of the number of pixels (28 for MNIST, 8 for digits).
    """
    side = side or int(round(np.sqrt(np.asarray(images).shape[-1])))
    images = np.clip(np.asarray(images, dtype=np.float64), 0, 1).reshape(-1, side, side)
    n_rows = -(-len(images) // n_cols)
    canvas = np.full((n_rows * (side + pad) + pad, n_cols * (side + pad) + pad), 0.5)
    for k, img in enumerate(images):
        r, c = divmod(k, n_cols)
        canvas[
            pad + r * (side + pad) : pad + r * (side + pad) + side,
            pad + c * (side + pad) : pad + c * (side + pad) + side,
        ] = img
    return canvas


def save_grids(path, panels, n_cols, suptitle=None, panel_width=4.0):
    """One PNG with a titled image grid per entry of ``panels`` (title -> images)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    canvases = {title: tile(imgs, n_cols) for title, imgs in panels.items()}
    aspect = max(c.shape[0] / c.shape[1] for c in canvases.values())
    fig, axes = plt.subplots(
        1, len(canvases), figsize=(panel_width * len(canvases), panel_width * aspect + 0.6), squeeze=False
    )
    for ax, (title, canvas) in zip(axes[0], canvases.items()):
        ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def pyplot():
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
