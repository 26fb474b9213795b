"""skgen: Generative Encoding Networks for scikit-learn."""

from .bandwidth import DegenerateBandwidthWarning, JSDBandwidthSelector, jsd_bandwidth

__version__ = "0.1.0.dev0"

__all__ = [
    "DegenerateBandwidthWarning",
    "JSDBandwidthSelector",
    "__version__",
    "jsd_bandwidth",
]
