"""Where a GEN epoch's time goes at the paper's scale: MNIST, m = 10000.

Times one training epoch (``history_["seconds"]``) of GENAutoencoder (latent_dim 8, default MLP 784-512-256-8)
on the first ``--n`` MNIST training images (scaled to [0, 1]) with
``jsd_weight=0`` (no KDE work), and with the KDE set re-encoded after every
minibatch (``kde_refresh_every=1``, the default), every 10 minibatches
(``"full"``, the paper's k_b), in rolling slices of m / 10, and every 5
with the drift correction in between (``kde_refresh="drift"``).

Usage::

    python benchmarks/bench_gen_mnist_time.py --mnist ../shared/data/mnist [--n 10000]
"""

import argparse
import os
import time


from skgen import GENAutoencoder
from skgen.datasets import load_mnist


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist"))
    parser.add_argument("--n", type=int, default=10000)
    args = parser.parse_args(argv)
    X, _ = load_mnist(args.mnist, n_samples=args.n)
    print(f"MNIST {X.shape}, m = {min(10000, len(X))}, batch 64, one epoch each")
    print(f"{'configuration':>34} {'epoch s':>8} {'vs jsd_weight=0':>16} {'setup s':>8}")
    base = None
    for name, cfg in (("jsd_weight=0", dict(jsd_weight=0.0)),
                      ("refresh every minibatch (default)", {}),
                      ("full refresh every 10 (paper)", dict(kde_refresh_every=10)),
                      ("rolling m/10 per minibatch", dict(kde_refresh="rolling", kde_refresh_every=10)),
                      ("drift-corrected, full every 5", dict(kde_refresh="drift", kde_refresh_every=5))):
        t0 = time.perf_counter()
        est = GENAutoencoder(max_iter=1, random_state=0, device="cpu", **cfg).fit(X)
        total = time.perf_counter() - t0
        sec = est.history_["seconds"][0]
        base = sec if base is None else base
        # setup: bandwidth search (m = 10000, 10 trials), initial encoding, final residuals
        print(f"{name:>34} {sec:>8.2f} {sec / base:>16.1f} {total - sec:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
