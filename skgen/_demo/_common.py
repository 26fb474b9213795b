"""The demo's constants, its error type, its argument parser class and its console output."""

import argparse
import sys

PROG = "skgen demo"
PLOT_INSTALL = 'pip install "skgen[plot]"'

# Defaults, measured on 2 shared CPU cores (see the module's --help text).
DEFAULT_EPOCHS = 100  # digits and --data
MNIST_EPOCHS = 10
MNIST_N_SAMPLES = 10000
QUICK_EPOCHS = 3
QUICK_N_SAMPLES = 500
QUICK_KDE_SAMPLES = 256
ENTROPY_MAX_SAMPLES = 5000  # the KDE entropy costs O(m^2)
SCORE_MAX_SAMPLES = 5000  # score_samples needs one Jacobian per row
N_SHOW = 16  # reconstructions and generated samples shown
N_TYPICAL = 8  # most and least typical shown

DESCRIPTION = """\
Train a GENAutoencoder and write a report folder: index.html, summary.png,
one PNG per view and summary.json.

By default the data are scikit-learn's 8x8 digits (1797 images, pixel values
scaled to [0, 1]), latent dimension 8; this takes about a minute on two CPU
cores. --quick runs a few epochs on 500 rows in seconds, to check that
everything works.

The terminal shows the stages, a progress bar (one line per epoch when stderr
is not a terminal) and the headline numbers: the whitened latent entropy
(EntropyScorer) against an equally large N(0, I_l) sample, the reconstruction
MSE (beside PCA with as many components), the kernel bandwidth h with the
latent variance 1 - h^2 a GEN converges to, and the fit time."""

EPILOG = f"""\
data and scaling:
  (default)      scikit-learn's load_digits, 1797 x 64, drawn as 8x8 images.
  --mnist DIR    the MNIST IDX files (train-images-idx3-ubyte[.gz] and the
                 labels) in DIR; the first --n-samples images (default
                 {MNIST_N_SAMPLES}), {MNIST_EPOCHS} epochs, m = 10000 KDE samples.
  --data FILE    your own table, one sample per row: .npy (a 2-D array, or a
                 3-D stack of images) or .csv (comma, semicolon or tab
                 separated; if the first row holds anything that is not a
                 number it is taken as a header). Rows with NaN or infinite
                 values are refused. Rows are drawn as images when the
                 feature count is a square of at least 16 (64 = 8x8,
                 784 = 28x28) or the .npy is an image stack, otherwise as
                 heat-map rows.
  --scale auto   images (digits, MNIST) are mapped to [0, 1] by the global
                 minimum and maximum of the data ("minmax": pixels keep their
                 relative intensities); --data tables are standardised column
                 by column ("standard", StandardScaler). "none" trains on the
                 values as they are. The scaler and the GEN form one
                 scikit-learn Pipeline; reconstruction errors and figures are
                 in scaled units.

report (in --out, default ./skgen-demo/, files are overwritten):
  index.html           the report, with the headline numbers
  summary.png          the views below in one figure
  reconstructions.png  originals beside their reconstructions D(E(x))
  samples.png          generated samples (GENAutoencoder.sample)
  latent.png           pairs of latent dimensions with the contours of
                       latent_distribution_, N(0, (1 - h^2) I)
  training.png         reconstruction error and JSD term per epoch (history_)
  typical.png          most and least typical rows by score_samples
  summary.json         the headline numbers, machine-readable

figures need matplotlib: {PLOT_INSTALL}
  Without it the demo still trains, prints the numbers and writes index.html
  and summary.json; it warns, says how to install matplotlib, and exits 0.

--quick: {QUICK_EPOCHS} epochs on at most {QUICK_N_SAMPLES} rows with m = {QUICK_KDE_SAMPLES} KDE samples; the
  numbers are not meaningful, the report's layout is.

exit status: 0 done, 1 training failed (the loss diverged), 2 bad input or
options (one line on stderr, "{PROG}: error: ..."), 130 interrupted.

examples:
  python -m skgen demo
  python -m skgen demo --quick --out /tmp/skgen-quick
  python -m skgen demo --data table.csv --latent-dim 4
  python -m skgen demo --mnist ../shared/data/mnist --n-samples 5000"""

PARSER_KWARGS = dict(description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)


class DemoError(Exception):
    """Bad input or options: reported as one line on stderr, exit status 2."""


class CommandLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _error(message):
    print(f"{PROG}: error: {message}", file=sys.stderr, flush=True)


def _warn(message):
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    _warn(str(message).splitlines()[0] if str(message) else category.__name__)


def _say(message=""):
    print(message, flush=True)
