"""BatchNorm never meets a batch of one example: refused with a sentence before training, or folded.

Three ways a batch of one can happen: batch size 1 (refused by `check_experiment`), a training
split of one example (refused when the data is loaded, before the first step), and an epoch's
uneven last batch of one (folded into the batch before it, so every example still trains).
"""

from __future__ import annotations

import pytest

from playground.core.errors import SpecError
from playground.core.experiment import experiment_from_dict
from playground.core.preflight import check_run
from playground.core.run.loop import TrainingRun, run_to_end
from playground.core.run.state import RunState

BN_NET = {"layers": [{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "batchnorm"}]}


def bn_exp(samples: int, train_fraction: float = 0.5, batch_size: int = 10, validation: float = 0.0,
           network: dict | None = None):
    return experiment_from_dict({
        "seed": 1,
        "data": {"dataset": "circle", "samples": samples, "train_fraction": train_fraction,
                 "validation_fraction": validation},
        "network": network or BN_NET,
        "training": {"optimizer": {"name": "sgd", "lr": 0.03}, "batch_size": batch_size, "epochs": 3}})


@pytest.mark.parametrize(("samples", "train_fraction", "validation", "fix"), [
    (2, 0.5, 0.0, "use more samples or a larger train fraction"),  # 1 train, 1 test
    (20, 0.05, 0.0, "use more samples or a larger train fraction"),  # round(0.05 * 20) = 1
    (4, 0.5, 0.5, "a smaller validation fraction"),  # 2 train, of which 1 is held out for validation
])
def test_a_training_split_of_one_is_refused_before_any_step(samples, train_fraction, validation, fix):
    e = bn_exp(samples, train_fraction, validation=validation)
    with pytest.raises(SpecError) as info:
        TrainingRun(e)
    err = info.value
    assert err.path == "data.train_fraction"
    assert "training split holds only 1 example" in err.message
    assert "BatchNorm (layer 2)" in err.message and fix in err.message
    assert "Expected more than 1 value" not in str(err)
    with pytest.raises(SpecError, match="BatchNorm"):  # `nn-playground validate` says the same
        check_run(e)


def test_full_batch_on_a_split_of_one_is_refused_too():
    with pytest.raises(SpecError, match="training split holds only 1 example"):
        TrainingRun(bn_exp(2, batch_size=0))


def test_without_batchnorm_a_split_of_one_trains():
    e = bn_exp(2, network={"layers": [{"type": "dense", "units": 4, "activation": "tanh"}]})
    check_run(e)
    assert run_to_end(e).state == RunState.FINISHED


def test_an_uneven_last_batch_of_one_is_folded_into_the_batch_before():
    """22 samples at 0.5: 11 training examples, batch size 10: one batch of 11 per epoch, no error."""
    e = bn_exp(22)
    run = TrainingRun(e)
    assert len(run.train) == 11
    snap = run_to_end(e)
    assert snap.state == RunState.FINISHED and snap.epoch == 3 and snap.step == 3


def test_an_uneven_last_batch_of_two_stays_a_batch():
    e = bn_exp(24)  # 12 training examples: batches of 10 and 2
    assert run_to_end(e).step == 6
