"""The torch boundary: devices, random generators and numpy conversion."""

import warnings

import numpy as np
import torch

__all__ = ["as_tensor", "draw_seed", "make_generator", "resolve_device", "to_numpy"]

_SEED_HIGH = int(np.iinfo(np.int32).max)  # seeds are drawn from [0, 2**31 - 1)


def draw_seed(source):
    """An int seed drawn from a numpy ``RandomState`` or a torch ``Generator``.

    How skgen derives the seed of a local generator (or of a module's initial
    weights) from the one it was given, so that everything random in a fit
    follows ``random_state``.
    """
    if isinstance(source, torch.Generator):
        return int(torch.randint(_SEED_HIGH, (1,), generator=source))
    return int(source.randint(_SEED_HIGH))


def resolve_device(device="auto"):
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N"`` (or a torch.device) into a device.

    ``"auto"`` picks CUDA when it is available. An explicit CUDA device that is
    not available falls back to the CPU with a warning, so a script written on
    a GPU machine still runs elsewhere.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            warnings.warn(
                f"device={device!r} was requested but CUDA is not available; using the CPU.",
                UserWarning,
                stacklevel=3,
            )
            return torch.device("cpu")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} does not exist: {torch.cuda.device_count()} CUDA device(s) are visible."
            )
    elif dev.type != "cpu":
        raise ValueError(f"device must be 'auto', 'cpu' or a CUDA device, got {device!r}.")
    return dev


def make_generator(random_state, device="cpu"):
    """A local ``torch.Generator`` seeded from a numpy ``RandomState``.

    ``random_state`` is whatever ``sklearn.utils.check_random_state`` accepts
    (None, an int or a RandomState) or already a ``torch.Generator``, which is
    returned unchanged. Library code never touches torch's global seed.
    """
    if isinstance(random_state, torch.Generator):
        return random_state
    if random_state is None or isinstance(random_state, int | np.integer):
        rng = np.random.RandomState(random_state)
    elif isinstance(random_state, np.random.RandomState):
        rng = random_state
    else:
        raise TypeError(
            "random_state must be None, an int, a numpy RandomState or a torch.Generator, "
            f"got {type(random_state).__name__}."
        )
    seed = draw_seed(rng)
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(seed)
    return gen


def to_numpy(tensor, dtype=None):
    """Detach a tensor, bring it to the CPU and return a numpy array."""
    arr = tensor.detach().cpu().numpy()
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


def as_tensor(arr, dtype=None, device=None):
    """A torch view of a numpy array, copied only when it must be.

    Read-only arrays (memory maps, broadcast views) are copied, since torch
    does not support non-writable tensors.
    """
    arr = np.ascontiguousarray(arr)
    if not arr.flags.writeable:
        arr = arr.copy()
    return torch.from_numpy(arr).to(dtype=dtype, device=device)
