"""The exit statuses of the `nn-playground` command, defined once for every sub-command and test."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    NO_APP = 1  # the desktop app cannot start (Qt missing, say)
    BAD_INPUT = 2  # one line on stderr, no traceback
    DIVERGED = 3  # the run diverged (NaN or a blown-up loss)
    DOWNLOAD_FAILED = 4
    INTERRUPTED = 130  # stopped with Ctrl-C, as a shell reports SIGINT


MEANINGS = {ExitCode.OK: "ok", ExitCode.NO_APP: "app unavailable", ExitCode.BAD_INPUT: "bad input",
            ExitCode.DIVERGED: "training diverged", ExitCode.DOWNLOAD_FAILED: "download failed",
            ExitCode.INTERRUPTED: "interrupted"}


def summary() -> str:
    """One sentence for `--help`: every status and what it means."""
    return "Exit status: " + ", ".join(f"{int(code)} {MEANINGS[code]}" for code in ExitCode) + "."
