"""``python -m skgen demo``: report files, headline, user data, bad input, no matplotlib.

Runs ``skgen._demo.main`` in-process (one subprocess test covers ``python -m
skgen``). Training runs are tiny (``--quick``, a few epochs, one thread).
"""

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from skgen.__main__ import main as cli
from skgen._demo import main
from skgen.datasets import load_table

HAVE_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNGS = ["summary.png", "reconstructions.png", "samples.png", "latent.png", "training.png", "typical.png"]
FAST = ["--quick", "--epochs", "2", "--threads", "1"]


def _table(n=120, d=6, seed=0):
    """Rows near a 2-D subspace of R^d, on a non-trivial scale."""
    rng = np.random.RandomState(seed)
    return 5 + 3 * rng.standard_normal((n, 2)) @ rng.standard_normal((2, d)) + 0.1 * rng.standard_normal((n, d))


def _summary(folder):
    with open(folder / "summary.json", encoding="utf-8") as f:
        return json.load(f)


def _one_line_error(capsys):
    err = capsys.readouterr().err
    assert err.startswith("skgen demo: error: "), err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.slow
def test_quick_demo_writes_the_report_and_prints_the_headline(tmp_path, capsys):
    threads = torch.get_num_threads()
    assert main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert torch.get_num_threads() == threads  # --threads / auto is undone after the run
    for stage in ("[1/4] data", "[2/4] training", "[3/4] evaluating", "[4/4] writing"):
        assert stage in out
    for headline in ("latent entropy", "N(0, I_8)", "reconstruction MSE", "bandwidth h", "1 - h^2", "fit time"):
        assert headline in out
    assert str(tmp_path / "index.html") in out

    summary = _summary(tmp_path)
    res = summary["results"]
    assert summary["data"] == {
        "name": "digits",
        "source": "scikit-learn's digits (load_digits)",
        "n_samples": 500,
        "n_features": 64,
        "scale": "minmax",
    }
    assert summary["model"]["epochs"] == 3 and summary["model"]["n_kde_samples"] == 256
    assert 0 < res["bandwidth"] < 1
    assert res["target_variance"] == pytest.approx(1 - res["bandwidth"] ** 2)
    assert res["entropy_gap"] == pytest.approx(res["reference_entropy"] - res["latent_entropy"])
    assert res["entropy_samples"] == 500 and len(res["eigenvalues"]) == 8
    assert f"{res['latent_entropy']:.3f}" in out and f"{res['bandwidth']:.3f}" in out

    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "latent entropy" in page and f"{res['reconstruction_mse']:.5f}" in page
    if HAVE_MATPLOTLIB:
        for png in PNGS:
            assert (tmp_path / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
            assert f"src='{png}'" in page


@pytest.mark.slow
def test_data_npy(tmp_path, capsys):
    path = tmp_path / "table.npy"
    np.save(path, _table())
    out = tmp_path / "report"
    assert main(["--data", str(path), "--latent-dim", "2", "--out", str(out), *FAST]) == 0
    assert "reconstruction MSE" in capsys.readouterr().out
    summary = _summary(out)
    assert summary["data"]["n_samples"] == 120 and summary["data"]["n_features"] == 6
    assert summary["data"]["scale"] == "standard"  # user tables are standardised
    assert summary["model"]["latent_dim"] == 2
    if HAVE_MATPLOTLIB:  # 6 features: drawn as heat-map rows
        assert all((out / png).exists() for png in PNGS)


@pytest.mark.slow
def test_data_csv_with_header(tmp_path, capsys):
    X = _table(n=90, d=5, seed=1)
    path = tmp_path / "table.csv"
    rows = ["alpha,beta,gamma,delta,epsilon"] + [",".join(f"{v:.6f}" for v in row) for row in X]
    path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "report"
    assert main(["--data", str(path), "--latent-dim", "2", "--out", str(out), *FAST]) == 0
    assert "latent entropy" in capsys.readouterr().out
    summary = _summary(out)
    assert (summary["data"]["n_samples"], summary["data"]["n_features"]) == (90, 5)


def test_load_table_formats(tmp_path):
    X = _table(n=10, d=3)
    plain, header, semi = tmp_path / "plain.csv", tmp_path / "header.csv", tmp_path / "semi.csv"
    np.savetxt(plain, X, delimiter=",")
    np.savetxt(header, X, delimiter=",", header="a,b,c", comments="")
    np.savetxt(semi, X, delimiter=";")
    for path in (plain, header, semi):
        got, image_shape = load_table(str(path))
        np.testing.assert_allclose(got, X)
        assert image_shape is None
    stack = tmp_path / "stack.npy"
    np.save(stack, np.arange(5 * 4 * 6, dtype=np.uint8).reshape(5, 4, 6))  # a stack of 4x6 images
    got, image_shape = load_table(str(stack))
    assert got.shape == (5, 24) and got.dtype == np.float64 and image_shape == (4, 6)
    square = tmp_path / "square.npy"
    np.save(square, np.zeros((3, 64)))
    assert load_table(str(square))[1] == (8, 8)  # a square feature count is drawn as images
    with pytest.raises(ValueError, match="line 3"):
        (tmp_path / "ragged.csv").write_text("1,2\n3,4\n5\n")
        load_table(str(tmp_path / "ragged.csv"))


def test_load_table_header_guess(tmp_path):
    rows = "4,5,6\n7,8,9\n"
    for header in ["a,b,c\n", ",b,c\n", "id,2019,2020\n", "x,nan,0.5\n", ""]:  # a name makes a header
        X, _ = load_table(_write(tmp_path, "t.csv", header + rows))
        assert X.shape == (2, 3) and X[0, 0] == 4
    with pytest.warns(UserWarning, match="pandas's header of column numbers"):  # was read silently as a sample
        X, _ = load_table(_write(tmp_path, "t.csv", "0,1,2\n" + rows))
    assert X.shape == (2, 3) and X[0, 0] == 4
    with pytest.raises(ValueError, match="index=False"):  # to_csv's default: the index became a feature
        load_table(_write(tmp_path, "t.csv", ",0,1,2\n0,4,5,6\n1,7,8,9\n"))
    with pytest.raises(ValueError, match="has 0 rows"):  # was numpy's "cannot reshape array of size 0"
        load_table(_write(tmp_path, "t.npy", np.zeros((0, 4, 4))))


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, np.ndarray):
        np.save(path, content)
    else:
        path.write_text(content)
    return str(path)


def _nan_table():
    X = _table(n=20, d=3)
    X[[4, 9], 1] = np.nan
    return X


BAD_INPUT = {
    "missing file": (lambda p: ["--data", str(p / "missing.npy")], "no such file"),
    "unknown extension": (lambda p: ["--data", _write(p, "table.txt", "1,2\n3,4\n")], "unknown file type '.txt'"),
    "non-numeric csv": (
        lambda p: ["--data", _write(p, "t.csv", "a,b\n1,2\n3,cat\n")],
        "line 3, column 2 ('b') holds 'cat'",
    ),
    "NaN rows": (lambda p: ["--data", _write(p, "t.npy", _nan_table())], "2 of 20 rows"),
    "one row": (lambda p: ["--data", _write(p, "t.csv", "x,y,z\n1,2,3\n")], "has 1 row"),
    "object array": (lambda p: ["--data", _write(p, "t.npy", np.array([{}, {}]))], "Python objects"),
    "latent dim above features": (
        lambda p: ["--data", _write(p, "t.npy", _table(d=3)), "--latent-dim", "4"],
        "--latent-dim 4 is larger than the 3 features",
    ),
    "latent dim zero": (lambda p: ["--latent-dim", "0"], "argument --latent-dim: expected a positive integer"),
    "values too large to standardise": (  # StandardScaler's variance overflowed into a "NaN in X" message
        lambda p: ["--data", _write(p, "t.npy", _table(d=3) * 1e300), "--latent-dim", "2"],
        "too large to standardise",
    ),
    "thread count": (lambda p: ["--threads", "99999999999"], "at most 4096 threads"),
    "beyond float32 unscaled": (  # blamed --latent-dim and advised a Pipeline
        lambda p: ["--data", _write(p, "t.npy", _table(d=3) * 1e200), "--latent-dim", "2", "--scale", "none"],
        "--scale none: the data hold values up to",
    ),
    "empty cell on the first line": (  # the line was taken for a header and dropped
        lambda p: ["--data", _write(p, "t.csv", "1,,3\n" + "4,5,6\n" * 30)],
        "(first at line 1)",
    ),
    "bandwidth h >= 1": (
        lambda p: ["--data", _write(p, "t.npy", _table(n=20, d=20)), "--latent-dim", "16"],
        "cannot train with --latent-dim 16 on 20 samples",
    ),
    "missing MNIST folder": (lambda p: ["--mnist", str(p / "nowhere")], "--mnist: MNIST folder"),
    "two data sources": (lambda p: ["--data", "a.npy", "--mnist", "b"], "not allowed with"),
    "bad device": (lambda p: ["--device", "tpu"], "--device"),
    "out is a file": (lambda p: ["--out", _write(p, "taken", "")], "is a file, not a folder"),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_one_line_and_exit_status_2(case, tmp_path, capsys):
    make_args, expected = BAD_INPUT[case]
    args = make_args(tmp_path)
    status = main([*args, *([] if "--out" in args else ["--out", str(tmp_path / "report")]), *FAST])
    assert status == 2
    assert expected in _one_line_error(capsys)


def test_without_matplotlib_the_demo_trains_and_says_how_to_install_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    path = tmp_path / "table.npy"
    np.save(path, _table(n=60, d=4))
    out = tmp_path / "report"
    assert main(["--data", str(path), "--latent-dim", "2", "--out", str(out), *FAST]) == 0
    captured = capsys.readouterr()
    assert 'pip install "skgen[plot]"' in captured.err and "matplotlib" in captured.err
    assert "latent entropy" in captured.out and 'pip install "skgen[plot]"' in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "summary.json"]
    assert 'pip install "skgen[plot]"' in (out / "index.html").read_text(encoding="utf-8").replace("&quot;", '"')


def test_help_explains_the_options(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for option in (
        "--data",
        "--mnist",
        "--n-samples",
        "--latent-dim",
        "--epochs",
        "--device",
        "--seed",
        "--out",
        "--quick",
        "--scale",
        "StandardScaler",
        "index.html",
        "summary.png",
        'pip install "skgen[plot]"',
    ):
        assert option in text


def test_cli_dispatches_to_the_demo(capsys):
    assert cli(["demo", "--latent-dim", "0"]) == 2
    assert _one_line_error(capsys).startswith("skgen demo: error: argument --latent-dim")
    assert cli([]) == 2  # a command is required
    assert "skgen: error:" in capsys.readouterr().err


@pytest.mark.slow
def test_python_m_skgen_help():
    proc = subprocess.run([sys.executable, "-m", "skgen", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "demo" in proc.stdout and "python -m skgen COMMAND --help" in proc.stdout
