"""Property tests: every estimate moves as the maths says under large shifts and scalings of the data.

For ``Z -> a Z + b`` (with the target and any fixed bandwidth transformed alike): KDE log densities
drop by ``l log a``, the KDE entropy rises by ``l log a``, the JSD-optimal and the fixed-point
bandwidths scale by ``a``, and the divergence does not move. Shifts reach 1e4 and scales span six
orders of magnitude, in float64 and float32.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skgen import Gaussian, KDEJensenShannon, jsd_bandwidth, kde_entropy
from skgen.kde import entropy_bandwidth, log_kde

SHIFTS = st.floats(-1e4, 1e4, allow_nan=False)
SCALES = st.floats(1e-3, 1e3, allow_nan=False).filter(lambda a: a > 0)
PROPERTY = settings(max_examples=15, deadline=None, derandomize=True)

_Z = np.random.RandomState(0).normal(size=(400, 3))


@PROPERTY
@given(shift=SHIFTS, scale=SCALES)
def test_log_kde_moves_by_l_log_a(shift, scale):
    q, c = torch.as_tensor(_Z[:50]), torch.as_tensor(_Z[50:])
    base = log_kde(q, c, 0.4)
    moved = log_kde(scale * q + shift, scale * c + shift, 0.4 * scale)
    torch.testing.assert_close(moved, base - 3 * math.log(scale), rtol=1e-8, atol=1e-6)


@PROPERTY
@given(shift=SHIFTS, scale=SCALES, dtype=st.sampled_from([np.float64, np.float32]))
def test_entropy_and_its_bandwidth_move_by_the_scale(shift, scale, dtype):
    Z = _Z.astype(dtype)
    moved = (scale * Z + shift).astype(dtype)
    h0, h = entropy_bandwidth(torch.as_tensor(Z)), entropy_bandwidth(torch.as_tensor(moved))
    # float32: the data themselves are rounded to ~6e-8 relative to |b| + |a z|
    tol = 1e-6 if dtype == np.float64 else 1e-3 + 2e-7 * abs(shift) / scale
    assert h / scale == pytest.approx(h0, rel=tol)
    assert kde_entropy(moved) == pytest.approx(kde_entropy(Z) + 3 * math.log(scale), abs=10 * tol)


@PROPERTY
@given(shift=SHIFTS, scale=SCALES)
def test_jsd_bandwidth_scales_with_the_target(shift, scale):
    h0 = jsd_bandwidth(2, 300, target=Gaussian([0.0, 0.0]), random_state=0, n_trials=2)
    h = jsd_bandwidth(2, 300, target=Gaussian([shift, -shift], scale**2), random_state=0, n_trials=2)
    # the search draws its samples in float32: their rounding is ~6e-8 relative to |b| + |a z|
    assert h / scale == pytest.approx(h0, rel=2e-3 + 2e-7 * abs(shift) / scale)


@PROPERTY
@given(shift=SHIFTS, scale=SCALES)
def test_divergence_does_not_move_when_data_and_target_move_together(shift, scale):
    X = _Z[:, :2] * 1.3 + 0.2  # not the target
    base = KDEJensenShannon(target=Gaussian([0.0, 0.0]), bandwidth=0.5, random_state=0).fit(X).divergence_
    moved = (
        KDEJensenShannon(target=Gaussian([shift, shift], scale**2), bandwidth=0.5 * scale, random_state=0)
        .fit(scale * X + shift)
        .divergence_
    )
    assert moved == pytest.approx(base, abs=1e-6)
