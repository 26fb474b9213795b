"""Test-session settings (tests, doctests in skgen/ and the README).

torch's intra-op threads: the suite's networks and kernel blocks are small, and
on a 2-core machine a second thread makes them several times slower as soon as
anything else runs (measured: a 2-epoch fit 0.07 s on one thread, 3-7 s on two
under load). The suite runs on one thread; tests that need more set it
themselves.
"""

import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def blobs():
    """300 correlated 6-D Gaussian samples: the small data set of the autoencoder tests."""
    rng = np.random.RandomState(0)
    return rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6))
