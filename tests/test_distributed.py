"""A grid search distributed over dask workers gives the sequential search's scores.

Users who outgrow one machine run GridSearchCV through joblib's dask backend
(docs/distributed.rst). The cluster here is two worker processes bound to the
loopback interface, one torch thread each. Skipped where dask.distributed is
not installed (it is in the "test" extra).
"""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skgen import GENAutoencoder

distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")

pytestmark = pytest.mark.slow


def _one_torch_thread():
    import torch

    torch.set_num_threads(1)


def test_grid_search_on_a_dask_cluster_matches_the_sequential_search():
    from joblib import parallel_backend

    X = np.random.RandomState(0).normal(size=(200, 6))
    gen = GENAutoencoder(latent_dim=2, hidden_layer_sizes=(16,), max_iter=3, random_state=0, device="cpu")
    pipe = Pipeline([("scale", StandardScaler()), ("gen", gen)])
    grid = {"gen__jsd_weight": [0.0, 1.0]}
    sequential = GridSearchCV(pipe, grid, cv=2).fit(X)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(_one_torch_thread)
        with parallel_backend("dask"):
            dist = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X)
    np.testing.assert_array_equal(dist.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"])
    assert dist.best_params_ == sequential.best_params_
    np.testing.assert_array_equal(dist.transform(X[:5]), sequential.transform(X[:5]))
