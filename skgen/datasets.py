"""Loaders for the data skgen's demo, examples and benchmarks use.

``load_mnist`` reads the original MNIST IDX files (``train-images-idx3-ubyte``
and friends, gzipped or not) from a folder; nothing is downloaded.
"""

import gzip
import os
import struct
import zlib
from numbers import Integral

import numpy as np

__all__ = ["load_mnist", "read_idx"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    """Read one IDX file (the MNIST container format) into an array.

    Parameters
    ----------
    path : str or path-like
        The file, gzipped (``.gz``) or not.

    Returns
    -------
    array : ndarray
        Shaped as the header says, e.g. ``(60000, 28, 28)`` for MNIST images.
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            header = f.read(4)
            if len(header) != 4 or header[0] != 0 or header[1] != 0 or header[2] not in _DTYPES:
                raise ValueError(f"{path} is not an IDX file (bad magic number {header.hex()}).")
            ndim = header[3]
            dims = f.read(4 * ndim)
            if len(dims) != 4 * ndim:
                raise ValueError(
                    f"{path} is truncated: its header announces {ndim} dimensions but holds "
                    f"{len(dims)} of their {4 * ndim} bytes."
                )
            shape = struct.unpack(f">{ndim}I", dims)
            dtype = np.dtype(_DTYPES[header[2]])
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:  # a truncated or corrupt .gz
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise
        raise ValueError(f"{path} could not be read as a (gzipped) IDX file: {exc}") from exc
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) != expected:
        raise ValueError(f"{path} holds {len(data)} data bytes but its header {shape} needs {expected}.")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find(folder, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"no {stem}[.gz] in {folder!r}: pass the folder holding the MNIST IDX files.")


def load_mnist(folder, subset="train", *, n_samples=None, dtype=np.float32):
    """MNIST images as rows scaled to [0, 1], with their labels.

    Parameters
    ----------
    folder : str or path-like
        Folder with ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
        ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz``.
    subset : {"train", "test"}, default="train"
    n_samples : int, default=None
        Keep only the first ``n_samples`` images (all when None).
    dtype : {np.float32, np.float64} or their names, default=np.float32
        A floating dtype: intensities in [0, 1] need one.

    Returns
    -------
    X : ndarray of shape (n_samples, 784)
        Pixel intensities divided by 255.
    y : ndarray of shape (n_samples,)
        Digit labels 0-9.
    """
    if subset not in _FILES:
        raise ValueError(f"subset must be 'train' or 'test', got {subset!r}.")
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must be a floating dtype such as np.float32, got {dtype!r}.") from exc
    if dtype.kind != "f":
        raise TypeError(
            f"dtype must be a floating dtype (np.float32 or np.float64): intensities / 255 are fractions, got {dtype}."
        )
    if n_samples is not None and (isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1):
        raise ValueError(f"n_samples must be a positive integer or None, got {n_samples!r}.")
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"MNIST folder {folder!r} does not exist.")
    images = read_idx(_find(folder, _FILES[subset][0]))
    labels = read_idx(_find(folder, _FILES[subset][1]))
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"MNIST files in {folder!r} disagree: images {images.shape}, labels {labels.shape}.")
    if n_samples is not None:
        images, labels = images[:n_samples], labels[:n_samples]
    X = images.reshape(images.shape[0], -1).astype(dtype) / dtype.type(255.0)
    return X, labels.astype(np.int64)
