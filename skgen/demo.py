"""``python -m skgen demo``: train a GEN on a data set and write an HTML report.

The command trains a :class:`~skgen.GENAutoencoder` (in a scikit-learn
``Pipeline`` behind a scaler) on scikit-learn's 8x8 digits, on MNIST
(``--mnist DIR``) or on a table of the user's (``--data FILE``), prints the
headline numbers and writes a report folder: ``index.html``, ``summary.png``,
one PNG per view and ``summary.json``.

Everything here is application code on top of the public API: ``fit``,
``transform``, ``inverse_transform``, ``sample``, ``score_samples``,
``history_``, ``bandwidth_``, ``latent_distribution_`` and
:class:`~skgen.EntropyScorer`. Figures use matplotlib's object-oriented API on
the Agg canvas (no pyplot, no windows); matplotlib is optional.

Call :func:`main` with a list of arguments to run it in-process::

    from skgen.demo import main
    status = main(["--quick", "--out", "/tmp/report"])
"""

import argparse
import csv
import html
import io
import json
import math
import os
import platform
import shlex
import sys
import time
import types
import warnings

import numpy as np

__all__ = ["CommandLineParser", "DemoError", "add_arguments", "main", "run"]

PROG = "skgen demo"
PLOT_INSTALL = 'pip install "skgen[plot]"'

# Defaults, measured on 2 shared CPU cores (see the module's --help text).
DEFAULT_EPOCHS = 100  # digits and --data
MNIST_EPOCHS = 10
MNIST_N_SAMPLES = 10000
QUICK_EPOCHS = 3
QUICK_N_SAMPLES = 500
QUICK_KDE_SAMPLES = 256
ENTROPY_MAX_SAMPLES = 5000  # the KDE entropy costs O(m^2)
SCORE_MAX_SAMPLES = 5000  # score_samples needs one Jacobian per row
N_SHOW = 16  # reconstructions and generated samples shown
N_TYPICAL = 8  # most and least typical shown

DESCRIPTION = """\
Train a GENAutoencoder and write a report folder: index.html, summary.png,
one PNG per view and summary.json.

By default the data are scikit-learn's 8x8 digits (1797 images, pixel values
scaled to [0, 1]), latent dimension 8; this takes about a minute on two CPU
cores. --quick runs a few epochs on 500 rows in seconds, to check that
everything works.

The terminal shows the stages, a progress bar (one line per epoch when stderr
is not a terminal) and the headline numbers: the whitened latent entropy
(EntropyScorer) against an equally large N(0, I_l) sample, the reconstruction
MSE (beside PCA with as many components), the kernel bandwidth h with the
latent variance 1 - h^2 a GEN converges to, and the fit time."""

EPILOG = f"""\
data and scaling:
  (default)      scikit-learn's load_digits, 1797 x 64, drawn as 8x8 images.
  --mnist DIR    the MNIST IDX files (train-images-idx3-ubyte[.gz] and the
                 labels) in DIR; the first --n-samples images (default
                 {MNIST_N_SAMPLES}), {MNIST_EPOCHS} epochs, m = 10000 KDE samples.
  --data FILE    your own table, one sample per row: .npy (a 2-D array, or a
                 3-D stack of images) or .csv (comma, semicolon or tab
                 separated; if the first row holds anything that is not a
                 number it is taken as a header). Rows with NaN or infinite
                 values are refused. Rows are drawn as images when the
                 feature count is a square of at least 16 (64 = 8x8,
                 784 = 28x28) or the .npy is an image stack, otherwise as
                 heat-map rows.
  --scale auto   images (digits, MNIST) are mapped to [0, 1] by the global
                 minimum and maximum of the data ("minmax": pixels keep their
                 relative intensities); --data tables are standardised column
                 by column ("standard", StandardScaler). "none" trains on the
                 values as they are. The scaler and the GEN form one
                 scikit-learn Pipeline; reconstruction errors and figures are
                 in scaled units.

report (in --out, default ./skgen-demo/, files are overwritten):
  index.html           the report, with the headline numbers
  summary.png          the views below in one figure
  reconstructions.png  originals beside their reconstructions D(E(x))
  samples.png          generated samples (GENAutoencoder.sample)
  latent.png           pairs of latent dimensions with the contours of
                       latent_distribution_, N(0, (1 - h^2) I)
  training.png         reconstruction error and JSD term per epoch (history_)
  typical.png          most and least typical rows by score_samples
  summary.json         the headline numbers, machine-readable

figures need matplotlib: {PLOT_INSTALL}
  Without it the demo still trains, prints the numbers and writes index.html
  and summary.json; it warns, says how to install matplotlib, and exits 0.

--quick: {QUICK_EPOCHS} epochs on at most {QUICK_N_SAMPLES} rows with m = {QUICK_KDE_SAMPLES} KDE samples; the
  numbers are not meaningful, the report's layout is.

exit status: 0 done, 1 training failed (the loss diverged), 2 bad input or
options (one line on stderr, "{PROG}: error: ..."), 130 interrupted.

examples:
  python -m skgen demo
  python -m skgen demo --quick --out /tmp/skgen-quick
  python -m skgen demo --data table.csv --latent-dim 4
  python -m skgen demo --mnist ../shared/data/mnist --n-samples 5000"""

PARSER_KWARGS = dict(description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)


class DemoError(Exception):
    """Bad input or options: reported as one line on stderr, exit status 2."""


class CommandLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


# -- command line -------------------------------------------------------------
def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer seed, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"a seed must be in [0, 2**32 - 1], got {value}")
    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def add_arguments(parser):
    """Add the demo's options to ``parser`` (an ``argparse.ArgumentParser``)."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE", help="train on this .npy or .csv table instead of digits")
    source.add_argument("--mnist", metavar="DIR", help="train on the MNIST IDX files in DIR instead of digits")
    parser.add_argument(
        "--n-samples",
        type=_positive_int,
        metavar="N",
        help=f"use at most N rows (a seeded random subset; the first N for MNIST). Default: all rows, "
        f"{MNIST_N_SAMPLES} for --mnist, {QUICK_N_SAMPLES} with --quick",
    )
    parser.add_argument(
        "--latent-dim",
        type=_positive_int,
        default=8,
        metavar="L",
        help="latent dimension l (default: 8, as in the paper)",
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="E",
        help=f"training epochs (default: {DEFAULT_EPOCHS}; {MNIST_EPOCHS} for --mnist; {QUICK_EPOCHS} with --quick). "
        "Training also stops when the loss has not improved for 10 epochs",
    )
    parser.add_argument(
        "--scale",
        choices=("auto", "minmax", "standard", "none"),
        default="auto",
        help="scaling before the GEN (default: auto: minmax for images, standard for --data)",
    )
    parser.add_argument(
        "--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto, CUDA when available)"
    )
    parser.add_argument(
        "--threads",
        type=_positive_int,
        metavar="N",
        help="CPU threads for torch during the run (default: torch's default, one per core, "
        "or 1 when the load average shows every core busy: competing threads slow an epoch "
        "down many times)",
    )
    parser.add_argument(
        "--seed", type=_seed, default=0, help="random_state of everything random, 0 to 2**32 - 1 (default: 0)"
    )
    parser.add_argument(
        "--out", default="skgen-demo", metavar="DIR", help="report folder (default: ./skgen-demo), created if needed"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run in seconds: {QUICK_EPOCHS} epochs, at most {QUICK_N_SAMPLES} rows, m = {QUICK_KDE_SAMPLES}",
    )
    # usage lines show how the command is typed; error messages keep the short prog ("skgen demo: error: ...")
    prog, parser.prog = parser.prog, "python -m skgen demo"
    parser.usage = parser.format_usage().removeprefix("usage: ").rstrip()
    parser.prog = prog
    return parser


def main(argv=None):
    """Run the demo with the command-line arguments ``argv``; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        The options after ``demo``, e.g. ``["--quick", "--out", "report"]``;
        ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 when training failed, 2 for bad input or options,
        130 when interrupted.
    """
    parser = add_arguments(CommandLineParser(prog=PROG, **PARSER_KWARGS))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    return run(args)


def run(args):
    """Run the demo with parsed options (see :func:`add_arguments`); return the exit status."""
    import torch

    threads = torch.get_num_threads()
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            args.threads_used, args.threads_note = _choose_threads(getattr(args, "threads", None), threads)
            torch.set_num_threads(args.threads_used)
            return _run(args)
        except DemoError as exc:
            _error(str(exc))
            return 2
        except KeyboardInterrupt:
            _error("interrupted")
            return 130
        finally:
            torch.set_num_threads(threads)


def _choose_threads(requested, default):
    """Torch threads for the run: ``requested``, else torch's default unless the cores are already busy.

    With every core taken by other processes, torch's intra-op threads wait on
    each other: on a shared 2-core machine a GEN epoch on digits took 5-40 s
    with 2 threads against 1.2 s with 1.
    """
    if requested:
        return requested, f"{requested} (--threads)"
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return default, f"{default}"
    cores = os.cpu_count() or default
    if default > 1 and load >= cores:
        return 1, f"1 (load {load:.1f} on {cores} cores; --threads overrides)"
    return default, f"{default}"


def _error(message):
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def _warn(message):
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _warn(str(message).splitlines()[0] if str(message) else category.__name__)


def _say(message=""):
    print(message, flush=True)


# -- the run ------------------------------------------------------------------
def _run(args):
    from .utils._torch import resolve_device

    try:
        device = resolve_device(args.device)
    except ValueError as exc:
        raise DemoError(f"--device: {exc}") from None
    out = os.path.abspath(os.path.expanduser(args.out))
    if os.path.exists(out) and not os.path.isdir(out):
        raise DemoError(f"--out: {out!r} is a file, not a folder")
    mpl = _import_matplotlib()

    data = _load(args)
    cfg = _config(args, data)
    X = _subset(data, cfg)
    _check_shapes(X, data, args.latent_dim)
    out_dir = _prepare_out(out)  # before training, so that an unusable folder fails fast
    scaler, scale_text = _make_scaler(cfg["scale"], X)
    data.scale, data.scale_text = cfg["scale"], scale_text

    _say(f"{PROG}: GENAutoencoder on {data.name}")
    if mpl is None:
        _warn(f"matplotlib is not installed: the report will have no figures. Install it with: {PLOT_INSTALL}")
    shape = f" ({data.image_shape[0]}x{data.image_shape[1]} images)" if data.image_shape else ""
    _say(f"[1/4] data: {data.description}, {X.shape[0]} samples x {X.shape[1]} features{shape}; {scale_text}")

    from sklearn.pipeline import Pipeline

    from .autoencoder import GENAutoencoder

    gen = GENAutoencoder(
        args.latent_dim,
        max_iter=cfg["epochs"],
        n_kde_samples=cfg["n_kde_samples"],
        device=device.type if device.index is None else str(device),
        random_state=args.seed,
        verbose=2 if _isatty(sys.stderr) else 1,
        **cfg["gen_extra"],
    )
    pipe = Pipeline([("scale", scaler), ("gen", gen)])
    m = min(cfg["n_kde_samples"], X.shape[0])
    widths = "-".join(str(w) for w in (X.shape[1], *gen.hidden_layer_sizes, args.latent_dim))
    _say(
        f"[2/4] training: latent_dim {args.latent_dim}, MLP {widths}, up to {cfg['epochs']} epochs, "
        f"m = {m} KDE samples, jsd_weight {gen.jsd_weight}, device {device}, threads {args.threads_note}"
    )
    t0 = time.perf_counter()
    try:
        pipe.fit(X)
    except FloatingPointError as exc:
        _error(f"training failed: {exc}")
        return 1
    except ValueError as exc:  # e.g. a bandwidth h >= 1 for this latent_dim and m
        raise DemoError(f"cannot train with --latent-dim {args.latent_dim} on {X.shape[0]} samples: {exc}") from None
    fit_seconds = time.perf_counter() - t0
    gen = pipe[-1]
    _say(
        f"      fitted in {fit_seconds:.1f} s ({gen.n_iter_} epochs, "
        f"{np.median(gen.history_['seconds']):.2f} s per epoch; bandwidth h = {gen.bandwidth_:.3f})"
    )

    _say("[3/4] evaluating: latent entropy, reconstruction, score_samples, samples")
    res = _evaluate(pipe, X, args, cfg)
    res["fit_seconds"] = fit_seconds

    _say(f"[4/4] writing the report to {out_dir}{os.sep}")
    files = []
    if mpl is not None:
        try:
            files += _write_figures(mpl, out_dir, res, data)
        except OSError as exc:
            raise DemoError(f"--out: cannot write the figures to {out_dir!r}: {exc.strerror or exc}") from None
    files += _write_report(out_dir, res, data, args, cfg, pipe, mpl is not None)
    _say()
    for line in _headline(res, args.latent_dim):
        _say(line)
    _say(f"  {'report':<20}{os.path.join(out_dir, 'index.html')}")
    _say(f"  {'files':<20}{' '.join(files)}")
    if mpl is None:
        _say(f"  {'figures':<20}not drawn (matplotlib is missing): {PLOT_INSTALL}")
    return 0


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _prepare_out(path):
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"--out: cannot create the folder {path!r}: {exc.strerror or exc}") from None
    if not os.access(path, os.W_OK):
        raise DemoError(f"--out: the folder {path!r} is not writable")
    return path


def _import_matplotlib():
    """matplotlib's object-oriented pieces (Agg canvas, no pyplot), or None when it is missing."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    return types.SimpleNamespace(Figure=Figure, Canvas=FigureCanvasAgg, colormaps=matplotlib.colormaps)


# -- data ---------------------------------------------------------------------
class _Data(types.SimpleNamespace):
    """X (raw values), name, description, image_shape or None, kind ("image" or "table")."""


def _load(args):
    if args.data is not None:
        X, image_shape = load_table(args.data)
        name = os.path.basename(args.data)
        return _Data(X=X, name=name, description=f"{args.data}", image_shape=image_shape, kind="table")
    if args.mnist is not None:
        from .datasets import load_mnist

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


def load_table(path):
    """Read a ``.npy`` or ``.csv`` table as a float64 array, checking it as the demo needs.

    Parameters
    ----------
    path : str
        A ``.npy`` file holding a 2-D numeric array (or a 3-D stack of images,
        flattened to rows) or a ``.csv`` file, with or without a header row.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    image_shape : tuple of int or None
        ``(height, width)`` when the rows are images: a 3-D ``.npy`` stack or a
        square feature count of at least 16.

    Raises
    ------
    DemoError
        Missing file, unknown extension, non-numeric content, NaN or infinite
        values, fewer than 2 rows.
    """
    if not os.path.exists(path):
        raise DemoError(f"--data: no such file: {path!r}")
    if os.path.isdir(path):
        raise DemoError(f"--data: {path!r} is a folder, not a .npy or .csv file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        X, image_shape, where = _read_npy(path), None, None
        if X.ndim == 3:
            image_shape = X.shape[1:]
            X = X.reshape(X.shape[0], -1)
    elif ext == ".csv":
        X, where = _read_csv(path)
        image_shape = None
    else:
        raise DemoError(f"--data: unknown file type {ext or '(no extension)'!r} of {path!r}; use .npy or .csv")
    if X.ndim != 2:
        raise DemoError(
            f"--data: {path!r} holds an array of shape {X.shape}; expected rows of features "
            "(n_samples, n_features) or a stack of images (n_samples, height, width)"
        )
    if X.shape[0] < 2:
        raise DemoError(
            f"--data: {path!r} has {X.shape[0]} row{'s' if X.shape[0] != 1 else ''}; "
            "a GEN needs at least 2 samples (many more to be useful)"
        )
    if X.shape[1] < 1:
        raise DemoError(f"--data: {path!r} has no columns")
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        at = f"line {where[first]}" if where is not None else f"row index {first}"
        raise DemoError(
            f"--data: {int(bad.sum())} of {X.shape[0]} rows of {path!r} contain NaN or infinite "
            f"values (first at {at}); remove or impute them first"
        )
    if image_shape is None:
        side = math.isqrt(X.shape[1])
        if side >= 4 and side * side == X.shape[1]:
            image_shape = (side, side)
    return X, (None if image_shape is None else tuple(int(s) for s in image_shape))


def _read_npy(path):
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DemoError(f"--data: {path!r} holds Python objects, not numbers") from None
        raise DemoError(f"--data: cannot read {path!r} as .npy: {exc}") from None
    except (OSError, EOFError) as exc:
        raise DemoError(f"--data: cannot read {path!r} as .npy: {exc}") from None
    if not isinstance(arr, np.ndarray):
        raise DemoError(f"--data: {path!r} is not a single .npy array")
    if arr.dtype.kind not in "biuf":
        raise DemoError(f"--data: {path!r} holds {arr.dtype} values, not real numbers")
    return arr.astype(np.float64)


def _read_csv(path):
    """Numbers of a CSV file and the line number of each data row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise DemoError(f"--data: {path!r} is not a text CSV file") from None
    except OSError as exc:
        raise DemoError(f"--data: cannot read {path!r}: {exc.strerror or exc}") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    for fields in reader:
        if any(field.strip() for field in fields):
            rows.append(fields)
            lines.append(reader.line_num)
    if not rows:
        raise DemoError(f"--data: {path!r} is empty")
    header = None
    if not all(_is_number(field) for field in rows[0]):
        header, rows, lines = rows[0], rows[1:], lines[1:]
    width = len(header) if header is not None else len(rows[0]) if rows else 0
    X = np.empty((len(rows), width))
    for r, (fields, line) in enumerate(zip(rows, lines)):
        if len(fields) != width:
            raise DemoError(f"--data: line {line} of {path!r} has {len(fields)} fields, expected {width}")
        for c, field in enumerate(fields):
            field = field.strip()
            if not field:
                X[r, c] = np.nan  # an empty cell: refused as a missing value below
                continue
            try:
                X[r, c] = float(field)
            except ValueError:
                col = f"column {c + 1}" + (f" ({header[c].strip()!r})" if header is not None else "")
                raise DemoError(f"--data: {path!r} is not numeric: line {line}, {col} holds {field!r}") from None
    return X, lines


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


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
        if not (X.std(axis=0) > 0).any():
            raise DemoError("every column of the data is constant: there is nothing to encode")
        return StandardScaler(), "columns standardised (StandardScaler)"
    if scale == "minmax":
        lo, hi = float(X.min()), float(X.max())
        if not hi > lo:
            raise DemoError(f"every value of the data equals {lo}: there is nothing to encode")
        kw = {"shift": lo, "scale": hi - lo}
        scaler = FunctionTransformer(
            _affine, inverse_func=_affine_inverse, kw_args=kw, inv_kw_args=kw, check_inverse=False
        )
        return scaler, f"values mapped from [{lo:.4g}, {hi:.4g}] to [0, 1]"
    return "passthrough", "not scaled"


# -- evaluation ---------------------------------------------------------------


def _evaluate(pipe, X, args, cfg):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import FunctionTransformer

    from .metrics import EntropyScorer

    gen = pipe[-1]
    Xs = np.asarray(pipe[:-1].transform(X), dtype=np.float64)
    n, d = Xs.shape
    rng = np.random.RandomState(cfg["seed"])
    Z = gen.transform(Xs)
    R = gen.inverse_transform(Z)
    mse = float(np.mean((Xs - R) ** 2))
    k = min(args.latent_dim, d, n)
    pca = PCA(n_components=k, random_state=cfg["seed"]).fit(Xs)
    pca_mse = float(np.mean((Xs - pca.inverse_transform(pca.transform(Xs))) ** 2))

    n_ent = min(n, ENTROPY_MAX_SAMPLES)
    try:
        entropy = float(EntropyScorer(max_samples=n_ent, random_state=cfg["seed"])(gen, Xs))
        entropy_note = ""
    except ValueError as exc:  # codes with a singular covariance cannot be whitened
        entropy, entropy_note = math.nan, str(exc).splitlines()[0]
    reference = float(
        np.mean(
            [EntropyScorer()(FunctionTransformer(), rng.standard_normal((n_ent, args.latent_dim))) for _ in range(3)]
        )
    )

    cov = np.atleast_2d(np.cov(Z.T))
    eig = np.linalg.eigvalsh(cov)

    idx = np.arange(n) if n <= SCORE_MAX_SAMPLES else np.sort(rng.choice(n, SCORE_MAX_SAMPLES, replace=False))
    scores = gen.score_samples(Xs[idx])
    order = np.argsort(scores)
    k_typ = min(N_TYPICAL, len(idx) // 2) or 1
    most, least = idx[order[::-1][:k_typ]], idx[order[:k_typ]]

    show = np.sort(rng.choice(n, min(N_SHOW, n), replace=False))
    n_gen = 2 * N_SHOW if d >= 16 and _is_square(d) else N_SHOW
    samples = gen.sample(n_gen, random_state=cfg["seed"])
    return dict(
        Xs=Xs,
        Z=Z,
        R=R,
        show=show,
        samples=samples,
        scores=scores,
        score_index=idx,
        most=most,
        least=least,
        most_scores=scores[order[::-1][:k_typ]],
        least_scores=scores[order[:k_typ]],
        history=gen.history_,
        gen=gen,
        reconstruction_mse=mse,
        pca_mse=pca_mse,
        pca_components=k,
        latent_entropy=entropy,
        reference_entropy=reference,
        entropy_gap=reference - entropy,
        entropy_samples=n_ent,
        entropy_note=entropy_note,
        bandwidth=float(gen.bandwidth_),
        target_variance=float(1 - gen.bandwidth_**2),
        eigenvalues=eig,
        mean_log_density=float(np.mean(scores)),
        epochs=int(gen.n_iter_),
        seconds_per_epoch=float(np.median(gen.history_["seconds"])),
        n_kde_samples=int(gen.n_kde_samples_),
        device=str(gen.device_),
    )


def _is_square(d):
    return math.isqrt(d) ** 2 == d


def _headline(res, latent_dim):
    H = res["latent_entropy"]
    if math.isnan(H):
        ent = f"not computable ({res['entropy_note']})"
    else:
        ent = (
            f"{H:.3f} nats   N(0, I_{latent_dim}) sample of the same size: {res['reference_entropy']:.3f}   "
            f"gap {res['entropy_gap']:+.3f}"
        )
    eig = res["eigenvalues"]
    return [
        "headline",
        f"  {'latent entropy':<20}{ent}",
        f"  {'reconstruction MSE':<20}{res['reconstruction_mse']:.5f}   "
        f"(PCA with {res['pca_components']} components: {res['pca_mse']:.5f})",
        f"  {'bandwidth h':<20}{res['bandwidth']:.3f}   1 - h^2 = {res['target_variance']:.3f}   "
        f"(latent covariance eigenvalues {eig.min():.3f}..{eig.max():.3f})",
        f"  {'fit time':<20}{res['fit_seconds']:.1f} s   ({res['epochs']} epochs, "
        f"{res['seconds_per_epoch']:.2f} s per epoch, {res['device']})",
    ]


# -- figures ------------------------------------------------------------------
_PAD_COLOUR = "#c9d1dc"


def _view(res, data):
    """Colour map and limits for drawing rows of scaled data."""
    Xs = res["Xs"]
    if data.scale == "minmax":
        return dict(cmap="gray_r", vmin=0.0, vmax=1.0)
    lim = float(np.percentile(np.abs(Xs), 99.5)) or 1.0
    return dict(cmap="RdBu_r", vmin=-lim, vmax=lim)


def _image_canvas(rows, shape, ncols):
    """Tile rows of images (a list of (k, d) arrays, one per canvas row) into one array, NaN between tiles."""
    h, w = shape
    canvas = np.full((len(rows) * (h + 1) - 1, ncols * (w + 1) - 1), np.nan)
    for r, block in enumerate(rows):
        for c, x in enumerate(block):
            canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = x.reshape(h, w)
    return canvas


def _draw_groups(mpl, ax, groups, data, view, title):
    """Groups of rows of data as labelled image tiles or, for tables, labelled heat-map blocks.

    ``groups`` is a list of ``(label, X)``. Images: each group is laid out in
    rows of 8 tiles, labelled on the left. Tables: groups stand side by side,
    one sample per heat-map row, labelled below.
    """
    cmap = mpl.colormaps[view["cmap"]].with_extremes(bad=_PAD_COLOUR)
    if data.image_shape is not None:
        ncols = min(8, max(len(X) for _, X in groups))
        rows, labels = [], []
        for label, X in groups:
            for start in range(0, len(X), ncols):
                rows.append(X[start : start + ncols])
                labels.append(label if start == 0 else "")
        canvas = _image_canvas(rows, data.image_shape, ncols)
        ax.imshow(canvas, cmap=cmap, vmin=view["vmin"], vmax=view["vmax"], interpolation="nearest")
        h = data.image_shape[0]
        ax.set_yticks([r * (h + 1) + (h - 1) / 2 for r in range(len(rows))], labels, fontsize=8)
        ax.set_xticks([])
    else:
        d = groups[0][1].shape[1]
        gap = max(1, d // 12)
        height = max(len(X) for _, X in groups)
        canvas = np.full((height, len(groups) * (d + gap) - gap), np.nan)
        for g, (_, X) in enumerate(groups):
            canvas[: len(X), g * (d + gap) : g * (d + gap) + d] = X
        ax.imshow(canvas, cmap=cmap, vmin=view["vmin"], vmax=view["vmax"], interpolation="nearest", aspect="auto")
        ax.set_xticks([g * (d + gap) + (d - 1) / 2 for g in range(len(groups))], [lab for lab, _ in groups], fontsize=8)
        ax.set_ylabel("sample", fontsize=8)
        ax.set_yticks([])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(title, fontsize=10)


def _recon_groups(res, data):
    X, R, show = res["Xs"], res["R"], res["show"]
    if data.image_shape is None:
        return [("original", X[show]), ("reconstruction", R[show])]
    groups = []
    for start in range(0, len(show), 8):
        part = show[start : start + 8]
        groups += [("original", X[part]), ("reconstruction", R[part])]
    return groups


def _sample_groups(res, data):
    return [("", res["samples"])] if data.image_shape is not None else [("generated", res["samples"])]


def _typical_groups(res):
    X = res["Xs"]
    return [("most typical", X[res["most"]]), ("least typical", X[res["least"]])]


def _latent_pairs(latent_dim, limit=4):
    pairs = [(k, k + 1) for k in range(0, latent_dim - 1, 2)][:limit]
    if latent_dim % 2 and latent_dim > 1 and len(pairs) < limit:
        pairs.append((latent_dim - 1, 0))
    return pairs


def _marginal(dist, dims):
    """Means, covariances and weights of a Gaussian or mixture target on ``dims``; None otherwise."""
    from .targets import Gaussian, GaussianMixture

    dims = list(dims)
    if isinstance(dist, GaussianMixture):
        return dist.means[:, dims], dist.covariances[:, dims][:, :, dims], dist.weights
    if isinstance(dist, Gaussian):
        return dist.mean[dims][None], dist.cov[np.ix_(dims, dims)][None], np.ones(1)
    return None


def _mixture_logpdf(points, means, covs, weights):
    # points: (n, k); means: (c, k); covs: (c, k, k)
    out = []
    for mu, cov, w in zip(means, covs, weights):
        chol = np.linalg.cholesky(cov)
        white = np.linalg.solve(chol, (points - mu).T)  # (k, n)
        logdet = 2 * np.log(np.diag(chol)).sum()
        out.append(np.log(w) - 0.5 * (white**2).sum(0) - 0.5 * logdet - 0.5 * len(mu) * math.log(2 * math.pi))
    out = np.array(out)  # (c, n)
    top = out.max(0)
    return top + np.log(np.exp(out - top).sum(0))


def _mixture_sample(means, covs, weights, n, rng):
    comp = rng.choice(len(weights), size=n, p=weights)
    eps = rng.standard_normal((n, means.shape[1]))
    chols = np.linalg.cholesky(covs)  # (c, k, k)
    return means[comp] + np.einsum("nij,nj->ni", chols[comp], eps)


def _draw_latent(ax, res, dims, seed, legend=True):
    Z = res["Z"]
    marginal = _marginal(res["gen"].latent_distribution_, dims)
    rng = np.random.RandomState(seed)
    ref = _mixture_sample(*marginal, 20000, rng) if marginal is not None else None
    if len(dims) == 1:
        z = Z[:, dims[0]]
        ax.hist(z, bins=40, density=True, color="C0", alpha=0.6, label="codes E(x)")
        if marginal is not None:
            grid = np.linspace(min(z.min(), ref.min()), max(z.max(), ref.max()), 200)
            ax.plot(grid, np.exp(_mixture_logpdf(grid[:, None], *marginal)), color="C3", label="latent_distribution_")
        ax.set_xlabel(f"z{dims[0] + 1}")
    else:
        i, j = dims
        ax.scatter(Z[:, i], Z[:, j], s=3, lw=0, alpha=0.5, color="C0", rasterized=True, label="codes E(x)")
        both = Z[:, [i, j]] if ref is None else np.vstack([Z[:, [i, j]], ref])
        lo, hi = np.percentile(both, 0.2, axis=0), np.percentile(both, 99.8, axis=0)
        pad = 0.08 * (hi - lo)
        lo, hi = lo - pad, hi + pad
        if marginal is not None:
            gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 120), np.linspace(lo[1], hi[1], 120))
            logp = _mixture_logpdf(np.column_stack([gx.ravel(), gy.ravel()]), *marginal).reshape(gx.shape)
            # highest-density regions holding 39 %, 86 % and 99 % of the mass (1, 2, 3 sigma for a Gaussian)
            levels = np.quantile(_mixture_logpdf(ref, *marginal), [0.01, 0.14, 0.61])
            ax.contour(gx, gy, logp, levels=np.unique(levels), colors="C3", linewidths=1, linestyles="solid")
            ax.plot([], [], color="C3", lw=1, label="latent_distribution_ (39/86/99 %)")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel(f"z{i + 1}", fontsize=9)
        ax.set_ylabel(f"z{j + 1}", fontsize=9)
    if legend:
        ax.legend(loc="upper right", fontsize=7, framealpha=0.8)
    ax.tick_params(labelsize=8)


def _draw_training(ax, history):
    epochs = np.arange(1, len(history["reconstruction"]) + 1)
    marker = "o" if len(epochs) <= 10 else None
    ax.plot(epochs, history["reconstruction"], color="C0", marker=marker, ms=3)
    ax.set_yscale("log")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("epoch", fontsize=9)
    ax.set_ylabel("reconstruction (error / data variance)", color="C0", fontsize=9)
    ax.tick_params(labelsize=8)
    penalty = history.get("jsd")
    if penalty:
        ax2 = ax.twinx()
        ax2.plot(epochs, penalty, color="C3", marker=marker, ms=3)
        ax2.set_ylabel("jsd_weight x JSD term (none: decoder phase)", color="C3", fontsize=9)
        ax2.tick_params(labelsize=8)


def _save(fig, path):
    fig.savefig(path, dpi=100)
    return os.path.basename(path)


def _figure(mpl, size):
    fig = mpl.Figure(figsize=size, layout="constrained")
    mpl.Canvas(fig)
    return fig


def _write_figures(mpl, out_dir, res, data):
    view = _view(res, data)
    seed = 0
    latent_dim = res["Z"].shape[1]
    pairs = _latent_pairs(latent_dim) or [(0,)]
    files = []
    tall = data.image_shape is not None

    fig = _figure(mpl, (8, 4.6 if tall else 5))
    _draw_groups(
        mpl,
        fig.add_subplot(),
        _recon_groups(res, data),
        data,
        view,
        f"originals and reconstructions D(E(x)), MSE {res['reconstruction_mse']:.4g}",
    )
    files.append(_save(fig, os.path.join(out_dir, "reconstructions.png")))

    fig = _figure(mpl, (8, 4.4 if tall else 5))
    _draw_groups(
        mpl, fig.add_subplot(), _sample_groups(res, data), data, view, "generated: D(z), z ~ latent_distribution_"
    )
    files.append(_save(fig, os.path.join(out_dir, "samples.png")))

    fig = _figure(mpl, (4 * len(pairs), 4.2))
    for k, dims in enumerate(pairs):
        _draw_latent(fig.add_subplot(1, len(pairs), k + 1), res, dims, seed, legend=k == 0)
    fig.suptitle(_entropy_title(res, latent_dim), fontsize=10)
    files.append(_save(fig, os.path.join(out_dir, "latent.png")))

    fig = _figure(mpl, (7, 4))
    ax = fig.add_subplot()
    _draw_training(ax, res["history"])
    ax.set_title(f"training ({res['epochs']} epochs, {res['fit_seconds']:.0f} s)", fontsize=10)
    files.append(_save(fig, os.path.join(out_dir, "training.png")))

    fig = _figure(mpl, (8, 2.6 if tall else 4))
    _draw_groups(
        mpl,
        fig.add_subplot(),
        _typical_groups(res),
        data,
        view,
        f"by score_samples (log density, eq. 10-11): most typical {res['most_scores'][0]:.1f}, "
        f"least typical {res['least_scores'][0]:.1f}",
    )
    files.append(_save(fig, os.path.join(out_dir, "typical.png")))

    fig = _figure(mpl, (15, 7.8 if tall else 8.5))
    grid = fig.add_gridspec(2, 3, height_ratios=(0.8, 1) if tall else (1, 1))
    _draw_groups(
        mpl,
        fig.add_subplot(grid[0, 0]),
        _recon_groups(res, data),
        data,
        view,
        f"reconstructions (MSE {res['reconstruction_mse']:.4g})",
    )
    _draw_groups(mpl, fig.add_subplot(grid[0, 1]), _sample_groups(res, data), data, view, "generated samples")
    _draw_groups(
        mpl, fig.add_subplot(grid[0, 2]), _typical_groups(res), data, view, "most / least typical (score_samples)"
    )
    ax = fig.add_subplot(grid[1, 0])
    _draw_latent(ax, res, pairs[0], seed)
    which = " and ".join(str(p + 1) for p in pairs[0])
    ax.set_title(f"latent codes, dimension{'s' if len(pairs[0]) > 1 else ''} {which}", fontsize=10)
    ax = fig.add_subplot(grid[1, 1])
    _draw_training(ax, res["history"])
    ax.set_title("training curves", fontsize=10)
    ax = fig.add_subplot(grid[1, 2])
    ax.axis("off")
    ax.text(
        0.0,
        1.0,
        "\n".join(_summary_lines(res, data, latent_dim)),
        va="top",
        ha="left",
        family="monospace",
        fontsize=9,
        transform=ax.transAxes,
    )
    fig.suptitle(f"skgen demo: GENAutoencoder on {data.name}", fontsize=12)
    files.insert(0, _save(fig, os.path.join(out_dir, "summary.png")))
    return files


def _entropy_title(res, latent_dim):
    if math.isnan(res["latent_entropy"]):
        return "latent codes (entropy not computable) with the contours of latent_distribution_"
    return (
        f"latent codes and latent_distribution_ N(0, (1 - h^2) I), h = {res['bandwidth']:.3f}; "
        f"whitened entropy {res['latent_entropy']:.3f} nats vs {res['reference_entropy']:.3f} "
        f"for N(0, I_{latent_dim})"
    )


def _summary_lines(res, data, latent_dim):
    n, d = res["Xs"].shape
    eig = res["eigenvalues"]
    ent = "n/a" if math.isnan(res["latent_entropy"]) else f"{res['latent_entropy']:.3f} nats"
    return [
        f"data          {data.name}, {n} x {d}",
        f"latent dim    {latent_dim}",
        f"epochs        {res['epochs']}  ({res['fit_seconds']:.1f} s, {res['device']})",
        "",
        f"latent entropy (whitened KDE, {res['entropy_samples']} codes)",
        f"  GEN         {ent}",
        f"  N(0, I_{latent_dim})    {res['reference_entropy']:.3f} nats",
        f"  gap         {res['entropy_gap']:+.3f}" if not math.isnan(res["latent_entropy"]) else "",
        "",
        f"reconstruction MSE   {res['reconstruction_mse']:.5f}",
        f"  PCA, {res['pca_components']} components {res['pca_mse']:.5f}",
        "",
        f"bandwidth h   {res['bandwidth']:.3f}   (m = {res['n_kde_samples']})",
        f"1 - h^2       {res['target_variance']:.3f}",
        f"latent eig.   {eig.min():.3f} .. {eig.max():.3f}",
        "",
        f"mean log density (score_samples) {res['mean_log_density']:.1f}",
    ]


# -- report -------------------------------------------------------------------
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1150px; margin: 2em auto;
       padding: 0 1em; color: #1d2433; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #d8dee9; }
table { border-collapse: collapse; } td, th { padding: .3em .9em; border-bottom: 1px solid #e5e9f0;
text-align: left; vertical-align: top; } th { font-weight: 600; }
img { max-width: 100%; border: 1px solid #e5e9f0; } code, pre { background: #f3f5f8; padding: 0 .25em; }
pre { padding: .6em; overflow-x: auto; }
.note { background: #fff6df; padding: .6em 1em; border-left: 4px solid #e0a800; }
.muted { color: #5c6577; }
"""

_SECTIONS = [
    (
        "reconstructions.png",
        "Reconstructions",
        "Rows of the data (scaled as the model sees them) beside their reconstructions <code>D(E(x))</code> "
        "(<code>inverse_transform(transform(X))</code>).",
    ),
    (
        "samples.png",
        "Generated samples",
        "<code>sample(n)</code>: latent codes drawn from <code>latent_distribution_</code>, decoded by the decoder.",
    ),
    (
        "latent.png",
        "Latent space",
        "Pairs of latent dimensions of the training codes <code>E(x)</code>, with the highest-density contours "
        "(39, 86 and 99 % of the mass) of <code>latent_distribution_</code>: the target deconvolved by the "
        "kernel, <code>N(0, (1 - h<sup>2</sup>) I)</code> for the standard normal (section 4), which a "
        "converged GEN encodes its data with.",
    ),
    (
        "training.png",
        "Training curves",
        "<code>history_</code> per epoch: the reconstruction error (log scale) and the weighted JSD term of "
        "eq. 3 (its non-saturating form; lower is closer to the target).",
    ),
    (
        "typical.png",
        "Most and least typical rows",
        "Ranked by <code>score_samples</code>, the data-space log density of eq. 10-11: latent density, "
        "decoder volume and off-manifold residual.",
    ),
]


def _write_report(out_dir, res, data, args, cfg, pipe, figures):
    import sklearn
    import torch

    from . import __version__

    latent_dim = args.latent_dim
    n, d = res["Xs"].shape
    eig = res["eigenvalues"]
    H = res["latent_entropy"]
    rows = [
        (
            "data",
            f"{data.description}: {n} samples x {d} features"
            + (f" (of {data.n_total})" if data.n_total != n else "")
            + f"; {data.scale_text}",
        ),
        (
            "latent entropy (whitened KDE, EntropyScorer)",
            f"{H:.3f} nats" if not math.isnan(H) else f"not computable: {res['entropy_note']}",
        ),
        (
            f"N(0, I<sub>{latent_dim}</sub>) sample of {res['entropy_samples']} (mean of 3)",
            f"{res['reference_entropy']:.3f} nats; gap {res['entropy_gap']:+.3f}"
            if not math.isnan(H)
            else f"{res['reference_entropy']:.3f} nats",
        ),
        (
            "reconstruction MSE (scaled data)",
            f"{res['reconstruction_mse']:.5f} (PCA with {res['pca_components']} components: {res['pca_mse']:.5f})",
        ),
        ("kernel bandwidth h (<code>bandwidth_</code>)", f"{res['bandwidth']:.4f} for m = {res['n_kde_samples']}"),
        (
            "1 - h<sup>2</sup> (variance of <code>latent_distribution_</code>)",
            f"{res['target_variance']:.4f}; eigenvalues of the codes' covariance: {eig.min():.3f} .. {eig.max():.3f}",
        ),
        ("mean log density (<code>score_samples</code>)", f"{res['mean_log_density']:.2f}"),
        (
            "fit time",
            f"{res['fit_seconds']:.1f} s, {res['epochs']} epochs "
            f"({res['seconds_per_epoch']:.2f} s per epoch) on {res['device']}",
        ),
    ]
    table = "\n".join(f"<tr><th>{k}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    command = "python -m skgen demo " + " ".join(shlex.quote(a) for a in _argv(args))
    body = [
        f"<h1>skgen demo: GENAutoencoder on {html.escape(data.name)}</h1>",
        f"<p class='muted'><code>{html.escape(command.strip())}</code></p>",
        "<h2>Headline</h2>",
        f"<table>\n{table}\n</table>",
    ]
    if figures:
        body.append("<p><img src='summary.png' alt='summary of the demo'></p>")
        for png, title, text in _SECTIONS:
            body += [f"<h2>{title}</h2>", f"<p>{text}</p>", f"<p><img src='{png}' alt='{title}'></p>"]
    else:
        body.append(
            "<p class='note'>No figures: matplotlib is not installed. Install it with "
            f"<code>{html.escape(PLOT_INSTALL)}</code> and run the demo again.</p>"
        )
    body += [
        "<h2>Model</h2>",
        f"<p>A scikit-learn <code>Pipeline</code>: <code>{html.escape(_step_name(pipe[0]))}</code> "
        f"({html.escape(data.scale_text)}), then</p>",
        f"<pre>{html.escape(repr(pipe[-1]))}</pre>",
        "<p>The entropy is the leave-one-out Gaussian KDE entropy (eq. 9) of the whitened codes; among "
        "distributions with a given covariance the Gaussian has the largest, so the gap to an equally large "
        "standard-normal sample measures how far the codes are from Gaussian (section 5.2). Numbers are on the "
        "training data.</p>",
        f"<p class='muted'>skgen {html.escape(__version__)}, torch {html.escape(torch.__version__)}, "
        f"scikit-learn {html.escape(sklearn.__version__)}, Python {platform.python_version()}, "
        f"written {time.strftime('%Y-%m-%d %H:%M:%S')}.</p>",
    ]
    page = (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        f"<title>skgen demo: GENAutoencoder on {html.escape(data.name)}</title>\n<style>{_CSS}</style>\n"
        "</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
    summary = dict(
        data=dict(name=data.name, source=data.description, n_samples=n, n_features=d, scale=data.scale),
        model=dict(
            latent_dim=latent_dim,
            epochs=res["epochs"],
            n_kde_samples=res["n_kde_samples"],
            device=res["device"],
            seed=args.seed,
        ),
        results={
            k: _jsonable(res[k])
            for k in (
                "latent_entropy",
                "reference_entropy",
                "entropy_gap",
                "entropy_samples",
                "reconstruction_mse",
                "pca_mse",
                "bandwidth",
                "target_variance",
                "eigenvalues",
                "mean_log_density",
                "fit_seconds",
                "seconds_per_epoch",
            )
        },
        command=command,
    )
    try:
        with open(os.path.join(out_dir, "index.html"), "w", encoding="utf-8") as f:
            f.write(page)
        with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    except OSError as exc:
        raise DemoError(f"--out: cannot write the report to {out_dir!r}: {exc.strerror or exc}") from None
    return ["index.html", "summary.json"]


def _step_name(step):
    return step if isinstance(step, str) else type(step).__name__


def _jsonable(value):
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, int | np.integer):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _argv(args):
    """The options of a run, as they would be typed (for the report)."""
    out = []
    for flag, value in (
        ("--data", args.data),
        ("--mnist", args.mnist),
        ("--n-samples", args.n_samples),
        ("--epochs", args.epochs),
    ):
        if value is not None:
            out += [flag, str(value)]
    if args.latent_dim != 8:
        out += ["--latent-dim", str(args.latent_dim)]
    if args.scale != "auto":
        out += ["--scale", args.scale]
    if args.device != "auto":
        out += ["--device", args.device]
    if getattr(args, "threads", None):
        out += ["--threads", str(args.threads)]
    if args.seed != 0:
        out += ["--seed", str(args.seed)]
    if args.quick:
        out.append("--quick")
    out += ["--out", args.out]
    return out


if __name__ == "__main__":
    sys.exit(main())
