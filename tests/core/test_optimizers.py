"""Each optimizer entry builds the torch optimizer it documents, with its schema's defaults."""

import pytest
import torch

from playground.core.optimizers import OPTIMIZERS, make_optimizer


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_builds_with_defaults_and_takes_a_step(name):
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    params = OPTIMIZERS[name].validate({}, "training.optimizer")
    opt = make_optimizer(name, params, [w])
    (w ** 2).sum().backward()
    before = w.detach().clone()
    opt.step()
    assert not torch.equal(before, w.detach())
    assert opt.param_groups[0]["lr"] == params["lr"]


def test_momentum_and_nesterov_configure_sgd():
    w = torch.nn.Parameter(torch.zeros(1))
    m = make_optimizer("momentum", {"lr": 0.1, "momentum": 0.8}, [w])
    n = make_optimizer("nesterov", {"lr": 0.1, "momentum": 0.8}, [w])
    assert isinstance(m, torch.optim.SGD) and m.defaults["momentum"] == 0.8 and not m.defaults["nesterov"]
    assert n.defaults["nesterov"] is True


def test_sgd_step_is_lr_times_gradient():
    w = torch.nn.Parameter(torch.tensor([3.0]))
    opt = make_optimizer("sgd", {"lr": 0.5}, [w])
    (w ** 2).sum().backward()  # gradient 6
    opt.step()
    assert w.item() == pytest.approx(0.0)


def test_adamw_decay_is_decoupled():
    w = torch.nn.Parameter(torch.tensor([1.0]))
    opt = make_optimizer("adamw", {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                   "weight_decay": 0.5}, [w])
    w.grad = torch.zeros(1)
    opt.step()
    assert w.item() == pytest.approx(1.0 - 0.1 * 0.5)


def test_negative_learning_rate_is_rejected_with_path():
    with pytest.raises(Exception, match=r"training.optimizer.lr: must be > 0, got -1"):
        OPTIMIZERS["sgd"].validate({"lr": -1}, "training.optimizer")


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_entry_carries_its_rule_for_the_twin_and_the_step_view(name):
    """One entry per optimizer: the twin finds its update by the torch class the entry builds, and
    the Step view prints the entry's formula above the entry's worked numbers."""
    from playground.core.explain import StepDetail, explain_update
    from playground.core.optimizers import twin_update

    entry = OPTIMIZERS[name]
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = make_optimizer(name, entry.validate({}, "training.optimizer"), [w])
    assert twin_update(opt) is entry.twin and entry.twin.matches(opt.param_groups[0])
    hyper = {"lr": 0.1, "momentum": 0.9, "alpha": 0.99, "eps": 1e-8, "beta1": 0.9, "beta2": 0.999,
             "weight_decay": 0.01}
    detail = StepDetail(name, hyper, "0.linear.weight", 0, grad=0.5, old=1.0, new=0.0, state_before={},
                        state_after={})
    _, lines = explain_update(detail)
    assert entry.formula and lines[0] == f"rule:  {entry.formula}"
    assert lines[1:-1] == entry.worked(detail)[1]
