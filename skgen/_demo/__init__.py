"""``python -m skgen demo``: train a GEN on a data set and write an HTML report.

The command trains a :class:`~skgen.GENAutoencoder` (in a scikit-learn
``Pipeline`` behind a scaler) on scikit-learn's 8x8 digits, on MNIST
(``--mnist DIR``) or on a table of the user's (``--data FILE``), prints the
headline numbers and writes a report folder: ``index.html``, ``summary.png``,
one PNG per view and ``summary.json``.

Everything here is application code on top of the public API: ``fit``,
``transform``, ``inverse_transform``, ``sample``, ``score_samples``,
``history_``, ``bandwidth_``, ``latent_distribution_`` and
:class:`~skgen.EntropyScorer`. Figures use matplotlib's object-oriented API on
the Agg canvas (no pyplot, no windows); matplotlib is optional.

Call :func:`main` with a list of arguments to run it in-process::

    from skgen._demo import main
    status = main(["--quick", "--out", "/tmp/report"])
"""

from ._cli import add_arguments, main, run
from ._common import PARSER_KWARGS, CommandLineParser, DemoError

__all__ = ["PARSER_KWARGS", "CommandLineParser", "DemoError", "add_arguments", "main", "run"]
