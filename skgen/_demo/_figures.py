"""The demo's figures, drawn with matplotlib's object-oriented API on the Agg canvas."""

import math
import os

import numpy as np

# -- figures ------------------------------------------------------------------
_PAD_COLOUR = "#c9d1dc"


def _view(res, data):
    """Colour map and limits for drawing rows of scaled data."""
    Xs = res.Xs
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
    X, R, show = res.Xs, res.R, res.show
    if data.image_shape is None:
        return [("original", X[show]), ("reconstruction", R[show])]
    groups = []
    for start in range(0, len(show), 8):
        part = show[start : start + 8]
        groups += [("original", X[part]), ("reconstruction", R[part])]
    return groups


def _sample_groups(res, data):
    return [("", res.samples)] if data.image_shape is not None else [("generated", res.samples)]


def _typical_groups(res):
    X = res.Xs
    return [("most typical", X[res.most]), ("least typical", X[res.least])]


def _latent_pairs(latent_dim, limit=4):
    pairs = [(k, k + 1) for k in range(0, latent_dim - 1, 2)][:limit]
    if latent_dim % 2 and latent_dim > 1 and len(pairs) < limit:
        pairs.append((latent_dim - 1, 0))
    return pairs


def _marginal(dist, dims):
    """The marginal of a Gaussian or mixture target on ``dims``, as a skgen target; None otherwise."""
    from ..targets import Gaussian, GaussianMixture

    dims = list(dims)
    if isinstance(dist, GaussianMixture):
        return GaussianMixture(dist.means[:, dims], dist.covariances[:, dims][:, :, dims], dist.weights)
    if isinstance(dist, Gaussian):
        return Gaussian(dist.mean[dims], dist.cov[np.ix_(dims, dims)])
    return None


def _log_prob(target, points):
    import torch

    return target.log_prob(torch.as_tensor(np.asarray(points, dtype=np.float64))).numpy()


def _sample(target, n, seed):
    import torch

    return target.sample(n, torch.Generator().manual_seed(int(seed))).numpy()


def _draw_latent(ax, res, dims, seed, legend=True):
    Z = res.Z
    marginal = _marginal(res.gen.latent_distribution_, dims)
    ref = _sample(marginal, 20000, seed) if marginal is not None else None
    if len(dims) == 1:
        z = Z[:, dims[0]]
        ax.hist(z, bins=40, density=True, color="C0", alpha=0.6, label="codes E(x)")
        if marginal is not None:
            grid = np.linspace(min(z.min(), ref.min()), max(z.max(), ref.max()), 200)
            ax.plot(grid, np.exp(_log_prob(marginal, grid[:, None])), color="C3", label="latent_distribution_")
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
            logp = _log_prob(marginal, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
            # highest-density regions holding 39 %, 86 % and 99 % of the mass (1, 2, 3 sigma for a Gaussian)
            levels = np.quantile(_log_prob(marginal, ref), [0.01, 0.14, 0.61])
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
    latent_dim = res.Z.shape[1]
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
        f"originals and reconstructions D(E(x)), MSE {res.reconstruction_mse:.4g}",
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
    _draw_training(ax, res.history)
    ax.set_title(f"training ({res.epochs} epochs, {res.fit_seconds:.0f} s)", fontsize=10)
    files.append(_save(fig, os.path.join(out_dir, "training.png")))

    fig = _figure(mpl, (8, 2.6 if tall else 4))
    _draw_groups(
        mpl,
        fig.add_subplot(),
        _typical_groups(res),
        data,
        view,
        f"by score_samples (log density, eq. 10-11): most typical {res.most_scores[0]:.1f}, "
        f"least typical {res.least_scores[0]:.1f}",
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
        f"reconstructions (MSE {res.reconstruction_mse:.4g})",
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
    _draw_training(ax, res.history)
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
    if math.isnan(res.latent_entropy):
        return "latent codes (entropy not computable) with the contours of latent_distribution_"
    return (
        f"latent codes and latent_distribution_ N(0, (1 - h^2) I), h = {res.bandwidth:.3f}; "
        f"whitened entropy {res.latent_entropy:.3f} nats vs {res.reference_entropy:.3f} "
        f"for N(0, I_{latent_dim})"
    )


def _summary_lines(res, data, latent_dim):
    n, d = res.Xs.shape
    eig = res.eigenvalues
    ent = "n/a" if math.isnan(res.latent_entropy) else f"{res.latent_entropy:.3f} nats"
    return [
        f"data          {data.name}, {n} x {d}",
        f"latent dim    {latent_dim}",
        f"epochs        {res.epochs}  ({res.fit_seconds:.1f} s, {res.device})",
        "",
        f"latent entropy (whitened KDE, {res.entropy_samples} codes)",
        f"  GEN         {ent}",
        f"  N(0, I_{latent_dim})    {res.reference_entropy:.3f} nats",
        f"  gap         {res.entropy_gap:+.3f}" if not math.isnan(res.latent_entropy) else "",
        "",
        f"reconstruction MSE   {res.reconstruction_mse:.5f}",
        f"  PCA, {res.pca_components} components {res.pca_mse:.5f}",
        "",
        f"bandwidth h   {res.bandwidth:.3f}   (m = {res.n_kde_samples})",
        f"1 - h^2       {res.target_variance:.3f}",
        f"latent eig.   {eig.min():.3f} .. {eig.max():.3f}",
        "",
        f"mean log density (score_samples) {res.mean_log_density:.1f}",
    ]
