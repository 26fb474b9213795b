"""``python -m skgen``: skgen's command line.

Each subcommand lives in its own module, which provides ``add_arguments(parser)``
and ``run(args) -> int``; this file only dispatches. ``python -m skgen demo``
trains a GEN and writes an HTML report (the private package ``skgen._demo``).
"""

import argparse
import sys

from . import _demo as demo
from ._demo import CommandLineParser

# name -> (module, one-line help)
COMMANDS = {
    "demo": (demo, "train a GEN on digits (or your data) and write an HTML report"),
}


def main(argv=None):
    """Run ``python -m skgen`` with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    parser = CommandLineParser(
        prog="skgen",
        usage="python -m skgen [-h] COMMAND ...",
        description="skgen: Generative Encoding Networks for scikit-learn.\n\n"
        "Run 'python -m skgen COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, summary) in COMMANDS.items():
        module.add_arguments(sub.add_parser(name, prog=f"skgen {name}", help=summary, **module.PARSER_KWARGS))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else 2
    return COMMANDS[args.command][0].run(args)


if __name__ == "__main__":
    sys.exit(main())
