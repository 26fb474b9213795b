"""GENAutoencoder on scikit-learn's digits (scaled to [0, 1]), latent_dim = 8.

1. Latent structure, and what each part of the training algorithm does: the
   whitened latent entropy (EntropyScorer) of GEN against an equally large
   N(0, I_8) sample ("gap") and against the same network trained with
   jsd_weight = 0; the largest code norm against the radius holding all but
   1e-6 of N(0, (1 - h^2) I) (section 4); the latent covariance eigenvalues
   against 1 - h^2; the reconstruction error against jsd_weight = 0. Beside
   the defaults: other penalty weights, each default switched back to what it
   replaced (the paper's stale KDE set, no density floor, no decoder phase,
   Adam's beta1 = 0.5), the paper's exact settings, and ``data_scaling="global"``
   for the GEN and for the plain autoencoder.
2. Novelty detection, one digit as inliers at a time (70 % of it for
   training, about 125 samples), held-out inliers against all other digits:
   AUROC of score_samples (eq. 10-11) beside IsolationForest, OneClassSVM,
   LocalOutlierFactor(novelty=True) and the GEN's plain reconstruction error.
3. ``--part aae`` (not in ``all``): the adversarial autoencoder's
   ``adversarial_weight`` on the same data and columns as part 1, beside the
   GEN's defaults and ``jsd_weight=0``: the measurements behind its default.

Usage::

    python benchmarks/bench_gen_digits.py [--epochs 100] [--seeds 3] [--jobs 2] [--part structure|novelty|aae|all]
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy.stats import chi2
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import OneClassSVM

from skgen import EntropyScorer, GENAutoencoder
from skgen.baselines import AdversarialAutoencoder

PAPER = dict(
    jsd_weight=0.01,
    reconstruction="sum",
    kde_refresh="full",
    kde_refresh_every=10,
    jsd_form="saturating",
    density_floor=None,
    decoder_fraction=0.0,
    learning_rate=2e-4,
    beta1=0.5,
    weight_control=None,
    data_scaling=None,  # on digits in [0, 1] what "auto" resolves to; named so the set is the paper's anywhere
)
CONFIGS = (
    ("jsd_weight=0", dict(jsd_weight=0.0)),
    ("GEN defaults", {}),
    ("jsd_weight=0.25", dict(jsd_weight=0.25)),
    ("jsd_weight=1", dict(jsd_weight=1.0)),
    ("stale set: full, k_b=10", dict(kde_refresh="full", kde_refresh_every=10)),
    ("full, k_b=1 (old default)", dict(kde_refresh="full", kde_refresh_every=1)),
    ("snapshot, k_b=10", dict(kde_refresh_every=10)),
    ("density_floor=None", dict(density_floor=None)),
    ("decoder_fraction=0", dict(decoder_fraction=0.0)),
    ("beta1=0.5", dict(beta1=0.5)),
    ("weight_control=None", dict(weight_control=None)),
    ('data_scaling="global"', dict(data_scaling="global")),
    ('w=0, data_scaling="global"', dict(jsd_weight=0.0, data_scaling="global")),
    ("paper's settings", PAPER),
)
AAE_CONFIGS = (
    ("jsd_weight=0", dict(jsd_weight=0.0)),
    ("GEN defaults", {}),
    *((f"AAE weight={w}", dict(model="aae", adversarial_weight=w)) for w in (0.002, 0.005, 0.01, 0.02, 0.03)),
)


def _digits():
    return load_digits().data / 16.0


def _fit_one(job):
    import torch

    torch.set_num_threads(1)
    X = _digits()
    name, cfg, seed, epochs = job
    cfg = dict(cfg)
    model = AdversarialAutoencoder if cfg.pop("model", "gen") == "aae" else GENAutoencoder
    est = model(max_iter=epochs, random_state=seed, device="cpu", **cfg).fit(X)
    Z = est.transform(X)
    rec = float(np.mean((X - est.inverse_transform(Z)) ** 2))
    h = getattr(est, "bandwidth_", 0.0)  # the AAE's target is N(0, I) itself
    radius = np.sqrt((1 - h**2) * chi2.isf(1e-6, 8))
    ev = np.linalg.eigvalsh(np.cov(Z.T))
    penalty = np.asarray(est.history_[est._penalty_name])  # NaN in the decoder-only phase
    seconds = np.asarray(est.history_["seconds"])
    return dict(
        name=name,
        seed=seed,
        entropy=EntropyScorer()(est, X),
        rec=rec,
        norm=float(np.linalg.norm(Z, axis=1).max() / radius),
        emin=ev.min(),
        emax=ev.max(),
        target_var=1 - h**2,
        sec=float(np.median(seconds[~np.isnan(penalty)])),
    )


def structure(epochs, seeds, jobs, configs=CONFIGS):
    X = _digits()
    rng = np.random.RandomState(0)
    ref = np.mean([EntropyScorer()(FunctionTransformer(), rng.standard_normal((len(X), 8))) for _ in range(5)])
    print(f"1. Latent structure, {len(X)} samples, {epochs} epochs, means over {seeds} seeds")
    print(
        f"   entropy of an equally large N(0, I_8) sample: {ref:.3f} nats; norm/R: largest code norm over the "
        "radius holding all but 1e-6 of N(0, (1 - h^2) I)"
    )
    print(
        f"{'model':>27} {'entropy':>8} {'gap':>6} {'max gap':>7} {'norm/R':>6} {'recon':>8} {'ratio':>6} "
        f"{'eig min..max':>13} {'1-h^2':>6} {'s/epoch':>8}"
    )
    work = [(name, cfg, seed, epochs) for name, cfg in configs for seed in range(seeds)]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(_fit_one, work))
    base_rec = None
    for name, _ in configs:
        rs = [r for r in rows if r["name"] == name]
        mean = {
            k: float(np.mean([r[k] for r in rs]))
            for k in ("entropy", "rec", "norm", "emin", "emax", "target_var", "sec")
        }
        base_rec = mean["rec"] if base_rec is None else base_rec
        gaps = [ref - r["entropy"] for r in rs]
        print(
            f"{name:>27} {mean['entropy']:>8.3f} {np.mean(gaps):>6.3f} {max(gaps):>7.3f} "
            f"{max(r['norm'] for r in rs):>6.2f} {mean['rec']:>8.5f} {mean['rec'] / base_rec:>6.2f} "
            f"{mean['emin']:>6.2f}..{mean['emax']:<6.2f} {mean['target_var']:>6.2f} {mean['sec']:>8.3f}",
            flush=True,
        )


def novelty(X, y, epochs):
    print(f"\n2. Novelty detection (AUROC, inliers = one digit, 70 % of it for training), {epochs} epochs")
    names = ("GEN eq.10-11", "GEN recon err", "IsolationForest", "OneClassSVM", "LOF")
    print(f"{'digit':>5} " + " ".join(f"{n:>15}" for n in names))
    rng = np.random.RandomState(0)
    all_auc = []
    for digit in range(10):
        idx = np.flatnonzero(y == digit)
        rng.shuffle(idx)
        n_train = int(0.7 * len(idx))
        train, held = idx[:n_train], idx[n_train:]
        test = np.r_[held, np.flatnonzero(y != digit)]
        truth = np.r_[np.ones(len(held)), np.zeros(len(test) - len(held))]
        gen = GENAutoencoder(max_iter=epochs, random_state=0, device="cpu").fit(X[train])
        recon = -np.mean((X[test] - gen.inverse_transform(gen.transform(X[test]))) ** 2, axis=1)
        scores = [
            gen.score_samples(X[test]),
            recon,
            IsolationForest(random_state=0).fit(X[train]).score_samples(X[test]),
            OneClassSVM(gamma="scale").fit(X[train]).score_samples(X[test]),
            LocalOutlierFactor(novelty=True).fit(X[train]).score_samples(X[test]),
        ]
        aucs = [roc_auc_score(truth, s) for s in scores]
        all_auc.append(aucs)
        print(f"{digit:>5} " + " ".join(f"{a:>15.3f}" for a in aucs), flush=True)
    print(f"{'mean':>5} " + " ".join(f"{a:>15.3f}" for a in np.mean(all_auc, axis=0)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for parts 1 and aae (default 2)")
    parser.add_argument("--part", choices=("structure", "novelty", "aae", "all"), default="all")
    args = parser.parse_args(argv)
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    t0 = time.perf_counter()
    if args.part in ("structure", "all"):
        structure(args.epochs, args.seeds, args.jobs)
    if args.part in ("novelty", "all"):
        novelty(X, y, args.epochs)
    if args.part == "aae":
        structure(args.epochs, args.seeds, args.jobs, AAE_CONFIGS)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
