"""What each term of the data-space density (eq. 10-11) adds, when novelty lies on the data manifold.

On MNIST the off-manifold term decides the ranking of novel digits alone
(RESULTS.md, section 5.1): a novel digit is far from the decoded manifold.
Here the novel points lie *on* the manifold, where the training data are
sparse (``skgen.datasets.make_curve``): a curve in 5 dimensions with a
bimodal density along it. A GEN with ``latent_dim=1`` is fitted to
``--n-train`` points of the curve's data law and scores ``--n-test`` fresh
inliers against as many points from each sparse region:

* ``valley``: between the two modes. A GEN maps the curve onto a Gaussian
  code, so the valley lands near the code's centre, where the latent density
  is *highest*; the decoder must stretch the few codes there over a long
  stretch of curve, and ``-1/2 log det J^T J`` is what says it is sparse.
* ``tail``: beyond the modes, at the ends of the curve: codes in the
  latent distribution's tails, so the latent density says it.
* ``both``: the two sets together.

Printed per seed and as the mean: AUROC (inliers against each novel set) of
``score_samples``, of the score without the latent term, without the
Jacobian term, and of each term alone.

Usage::

    python benchmarks/bench_density_terms.py [--seeds 0 1 2 3 4] [--threads 1]
"""

import argparse
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from skgen import GENAutoencoder
from skgen.datasets import make_curve

COLUMNS = ("p(x)", "no latent", "no Jacobian", "latent", "Jacobian", "off-manifold")


def term_aurocs(model, X_in, X_out):
    """AUROC of the density, of it without each in-manifold term, and of each term alone."""
    X = np.vstack([X_in, X_out])
    y = np.r_[np.ones(len(X_in)), np.zeros(len(X_out))]
    t = model.log_density_terms(X)
    full = t["latent"] + t["jacobian"] + t["off_manifold"]
    scores = (full, full - t["latent"], full - t["jacobian"], t["latent"], t["jacobian"], t["off_manifold"])
    return [roc_auc_score(y, s) for s in scores]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="cap torch's CPU threads (0: leave as is)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    print(
        f"GEN(latent_dim=1, hidden_layer_sizes=(64, 64), max_iter={args.epochs}) on {args.n_train} points of "
        f"make_curve; {args.n_test} test inliers against {args.n_test} valley and {args.n_test} tail points"
    )
    print(f"{'seed':>4} {'novel':>7} " + " ".join(f"{c:>12}" for c in COLUMNS))
    rows = {"valley": [], "tail": [], "both": []}
    for seed in args.seeds:
        rng = np.random.RandomState(seed)
        X_train, _ = make_curve(args.n_train, random_state=rng)
        X_in, _ = make_curve(args.n_test, random_state=rng)
        novel = {r: make_curve(args.n_test, region=r, random_state=rng)[0] for r in ("valley", "tail")}
        novel["both"] = np.vstack([novel["valley"], novel["tail"]])
        model = GENAutoencoder(
            latent_dim=1, hidden_layer_sizes=(64, 64), max_iter=args.epochs, random_state=seed, device="cpu"
        ).fit(X_train)
        for region, X_out in novel.items():
            rows[region].append(term_aurocs(model, X_in, X_out))
            print(f"{seed:>4} {region:>7} " + " ".join(f"{v:>12.3f}" for v in rows[region][-1]), flush=True)
    print(f"\nMean over seeds {args.seeds}")
    print(f"{'':>4} {'novel':>7} " + " ".join(f"{c:>12}" for c in COLUMNS))
    for region, vals in rows.items():
        print(f"{'mean':>4} {region:>7} " + " ".join(f"{v:>12.3f}" for v in np.mean(vals, axis=0)))
    print(f"\nwall time: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
