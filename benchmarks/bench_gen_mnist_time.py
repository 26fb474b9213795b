"""Where a GEN epoch's time goes at the paper's scale: MNIST, m = 10000.

Times training epochs (``history_["seconds"]``, median of ``--epochs``
epochs that train the encoder) of GENAutoencoder (latent_dim 8, default MLP
784-512-256-8) on the first ``--n`` MNIST training images (scaled to [0, 1])
with ``jsd_weight=0`` (no KDE work), with the defaults (the snapshot scheme,
one refresh per m samples trained on), with the paper's full refresh every 10
minibatches (``kde_refresh="full", kde_refresh_every=10``), with the defaults
but ``weight_control=None`` (no entropy gap of 1000 codes per refresh) and
with a full refresh after every minibatch (the previous scheme). All in one
run, one after the other, so that the ratios compare like with like. The bandwidth
search is excluded from the epoch times (it is memoised after the first fit)
and printed apart, with the rest of the set-up.

Usage::

    python benchmarks/bench_gen_mnist_time.py --mnist ../shared/data/mnist [--n 10000] [--epochs 3] [--threads 1]
        [--skip-every-minibatch]
"""

import time
import warnings

import _repro
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skgen import GENAutoencoder, jsd_bandwidth


def main(argv=None):
    parser = _repro.make_parser(__doc__)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument(
        "--skip-every-minibatch",
        action="store_true",
        help="leave out the full refresh after every minibatch (minutes per epoch at n = 60000)",
    )
    args = parser.parse_args(argv)
    run = _repro.Run(args, "GEN epoch time at MNIST scale")
    X, _ = _repro.load_mnist(args.mnist, n_samples=args.n)
    m = min(10000, len(X))
    t0 = time.perf_counter()
    jsd_bandwidth(8, m, random_state=0)
    print(
        f"MNIST {X.shape}, m = {m}, batch 64, {args.epochs} epochs each; "
        f"bandwidth search for (l=8, m={m}): {time.perf_counter() - t0:.1f} s"
    )
    print(f"{'configuration':>38} {'epoch s':>8} {'vs jsd_weight=0':>16} {'set-up s':>9}")
    base = None
    # decoder_fraction=0: every timed epoch trains the encoder
    configs = [
        ("jsd_weight=0", dict(jsd_weight=0.0)),
        ("defaults (snapshot, k_b = m / 64)", {}),
        ("paper: full refresh every 10", dict(kde_refresh="full", kde_refresh_every=10)),
        ("defaults, weight_control=None", dict(weight_control=None)),
    ]
    if not args.skip_every_minibatch:
        configs.append(("full refresh every minibatch", dict(kde_refresh="full", kde_refresh_every=1)))
    for name, cfg in configs:
        est = GENAutoencoder(max_iter=args.epochs, decoder_fraction=0.0, random_state=0, device=args.device, **cfg)
        t0 = time.perf_counter()
        with warnings.catch_warnings():  # a few epochs time an epoch; their codes are not expected on target
            warnings.filterwarnings("ignore", message=".*latent_gap_", category=ConvergenceWarning)
            est.fit(X)
        total = time.perf_counter() - t0
        seconds = est.history_["seconds"]
        sec = float(np.median(seconds))
        base = sec if base is None else base
        # set-up: the (memoised) bandwidth search, initial encoding, final residuals
        print(f"{name:>38} {sec:>8.2f} {sec / base:>16.2f} {total - sum(seconds):>9.1f}", flush=True)
    run.footer()


if __name__ == "__main__":
    main()
