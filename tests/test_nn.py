"""Network builders."""

import numpy as np
import pytest
import torch
from torch import nn

from skgen.nn import Affine, build_module, check_output_width, make_discriminator, make_mlp


def test_mlp_shapes_and_layers():
    net = make_mlp(10, 3, (7, 5), "tanh")
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert net(torch.zeros(4, 10)).shape == (4, 3)
    assert make_mlp(10, 3, (), "relu")(torch.zeros(2, 10)).shape == (2, 3)
    assert make_mlp(10, 3, 6)[0].out_features == 6


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"activation": "swish"}, "activation"),
        ({"hidden_layer_sizes": (4, 0)}, "positive integers"),
        ({"hidden_layer_sizes": (4, 2.5)}, "positive integers"),
        ({"hidden_layer_sizes": "abc"}, "positive integers"),
    ],
)
def test_mlp_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_mlp(3, 2, **kwargs)


def test_build_module_copies_modules_and_calls_factories():
    base = nn.Linear(4, 2)
    built = build_module(base, 4, 2, "encoder")
    assert built is not base and torch.equal(built.weight, base.weight)
    with torch.no_grad():
        built.weight.add_(1.0)
    assert not torch.equal(built.weight, base.weight)  # the user's module is untouched
    assert build_module(lambda i, o: nn.Linear(i, o), 4, 2, "decoder").out_features == 2
    with pytest.raises(TypeError, match="must return a torch.nn.Module"):
        build_module(lambda i, o: "nope", 4, 2, "decoder")
    with pytest.raises(TypeError, match="encoder must be None"):
        build_module(3, 4, 2, "encoder")


def test_check_output_width():
    check_output_width(nn.Linear(4, 2), torch.zeros(3, 4), 2, "encoder")
    with pytest.raises(ValueError, match=r"expected \(n_samples, 3\)"):
        check_output_width(nn.Linear(4, 2), torch.zeros(3, 4), 3, "encoder")
    with pytest.raises(ValueError, match="shape"):
        check_output_width(nn.Flatten(0), torch.zeros(3, 4), 12, "encoder")


def test_discriminator_returns_one_logit_per_sample():
    net = make_discriminator(5, (7, 3), "leaky_relu")
    assert [type(m) for m in net] == [nn.Linear, nn.LeakyReLU, nn.Linear, nn.LeakyReLU, nn.Linear, nn.Flatten]
    assert net[-2].out_features == 1
    assert net(torch.zeros(4, 5)).shape == (4,)
    assert net(torch.zeros(1, 5)).shape == (1,)  # one sample stays a batch of one
    with pytest.raises(ValueError, match="activation"):
        make_discriminator(5, (7,), "swish")


def test_affine_is_a_fixed_map_saved_with_the_module():
    layer = Affine(torch.tensor([1.0, -1.0]), torch.tensor([2.0, 0.5]))
    np.testing.assert_allclose(layer(torch.tensor([[1.0, 4.0]])).numpy(), [[3.0, 1.0]])
    assert list(layer.parameters()) == []  # no optimizer moves it
    assert set(layer.state_dict()) == {"loc", "scale"}
