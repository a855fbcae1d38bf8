"""The `nn-playground` command: the desktop app by default, headless sub-commands beside it.

    nn-playground                      open the app with the default experiment
    nn-playground FILE.json | NAME     open the app with a preset (checked first)
    nn-playground train PRESET ...     train without a window (see cli_train)
    nn-playground validate FILE...     check preset files
    nn-playground presets              list the shipped presets
    nn-playground data get|import ...  fetch data too large to ship (see cli_data)
    nn-playground lr-find|sweep ...    search for settings (see cli_search)
    nn-playground calc optimizer|loss  worked examples by hand (see cli_calc)

Exit statuses are `playground.exit_codes.ExitCode` (2, bad input, prints one line on stderr and no
traceback). Heavy imports (torch, Qt) happen
inside the commands that need them, so `--help`, `presets` and a bad argument answer at once.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Sequence

from playground import __version__
from playground.core.errors import PlaygroundError, SpecError
from playground.exit_codes import ExitCode, summary

COMMANDS = ("open", "train", "validate", "presets", "data", "lr-find", "sweep", "calc")

GUI_MISSING = ("The desktop app is not available yet in this installation ({reason}).\n"
               "The command-line tools work: try `nn-playground presets` or `nn-playground train circle`.")
QT_LIBS_HINT = ("Qt needs a few system libraries; on Debian/Ubuntu: sudo apt-get install libegl1 libgl1 "
                "libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0")


def error(message: str) -> None:
    """One line on stderr: the way every expected problem is reported."""
    print(f"nn-playground: {' '.join(message.split())}", file=sys.stderr)


# ---------------------------------------------------------------- commands ------------------

def cmd_open(args: argparse.Namespace) -> int:
    """Start the desktop app, with a preset that is validated before any window appears."""
    path = None
    if args.preset:
        from playground.core.presets import load_preset, resolve_preset

        resolved = resolve_preset(args.preset)
        load_preset(resolved)
        path = str(resolved)
    try:
        from playground.gui.app import run_app
    except ImportError as e:
        reason = f"cannot import {e.name or 'the GUI'}: {e}"
        print(GUI_MISSING.format(reason=reason), file=sys.stderr)
        if ".so" in str(e):
            print(QT_LIBS_HINT, file=sys.stderr)
        return ExitCode.NO_APP
    return int(run_app(path) or 0)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every file, and the data it refers to, and report each one (not just the first
    problem): 0 if all are valid."""
    from playground.core.preflight import check_run
    from playground.core.presets import load_preset

    bad = 0
    for name in args.files:
        try:
            check_run(load_preset(name))  # reads a CSV file too: its cells, columns and target
        except SpecError as e:
            bad += 1
            print(" ".join(str(e.with_file(name)).split()))
        except PlaygroundError as e:
            bad += 1
            print(f"{name}: {' '.join(str(e).split())}")
        else:
            print(f"{name}: ok")
    return ExitCode.BAD_INPUT if bad else ExitCode.OK


def cmd_presets(args: argparse.Namespace) -> int:
    """List the shipped presets: name and title, then the description, indented and wrapped."""
    from playground.core.presets import SHIPPED_DIR, shipped_presets

    infos = shipped_presets()
    if not infos:
        error(f"no shipped presets found in {SHIPPED_DIR}")
        return ExitCode.BAD_INPUT
    width = max(len(i.name) for i in infos) + 2
    for info in infos:
        print(f"{info.name:<{width}}{info.title}")
        if info.description:
            print(textwrap.fill(info.description, width=100, initial_indent=" " * width,
                                subsequent_indent=" " * width))
    return ExitCode.OK


# ---------------------------------------------------------------- parsing -------------------

def non_negative_int(text: str) -> int:
    """argparse type: a whole number >= 0 (a clear usage error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from playground import cli_calc, cli_data, cli_search, cli_train

    parser = argparse.ArgumentParser(
        prog="nn-playground",
        description="A desktop neural-network playground. With no command, opens the app.",
        epilog=summary())
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("open", help="open the app (the default; `nn-playground FILE.json` works too)")
    p.add_argument("preset", nargs="?", help="preset file or shipped preset name")
    p.set_defaults(handler=cmd_open)

    cli_train.add_parser(sub, non_negative_int)
    cli_search.add_parsers(sub, non_negative_int)

    p = sub.add_parser("validate", help="check preset files; print 'ok' or the problem for each")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("presets", help="list the shipped presets")
    p.set_defaults(handler=cmd_presets)

    cli_data.add_parser(sub)
    cli_calc.add_parser(sub)
    parser.set_defaults(handler=cmd_open, preset=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (never raises for bad input)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] not in COMMANDS and not args_list[0].startswith("-"):
        args_list.insert(0, "open")  # `nn-playground FILE.json` = `nn-playground open FILE.json`
    try:
        args = build_parser().parse_args(args_list)
    except SystemExit as e:  # --help, --version, usage errors: argparse has printed the text
        return e.code if isinstance(e.code, int) else ExitCode.BAD_INPUT
    try:
        return args.handler(args)
    except PlaygroundError as e:
        error(str(e))
        return ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:  # `nn-playground presets | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.NO_APP
