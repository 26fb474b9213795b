"""Loaders for the data skgen's demo, examples and benchmarks use.

``load_table`` reads a user's ``.npy`` or ``.csv`` table (the demo's
``--data``); ``load_mnist`` reads the original MNIST IDX files (``train-images-idx3-ubyte``
and friends, gzipped or not) from a folder; nothing is downloaded.
``make_curve`` generates points on a curve with a bimodal density along it,
for novelty that lies on the data manifold.
"""

import csv
import gzip
import io
import math
import os
import struct
import warnings
import zlib
from numbers import Integral, Real

import numpy as np

__all__ = ["load_mnist", "load_table", "make_curve", "read_idx"]

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
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow for absurd headers
    if len(data) != expected:
        raise ValueError(f"{path} holds {len(data)} data bytes but its header {shape} needs {expected}.")
    return np.frombuffer(data, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


_CURVE_REGIONS = ("data", "valley", "tail")


def make_curve(n_samples=1000, *, region="data", noise=0.02, random_state=None):
    """Points near a curve in 5 dimensions, with a bimodal density along it.

    The curve is ``c(t) = (cos 0.7t, sin 0.7t, 0.3t, 0.5 cos 1.3t, 0.05 t^2)``;
    each point is ``c(t)`` plus Gaussian noise of standard deviation
    ``noise`` in every coordinate. ``region`` says where ``t`` is drawn:

    * ``"data"``: 45 % from N(-2, 0.5^2), 45 % from N(2, 0.5^2), 10 % uniform
      on [-4.5, 4.5]: two dense stretches, a sparse stretch between them and
      sparse ends;
    * ``"valley"``: uniform on [-0.4, 0.4], the sparse stretch between the
      modes (about 0.9 % of ``"data"``);
    * ``"tail"``: ``|t|`` uniform on [3.8, 4.4], either sign: the sparse ends.

    ``"valley"`` and ``"tail"`` points are novel by their density along the
    curve, not by their distance from it: a model trained on ``"data"``
    reconstructs them about as well as its training data, so only the
    in-manifold terms of a data-space density (the latent density and the
    decoder's Jacobian, eq. 10-11) can rank them below the inliers.

    Parameters
    ----------
    n_samples : int, default=1000
    region : {"data", "valley", "tail"}, default="data"
    noise : float, default=0.02
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, 5)
    t : ndarray of shape (n_samples,)
        The curve parameter of each point.
    """
    from sklearn.utils import check_random_state

    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    if region not in _CURVE_REGIONS:
        raise ValueError(f"region must be one of {_CURVE_REGIONS}, got {region!r}.")
    if not (isinstance(noise, Real) and not isinstance(noise, bool) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}.")
    rng = check_random_state(random_state)
    if region == "data":
        u = rng.uniform(size=n_samples)
        modes = np.where(u < 0.45, rng.normal(-2.0, 0.5, n_samples), rng.normal(2.0, 0.5, n_samples))
        t = np.where(u < 0.9, modes, rng.uniform(-4.5, 4.5, n_samples))
    elif region == "valley":
        t = rng.uniform(-0.4, 0.4, n_samples)
    else:
        t = rng.uniform(3.8, 4.4, n_samples) * rng.choice([-1.0, 1.0], n_samples)
    X = np.stack([np.cos(0.7 * t), np.sin(0.7 * t), 0.3 * t, 0.5 * np.cos(1.3 * t), 0.05 * t**2], axis=1)
    return X + noise * rng.normal(size=X.shape), t


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


def load_table(path):
    """Read a ``.npy`` or ``.csv`` table as a float64 array, refusing what a GEN cannot train on.

    Parameters
    ----------
    path : str
        A ``.npy`` file holding a 2-D numeric array (or a 3-D stack of images,
        flattened to rows) or a ``.csv`` file, with or without a header row.
        The first line is a header when a field of it is neither empty nor a
        number; ``0, 1, ..., d - 1`` (pandas's header of column numbers) is
        skipped with a warning, and pandas's header above an index column
        (``,0, 1, ...``) is refused.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
    image_shape : tuple of int or None
        ``(height, width)`` when the rows are images: a 3-D ``.npy`` stack or a
        square feature count of at least 16.

    Raises
    ------
    FileNotFoundError
        No such file.
    ValueError
        A folder, an unknown extension, non-numeric content, NaN or infinite
        values, fewer than 2 rows; the message names the file, and the line
        and column where there is one.
    """
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path!r}")
    if os.path.isdir(path):
        raise ValueError(f"{path!r} is a folder, not a .npy or .csv file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        X, image_shape, where = _read_npy(path), None, None
        if X.ndim == 3:
            image_shape = X.shape[1:]
            X = X.reshape(X.shape[0], math.prod(image_shape))  # also for an empty stack
    elif ext == ".csv":
        X, where = _read_csv(path)
        image_shape = None
    else:
        raise ValueError(f"unknown file type {ext or '(no extension)'!r} of {path!r}; use .npy or .csv")
    if X.ndim != 2:
        raise ValueError(
            f"{path!r} holds an array of shape {X.shape}; expected rows of features "
            "(n_samples, n_features) or a stack of images (n_samples, height, width)"
        )
    if X.shape[0] < 2:
        raise ValueError(
            f"{path!r} has {X.shape[0]} row{'s' if X.shape[0] != 1 else ''}; "
            "a GEN needs at least 2 samples (many more to be useful)"
        )
    if X.shape[1] < 1:
        raise ValueError(f"{path!r} has no columns")
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        at = f"line {where[first]}" if where is not None else f"row index {first}"
        raise ValueError(
            f"{int(bad.sum())} of {X.shape[0]} rows of {path!r} contain NaN or infinite "
            f"values (first at {at}); remove or impute them first"
        )
    if image_shape is None:
        side = math.isqrt(X.shape[1])
        if side >= 4 and side * side == X.shape[1]:
            image_shape = (side, side)
    return X, (None if image_shape is None else tuple(int(s) for s in image_shape))


def _read_npy(path):
    try:
        arr = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(f"{path!r} holds Python objects, not numbers") from None
        raise ValueError(f"cannot read {path!r} as .npy: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read {path!r} as .npy: {exc}") from None
    if not isinstance(arr, np.ndarray):
        raise ValueError(f"{path!r} is not a single .npy array")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{path!r} holds {arr.dtype} values, not real numbers")
    return arr.astype(np.float64)


def _read_csv(path):
    """Numbers of a CSV file and the line number of each data row."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise ValueError(f"{path!r} is not a text CSV file") from None
    except OSError as exc:
        raise ValueError(f"cannot read {path!r}: {exc.strerror or exc}") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, lines = [], []
    for fields in reader:
        if any(field.strip() for field in fields):
            rows.append(fields)
            lines.append(reader.line_num)
    if not rows:
        raise ValueError(f"{path!r} is empty")
    header = None
    first = [field.strip() for field in rows[0]]
    numbers = [str(i) for i in range(len(first))]
    if first[:1] == [""] and first[1:] == numbers[:-1] and len(first) > 1:
        raise ValueError(
            f"the first line of {path!r} reads ',0, 1, ..., {len(first) - 2}': pandas's header above an index "
            "column, which is not a feature; write the file with to_csv(path, index=False)."
        )
    if any(field and not _is_number(field) for field in first):  # a name: empty cells alone make no header
        header, rows, lines = rows[0], rows[1:], lines[1:]
    elif len(first) >= 3 and first == numbers:
        warnings.warn(
            f"the first line of {path!r} reads 0, 1, ..., {len(first) - 1}: taken for pandas's header of "
            "column numbers and skipped.",
            UserWarning,
            stacklevel=3,
        )
        header, rows, lines = rows[0], rows[1:], lines[1:]
    width = len(header) if header is not None else len(rows[0]) if rows else 0
    X = np.empty((len(rows), width))
    for r, (fields, line) in enumerate(zip(rows, lines)):
        if len(fields) != width:
            raise ValueError(f"line {line} of {path!r} has {len(fields)} fields, expected {width}")
        for c, field in enumerate(fields):
            field = field.strip()
            if not field:
                X[r, c] = np.nan  # an empty cell: refused as a missing value below
                continue
            try:
                X[r, c] = float(field)
            except ValueError:
                col = f"column {c + 1}" + (f" ({header[c].strip()!r})" if header is not None else "")
                raise ValueError(f"{path!r} is not numeric: line {line}, {col} holds {field!r}") from None
    return X, lines


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True
