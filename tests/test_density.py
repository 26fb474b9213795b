"""The data-space density's math (eq. 10-11) against closed forms and scipy."""

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from skgen.density import (
    decoder_jacobian,
    fit_residual_gaussian,
    fit_signal_scale,
    has_zero_background,
    jacobian_log_det,
    residual_log_prob,
    signal_scale,
)


def test_decoder_jacobian_matches_autograd():
    torch.manual_seed(0)
    dec = torch.nn.Sequential(torch.nn.Linear(3, 7), torch.nn.Tanh(), torch.nn.Linear(7, 5))
    z = torch.randn(4, 3)
    J = decoder_jacobian(dec, z)
    assert J.shape == (4, 5, 3)
    for i in range(4):
        ref = torch.autograd.functional.jacobian(lambda zi: dec(zi[None])[0], z[i])
        torch.testing.assert_close(J[i], ref)


def test_jacobian_log_det_of_a_linear_map_and_its_floor():
    rng = np.random.RandomState(0)
    W = rng.normal(size=(6, 3))
    J = torch.as_tensor(np.stack([W, 2 * W]))
    log_det, n_floored = jacobian_log_det(J)
    expected = np.linalg.slogdet(W.T @ W)[1]
    np.testing.assert_allclose(log_det.numpy(), [expected, expected + 3 * np.log(4)], rtol=1e-10)
    assert n_floored.tolist() == [0, 0]
    # rank 2: the exact value is -inf; floored, the missing direction counts as log(floor^2)
    W[:, 2] = W[:, 0]
    log_det, n_floored = jacobian_log_det(torch.as_tensor(W[None]), floor=0.1)
    s = np.linalg.svd(W, compute_uv=False)
    assert np.isfinite(log_det.item()) and n_floored.item() == 1
    assert log_det.item() == pytest.approx(2 * np.log(s[0]) + 2 * np.log(s[1]) + 2 * np.log(0.1), rel=1e-6)


def test_isotropic_law_is_the_papers():
    rng = np.random.RandomState(1)
    R = torch.as_tensor(rng.normal(scale=0.3, size=(500, 10)))
    params = fit_residual_gaussian(R, 0)
    var = float(R.pow(2).mean())
    assert params["noise_variance"] == pytest.approx(var)
    assert params["components"].shape == (0, 10) and not params["mean"].any()
    expected = multivariate_normal(np.zeros(10), var * np.eye(10)).logpdf(R[:5].numpy())
    np.testing.assert_allclose(residual_log_prob(R[:5], params).numpy(), expected, rtol=1e-10)


def test_low_rank_law_is_maximum_likelihood_ppca_and_woodbury_is_exact():
    rng = np.random.RandomState(2)
    A = rng.normal(size=(10, 2))
    R = torch.as_tensor(rng.normal(size=(2000, 2)) @ A.T + 0.1 * rng.normal(size=(2000, 10)) + 0.5)
    params = fit_residual_gaussian(R, 2)
    # ML PPCA recovers the generating covariance A A^T + 0.01 I and the mean 0.5
    cov = (params["components"].T * (params["variances"] - params["noise_variance"])) @ params["components"]
    cov = cov.numpy() + params["noise_variance"] * np.eye(10)
    np.testing.assert_allclose(cov, A @ A.T + 0.01 * np.eye(10), rtol=0.05, atol=0.05)
    np.testing.assert_allclose(params["mean"].numpy(), R.mean(0).numpy(), rtol=1e-12)
    assert params["noise_variance"] == pytest.approx(0.01, rel=0.1)
    expected = multivariate_normal(params["mean"].numpy(), cov).logpdf(R[:7].numpy())
    np.testing.assert_allclose(residual_log_prob(R[:7], params).numpy(), expected, rtol=1e-8)


def test_low_rank_law_caps_the_components_and_floors_the_variance():
    R = torch.zeros(3, 4, dtype=torch.float64)  # perfect reconstruction, fewer samples than k + 1
    params = fit_residual_gaussian(R, 8)
    assert params["components"].shape[0] == 2  # min(k, n - 1, d - 1)
    assert params["noise_variance"] == 1e-12
    assert torch.isfinite(residual_log_prob(R, params)).all()


def test_signal_scaled_law_is_a_gaussian_with_the_covariance_scaled_per_sample():
    rng = np.random.RandomState(3)
    X_hat = torch.as_tensor(rng.uniform(0, 1, size=(400, 6)) * rng.uniform(0.2, 2, size=(400, 1)))
    reference, floor = fit_signal_scale(X_hat)
    energy = X_hat.pow(2).mean(1).numpy()
    assert reference == pytest.approx(energy.mean())
    assert floor == pytest.approx(energy.min() / energy.mean())
    scale = signal_scale(X_hat, reference, floor)
    R = torch.as_tensor(rng.normal(size=(400, 6))) * scale.sqrt().unsqueeze(1) * 0.1
    params = fit_residual_gaussian(R, 2, scale=scale)
    # fitted to the residuals in units of their own scale: the same law as fitting R / sqrt(scale)
    unscaled = fit_residual_gaussian(R / scale.sqrt().unsqueeze(1), 2)
    assert params["noise_variance"] == pytest.approx(unscaled["noise_variance"], rel=1e-12)
    assert params["noise_variance"] == pytest.approx(0.01, rel=0.2)
    cov = (params["components"].T * (params["variances"] - params["noise_variance"])) @ params["components"]
    cov = cov.numpy() + params["noise_variance"] * np.eye(6)
    got = residual_log_prob(R[:5], params, scale=scale[:5]).numpy()
    expected = [
        # R_i / sqrt(s_i) ~ N(mu, C), so R_i ~ N(sqrt(s_i) mu, s_i C)
        multivariate_normal(np.sqrt(float(scale[i])) * params["mean"].numpy(), float(scale[i]) * cov).logpdf(
            R[i].numpy()
        )
        for i in range(5)
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-8)
    # a reconstruction fainter than any in training counts at the floor; an all-zero one stays finite
    faint = signal_scale(torch.zeros(2, 6, dtype=torch.float64), reference, floor)
    np.testing.assert_allclose(faint.numpy(), floor)
    assert torch.isfinite(residual_log_prob(R[:2], params, scale=faint)).all()
    assert fit_signal_scale(torch.zeros(3, 6))[1] == 1e-3  # nothing decoded: the minimum floor, no division by 0


def test_zero_background_means_no_negative_value_and_a_quarter_of_exact_zeros():
    from sklearn.datasets import load_breast_cancer, load_digits
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    digits = load_digits().data  # 8x8 images: 49 % of the pixels are 0
    assert has_zero_background(torch.as_tensor(digits)) and has_zero_background(torch.as_tensor(digits / 16))
    assert not has_zero_background(torch.as_tensor(StandardScaler().fit_transform(digits)))  # centred
    # min-max scaled measurements: about one zero per feature, a minimum and not a background
    table = MinMaxScaler().fit_transform(load_breast_cancer().data)
    assert table.min() == 0 and not has_zero_background(torch.as_tensor(table))
    X = torch.ones(4, 25)
    X[:, :6] = 0  # 24 % zeros
    assert not has_zero_background(X)
    X[0, 6:10] = 0  # 25 %
    assert has_zero_background(X)
    X[1, 20] = -1e-9  # one negative value is enough to say no
    assert not has_zero_background(X)
    assert not has_zero_background(torch.zeros(0, 3))
