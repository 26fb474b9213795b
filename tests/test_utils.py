"""The torch boundary helpers: devices, generators, conversions."""

import numpy as np
import pytest
import torch

from skgen.utils._torch import as_tensor, make_generator, resolve_device, to_numpy


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device(None) == resolve_device("auto")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("not a device")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the fallback when CUDA is absent")
def test_unavailable_cuda_falls_back_to_cpu_with_a_warning():
    with pytest.warns(UserWarning, match="CUDA is not available"):
        assert resolve_device("cuda:0") == torch.device("cpu")


def test_make_generator_is_seeded_from_random_state():
    a = torch.randn(3, generator=make_generator(0))
    b = torch.randn(3, generator=make_generator(0))
    c = torch.randn(3, generator=make_generator(1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    rng = np.random.RandomState(0)
    assert not torch.equal(torch.randn(3, generator=make_generator(rng)), torch.randn(3, generator=make_generator(rng)))
    g = torch.Generator()
    assert make_generator(g) is g
    with pytest.raises(TypeError, match="random_state"):
        make_generator("seed")


def test_as_tensor_copies_read_only_arrays_only():
    arr = np.arange(6.0).reshape(3, 2)
    t = as_tensor(arr)
    t[0, 0] = 42.0
    assert arr[0, 0] == 42.0  # a view of a writable array
    ro = np.arange(6.0).reshape(3, 2)
    ro.flags.writeable = False
    t = as_tensor(ro)
    t[0, 0] = 42.0
    assert ro[0, 0] == 0.0
    assert to_numpy(t, np.float32).dtype == np.float32
