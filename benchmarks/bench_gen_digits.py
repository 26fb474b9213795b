"""GENAutoencoder on scikit-learn's digits (scaled to [0, 1]), latent_dim = 8.

1. Latent structure: the whitened latent entropy (EntropyScorer) of GEN
   against an equally large N(0, I_8) sample and against the same network
   trained with jsd_weight = 0; the latent covariance eigenvalues against
   1 - h^2 (section 4); reconstruction error against jsd_weight = 0; and the
   paper's exact settings (sum reconstruction, lambda = 0.01, k_b = 10,
   saturating term, lr 2e-4) for comparison.
2. Novelty detection, one digit as inliers at a time (70 % of it for
   training, about 125 samples), held-out inliers against all other digits:
   AUROC of score_samples (eq. 10-11) beside IsolationForest, OneClassSVM,
   LocalOutlierFactor(novelty=True) and the GEN's plain reconstruction error.
3. Epoch time against jsd_weight = 0 (same run).

Usage::

    python benchmarks/bench_gen_digits.py [--epochs 60] [--seeds 3]
"""

import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.svm import OneClassSVM

from skgen import EntropyScorer, GENAutoencoder


class _Identity:
    def transform(self, X):
        return X


PAPER = dict(jsd_weight=0.01, reconstruction="sum", kde_refresh_every=10, jsd_form="saturating",
             learning_rate=2e-4)


def structure(X, epochs, seeds):
    rng = np.random.RandomState(0)
    ref = np.mean([EntropyScorer()(_Identity(), rng.standard_normal((len(X), 8))) for _ in range(5)])
    print(f"1. Latent structure, {len(X)} samples, {epochs} epochs, {seeds} seeds")
    print(f"   entropy of an equally large N(0, I_8) sample: {ref:.3f} nats")
    print(f"{'model':>22} {'entropy':>8} {'gap':>6} {'recon':>8} {'ratio':>6} {'eig min..max':>13} "
          f"{'1-h^2':>6} {'s/epoch':>8}")
    base_rec = None
    for name, cfg in (("jsd_weight=0", dict(jsd_weight=0.0)), ("GEN defaults (0.1)", {}),
                      ("jsd_weight=0.05", dict(jsd_weight=0.05)), ("jsd_weight=0.2", dict(jsd_weight=0.2)),
                      ("paper's settings", PAPER)):
        rows = []
        for seed in range(seeds):
            est = GENAutoencoder(max_iter=epochs, random_state=seed, device="cpu", **cfg).fit(X)
            Z = est.transform(X)
            rec = float(np.mean((X - est.inverse_transform(Z)) ** 2))
            ev = np.linalg.eigvalsh(np.cov(Z.T))
            rows.append((EntropyScorer()(est, X), rec, ev.min(), ev.max(), 1 - est.bandwidth_**2,
                         np.median(est.history_["seconds"])))
        H, rec, emin, emax, target_var, sec = np.mean(rows, axis=0)
        base_rec = rec if base_rec is None else base_rec
        print(f"{name:>22} {H:>8.3f} {ref - H:>6.3f} {rec:>8.5f} {rec / base_rec:>6.2f} "
              f"{emin:>6.2f}..{emax:<6.2f} {target_var:>6.2f} {sec:>8.3f}", flush=True)


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
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)
    digits = load_digits()
    X, y = digits.data / 16.0, digits.target
    t0 = time.perf_counter()
    structure(X, args.epochs, args.seeds)
    novelty(X, y, args.epochs)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
