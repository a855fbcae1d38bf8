"""The commands: each reaches the run as the TrainingRun method of its name sends it, through the wire
unchanged; nothing outside the table gets in."""

from __future__ import annotations

import pytest

from playground.core import commands
from playground.core.commands import (
    COMMANDS,
    CONTROLS,
    CommandError,
    Pause,
    SetLearningRate,
    SetParameter,
    StepEpoch,
    WatchParameter,
)
from playground.core.run.loop import TrainingRun

SAMPLE = {commands._INT: 3, commands._FLOAT: 0.5, commands._TEXT: "0.linear.weight"}


class Recorder(TrainingRun):
    """A run that records what its control methods queue, without building anything."""

    def __init__(self) -> None:  # no data, no model: only `send` is used
        self.sent: list = []

    def send(self, command) -> None:
        self.sent.append(command)


def _sample(cls) -> tuple:
    if cls is commands.SetPace:  # its text is a unit, not a weight's name
        return (5.0, "update")
    return tuple(SAMPLE[kinds[0]] for kinds in cls.kinds)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_is_what_the_run_method_of_its_name_sends_and_crosses_the_wire_unchanged(name):
    cls = COMMANDS[name]
    args = _sample(cls)
    run = Recorder()
    getattr(TrainingRun, name)(run, *args)  # the table names the run's real control methods
    assert run.sent == [cls(*args)]
    wire_name, wire_args = commands.encode(cls(*args))
    assert (wire_name, wire_args) == (name, list(args))
    assert commands.decode(wire_name, wire_args) == cls(*args)


def test_the_run_applies_every_command_control_does_not_take():
    applied = {SetLearningRate, SetParameter, WatchParameter, commands.SetFeatureSample, commands.SetPace}
    assert set(COMMANDS.values()) == set(CONTROLS) | applied
    assert not set(CONTROLS) & applied


@pytest.mark.parametrize("name", ["state_dict", "snapshots", "_finish", "__init__", "__class__", "", None, 5,
                                  "PAUSE", "pause "])
def test_a_name_outside_the_table_is_refused_with_its_name(name):
    with pytest.raises(CommandError, match="unknown command") as info:
        commands.decode(name, [])
    assert repr(name) in str(info.value)


def test_only_a_command_is_sent():
    for thing in ("pause", ("pause", None), Pause):
        with pytest.raises(CommandError, match="unknown command"):
            commands.encode(thing)


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
        commands.decode(name, args)


def test_a_command_built_with_arguments_that_do_not_fit_is_refused_before_it_is_sent():
    with pytest.raises(CommandError, match="argument 2 .* must be an integer"):
        commands.encode(SetParameter("w", "one", 1.0))
    with pytest.raises(CommandError, match="must be a number"):
        commands.encode(SetLearningRate("fast"))


def test_fitting_arguments_pass_and_an_integer_is_a_number():
    assert commands.decode("set_learning_rate", [1]) == SetLearningRate(1.0)
    assert isinstance(commands.decode("set_learning_rate", [1]).lr, float)
    assert commands.decode(WatchParameter.name, (None, 0)) == WatchParameter(None, 0)
    assert commands.encode(StepEpoch()) == ("step_epoch", [])
