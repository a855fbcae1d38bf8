"""The loss calculator, term by term, against torch's own losses."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from playground.core.calculators.loss_calc import losses
from playground.core.calculators.numbers import CalcError, parse_matrix


def by_label(results):
    return {r.label: r for r in results}


def t(values):
    return torch.tensor(values, dtype=torch.float64)


def test_regression_and_binary_on_probabilities_match_torch():
    y, p = [1.0, 0.0, 1.0, 0.3], [0.9, 0.2, 0.6, 0.5]
    r = by_label(losses("1, 0, 1, 0.3", "0.9 0.2 0.6 0.5"))
    mse, mae = r["Mean squared error"], r["Mean absolute error"]
    bce = r["Binary cross-entropy (on probabilities)"]
    assert mse.mean == pytest.approx(nn.MSELoss()(t(p), t(y)).item(), rel=1e-12)
    assert mse.terms == pytest.approx(nn.MSELoss(reduction="none")(t(p), t(y)).tolist(), rel=1e-12)
    assert mae.mean == pytest.approx(nn.L1Loss()(t(p), t(y)).item(), rel=1e-12)
    assert bce.terms == pytest.approx(nn.BCELoss(reduction="none")(t(p), t(y)).tolist(), rel=1e-9)
    assert bce.mean == pytest.approx(nn.BCELoss()(t(p), t(y)).item(), rel=1e-9)
    assert mse.lines[0] == "(0.9 − 1)² = 0.01" and len(mse.lines) == 4
    assert mse.mean_line.endswith(f"/ 4 = {mse.mean:.6g}")


def test_binary_on_logits_matches_bce_with_logits_and_shows_the_sigmoid():
    (bce,) = losses("1,0,1", "2,-1,0.5", logits=True)
    z, y = t([2.0, -1.0, 0.5]), t([1.0, 0.0, 1.0])
    assert bce.terms == pytest.approx(nn.BCEWithLogitsLoss(reduction="none")(z, y).tolist(), rel=1e-12)
    assert bce.lines[0].startswith(f"σ(2) = {torch.sigmoid(z[0]).item():.6g}")


@pytest.mark.parametrize("targets", ["0; 2; 1", "0,2,1", "1,0,0; 0,0,1; 0,1,0"],
                         ids=["column", "row", "one-hot"])
def test_categorical_on_logits_matches_cross_entropy_loss(targets):
    z = [[2.0, 1.0, 0.0], [0.0, 1.0, 3.0], [-1.0, 0.5, 0.2]]
    (ce,) = losses(targets, "; ".join(",".join(map(str, row)) for row in z), logits=True)
    labels = torch.tensor([0, 2, 1])
    assert ce.terms == pytest.approx(nn.CrossEntropyLoss(reduction="none")(t(z), labels).tolist(), rel=1e-12)
    assert ce.mean == pytest.approx(nn.CrossEntropyLoss()(t(z), labels).item(), rel=1e-12)
    assert "softmax(z) = (0.665241, 0.244728, 0.0900306)" in ce.lines[0]


def test_categorical_on_probabilities_matches_nll_of_the_log():
    p = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]
    (ce,) = losses("0, 2", "0.7,0.2,0.1; 0.1,0.3,0.6")
    expected = nn.NLLLoss(reduction="none")(torch.log(t(p)), torch.tensor([0, 2]))
    assert ce.terms == pytest.approx(expected.tolist(), rel=1e-12)
    assert ce.lines == ("class 0: −log 0.7 = 0.356675", "class 2: −log 0.6 = 0.510826")


def test_logits_for_one_value_per_example_give_only_binary_cross_entropy():
    assert [r.label for r in losses("1,0", "3,-2", logits=True)] == ["Binary cross-entropy (on logits)"]


def test_values_outside_zero_to_one_skip_binary_cross_entropy():
    assert [r.name for r in losses("1.5, 3", "2, 2.5")] == ["mse", "mae"]


@pytest.mark.parametrize("targets, predictions, logits, message", [
    ("1,0", "0.1", False, "targets has 2 example"),
    ("0;3", "0.7,0.3;0.2,0.8", False, "class indices must be whole numbers from 0 to 1"),
    ("0;1", "0.7,0.2;0.2,0.8", False, "row 1 sums to 0.9"),
    ("1,1;0,1", "0.5,0.5;0.2,0.8", False, "one-hot rows of 2 values"),
    ("1,x", "0.5,0.5", False, "targets: every entry must be a number"),
    ("1,0", "0.5,nan", False, "predictions: every entry must be a finite number"),
    ("2,0", "1,-1", True, "targets from 0 to 1"),
])
def test_bad_inputs_name_the_field(targets, predictions, logits, message):
    with pytest.raises(CalcError, match=message):
        losses(targets, predictions, logits)


def test_rows_must_have_the_same_length():
    with pytest.raises(CalcError, match="same number of values"):
        parse_matrix("1,2;3", "predictions")
