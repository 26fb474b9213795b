"""What the demo measures on the fitted pipeline: entropy, reconstruction, samples, densities."""

import dataclasses
import math

import numpy as np

from ._common import ENTROPY_MAX_SAMPLES, N_SHOW, N_TYPICAL, SCORE_MAX_SAMPLES

# -- evaluation ---------------------------------------------------------------


@dataclasses.dataclass
class _Results:
    """What the demo measured on the fitted pipeline; the figures, the headline and the report read it."""

    Xs: np.ndarray
    Z: np.ndarray
    R: np.ndarray
    show: np.ndarray
    samples: object  # an array, or (array, labels) for a mixture target
    scores: np.ndarray
    score_index: np.ndarray
    most: np.ndarray
    least: np.ndarray
    most_scores: np.ndarray
    least_scores: np.ndarray
    history: dict
    gen: object  # the fitted GENAutoencoder
    reconstruction_mse: float
    pca_mse: float
    pca_components: int
    latent_entropy: float
    reference_entropy: float
    entropy_gap: float
    entropy_samples: int
    entropy_note: str
    bandwidth: float
    target_variance: float
    eigenvalues: np.ndarray
    mean_log_density: float
    epochs: int
    seconds_per_epoch: float
    n_kde_samples: int
    device: str
    fit_seconds: float = math.nan


def _evaluate(pipe, X, args, cfg):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import FunctionTransformer

    from ..metrics import EntropyScorer

    gen = pipe[-1]
    Xs = np.asarray(pipe[:-1].transform(X), dtype=np.float64)
    n, d = Xs.shape
    rng = np.random.RandomState(cfg["seed"])
    Z = gen.transform(Xs)
    R = gen.inverse_transform(Z)
    mse = float(np.mean((Xs - R) ** 2))
    k = min(args.latent_dim, d, n)
    pca = PCA(n_components=k, random_state=cfg["seed"]).fit(Xs)
    pca_mse = float(np.mean((Xs - pca.inverse_transform(pca.transform(Xs))) ** 2))

    n_ent = min(n, ENTROPY_MAX_SAMPLES)
    try:
        entropy = float(EntropyScorer(max_samples=n_ent, random_state=cfg["seed"])(gen, Xs))
        entropy_note = ""
    except ValueError as exc:  # codes with a singular covariance cannot be whitened
        entropy, entropy_note = math.nan, str(exc).splitlines()[0]
    reference = float(
        np.mean(
            [EntropyScorer()(FunctionTransformer(), rng.standard_normal((n_ent, args.latent_dim))) for _ in range(3)]
        )
    )

    cov = np.atleast_2d(np.cov(Z.T))
    eig = np.linalg.eigvalsh(cov)

    idx = np.arange(n) if n <= SCORE_MAX_SAMPLES else np.sort(rng.choice(n, SCORE_MAX_SAMPLES, replace=False))
    scores = gen.score_samples(Xs[idx])
    order = np.argsort(scores)
    k_typ = min(N_TYPICAL, len(idx) // 2) or 1
    most, least = idx[order[::-1][:k_typ]], idx[order[:k_typ]]

    show = np.sort(rng.choice(n, min(N_SHOW, n), replace=False))
    n_gen = 2 * N_SHOW if d >= 16 and _is_square(d) else N_SHOW
    samples = gen.sample(n_gen, random_state=cfg["seed"])
    return _Results(
        Xs=Xs,
        Z=Z,
        R=R,
        show=show,
        samples=samples,
        scores=scores,
        score_index=idx,
        most=most,
        least=least,
        most_scores=scores[order[::-1][:k_typ]],
        least_scores=scores[order[:k_typ]],
        history=gen.history_,
        gen=gen,
        reconstruction_mse=mse,
        pca_mse=pca_mse,
        pca_components=k,
        latent_entropy=entropy,
        reference_entropy=reference,
        entropy_gap=reference - entropy,
        entropy_samples=n_ent,
        entropy_note=entropy_note,
        bandwidth=float(gen.bandwidth_),
        target_variance=float(1 - gen.bandwidth_**2),
        eigenvalues=eig,
        mean_log_density=float(np.mean(scores)),
        epochs=int(gen.n_iter_),
        seconds_per_epoch=float(np.median(gen.history_["seconds"])),
        n_kde_samples=int(gen.n_kde_samples_),
        device=str(gen.device_),
    )


def _is_square(d):
    return math.isqrt(d) ** 2 == d


def _headline(res, latent_dim):
    H = res.latent_entropy
    if math.isnan(H):
        ent = f"not computable ({res.entropy_note})"
    else:
        ent = (
            f"{H:.3f} nats   N(0, I_{latent_dim}) sample of the same size: {res.reference_entropy:.3f}   "
            f"gap {res.entropy_gap:+.3f}"
        )
    eig = res.eigenvalues
    return [
        "headline",
        f"  {'latent entropy':<20}{ent}",
        f"  {'reconstruction MSE':<20}{res.reconstruction_mse:.5f}   "
        f"(PCA with {res.pca_components} components: {res.pca_mse:.5f})",
        f"  {'bandwidth h':<20}{res.bandwidth:.3f}   1 - h^2 = {res.target_variance:.3f}   "
        f"(latent covariance eigenvalues {eig.min():.3f}..{eig.max():.3f})",
        f"  {'fit time':<20}{res.fit_seconds:.1f} s   ({res.epochs} epochs, "
        f"{res.seconds_per_epoch:.2f} s per epoch, {res.device})",
    ]
