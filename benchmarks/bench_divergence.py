"""The KDE JSD estimate: Figure 1 of the paper (section 5.1) and its bias.

1. Middle panel of Figure 1: l = 5, m = 1000. Mixtures of two standard
   normals separated by s (s = 0..6), whitened, against N(0, I): the
   estimate's mean and std over 20 trials per s, and the Pearson correlation
   between s and the estimate (acceptance: >= 0.85).
2. Lower panel of Figure 1: that correlation for every l x m.
3. Bias on identical distributions: data drawn from the target itself.
4. Bias against a ground truth: N(delta e_1, I) against N(0, I), whose JSD
   is computed by Monte Carlo with the exact densities (200000 samples).

The bandwidth of each (l, m) is selected once with ``jsd_bandwidth`` (10
trials), as a GEN would, and reused by the 20 x 7 fits. ``separation_curves``
runs any set of estimators on the same data sets; ``repro_figure1.py`` uses
it to put the discriminator estimate beside this one.

Usage::

    python benchmarks/bench_divergence.py [--quick]
"""

import argparse
import math
import time
import warnings

import numpy as np
import torch
from scipy.stats import pearsonr

from skgen import KDEJensenShannon, jsd_bandwidth
from skgen.kde import whiten
from skgen.targets import Gaussian, monte_carlo_jsd

S_VALUES = range(7)
HEADER = "l \\ m"
N_TRIALS = 20


def two_modes(s, m, l, rng):
    X = rng.standard_normal((m, l))
    X[:, 0] += np.where(rng.rand(m) < 0.5, -s / 2, s / 2)
    return whiten(torch.from_numpy(X)).numpy()


def two_mode_jsd(s):
    """The true JSD between ``two_modes(s, ...)``'s law, whitened, and ``N(0, I)``.

    Both are ``N(0, 1)`` in every direction but the first, so the divergence is
    the 1-D one between ``1/2 N(-a s/2, a^2) + 1/2 N(a s/2, a^2)`` (``a = (1 +
    s^2/4)^(-1/2)``, the whitening) and ``N(0, 1)``, by numerical integration.
    """
    from scipy.integrate import quad
    from scipy.special import xlogy
    from scipy.stats import norm

    a = 1.0 / math.sqrt(1.0 + s * s / 4.0)

    def integrand(x):
        p = 0.5 * (norm.pdf(x, -a * s / 2, a) + norm.pdf(x, a * s / 2, a))
        q = norm.pdf(x)
        mix = 0.5 * (p + q)
        return 0.5 * (xlogy(p, p) + xlogy(q, q)) - mix * math.log(mix) if mix > 0 else 0.0

    return quad(integrand, -30, 30, limit=400)[0]


def bandwidth(l, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # l = 40 with small m: h > 1 is expected here
        return jsd_bandwidth(l, m, random_state=0)


def kde_estimator(l, m):
    """A factory ``trial -> KDEJensenShannon`` with the bandwidth of (l, m) selected once."""
    h = bandwidth(l, m)
    return lambda trial: KDEJensenShannon(bandwidth=h, estimate="plug_in", random_state=trial)


def separation_curves(l, m, estimators, *, seed=0, n_trials=N_TRIALS, s_values=S_VALUES):
    """JSD estimates of several estimators on the same two-mode data sets.

    ``estimators`` maps a name to a factory ``trial -> estimator`` whose
    ``fit(X).divergence_`` is the estimate. Returns, per name, the estimates
    (shape ``(len(s_values), n_trials)``) and the Pearson correlation of s with
    them and its p-value (nan when the estimates are constant).
    """
    rng = np.random.RandomState(seed)
    s_values = list(s_values)
    est = {name: np.empty((len(s_values), n_trials)) for name in estimators}
    for i, s in enumerate(s_values):
        for t in range(n_trials):
            X = two_modes(s, m, l, rng)
            for name, make in estimators.items():
                est[name][i, t] = make(t).fit(X).divergence_
    s_col = np.repeat(np.asarray(s_values, dtype=float), n_trials)
    out = {}
    for name, e in est.items():
        if np.ptp(e) == 0:
            out[name] = (e, math.nan, math.nan)
        else:
            res = pearsonr(s_col, e.ravel())
            out[name] = (e, float(res.statistic), float(res.pvalue))
    return out


def curve(l, m, seed=0):
    """KDE estimates over s for (l, m) and their Pearson correlation with s."""
    est, r, _ = separation_curves(l, m, {"KDE": kde_estimator(l, m)}, seed=seed)["KDE"]
    return est, r


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="m <= 1000 in the grids")
    args = parser.parse_args(argv)
    dims = (2, 5, 10, 20, 40)
    sizes = (250, 500, 1000) if args.quick else (250, 500, 1000, 2000, 4000)
    t_start = time.perf_counter()

    print("1. Figure 1, middle panel: l = 5, m = 1000, 20 trials per s")
    est, r = curve(5, 1000)
    print(f"{'s':>3} {'JSD mean':>9} {'std':>7} {'min':>8} {'max':>8} {'true':>7}")
    for i, s in enumerate(S_VALUES):
        row = est[i]
        print(
            f"{s:>3} {row.mean():>9.4f} {row.std():>7.4f} {row.min():>8.4f} {row.max():>8.4f} {two_mode_jsd(s):>7.4f}"
        )
    print(
        f"Pearson correlation of s and the estimate: {r:.3f} (acceptance >= 0.85: "
        f"{'ok' if r >= 0.85 else 'XX'}); largest value {est.max():.4f} <= log 2 = {math.log(2):.4f}\n"
    )

    print("2. Figure 1, lower panel: Pearson correlation (s, KDE JSD), 20 trials x 7 separations")
    print(f"{HEADER:>6} " + " ".join(f"{m:>7}" for m in sizes))
    for l in dims:
        print(f"{l:>6} " + " ".join(f"{curve(l, m)[1]:>7.3f}" for m in sizes), flush=True)

    print("\n3. Bias on identical distributions (data from N(0, I)): mean +- std of 20 estimates")
    print(f"{HEADER:>6} " + " ".join(f"{m:>16}" for m in sizes))
    rng = np.random.RandomState(1)
    for l in dims:
        cells = []
        for m in sizes:
            h = bandwidth(l, m)
            vals = [
                KDEJensenShannon(bandwidth=h, estimate="plug_in", random_state=t)
                .fit(rng.standard_normal((m, l)))
                .divergence_
                for t in range(N_TRIALS)
            ]
            cells.append(f"{np.mean(vals):+.4f}+-{np.std(vals):.4f}")
        print(f"{l:>6} " + " ".join(f"{c:>16}" for c in cells), flush=True)

    print("\n4. Against a Monte Carlo ground truth: N(delta e_1, I) vs N(0, I), 10 trials")
    print(f"{'l':>3} {'m':>5} {'delta':>6} {'MC JSD':>8} {'KDE mean':>9} {'std':>7} {'bias':>8}")
    gen = torch.Generator().manual_seed(0)
    for l in (2, 5, 10):
        for m in (1000, 4000) if not args.quick else (1000,):
            h = bandwidth(l, m)
            for delta in (0.0, 0.5, 1.0, 2.0, 4.0):
                p_e = Gaussian(np.r_[delta, np.zeros(l - 1)])
                truth = monte_carlo_jsd(p_e, Gaussian(np.zeros(l)), 200_000, gen)
                vals = [
                    KDEJensenShannon(bandwidth=h, estimate="plug_in", random_state=t)
                    .fit(p_e.sample(m, gen).numpy())
                    .divergence_
                    for t in range(10)
                ]
                print(
                    f"{l:>3} {m:>5} {delta:>6.1f} {truth:>8.4f} {np.mean(vals):>9.4f} {np.std(vals):>7.4f} "
                    f"{np.mean(vals) - truth:>+8.4f}",
                    flush=True,
                )
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()
