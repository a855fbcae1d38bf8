"""The loss table: what each entry offers is what training uses."""

from __future__ import annotations

import pytest
import torch

from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict
from playground.core.losses import HUBER_DELTA, LOSSES, make_loss


def test_no_loss_offers_a_setting_that_training_would_ignore():
    """`training.loss` is a bare name, so a loss parameter could never reach the loss (Huber's delta
    once did: listed, validated, always 1)."""
    assert {name: entry.params for name, entry in LOSSES.items() if entry.params} == {}


def test_huber_switches_at_its_fixed_delta():
    loss = make_loss("huber")
    assert loss.delta == HUBER_DELTA == 1.0
    e = torch.tensor([[0.5], [3.0]])
    assert loss(e, torch.zeros(2, 1)).item() == pytest.approx((0.5 * 0.5**2 + (3.0 - 0.5)) / 2)


def test_a_loss_is_named_not_configured():
    with pytest.raises(SpecError) as err:
        experiment_from_dict({"data": {"dataset": "sine"},
                              "training": {"loss": {"name": "huber", "delta": 2}}})
    assert err.value.path == "training.loss"
