"""Reproduce Table 1 (JSD-optimal bandwidths) and the "Standard Normal" row of Table 2.

Prints our values beside the paper's and marks each cell:

* Table 1: ``ok`` when ``|ours - paper| <= max(2 std, 0.03)`` (std: the
  paper's error bar) and, for the paper's ">1.0" cells, when ours is above 1.
* Table 1 with ``method="fixed_point"``: how many of the 10 trials converged
  and the largest difference to root trapping among them.
* Table 2: ``ok`` when ours is within the paper's error bar or 0.05 nats.

Usage::

    python benchmarks/paper_tables.py            # everything (about 2 minutes)
    python benchmarks/paper_tables.py --quick    # m <= 1000, no fixed-point table
    python benchmarks/paper_tables.py --no-fixed-point
    python benchmarks/paper_tables.py --edge-cell    # only the cell l = 40, m = 1000, 200 trials

Exits with status 1 when a cell disagrees.

The cell l = 40, m = 1000 sits on the line (``--edge-cell``): over 200 trials
its maximiser is 1.0011 +- 0.0036 (standard error 0.0003), so the paper's
">1.0" holds, but a 10-trial mean comes out above 1 for only 16 of 20 disjoint
blocks of seeds (seed 0's does).
"""

import argparse
import math
import sys
import time
import warnings

import numpy as np
from sklearn.preprocessing import FunctionTransformer

from skgen import DegenerateBandwidthWarning, EntropyScorer, jsd_bandwidth
from skgen.bandwidth import _trial_bandwidths

DIMS = (2, 5, 10, 20, 40)
HEADER = "l \\ m"
SIZES = (250, 500, 1000, 2000, 4000, 8000)
# Table 1 of the paper: (mean, std); None marks the ">1.0" cells.
PAPER_T1 = {
    2: [(0.46, 0.08), (0.41, 0.04), (0.38, 0.03), (0.34, 0.02), (0.31, 0.03), (0.28, 0.01)],
    5: [(0.65, 0.03), (0.59, 0.02), (0.55, 0.02), (0.51, 0.01), (0.47, 0.01), (0.44, 0.01)],
    10: [(0.77, 0.02), (0.73, 0.01), (0.69, 0.01), (0.66, 0.01), (0.63, 0.01), (0.60, 0.01)],
    20: [(0.92, 0.01), (0.89, 0.01), (0.86, 0.00), (0.82, 0.01), (0.80, 0.00), (0.77, 0.00)],
    40: [None, None, None, (0.98, 0.00), (0.95, 0.00), (0.94, 0.00)],
}
# Table 2 of the paper, row "Standard Normal" (l = 8): m -> (mean, std)
PAPER_T2 = {1000: (11.668, 0.0552), 2000: (11.621, 0.0597), 5000: (11.575, 0.0200), 10000: (11.538, 0.0162)}


def table1(sizes, n_trials, method, seed):
    results = {}
    t0 = time.perf_counter()
    for l in DIMS:
        for m in sizes:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                hs, fb, _ = _trial_bandwidths(
                    l,
                    m,
                    target=None,
                    n_trials=n_trials,
                    method=method,
                    random_state=seed,
                    n_eval_samples=None,
                    tol=1e-4,
                    device=None,
                )
            results[l, m] = (hs, fb)
    return results, time.perf_counter() - t0


def print_table1(results, sizes):
    failures = 0
    print(f"{HEADER:>6} " + " ".join(f"{m:>24}" for m in sizes))
    for l in DIMS:
        cells = []
        for j, m in enumerate(SIZES):
            if m not in sizes:
                continue
            hs, _ = results[l, m]
            h, s = hs.mean(), hs.std(ddof=1) if len(hs) > 1 else 0.0
            paper = PAPER_T1[l][j]
            if paper is None:
                ok = h > 1.0
                ref = ">1.0"
            else:
                ok = abs(h - paper[0]) <= max(2 * paper[1], 0.03)
                ref = f"{paper[0]:.2f}"
            failures += not ok
            digits = 4 if paper is None else 3  # the ">1.0" cells sit near 1
            cells.append(f"{h:.{digits}f}+-{s:.3f} ({ref}) {'ok' if ok else 'XX'}")
        print(f"{l:>6} " + " ".join(f"{c:>24}" for c in cells))
    return failures


def print_fixed_point(fp, root, sizes):
    print(f"{HEADER:>6} " + " ".join(f"{m:>18}" for m in sizes))
    worst = 0.0
    for l in DIMS:
        cells = []
        for m in sizes:
            hs, fb = fp[l, m]
            conv = ~fb
            diff = np.abs(hs - root[l, m][0])[conv].max() if conv.any() else float("nan")
            worst = max(worst, diff) if conv.any() else worst
            cells.append(f"{conv.sum():>2}/{len(hs)} conv {diff:.1e}")
        print(f"{l:>6} " + " ".join(f"{c:>18}" for c in cells))
    return worst


def table2(sizes, n_trials, seed):
    rng = np.random.RandomState(seed)
    scorer = EntropyScorer()
    failures = 0
    print(f"{'m':>6} {'ours':>18} {'paper':>18} {'sec/estimate':>13}")
    for m in sizes:
        t0 = time.perf_counter()
        values = np.array([scorer(FunctionTransformer(), rng.standard_normal((m, 8))) for _ in range(n_trials)])
        dt = (time.perf_counter() - t0) / n_trials
        pm, ps = PAPER_T2[m]
        ok = abs(values.mean() - pm) <= max(ps, 0.05)
        failures += not ok
        print(
            f"{m:>6} {values.mean():>10.3f}+-{values.std():.3f} {pm:>10.3f}+-{ps:.3f} {dt:>13.2f}  {'ok' if ok else 'XX'}"
        )
    print(f"closed form for N(0, I_8): {4 * math.log(2 * math.pi * math.e):.3f}")
    return failures


def edge_cell(n_trials=200):
    """The cell l = 40, m = 1000, one trial per seed: its mean, and how often a 10-trial mean exceeds 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateBandwidthWarning)  # h >= 1 is the point here
        h = np.array([jsd_bandwidth(40, 1000, n_trials=1, random_state=s) for s in range(n_trials)])
    sd = h.std(ddof=1)
    print(
        f"l = 40, m = 1000, {n_trials} trials (seeds 0-{n_trials - 1}): maximiser {h.mean():.4f} +- {sd:.4f} "
        f"(standard error {sd / np.sqrt(n_trials):.4f})"
    )
    blocks = h[: n_trials // 10 * 10].reshape(-1, 10).mean(1)
    print(f"10-trial means above 1: {(blocks > 1).sum()} of {len(blocks)} disjoint blocks of seeds")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="m <= 1000, no fixed-point table")
    parser.add_argument("--trials", type=int, default=10, help="trials per cell (default 10)")
    parser.add_argument("--no-fixed-point", action="store_true", help="skip the fixed-point table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--edge-cell", action="store_true", help="only the cell l = 40, m = 1000, 200 trials")
    args = parser.parse_args(argv)
    if args.edge_cell:
        edge_cell()
        return 0
    sizes = tuple(m for m in SIZES if m <= 1000) if args.quick else SIZES
    n_trials = args.trials

    print(f"Table 1: JSD-optimal bandwidth h (root trapping), {n_trials} trials, seed {args.seed}")
    print("cell: ours mean+-std (paper) mark")
    root, seconds = table1(sizes, n_trials, "root", args.seed)
    failures = print_table1(root, sizes)
    print(f"{len(root) * n_trials} bandwidth searches in {seconds:.1f} s\n")

    if not (args.no_fixed_point or args.quick):
        print("Table 1 with method='fixed_point' (supplement eq. 3), same samples:")
        print("cell: trials where the iteration converged, max |h_fixed_point - h_root| over them")
        fp, seconds = table1(sizes, n_trials, "fixed_point", args.seed)
        worst = print_fixed_point(fp, root, sizes)
        print(f"largest disagreement where it converged: {worst:.1e}; {seconds:.1f} s (fallbacks included)\n")
        failures += worst > 1e-3

    t2_sizes = (1000, 2000) if args.quick else tuple(PAPER_T2)
    print(f"Table 2, row 'Standard Normal' (l = 8, whitened, {n_trials} trials): KDE entropy in nats")
    failures += table2(t2_sizes, n_trials, args.seed)
    print("\nall cells agree" if not failures else f"\n{failures} cell(s) disagree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
