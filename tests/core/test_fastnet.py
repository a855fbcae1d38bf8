"""The numpy fast path computes what torch computes, and the trainer's controls work on it.

Each exactness test trains the same model from the same weights on the same batches twice: once
with the run's torch step (`TorchStepper.step`) and once with the twin (`FastNet.step`), and
compares weights and optimizer state. The two add in different orders, so they agree within the
float32 rounding bound of tests/tolerance.py (derived from the number of steps and the longest sum),
never within a tolerance tuned on one CPU.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.core import metrics
from playground.core.evaluation import binary_metrics, evaluate, grad_norms
from playground.core.experiment import LayerSpec, NetworkSpec, experiment_from_dict
from playground.core.fastnet import FastNet, ineligible_reason
from playground.core.inside import activity
from playground.core.losses import make_loss
from playground.core.model import build_model
from playground.core.optimizers import OPTIMIZERS, make_optimizer
from playground.core.run.loop import RunOptions, TrainingRun, run_to_end
from playground.core.run.state import RunState
from playground.core.run.stepper import set_lr
from tests.tolerance import assert_float32_close, float32_approx, run_terms

STEPS = 40
SIZE = 7  # train_both's batch: does not divide the split, so batches of other sizes happen too


def experiment(dataset: str = "circle", layers=None, optimizer=None, output: str = "linear", seed: int = 5,
               data: dict | None = None, **training):
    return experiment_from_dict({
        "seed": seed, "data": data or {"dataset": dataset, "samples": 200, "noise": 0.1},
        "network": {"layers": layers if layers is not None else
                    [{"type": "dense", "units": 5, "activation": "tanh"},
                     {"type": "dense", "units": 3, "activation": "tanh"}],
                    "output": {"activation": output}},
        "training": {"optimizer": optimizer or {"name": "sgd", "lr": 0.1}, "batch_size": 10,
                     "epochs": 20, **training}})


def dense(*acts: str, units: int = 6) -> list[dict]:
    return [{"type": "dense", "units": units, "activation": a} for a in acts]


def twin_runs(exp) -> tuple[TrainingRun, TrainingRun]:
    """(torch-only run, fast run) of one experiment: same data, same initial weights."""
    ref, fast = TrainingRun(exp, RunOptions(fast=False)), TrainingRun(exp)
    assert fast.fast is not None, fast.fast_reason
    for (k, a), b in zip(ref.model.state_dict().items(), fast.model.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    return ref, fast


def train_both(exp, steps: int = STEPS, lr_changes: dict[int, float] | None = None, loss_fn=None):
    """`steps` optimizer steps through each path on the same batches (uneven last batch included)."""
    ref, fast = twin_runs(exp)
    if loss_fn is not None:
        ref.loss_fn = fast.loss_fn = ref.steppers.torch.loss_fn = loss_fn
        t = exp.training
        fast.fast = FastNet(fast.model, loss_fn, fast.optimizer, t.l1, t.l2, t.grad_clip)
    fast.fast.pull_state()
    x, y = ref.train.x, ref.train.y
    n = len(x)
    for i in range(steps):
        if lr_changes and i in lr_changes:
            for run in (ref, fast):
                set_lr(run.optimizer, lr_changes[i])
        lo = (i * SIZE) % n
        hi = min(lo + SIZE, n)
        ref.steppers.torch.step(x[lo:hi], y[lo:hi])
        fast.fast.step(x[lo:hi].numpy(), y[lo:hi].numpy(), fast.optimizer.param_groups[0]["lr"])
    return ref, fast


def longest_sum(run: TrainingRun, batch: int = SIZE) -> int:
    """The longest sum one step computes: over the batch, or along either side of a weight matrix."""
    return max([batch] + [max(p.shape) for p in run.model.parameters() if p.dim() == 2])


def assert_close(actual: np.ndarray, expected: np.ndarray, run: TrainingRun, steps: int = STEPS,
                 batch: int = SIZE, what: str = "") -> None:
    """Equal within float32 rounding after `steps` steps of `run`, relative to the tensor's own scale:
    an element near zero may carry the absolute rounding noise of its larger neighbours."""
    assert_float32_close(actual, expected, steps=steps, longest_sum=longest_sum(run, batch), what=what)


def assert_same_weights(ref: TrainingRun, fast: TrainingRun, steps: int = STEPS, batch: int = SIZE):
    for (k, a), b in zip(ref.model.state_dict().items(), fast.model.state_dict().values(), strict=True):
        assert_close(b.numpy(), a.numpy(), ref, steps, batch, k)


def assert_same_optimizer_state(ref: TrainingRun, fast: TrainingRun, steps: int = STEPS, batch: int = SIZE):
    """Torch's state after the twin hands it over equals the state torch built itself (each kind of
    state compared at the scale of all its tensors: a bias' momentum may be a near-cancelled sum)."""
    fast.fast.push_state()
    pairs = [(ref.optimizer.state[a], fast.optimizer.state[b])
             for a, b in zip(ref.model.parameters(), fast.model.parameters(), strict=True)]
    for a, b in pairs:
        assert set(a) == set(b)
        if "step" in a:
            assert float(a["step"]) == float(b["step"])
    for key in set(pairs[0][0]) - {"step"}:
        expected = np.concatenate([a[key].reshape(-1).numpy() for a, _ in pairs])
        assert_close(np.concatenate([b[key].reshape(-1).numpy() for _, b in pairs]), expected, ref, steps,
                     batch, key)


# ------------------------------------------------------------------ one step at a time ----------
OPTIMIZER_CASES = [
    {"name": "sgd", "lr": 0.1},
    {"name": "momentum", "lr": 0.05, "momentum": 0.9},
    {"name": "nesterov", "lr": 0.05, "momentum": 0.8},
    {"name": "adagrad", "lr": 0.1, "eps": 1e-8},
    {"name": "rmsprop", "lr": 0.01, "alpha": 0.9, "eps": 1e-8, "momentum": 0.0},
    {"name": "rmsprop", "lr": 0.01, "alpha": 0.99, "eps": 1e-6, "momentum": 0.5},
    {"name": "adam", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    {"name": "adam", "lr": 0.01, "beta1": 0.3, "beta2": 0.9, "eps": 1e-6},  # lerp's other branch
    {"name": "adamw", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.1},
]


def test_every_registered_optimizer_is_covered():
    assert {c["name"] for c in OPTIMIZER_CASES} == set(OPTIMIZERS)


@pytest.mark.parametrize("opt", OPTIMIZER_CASES, ids=lambda c: f"{c['name']}-{len(c)}")
@pytest.mark.parametrize("penalty", [{}, {"l2": 0.01}, {"l1": 0.003}, {"grad_clip": 0.05},
                                     {"l1": 0.002, "l2": 0.005, "grad_clip": 0.3}],
                         ids=["plain", "l2", "l1", "clip", "all"])
def test_optimizers_with_penalties_match_torch(opt, penalty):
    ref, fast = train_both(experiment(optimizer=opt, **penalty), lr_changes={25: opt["lr"] / 2})
    assert_same_weights(ref, fast)
    assert_same_optimizer_state(ref, fast)
    assert_close(list(fast.fast.grad_norms().values()), list(grad_norms(ref.model).values()), ref)


@pytest.mark.parametrize("act", ["linear", "relu", "leaky_relu", "tanh", "sigmoid", "elu", "softplus",
                                 "gelu"])
def test_activations_match_torch(act):
    ref, fast = train_both(experiment(layers=dense(act, act), optimizer={"name": "momentum", "lr": 0.05}))
    assert_same_weights(ref, fast)


@pytest.mark.parametrize("dataset,loss,output", [
    ("circle", "binary_cross_entropy", "linear"),
    ("circle", "mse", "sigmoid"),
    ("circle", "mae", "linear"),
    ("reg_plane", "mse", "linear"),
    ("sine", "huber", "linear"),
    ("reg_gauss", "mae", "tanh"),
    ("blobs", "cross_entropy", "linear"),
])
def test_losses_match_torch(dataset, loss, output):
    exp = experiment(dataset, dense("relu", "tanh"), {"name": "adam", "lr": 0.02}, output, loss=loss)
    ref, fast = train_both(exp)
    assert_same_weights(ref, fast)
    assert_same_optimizer_state(ref, fast)


def test_huber_delta_is_respected():
    exp = experiment("sine", dense("tanh"), {"name": "sgd", "lr": 0.2}, loss="huber")
    ref, fast = train_both(exp, loss_fn=torch.nn.HuberLoss(delta=0.05))
    assert fast.fast.delta == pytest.approx(0.05)
    assert_same_weights(ref, fast)


def test_activation_and_zero_dropout_layers_and_no_bias():
    layers = [{"type": "dense", "units": 6, "activation": "linear", "bias": False},
              {"type": "activation", "function": "elu"}, {"type": "dropout", "rate": 0.0},
              {"type": "dense", "units": 4, "activation": "sigmoid"}]
    ref, fast = train_both(experiment(layers=layers, optimizer={"name": "rmsprop", "lr": 0.01}, l2=0.01))
    assert_same_weights(ref, fast)
    assert set(fast.fast.grad_norms()) == set(grad_norms(ref.model)) == {"0", "3", "4"}


def test_flatten_first_image_network():
    exp = experiment_from_dict({
        "seed": 2, "data": {"dataset": "digits", "samples": 300},
        "network": {"layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu"}]},
        "training": {"optimizer": {"name": "nesterov", "lr": 0.05}, "batch_size": 16, "epochs": 2}})
    ref, fast = train_both(exp, steps=20)
    assert_same_weights(ref, fast, steps=20)


# ------------------------------------------------------------------ eligibility ----------------
def _model(layers, n_in=(2,), units=1):
    spec = NetworkSpec(tuple(LayerSpec(d["type"], {k: v for k, v in d.items() if k != "type"})
                             for d in layers))
    return build_model(spec, n_in, units, seed=0)


def _reason(model, loss="binary_cross_entropy", opt="sgd", **params):
    params.setdefault("lr", 0.1)
    optimizer = make_optimizer(opt, params, model.parameters())
    return ineligible_reason(model, make_loss(loss), optimizer)


def test_dense_models_are_eligible():
    assert _reason(_model(dense("tanh", "relu"))) is None
    assert _reason(_model([{"type": "dropout", "rate": 0.0}] + dense("gelu"))) is None
    assert _reason(_model([])) is None  # the output head alone


@pytest.mark.parametrize("layers,shape,word", [
    (dense("relu") + [{"type": "dropout", "rate": 0.3}], (2,), "dropout"),
    (dense("relu") + [{"type": "batchnorm"}], (2,), "batchnorm"),
    ([{"type": "conv2d", "filters": 2}, {"type": "flatten"}], (1, 8, 8), "conv2d"),
    ([{"type": "maxpool2d"}, {"type": "flatten"}], (1, 8, 8), "maxpool2d"),
])
def test_random_or_structured_layers_stay_on_torch(layers, shape, word):
    reason = _reason(_model(layers, shape))
    assert reason is not None and word in reason


def test_unsupported_torch_settings_stay_on_torch():
    model = _model(dense("tanh"))
    assert "SGD" in ineligible_reason(model, make_loss("mse"),
                                      torch.optim.SGD(model.parameters(), lr=0.1, weight_decay=0.1))
    assert "Adam" in ineligible_reason(model, make_loss("mse"),
                                       torch.optim.Adam(model.parameters(), amsgrad=True))
    assert "LBFGS" in ineligible_reason(model, make_loss("mse"), torch.optim.LBFGS(model.parameters()))
    assert "loss" in ineligible_reason(model, torch.nn.MSELoss(reduction="sum"),
                                       torch.optim.SGD(model.parameters(), lr=0.1))
    model[0].act = torch.nn.LeakyReLU(1.5)
    assert "slope" in _reason(model)
    with pytest.raises(ValueError, match="not eligible"):
        FastNet(model, make_loss("mse"), torch.optim.SGD(model.parameters(), lr=0.1))


def test_run_options_turn_the_fast_path_off_and_ineligible_runs_say_why():
    assert TrainingRun(experiment(), RunOptions(fast=False)).fast is None
    assert TrainingRun(experiment()).fast is not None
    run = TrainingRun(experiment(layers=dense("relu") + [{"type": "dropout", "rate": 0.5}]))
    assert run.fast is None and "dropout" in run.fast_reason


def test_weights_share_one_storage_with_the_torch_model():
    run = TrainingRun(experiment())
    w = run.model[0].linear.weight
    with torch.no_grad():
        w[0, 0] = 3.25
    assert run.fast.items[0].w[0, 0] == 3.25
    run.fast.items[0].w[0, 1] = -1.5
    assert float(w.detach()[0, 1]) == -1.5


# ------------------------------------------------------------------ whole runs ------------------
HISTORY_CASES = {
    "circle-sgd-tanh": experiment(),
    "spiral-adam-relu-l2": experiment("spiral", dense("relu", "relu", units=12), {"name": "adam", "lr": 0.01},
                                      l2=0.001),
    "blobs-momentum-ce-clip": experiment("blobs", dense("leaky_relu"), {"name": "momentum", "lr": 0.05},
                                         grad_clip=0.5),
    "sine-rmsprop-huber-l1": experiment("sine", dense("tanh", units=10), {"name": "rmsprop", "lr": 0.01},
                                        loss="huber", l1=0.001),
    "circle-adamw-sigmoid-mse-schedule": experiment(
        layers=dense("sigmoid"), optimizer={"name": "adamw", "lr": 0.05}, output="sigmoid", loss="mse",
        schedule={"name": "step", "step_size": 5, "gamma": 0.5}),
    "full-batch-adagrad": experiment(optimizer={"name": "adagrad", "lr": 0.1}, batch_size=0),
}


@pytest.mark.parametrize("name", list(HISTORY_CASES))
def test_whole_run_history_matches_torch(name):
    exp = HISTORY_CASES[name]
    fast, ref = run_to_end(exp), run_to_end(exp, RunOptions(fast=False))
    assert fast.epoch == ref.epoch == 20 and fast.state == ref.state
    assert set(fast.history) == set(ref.history)
    rule = run_terms(exp, ref.step)
    for key, col in ref.history.items():
        if key != "seconds":
            assert_float32_close(fast.history[key], col, **rule, what=key)
    if ref.boundary is not None:
        assert_float32_close(fast.boundary, ref.boundary, **rule)
    if ref.curve is not None:
        assert_float32_close(fast.curve[1], ref.curve[1], **rule)
    assert fast.activity.keys() == ref.activity.keys()


def test_numpy_evaluation_equals_torch_evaluation():
    for exp in (experiment(), HISTORY_CASES["blobs-momentum-ce-clip"], HISTORY_CASES["sine-rmsprop-huber-l1"],
                experiment(data={"dataset": "circle", "samples": 200, "validation_fraction": 0.2})):
        run = TrainingRun(exp, RunOptions(epochs=3))
        list(run.snapshots())
        fast_row = run.evaluator.fast_evaluate()
        ds = run.dataset
        torch_row = {}
        for split, prefix in ((run.train, "train"), (run.test, "test"), (run.val, "val")):
            torch_row.update(evaluate(run.model.eval(), run.loss_fn, split, ds.task, run.to_value,
                                      ds.num_classes, prefix)[0])
        torch_row.update({f"{k}.{i}": v for i, (k, v) in activity(run.model, run.train.x).items()})
        assert fast_row.keys() == torch_row.keys()
        widest = max(p.shape[0] for p in run.model.parameters())
        for key, value in torch_row.items():
            assert fast_row[key] == float32_approx(value, longest_sum=widest, then_sum=exp.data.samples), key


def test_binary_metrics_equal_the_reference_metrics_bit_for_bit():
    rng = np.random.default_rng(0)
    for trial in range(600):
        n = int(rng.integers(1, 60))
        if trial % 3 == 0:  # few distinct scores: many ties
            prob = (rng.integers(0, 4, n) / 3).astype(np.float32)
        else:
            prob = rng.random(n).astype(np.float32)
            prob[rng.random(n) < 0.3 * (trial % 3 - 1)] = 1.0
        labels = rng.integers(0, 2, n)
        positive = prob >= 0.5
        got = binary_metrics(prob, positive, labels.astype(bool))
        want = {"accuracy": metrics.accuracy(positive.astype(np.int64), labels),
                **metrics.binary_scores(prob, labels)}
        assert got.keys() == want.keys()
        for key, value in want.items():
            assert got[key] == value or (np.isnan(got[key]) and np.isnan(value)), (trial, key)


@pytest.mark.parametrize("loss,dataset", [("binary_cross_entropy", "circle"), ("mse", "reg_plane"),
                                          ("mae", "circle"), ("huber", "sine"), ("cross_entropy", "blobs")])
def test_numpy_loss_values_equal_torch_losses(loss, dataset):
    """Including outputs so large that float32 overflows: divergence shows at the same epoch."""
    run = TrainingRun(experiment(dataset, dense("tanh"), loss=loss))
    y = run.train.y
    rng = np.random.default_rng(1)
    for scale in (0.1, 3.0, 50.0, 1e19):
        out = (rng.standard_normal((len(y), run.fast.n_out)) * scale).astype(np.float32)
        want = float(run.loss_fn(torch.from_numpy(out), y))
        with np.errstate(all="ignore"):
            got = run.fast.loss_value(out, y.numpy())
        close = got == float32_approx(want, then_sum=out.size)
        assert close or (np.isinf(got) and np.isinf(want)), scale


def test_activity_counts_dead_and_saturated_units_like_torch():
    run = TrainingRun(experiment(layers=dense("relu", "tanh", "softplus", units=4)))
    with torch.no_grad():
        run.model[0].linear.bias.copy_(torch.tensor([-50.0, -50.0, 0.0, 0.0]))
        run.model[1].linear.bias.copy_(torch.tensor([30.0, -30.0, 0.0, 0.0]))
    _, hidden = run.fast.forward(run.evaluator.x, hidden_rows=512)
    expected = activity(run.model.eval(), run.train.x)
    assert run.fast.activity(hidden) == expected
    assert expected["0"][1] >= 0.5 and expected["1"][1] >= 0.5


def test_divergence_is_reported_at_the_same_epoch():
    exp = experiment("line", [], {"name": "sgd", "lr": 5.0}, batch_size=0, epochs=500)
    fast, ref = run_to_end(exp), run_to_end(exp, RunOptions(fast=False))
    assert fast.state == ref.state == RunState.DIVERGED
    assert fast.epoch == ref.epoch and fast.message == ref.message


def test_early_stopping_restores_the_best_weights_on_the_fast_path():
    exp = experiment("xor", dense("relu", "relu", units=32), {"name": "adam", "lr": 0.01}, epochs=3000,
                     data={"dataset": "xor", "samples": 100, "noise": 0.5, "validation_fraction": 0.3},
                     early_stopping={"enabled": True, "patience": 15})
    run = TrainingRun(exp)
    snap = list(run.snapshots())[-1]
    ref = run_to_end(exp, RunOptions(fast=False))
    assert snap.state == ref.state == RunState.STOPPED_EARLY and snap.epoch == ref.epoch
    assert snap.latest("val_loss") == pytest.approx(float(np.nanmin(snap.history["val_loss"])), rel=1e-5)
    assert_float32_close(snap.history["val_loss"], ref.history["val_loss"], **run_terms(exp, ref.step))
    assert run.fast is not None


# ------------------------------------------------------------------ controls --------------------
class Driver:
    """Drives a paused run on this thread: each call queues commands, then takes one snapshot."""

    def __init__(self, exp, fast: bool):
        self.run = TrainingRun(exp, RunOptions(start_paused=True, slice_seconds=0, fast=fast, epochs=0))
        self.gen = self.run.snapshots()
        assert next(self.gen).state == RunState.PAUSED

    def __call__(self, *commands):
        """Queue the commands; the first snapshot that is paused again (a step or epoch done)."""
        for name, *args in commands:
            getattr(self.run, name)(*args)
        while (snap := next(self.gen)).state != RunState.PAUSED:
            pass
        return snap

    def close(self):
        self.run.stop()
        list(self.gen)


@pytest.mark.parametrize("opt", [{"name": "adam", "lr": 0.02}, {"name": "momentum", "lr": 0.05},
                                 {"name": "rmsprop", "lr": 0.01, "momentum": 0.5},
                                 {"name": "adagrad", "lr": 0.1}])
def test_watch_set_parameter_and_live_lr_hand_over_state_exactly(opt):
    exp = experiment(optimizer=opt, l2=0.001)
    drivers = [Driver(exp, fast=False), Driver(exp, fast=True)]
    key = "1.linear.weight"
    script = ([[("step_batch",)]] * 4
              + [[("watch_parameter", key, 2), ("step_batch",)]] + [[("step_batch",)]] * 2
              + [[("watch_parameter", None), ("set_learning_rate", 0.01), ("step_batch",)]]
              + [[("step_batch",)]] * 3
              + [[("set_parameter", "0.linear.bias", 1, 0.75), ("step_batch",)]]
              + [[("step_epoch",)]] * 2
              + [[("watch_parameter", key, 0), ("step_batch",)]] + [[("step_batch",)]])
    batch = exp.training.batch_size
    try:
        for commands in script:
            ref, fast = (d(*commands) for d in drivers)
            assert ref.step == fast.step and ref.epoch == fast.epoch
            assert (ref.step_detail is None) == (fast.step_detail is None)
            if ref.step_detail is not None:
                a, b = ref.step_detail, fast.step_detail
                rule = {"steps": ref.step, "longest_sum": longest_sum(drivers[0].run, batch)}
                assert b.state_before.keys() == a.state_before.keys()
                for k, v in a.state_before.items():
                    scale = state_scale(drivers[0].run, a.parameter, k, v)
                    assert b.state_before[k] == float32_approx(v, **rule, scale=scale), k
                weights = state_scale(drivers[0].run, a.parameter, None, a.new)
                assert b.new == float32_approx(a.new, **rule, scale=weights)
        assert fast.epoch == 3 and fast.lr == ref.lr == pytest.approx(0.01)
        runs = [d.run for d in drivers]
        steps = ref.step
        assert_same_weights(*runs, steps=steps, batch=batch)
        runs[1].steppers.use(runs[1].steppers.fast)  # the twin takes the state back: its copy is compared
        assert_same_optimizer_state(*runs, steps=steps, batch=batch)
        assert_close(fast.history["train_loss"], ref.history["train_loss"], runs[0], steps, batch)
        for (k, a), b in zip(runs[0].state_dict().items(), runs[1].state_dict().values(), strict=True):
            assert_close(b.numpy(), a.numpy(), runs[0], steps, batch, what=k)
    finally:
        for d in drivers:
            d.close()


def state_scale(run: TrainingRun, key: str, name: str | None, value: float) -> float:
    """The rounding scale of one watched number: the magnitude of the whole tensor it belongs to (the
    parameter itself when `name` is None, else that optimizer state), or the number itself if larger."""
    param = dict(run.model.named_parameters())[key]
    tensor = param.detach() if name is None else run.optimizer.state.get(param, {}).get(name)
    tensor_scale = float(tensor.abs().max()) if torch.is_tensor(tensor) and tensor.numel() else 0.0
    return max(abs(value), tensor_scale)


def test_set_parameter_takes_effect_on_the_fast_path():
    d = Driver(experiment(), fast=True)
    try:
        d(("step_batch",))
        snap = d(("set_parameter", "2.linear.bias", 0, 4.0))  # applied while paused
        assert float(d.run.model[2].linear.bias.detach()[0]) == 4.0 and d.run.fast.items[2].b[0, 0] == 4.0
        before = snap.step
        after = d(("step_batch",))
        assert after.step == before + 1
        assert 3.5 < float(d.run.model[2].linear.bias.detach()[0]) < 4.0  # trained from the edited value
    finally:
        d.close()


def test_finished_run_leaves_torch_optimizer_current():
    exp = experiment(optimizer={"name": "adam", "lr": 0.01}, epochs=3)
    runs = [TrainingRun(exp, RunOptions(fast=False)), TrainingRun(exp)]
    for run in runs:
        list(run.snapshots())
    steps = runs[0].step
    assert_same_weights(*runs, steps=steps, batch=10)
    for p_ref, p_fast in zip(runs[0].model.parameters(), runs[1].model.parameters(), strict=True):
        a, b = runs[0].optimizer.state[p_ref], runs[1].optimizer.state[p_fast]
        assert float(a["step"]) == float(b["step"]) == 30
        assert_close(b["exp_avg"].numpy(), a["exp_avg"].numpy(), runs[0], steps, 10)
