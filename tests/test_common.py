"""scikit-learn's estimator checks over every public estimator.

The list of expected failures is empty: every check passes. scikit-learn
itself skips its array-API input check unless SCIPY_ARRAY_API=1 is set; skgen
computes in torch and does not claim array-API support, so that skip stays.
"""

from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.utils.estimator_checks import parametrize_with_checks

from skgen import (
    AdversarialAutoencoder,
    DiscriminatorJensenShannon,
    GENAutoencoder,
    JSDBandwidthSelector,
    KDEJensenShannon,
    VariationalAutoencoder,
)
from skgen.outlier import DensityOutlierDetector

ESTIMATORS = [
    JSDBandwidthSelector(n_trials=2, random_state=0),
    KDEJensenShannon(bandwidth=0.5, random_state=0),
    KDEJensenShannon(random_state=0),  # bandwidth="auto" runs the search inside fit
    GENAutoencoder(
        latent_dim=2, hidden_layer_sizes=(8,), max_iter=2, batch_size=16, n_kde_samples=50, random_state=0, device="cpu"
    ),
    GENAutoencoder(  # fixed Affine layers around the networks, fitted on X
        latent_dim=2, hidden_layer_sizes=(8,), max_iter=2, batch_size=16, data_scaling="global", random_state=0
    ),
    AdversarialAutoencoder(
        latent_dim=2,
        hidden_layer_sizes=(8,),
        discriminator_hidden_layer_sizes=(8,),
        max_iter=2,
        batch_size=16,
        random_state=0,
        device="cpu",
    ),
    VariationalAutoencoder(
        latent_dim=2, hidden_layer_sizes=(8,), max_iter=2, batch_size=16, random_state=0, device="cpu"
    ),
    DiscriminatorJensenShannon(max_iter=3, random_state=0, device="cpu"),
    DensityOutlierDetector(
        GENAutoencoder(
            latent_dim=2,
            hidden_layer_sizes=(8,),
            max_iter=2,
            batch_size=16,
            n_kde_samples=50,
            random_state=0,
            device="cpu",
        )
    ),
    DensityOutlierDetector(KernelDensity(), contamination=0.1),
    DensityOutlierDetector(GaussianMixture(2, random_state=0)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
