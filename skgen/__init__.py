"""skgen: Generative Encoding Networks for scikit-learn.

Public estimators and functions are re-exported here; the implementation lives
in layered modules: ``targets`` and ``kde`` (torch math), ``bandwidth`` (the
JSD-optimal kernel width), ``divergence`` and ``metrics`` (scikit-learn
estimators and scorers), ``density`` (the data-space density of eq. 10-11),
``autoencoder`` (GENAutoencoder), ``outlier`` (DensityOutlierDetector) and ``baselines``
(the adversarial and variational autoencoders and the discriminator's JSD
that the paper compares GENs with).
"""

from .autoencoder import GENAutoencoder
from .bandwidth import (
    DegenerateBandwidthError,
    DegenerateBandwidthWarning,
    JSDBandwidthSelector,
    NoBandwidthMaximumError,
    jsd_bandwidth,
)
from .baselines import AdversarialAutoencoder, DiscriminatorJensenShannon, VariationalAutoencoder
from .divergence import KDEJensenShannon
from .kde import kde_entropy
from .metrics import EntropyScorer
from .outlier import DensityOutlierDetector
from .targets import Gaussian, GaussianMixture, StandardNormal

__version__ = "0.1.0.dev0"

__all__ = [
    "AdversarialAutoencoder",
    "DegenerateBandwidthError",
    "DegenerateBandwidthWarning",
    "DensityOutlierDetector",
    "DiscriminatorJensenShannon",
    "EntropyScorer",
    "GENAutoencoder",
    "Gaussian",
    "GaussianMixture",
    "JSDBandwidthSelector",
    "KDEJensenShannon",
    "NoBandwidthMaximumError",
    "StandardNormal",
    "VariationalAutoencoder",
    "__version__",
    "jsd_bandwidth",
    "kde_entropy",
]
