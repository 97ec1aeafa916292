"""The `minilogit` command line: `train`, `predict`, `sweep`, `compare`, `gradcheck`, ...

Every user error ends as one line, `error: ...`, on stderr with exit status 2 and no traceback.
Each subcommand lives in its own module with `register(subparsers)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence

from ..errors import MinilogitError

#: Subcommand modules, in the order `minilogit --help` lists them.
COMMANDS = ("train", "predict", "sweep", "compare", "gradcheck", "make_workbook")


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line `error: ...` and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, one subparser per module in `COMMANDS`."""
    parser = _Parser(
        prog="minilogit",
        description="Logistic regression done properly: train, check gradients, compare.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f".{name}", __name__).register(sub)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    sys.stderr.write(f"warning: {message}\n")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (e.g. captured in-process)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `minilogit` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    # Scoped, so calling main() in-process (tests, notebooks) leaves the caller's warning
    # machinery as it was; entering catch_warnings also resets "show once" bookkeeping.
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        # numpy's floating-point warnings come in bursts just before the DivergenceError that
        # says the same thing plainly (and how to fix it); one line is enough.
        warnings.filterwarnings("ignore", r"(overflow|invalid value) encountered", RuntimeWarning)
        try:
            return int(args.run(args) or 0)
        except MinilogitError as exc:
            sys.stderr.write(f"error: {exc}\n")
            return 2
        except KeyboardInterrupt:
            sys.stderr.write("error: interrupted\n")
            return 130
        except BrokenPipeError:
            # The reader went away (`minilogit train --json | head -c 100`): stop quietly like
            # other Unix tools, and keep the interpreter's final flush from failing again.
            _silence_stdout()
            return 141


if __name__ == "__main__":
    sys.exit(main())
