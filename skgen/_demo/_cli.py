"""The demo's command line: arguments, threads, and the run from data to report."""

import argparse
import os
import sys
import time
import types
import warnings

import numpy as np

from ._common import (
    DEFAULT_EPOCHS,
    MNIST_EPOCHS,
    MNIST_N_SAMPLES,
    PARSER_KWARGS,
    PLOT_INSTALL,
    PROG,
    QUICK_EPOCHS,
    QUICK_KDE_SAMPLES,
    QUICK_N_SAMPLES,
    CommandLineParser,
    DemoError,
    _error,
    _say,
    _show_warning,
    _warn,
)
from ._data import _check_shapes, _config, _load, _make_scaler, _subset
from ._evaluate import _evaluate, _headline
from ._figures import _write_figures
from ._report import _write_report


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


_MAX_THREADS = 4096


def _thread_count(text):
    value = _positive_int(text)
    if value > _MAX_THREADS:  # torch.set_num_threads overflows on absurd counts
        raise argparse.ArgumentTypeError(f"expected at most {_MAX_THREADS} threads, got {value}")
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
        "The last fifth trains the decoder alone and stops when its reconstruction has not improved for "
        "10 epochs",
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
        type=_thread_count,
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


# -- the run ------------------------------------------------------------------
def _run(args):
    from ..bandwidth import DegenerateBandwidthError, NoBandwidthMaximumError
    from ..utils._torch import resolve_device
    from ..utils._validation import check_float32_range

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
    if cfg["scale"] == "none":
        try:
            check_float32_range(X)
        except ValueError:
            raise DemoError(
                f"--scale none: the data hold values up to {np.abs(X).max():.3g}, beyond the float32 range (about "
                "3.4e38) the networks compute in; use --scale standard or --scale minmax."
            ) from None
    data.scale, data.scale_text = cfg["scale"], scale_text

    _say(f"{PROG}: GENAutoencoder on {data.name}")
    if mpl is None:
        _warn(f"matplotlib is not installed: the report will have no figures. Install it with: {PLOT_INSTALL}")
    shape = f" ({data.image_shape[0]}x{data.image_shape[1]} images)" if data.image_shape else ""
    _say(f"[1/4] data: {data.description}, {X.shape[0]} samples x {X.shape[1]} features{shape}; {scale_text}")

    from sklearn.pipeline import Pipeline

    from ..autoencoder import GENAutoencoder, _auto_jsd_weight

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
    weight = _auto_jsd_weight(m) if gen.jsd_weight == "auto" else gen.jsd_weight
    widths = "-".join(str(w) for w in (X.shape[1], *gen.hidden_layer_sizes, args.latent_dim))
    _say(
        f"[2/4] training: latent_dim {args.latent_dim}, MLP {widths}, up to {cfg['epochs']} epochs, "
        f"m = {m} KDE samples, jsd_weight {weight:g}, device {device}, threads {args.threads_note}"
    )
    t0 = time.perf_counter()
    try:
        pipe.fit(X)
    except FloatingPointError as exc:
        _error(f"training failed: {exc}")
        return 1
    except ValueError as exc:
        if isinstance(exc, DegenerateBandwidthError | NoBandwidthMaximumError):  # for this latent_dim and m
            what = f"--latent-dim {args.latent_dim} on {X.shape[0]} samples"
            raise DemoError(f"cannot train with {what}: {exc}") from None
        raise DemoError(f"cannot train on {data.name}: {exc}") from None
    fit_seconds = time.perf_counter() - t0
    gen = pipe[-1]
    _say(
        f"      fitted in {fit_seconds:.1f} s ({gen.n_iter_} epochs, "
        f"{np.median(gen.history_['seconds']):.2f} s per epoch; bandwidth h = {gen.bandwidth_:.3f})"
    )

    _say("[3/4] evaluating: latent entropy, reconstruction, score_samples, samples")
    res = _evaluate(pipe, X, args, cfg)
    res.fit_seconds = fit_seconds

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
