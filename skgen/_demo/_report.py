"""The demo's HTML report and summary.json."""

import html
import json
import math
import os
import platform
import shlex
import time

import numpy as np

from ._common import PLOT_INSTALL, DemoError

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

    from .. import __version__

    latent_dim = args.latent_dim
    n, d = res.Xs.shape
    eig = res.eigenvalues
    H = res.latent_entropy
    rows = [
        (
            "data",
            f"{data.description}: {n} samples x {d} features"
            + (f" (of {data.n_total})" if data.n_total != n else "")
            + f"; {data.scale_text}",
        ),
        (
            "latent entropy (whitened KDE, EntropyScorer)",
            f"{H:.3f} nats" if not math.isnan(H) else f"not computable: {res.entropy_note}",
        ),
        (
            f"N(0, I<sub>{latent_dim}</sub>) sample of {res.entropy_samples} (mean of 3)",
            f"{res.reference_entropy:.3f} nats; gap {res.entropy_gap:+.3f}"
            if not math.isnan(H)
            else f"{res.reference_entropy:.3f} nats",
        ),
        (
            "reconstruction MSE (scaled data)",
            f"{res.reconstruction_mse:.5f} (PCA with {res.pca_components} components: {res.pca_mse:.5f})",
        ),
        ("kernel bandwidth h (<code>bandwidth_</code>)", f"{res.bandwidth:.4f} for m = {res.n_kde_samples}"),
        (
            "1 - h<sup>2</sup> (variance of <code>latent_distribution_</code>)",
            f"{res.target_variance:.4f}; eigenvalues of the codes' covariance: {eig.min():.3f} .. {eig.max():.3f}",
        ),
        ("mean log density (<code>score_samples</code>)", f"{res.mean_log_density:.2f}"),
        (
            "fit time",
            f"{res.fit_seconds:.1f} s, {res.epochs} epochs ({res.seconds_per_epoch:.2f} s per epoch) on {res.device}",
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
            epochs=res.epochs,
            n_kde_samples=res.n_kde_samples,
            device=res.device,
            seed=args.seed,
        ),
        results={
            k: _jsonable(getattr(res, k))
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
