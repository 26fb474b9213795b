"""Network builders: ``nn.Module`` only, no scikit-learn here.

The default encoder and decoder of skgen's autoencoders are multi-layer
perceptrons; users can pass their own modules (or factories) for images and
other shapes.
"""

import contextlib
import copy
from collections.abc import Sequence
from numbers import Integral

import numpy as np
import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "Affine",
    "build_module",
    "check_layer_sizes",
    "check_output_width",
    "evaluating",
    "make_discriminator",
    "make_mlp",
]

ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
}


class Affine(nn.Module):
    """A fixed per-feature affine map ``x -> loc + scale * x`` (no trainable parameters).

    ``loc`` and ``scale`` are buffers: they move with the module between
    devices and are saved in its ``state_dict``, but no optimizer changes them.
    GEN puts one in front of its default encoder and one after its default
    decoder (``data_scaling="global"``), so the networks work in units of the
    data's own spread whatever the user's scaling.

    Parameters
    ----------
    loc : torch.Tensor of shape (n_features,) or scalar
    scale : torch.Tensor of shape (n_features,) or scalar

    Examples
    --------
    >>> import torch
    >>> from skgen.nn import Affine
    >>> Affine(torch.tensor([1.0, 2.0]), torch.tensor(2.0))(torch.ones(1, 2))
    tensor([[3., 4.]])
    """

    def __init__(self, loc, scale):
        super().__init__()
        self.register_buffer("loc", torch.as_tensor(loc, dtype=torch.float32).clone())
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).clone())

    def forward(self, x):
        return self.loc + self.scale * x

    def extra_repr(self):
        return f"loc={tuple(self.loc.shape)}, scale={tuple(self.scale.shape)}"


@contextlib.contextmanager
def evaluating(*modules):
    """Run the block with ``modules`` in evaluation mode (no dropout, batch-norm running
    statistics used and left alone), restoring each one's mode afterwards."""
    modes = [module.training for module in modules]
    for module in modules:
        module.eval()
    try:
        yield
    finally:
        for module, mode in zip(modules, modes, strict=True):
            module.train(mode)


def check_layer_sizes(hidden_layer_sizes):
    """``hidden_layer_sizes`` as a tuple of ints: one int, or a 1-D sequence or array of positive ints.

    Parameters
    ----------
    hidden_layer_sizes : int, sequence of int or 1-D ndarray of int
        The widths, each a positive integer (bools and floats are refused,
        not truncated).

    Returns
    -------
    sizes : tuple of int

    Raises
    ------
    ValueError
        When a width is not a positive integer.
    """
    sizes = hidden_layer_sizes
    if isinstance(sizes, Integral) and not isinstance(sizes, bool):
        sizes = (sizes,)
    elif isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    if (
        not isinstance(sizes, Sequence)
        or isinstance(sizes, str)
        or not all(isinstance(w, Integral) and not isinstance(w, bool) and w > 0 for w in sizes)
    ):
        raise ValueError(f"hidden_layer_sizes must be a sequence of positive integers, got {hidden_layer_sizes!r}.")
    return tuple(int(w) for w in sizes)


def make_mlp(in_features, out_features, hidden_layer_sizes=(512, 256), activation="relu"):
    """A fully connected network ``in -> hidden... -> out`` with a linear output.

    Parameters
    ----------
    in_features, out_features : int
    hidden_layer_sizes : sequence of int, default=(512, 256)
        Widths of the hidden layers, first to last; empty for a linear map.
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu"}, default="relu"
        Non-linearity after each hidden layer.

    Returns
    -------
    module : torch.nn.Sequential

    Examples
    --------
    >>> from skgen.nn import make_mlp
    >>> make_mlp(64, 8, (32,), "tanh")
    Sequential(
      (0): Linear(in_features=64, out_features=32, bias=True)
      (1): Tanh()
      (2): Linear(in_features=32, out_features=8, bias=True)
    )
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}.")
    widths = [int(in_features), *check_layer_sizes(hidden_layer_sizes), int(out_features)]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def make_discriminator(in_features, hidden_layer_sizes=(512, 256), activation="relu"):
    """A binary classifier ``in -> hidden... -> 1`` returning logits of shape ``(n,)``.

    The adversary of :class:`~skgen.baselines.AdversarialAutoencoder` and the classifier
    of :class:`~skgen.baselines.DiscriminatorJensenShannon`: an MLP (see
    :func:`make_mlp`) whose single linear output is flattened, so that
    ``torch.nn.functional.binary_cross_entropy_with_logits`` applies directly.

    Parameters
    ----------
    in_features : int
    hidden_layer_sizes : sequence of int, default=(512, 256)
    activation : {"identity", "logistic", "tanh", "relu", "leaky_relu", "elu"}, default="relu"

    Returns
    -------
    module : torch.nn.Sequential

    Examples
    --------
    >>> import torch
    >>> from skgen.nn import make_discriminator
    >>> make_discriminator(5, (50, 25, 10))(torch.zeros(4, 5)).shape
    torch.Size([4])
    """
    return nn.Sequential(*make_mlp(in_features, 1, hidden_layer_sizes, activation), nn.Flatten(0))


def build_module(spec, in_features, out_features, name):
    """Resolve a user's ``encoder``/``decoder`` parameter into a fresh module.

    ``spec`` is an ``nn.Module`` (deep-copied, so that refitting starts from
    the same initial weights and the estimator's parameter is never mutated)
    or a callable ``spec(in_features, out_features) -> nn.Module``.

    Parameters
    ----------
    spec : torch.nn.Module or callable
        The user's parameter (``None`` is resolved to the default MLP by the
        caller).
    in_features, out_features : int
        The widths passed to a callable ``spec``.
    name : str
        ``"encoder"`` or ``"decoder"``, for the error messages.

    Returns
    -------
    module : torch.nn.Module

    Raises
    ------
    TypeError
        When ``spec`` is neither, or the callable returns no module.
    """
    if isinstance(spec, nn.Module):
        return copy.deepcopy(spec)
    if callable(spec):
        module = spec(in_features, out_features)
        if not isinstance(module, nn.Module):
            raise TypeError(f"{name} factory must return a torch.nn.Module, got {type(module).__name__}.")
        return module
    raise TypeError(
        f"{name} must be None, a torch.nn.Module or a callable (in_features, out_features) -> "
        f"nn.Module, got {type(spec).__name__}."
    )


def check_output_width(module, sample, expected, name, output_dtypes=(torch.float32, torch.float64)):
    """Run ``module`` on a small batch and check its output is ``(n, expected)``.

    A module with parameters of another dtype than the float32 skgen computes
    in, or one that cannot take ``sample``'s width, is refused with a message
    naming the module instead of torch's error from inside it. The trial
    runs in evaluation mode (restored after), so that it neither updates
    batch-norm statistics nor draws dropout noise; its output's dtype must
    be one of ``output_dtypes``.

    Parameters
    ----------
    module : torch.nn.Module
    sample : torch.Tensor of shape (n, in_features)
        A few rows of the module's input.
    expected : int
        The output width the module must have.
    name : str
        How the messages call the module (``"encoder"``, ``"decoder"``).
    output_dtypes : tuple of torch.dtype, default=(torch.float32, torch.float64)
        The output dtypes accepted.

    Raises
    ------
    TypeError
        When the module's parameters are not in ``sample``'s dtype.
    ValueError
        When the module cannot take ``sample`` or its output has another
        shape or dtype.
    """
    dtypes = sorted({str(p.dtype) for p in module.parameters() if p.dtype != sample.dtype})
    if dtypes:
        raise TypeError(
            f"the {name} has {', '.join(dtypes)} parameters but skgen computes in {sample.dtype}; "
            f"convert it with {name}.float() (or build it in float32)."
        )
    try:
        with torch.no_grad(), evaluating(module):
            out = module(sample)
    except RuntimeError as exc:
        raise ValueError(
            f"the {name} could not be applied to input of shape {tuple(sample.shape)} (its first layer must "
            f"take {sample.shape[1]} features): {exc}"
        ) from exc
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[1] != expected:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the {name} returns output of shape {shape} for input of shape "
            f"{tuple(sample.shape)}; expected (n_samples, {expected})."
        )
    if out.dtype not in output_dtypes:
        allowed = " or ".join(str(d).removeprefix("torch.") for d in output_dtypes)
        raise TypeError(
            f"the {name} returns {str(out.dtype).removeprefix('torch.')} output; skgen computes in float32, so "
            f"the {name} must return {allowed} tensors."
        )
