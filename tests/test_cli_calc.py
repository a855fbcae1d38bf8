"""`nn-playground calc`: the worked examples on the command line, their JSON, and bad input (exit 2)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from playground import cli
from playground.core.optimizers import OPTIMIZERS
from playground.exit_codes import ExitCode

COURSE = ["--w", "1,2", "--g", "-0.5,-1", "--lr", "0.1", "--beta", "0.9", "--v", "0.5,0.1"]


def test_optimizer_json_gives_the_three_conventions_and_every_optimizer(capsys):
    assert cli.main(["calc", "optimizer", *COURSE, "--json"]) == ExitCode.OK
    r = json.loads(capsys.readouterr().out)
    forms = {c["name"]: c["new"] for c in r["momentum_conventions"]}
    assert forms["course"] == pytest.approx([1.545, 2.28])
    assert forms["pytorch"] == pytest.approx([1.005, 2.091])
    assert forms["textbook"] == pytest.approx([1.5, 2.19])
    assert [o["name"] for o in r["optimizers"]] == list(OPTIMIZERS)
    assert any("arithmetic slips" in note for note in r["notes"])  # the course's own example


def test_the_course_example_flag_gives_the_same_as_typing_it(capsys):
    cli.main(["calc", "optimizer", *COURSE])
    typed = capsys.readouterr().out
    assert cli.main(["calc", "optimizer", "--course-example"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert out == typed
    assert "→ (1.545, 2.28)" in out and "→ (1.005, 2.091)" in out and "(1.3, 2.4)" in out


def test_loss_prints_terms_and_the_mean(capsys):
    assert cli.main(["calc", "loss", "--targets", "0;2", "--predictions", "2,1,0;0,1,3", "--logits"]) == 0
    out = capsys.readouterr().out
    expected = nn.CrossEntropyLoss()(torch.tensor([[2.0, 1, 0], [0, 1, 3]]), torch.tensor([0, 2])).item()
    assert "Cross-entropy:" in out and "class 2: −log 0.843795" in out and f"= {expected:.6g}" in out


def test_loss_json(capsys):
    assert cli.main(["calc", "loss", "--targets", "1,0", "--predictions", "0.8,0.4", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert [x["name"] for x in r] == ["mse", "mae", "binary_cross_entropy"]
    assert r[0]["terms"] == pytest.approx([0.04, 0.16]) and r[0]["mean"] == pytest.approx(0.1)


@pytest.mark.parametrize("args, message", [
    (["optimizer", "--w", "1,2", "--g", "-0.5"], "--g has 1 value(s) but w has 2"),
    (["optimizer", "--w", "1,a", "--g", "1,2"], "--w: every entry must be a number"),
    (["optimizer", "--w", "1"], "--g is required"),
    (["optimizer", "--w", "1", "--g", "1", "--beta", "1.5"], "--beta must be below 1"),
    (["loss", "--targets", "1,0,1", "--predictions", "0.5,0.5"],
     "--targets has 3 example(s) but predictions has 2"),
])
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    assert cli.main(["calc", *args]) == ExitCode.BAD_INPUT
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and message in err and "Traceback" not in err
