import gzip
import struct

import numpy as np
import pytest

from skgen.datasets import load_mnist, make_curve, read_idx


def _write_idx(path, array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(payload)


@pytest.fixture
def mnist_dir(tmp_path):
    tmp_path = tmp_path / "mnist"
    tmp_path.mkdir()
    rng = np.random.RandomState(0)
    for subset, n in (("train", 7), ("t10k", 3)):
        images = rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
        labels = rng.randint(0, 10, size=n).astype(np.uint8)
        _write_idx(tmp_path / f"{subset}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{subset}-labels-idx1-ubyte", labels)  # one uncompressed
    return tmp_path


def test_load_mnist_scales_and_flattens(mnist_dir):
    raw = read_idx(mnist_dir / "train-images-idx3-ubyte.gz")
    X, y = load_mnist(mnist_dir)
    assert X.shape == (7, 784) and X.dtype == np.float32 and y.shape == (7,)
    np.testing.assert_allclose(X * 255, raw.reshape(7, -1), atol=1e-4)
    assert 0 <= X.min() and X.max() <= 1
    Xt, yt = load_mnist(mnist_dir, "test", n_samples=2, dtype=np.float64)
    assert Xt.shape == (2, 784) and Xt.dtype == np.float64


def test_read_idx_other_dtypes(tmp_path):
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    _write_idx(tmp_path / "a.idx", a, code=0x0C)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx"), a)


def test_bad_files_are_named(tmp_path, mnist_dir):
    (tmp_path / "junk").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "junk")
    short = tmp_path / "short"
    _write_idx(short, np.zeros((2, 3), np.uint8))
    short.write_bytes(short.read_bytes()[:-1])
    with pytest.raises(ValueError, match="needs 6"):
        read_idx(short)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="train-images"):
        load_mnist(empty)
    with pytest.raises(ValueError, match="subset"):
        load_mnist(mnist_dir, "validation")


def test_make_curve_regions_follow_their_laws():
    X, t = make_curve(4000, noise=0.0, random_state=0)
    assert X.shape == (4000, 5) and t.shape == (4000,)
    np.testing.assert_allclose(X[:, 2], 0.3 * t)  # without noise the points lie on the curve
    np.testing.assert_allclose(X[:, 4], 0.05 * t**2)
    assert 0.005 < np.mean(np.abs(t) < 0.4) < 0.02  # the valley holds ~0.9 % of the data law
    assert 0.3 < np.mean(np.abs(np.abs(t) - 2) < 0.5) < 0.8  # most of it around the two modes
    _, tv = make_curve(500, region="valley", random_state=0)
    _, tt = make_curve(500, region="tail", random_state=0)
    assert np.all(np.abs(tv) <= 0.4) and np.all((np.abs(tt) >= 3.8) & (np.abs(tt) <= 4.4))
    assert (tt > 0).any() and (tt < 0).any()
    Xn, _ = make_curve(10, noise=0.1, random_state=1)
    np.testing.assert_array_equal(Xn, make_curve(10, noise=0.1, random_state=1)[0])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_samples": 0}, "n_samples"),
        ({"n_samples": 2.5}, "n_samples"),
        ({"region": "middle"}, "region"),
        ({"noise": -1.0}, "noise"),
        ({"noise": float("nan")}, "noise"),
    ],
)
def test_make_curve_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_curve(**kwargs)
