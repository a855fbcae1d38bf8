"""The command table: every command reaches the TrainingRun method of its name; nothing else gets in."""

from __future__ import annotations

import pytest

from playground.core import commands
from playground.core.commands import Command, CommandError
from playground.core.trainer import TrainingRun

SAMPLE = {commands._INT: 3, commands._FLOAT: 0.5, commands._TEXT: "0.linear.weight"}


class Recorder:
    """Stands in for a run: records which method was called with what."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def __getattr__(self, name: str):
        return lambda *args: self.calls.append((name, args))


@pytest.mark.parametrize("command", list(Command))
def test_each_command_calls_the_run_method_of_its_name(command):
    assert callable(getattr(TrainingRun, command.value))  # the table names real control methods
    signature, _ = commands.DISPATCH[command]
    args = tuple(SAMPLE[kinds[0]] for kinds in signature)
    parsed, parsed_args = commands.parse(command.value, list(args))
    run = Recorder()
    commands.apply(run, parsed, parsed_args)
    assert parsed is command and run.calls == [(command.value, args)]


def test_the_table_holds_every_command_and_nothing_else():
    assert set(commands.DISPATCH) == set(Command)


@pytest.mark.parametrize("name", ["state_dict", "snapshots", "_finish", "__init__", "__class__", "", None, 5,
                                  "PAUSE", "pause "])
def test_a_name_outside_the_table_is_refused_with_its_name(name):
    with pytest.raises(CommandError, match="unknown command") as info:
        commands.parse(name, [])
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("name, args, problem", [
    ("pause", [1], "takes 0 arguments"),
    ("pause", "ab", "takes 0 arguments"),
    ("set_learning_rate", None, "takes 1 arguments"),
    ("set_learning_rate", ["fast"], "argument 1 of command 'set_learning_rate' must be a number"),
    ("set_learning_rate", [True], "must be a number"),
    ("set_parameter", ["w", 1.5, 1.0], "argument 2 .* must be an integer"),
    ("set_parameter", [3, 1, 1.0], "argument 1 .* must be a text"),
    ("watch_parameter", [["w"], 0], "must be a text or nothing"),
    ("set_feature_sample", [None], "must be an integer"),
])
def test_arguments_that_do_not_fit_are_refused(name, args, problem):
    with pytest.raises(CommandError, match=problem):
        commands.parse(name, args)


def test_fitting_arguments_pass_and_an_integer_is_a_number():
    assert commands.parse("set_learning_rate", [1]) == (Command.SET_LEARNING_RATE, (1,))
    assert commands.parse(Command.WATCH_PARAMETER, (None, 0)) == (Command.WATCH_PARAMETER, (None, 0))
