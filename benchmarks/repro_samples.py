"""Sample quality of GEN, AAE and VAE on MNIST (the question of Table 3, section 5.3).

Table 3 of the paper compares Inception FIDs on SVHN and CelebA. The
Inception-v3 weights cannot be downloaded here, so this script measures the
same kind of quantity with a stand-in:

* a small MNIST classifier (``_repro.FeatureNet``, an MLP 784-512-256-128-10)
  is trained on the MNIST training set;
* the Frechet distance between Gaussians fitted to its penultimate-layer
  features (128 units) of two image sets is reported for generated samples
  (``model.sample(n)``, pixels clipped to [0, 1]) against the real test
  images, for GEN, AAE and VAE trained with the same architecture and
  settings (784-512-256-8, ``_repro.make_model``);
* real training images against the same test images give the floor, and
  the decoded test images ``D(E(x))`` against the test images separate the
  decoder's blur from the mismatch of the latent distribution.

THIS IS NOT THE INCEPTION FID: the numbers are comparable with each other
only, not with Table 3 or any published FID.

Also written: grids of samples of each model (supplement Fig. 2), linear
interpolations between random latent draws (supplement Fig. 5) and between
the codes of pairs of test images, shown beside the real images (supplement
Fig. 6). Each row is one pair, interpolated left to right (the paper lays
one pair out over a whole grid).

Usage::

    python benchmarks/repro_samples.py --quick --threads 1    # 5000 training images, 20 epochs, 1 seed
    python benchmarks/repro_samples.py --threads 1            # all 60000, 100 epochs, 3 seeds

The full protocol trains GEN on 60000 images with m = 10000 KDE codes
re-encoded after every minibatch: about 2.5 minutes per epoch on one CPU
thread (extrapolated from 24 s at n = 10000), so many hours for 3 seeds x
100 epochs; use ``--device cuda`` or fewer ``--seeds`` / ``--epochs``.
"""

import time

import numpy as np
import torch
from _repro import (
    MODEL_NAMES,
    TRAINING,
    Run,
    baselines_available,
    fmt,
    frechet_distance,
    gen_bandwidth,
    load_mnist_split,
    make_model,
    make_parser,
    reconstruction_mse,
    save_grids,
    train_feature_net,
)

# Table 3 of the paper: Inception FID (lower is better), mean +- std. Other data sets; for orientation only.
PAPER_T3 = {
    "SVHN": {"AAE": (56.08, 0.35), "VAE": (55.21, 0.24), "GEN": (45.52, 0.33)},
    "CelebA": {"AAE": (52.65, 0.06), "VAE": (55.51, 0.25), "GEN": (43.65, 0.09)},
}
QUICK = {"n_train": 5000, "epochs": 20, "seeds": 1, "n_gen": 2000, "clf_epochs": 5, "clf_train": 20000}
FULL = {
    "n_train": 60000,
    "epochs": TRAINING["max_iter"],
    "seeds": 3,
    "n_gen": 10000,
    "clf_epochs": 20,
    "clf_train": 60000,
}


def latent_draws(model, n, seed):
    """Codes from the distribution the model samples from."""
    dist = getattr(model, "latent_distribution_", None)
    if dist is not None and hasattr(dist, "sample"):
        return dist.sample(n, torch.Generator().manual_seed(seed)).numpy().astype(np.float32)
    return np.random.RandomState(seed).standard_normal((n, model.latent_dim)).astype(np.float32)


def interpolate(model, Z0, Z1, steps):
    """Decoded images along straight lines from each row of Z0 to Z1: shape (pairs * steps, d)."""
    t = np.linspace(0, 1, steps, dtype=np.float32)[None, :, None]
    Z = (1 - t) * Z0[:, None, :] + t * Z1[:, None, :]  # (pairs, steps, l)
    return model.inverse_transform(Z.reshape(-1, Z0.shape[1]))


def main(argv=None):
    parser = make_parser(__doc__)
    for key, help_ in (
        ("n_train", "training images of the generative models"),
        ("epochs", "max_iter of each model"),
        ("seeds", "models per method"),
        ("n_gen", "generated samples per model"),
        ("clf_epochs", "epochs of the feature classifier"),
        ("clf_train", "training images of the feature classifier"),
    ):
        parser.add_argument(
            "--" + key.replace("_", "-"), type=int, dest=key, help=f"{help_} (quick {QUICK[key]}, full {FULL[key]})"
        )
    parser.add_argument("--models", nargs="+", default=["GEN", "AAE", "VAE"], choices=["GEN", "AAE", "VAE", "AE"])
    args = parser.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    cfg.update({k: getattr(args, k) for k in cfg if getattr(args, k) is not None})
    run = Run(args, "Sample quality on MNIST (Table 3's question): Frechet distance of MNIST-classifier features")
    print(
        "NOTE: NOT the Inception FID. Features: penultimate layer (128 units) of a small MLP classifier trained on "
        "MNIST here;\n      the distances compare the models with each other and with the real-data floor, not "
        "with Table 3."
    )
    models = list(args.models)
    missing = baselines_available()
    if missing is not None and any(k in models for k in ("AAE", "VAE")):
        print(f"NOTE: skgen.baselines is not importable ({missing}); AAE and VAE are left out.")
        models = [k for k in models if k not in ("AAE", "VAE")]
    X_all, y_all, X_test, y_test = load_mnist_split(args.mnist, n_train=max(cfg["n_train"], cfg["clf_train"]))
    print(", ".join(f"{k} {v}" for k, v in cfg.items()) + f", models {models}, first seed {args.seed}")

    t0 = time.perf_counter()
    net = train_feature_net(
        X_all[: cfg["clf_train"]],
        y_all[: cfg["clf_train"]],
        epochs=cfg["clf_epochs"],
        seed=args.seed,
        device=run.device,
    )
    acc = float(np.mean(net.predict(X_test, run.device) == y_test))
    print(f"\nfeature classifier: test accuracy {acc:.4f} ({time.perf_counter() - t0:.0f} s)")

    def feats(X):
        return net.features(X, run.device)

    F_test = feats(X_test)
    rng = np.random.RandomState(args.seed)
    floor = []
    for _ in range(max(cfg["seeds"], 3)):
        idx = rng.choice(len(X_all), min(cfg["n_gen"], len(X_all)), replace=False)
        floor.append(frechet_distance(feats(X_all[idx]), F_test))
    print(
        f"floor: {min(cfg['n_gen'], len(X_all))} real training images vs the {len(X_test)} test images: "
        f"{fmt(np.mean(floor), np.std(floor), 2)}"
    )

    X = X_all[: cfg["n_train"]]
    gen_kw = {}
    if "GEN" in models:
        gen_kw["bandwidth"] = gen_bandwidth(len(X), seed=args.seed)
        print(
            f"GEN bandwidth for m = {min(len(X), 10000)}: {gen_kw['bandwidth']:.4f} (selected once, shared by the seeds)"
        )
    print(
        f"\n{'model':>5} {'seed':>4} {'FD samples':>11} {'FD recon':>9} {'test MSE':>9} {'epochs':>6} {'fit s':>7}",
        flush=True,
    )
    results, first = {k: [] for k in models}, {}

    def save():  # after every fit, so that a long run leaves its results
        return run.write_json(
            "samples.json",
            {"config": cfg, "models": models, "classifier_accuracy": acc, "floor": floor, "runs": results},
        )

    for key in models:
        for seed in range(args.seed, args.seed + cfg["seeds"]):
            t0 = time.perf_counter()
            kw = gen_kw if key == "GEN" else {}
            model = make_model(key, max_iter=cfg["epochs"], random_state=seed, device=args.device, **kw).fit(X)
            fit_s = time.perf_counter() - t0
            S = model.sample(cfg["n_gen"], random_state=seed)
            S = S[0] if isinstance(S, tuple) else S
            R = model.inverse_transform(model.transform(X_test))
            rec = {
                "fd_samples": frechet_distance(feats(S), F_test),
                "fd_recon": frechet_distance(feats(R), F_test),
                "test_mse": reconstruction_mse(model, X_test),
                "epochs": int(model.n_iter_),
                "seconds": fit_s,
            }
            results[key].append(rec)
            first.setdefault(key, (model, S))
            save()
            print(
                f"{key:>5} {seed:>4} {rec['fd_samples']:>11.2f} {rec['fd_recon']:>9.2f} {rec['test_mse']:>9.5f} "
                f"{rec['epochs']:>6} {fit_s:>7.0f}",
                flush=True,
            )

    print(
        f"\nFrechet distance of classifier features to the MNIST test set (lower is better), mean+-std over "
        f"{cfg['seeds']} seed(s); NOT the Inception FID"
    )
    print(
        f"{'':>24} {'samples':>14} {'reconstructions':>16} {'test MSE':>16}   paper Table 3 (Inception FID; SVHN, CelebA)"
    )
    for key in models:
        r = results[key]
        paper = ", ".join(f"{PAPER_T3[d][key][0]:.2f}" for d in PAPER_T3) if key in PAPER_T3["SVHN"] else "-"
        print(
            f"{MODEL_NAMES[key]:>24} {fmt(np.mean([x['fd_samples'] for x in r]), np.std([x['fd_samples'] for x in r]), 2):>14} "
            f"{fmt(np.mean([x['fd_recon'] for x in r]), np.std([x['fd_recon'] for x in r]), 2):>16} "
            f"{fmt(np.mean([x['test_mse'] for x in r]), np.std([x['test_mse'] for x in r]), 4):>16}   {paper}"
        )
    print(f"{'real train images':>24} {fmt(np.mean(floor), np.std(floor), 2):>14}")
    print("paper's claim (Table 3): GEN generates marginally better samples than AAE and VAE (lower FID).")

    written = pictures(run, first, X_test, args.seed)
    run.footer([*written, save()])


def pictures(run, first, X_test, seed):
    rng = np.random.RandomState(seed + 1)
    n_pairs, steps = 8, 10
    pairs = rng.choice(len(X_test), (n_pairs, 2), replace=False)
    samples, rand_interp, test_interp = {}, {}, {}
    for key, (model, S) in first.items():
        title = MODEL_NAMES[key]
        samples[title] = S[:100]
        Z = latent_draws(model, 2 * n_pairs, seed)
        rand_interp[title] = interpolate(model, Z[:n_pairs], Z[n_pairs:], steps)
        codes = model.transform(X_test[pairs.ravel()]).reshape(n_pairs, 2, -1)
        path = interpolate(model, codes[:, 0], codes[:, 1], steps).reshape(n_pairs, steps, -1)
        test_interp[title] = np.concatenate(
            [X_test[pairs[:, 0]][:, None], path, X_test[pairs[:, 1]][:, None]], axis=1
        ).reshape(-1, X_test.shape[1])
    return [
        save_grids(
            run.path("samples_grid.png"),
            samples,
            10,
            "Generated MNIST samples, model.sample(100) (supplement Fig. 2 on MNIST)",
        ),
        save_grids(
            run.path("interp_random.png"),
            rand_interp,
            steps,
            "Linear interpolation between random latent draws, one pair per row (supplement Fig. 5)",
        ),
        save_grids(
            run.path("interp_test.png"),
            test_interp,
            steps + 2,
            "Interpolation between codes of test images; first and last columns: the real images (supplement Fig. 6)",
        ),
    ]


if __name__ == "__main__":
    main()
