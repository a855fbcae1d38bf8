"""What a run is called in the Runs tab: its optimizer and learning rate, then what sets it apart.

A label names the optimizer and the learning rate (with every live change of the rate, since
that is what the run trained with), then each setting in which the run differs from some other
kept run: batch size, L2, dropout, the data set, ... whatever differs, and nothing that does not.
So two runs that differ only in batch size read "sgd lr 0.03 · batch 10" and "sgd lr 0.03 ·
batch 25". Pure functions of Experiments; `RunHistory` relabels its runs when one comes or goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication

from playground.core.datasets import DATASETS
from playground.core.experiment import EARLY_STOPPING_PARAMS, Experiment
from playground.core.features import FEATURES
from playground.core.layers import LAYERS
from playground.core.snapshot import LrChange
from playground.gui.widgets.number_field import format_number

Setting = tuple[Any, str]  # (value compared between runs, the words naming it in a label)
SHOWN_CHANGES = 3  # live learning-rate changes spelled out in a label (the tooltip lists them all)


def _tr(text: str) -> str:
    return QCoreApplication.translate("RunLabels", text)


def _num(value: Any) -> str:
    """Numbers as the fields show them (0.03, 1e-4, 250), switches as on/off, anything else as itself."""
    if isinstance(value, bool):
        return _tr("on") if value else _tr("off")
    if not isinstance(value, int | float):
        return str(value)
    return format_number(value, int if isinstance(value, int) else float)


def _percent(value: float) -> str:
    return f"{100 * value:g}%"


def _layer_texts(exp: Experiment) -> tuple[str, ...]:
    """Each hidden layer as the designer names it ("Dense 8 tanh", "Dropout 0.3")."""
    texts = []
    for layer in exp.network.layers:
        describe = LAYERS[layer.type].describe if layer.type in LAYERS else None
        texts.append(describe(layer.params) if describe is not None else layer.type)
    return tuple(texts)


def _network_text(exp: Experiment) -> str:
    """The hidden stack in a few words, repeats folded: "Dense 8 tanh ×2 → Dropout 0.3"."""
    parts: list[list[Any]] = []
    for text in _layer_texts(exp):
        if parts and parts[-1][0] == text:
            parts[-1][1] += 1
        else:
            parts.append([text, 1])
    if not parts:
        return _tr("no hidden layer")
    return " → ".join(text if n == 1 else f"{text} ×{n}" for text, n in parts)


def _network(out: dict[str, Setting], exp: Experiment) -> None:
    """The stack as it reads, then the layers' other parameters (initialiser, bias, ...).

    Those are keyed under the stack's reading, so they are compared only between runs whose
    stacks read the same: two stacks that differ in a layer's initialiser are told apart by it.
    """
    texts = _layer_texts(exp)
    out["network"] = (texts, _network_text(exp))
    for i, layer in enumerate(exp.network.layers):
        for key, value in layer.params.items():
            words = _tr("layer {0} {1} {2}").format(i + 1, key.replace("_", " "), _num(value))
            out[f"layers[{' → '.join(texts)}].{i}.{key}"] = (value, words)


def _params(out: dict[str, Setting], prefix: str, params: Mapping[str, Any], skip: Iterable[str] = (),
            titles: Mapping[str, str] | None = None, lead: str = "") -> None:
    """One setting per parameter, keyed under `prefix` (which names the choice they belong to)."""
    for key, value in params.items():
        if key not in skip:
            title = (titles or {}).get(key, f"{lead}{key.replace('_', ' ')}")
            out[f"{prefix}.{key}"] = (value, _tr("{0} {1}").format(title, _num(value)))


def label_settings(exp: Experiment) -> dict[str, Setting]:
    """Every setting a label may name, in the order labels name them: key -> (value, words).

    Parameters of a choice (an optimizer's momentum, a schedule's step size, a data set's own
    parameters) are keyed under that choice, so they are only compared between runs that made
    the same choice: an Adam run is not labelled with its betas because an SGD run has none.
    """
    t, d = exp.training, exp.data
    out: dict[str, Setting] = {
        "batch": (t.batch_size, _tr("full batch") if t.batch_size == 0
                  else _tr("batch {0}").format(t.batch_size)),
        "l2": (t.l2, _tr("L2 {0}").format(_num(t.l2))),
        "l1": (t.l1, _tr("L1 {0}").format(_num(t.l1))),
    }
    _network(out, exp)
    _params(out, "output", exp.network.output, titles={"activation": _tr("output")}, lead=_tr("output "))
    _params(out, f"optimizer[{t.optimizer.name}]", t.optimizer.params, skip=("lr",))
    out["schedule"] = (t.schedule.name, _tr("schedule {0}").format(t.schedule.name))
    _params(out, f"schedule[{t.schedule.name}]", t.schedule.params)
    out["loss"] = (t.loss, _tr("loss {0}").format(t.loss))
    out["grad_clip"] = (t.grad_clip, _tr("no clipping") if not t.grad_clip
                        else _tr("clip {0}").format(_num(t.grad_clip)))
    es = t.early_stopping
    out["early_stopping"] = (bool(es.get("enabled")), _tr("early stopping") if es.get("enabled")
                             else _tr("no early stopping"))
    if es.get("enabled"):
        titles = {p.name: p.title for p in EARLY_STOPPING_PARAMS}
        _params(out, "early_stopping[on]", es, skip=("enabled",), titles=titles)
    out["epochs"] = (t.epochs, _tr("{0} epochs").format(f"{t.epochs:,}") if t.epochs
                     else _tr("no epoch limit"))
    dataset = DATASETS.get(d.dataset)
    out["dataset"] = (d.dataset, dataset.label if dataset is not None else d.dataset)
    _params(out, f"data[{d.dataset}]", d.params)
    out["samples"] = (d.samples, _tr("{0} samples").format(f"{d.samples:,}"))
    out["noise"] = (d.noise, _tr("noise {0}").format(_num(d.noise)))
    out["train_fraction"] = (d.train_fraction, _tr("train {0}").format(_percent(d.train_fraction)))
    out["validation_fraction"] = (d.validation_fraction,
                                  _tr("validation {0}").format(_percent(d.validation_fraction)))
    features = ", ".join(FEATURES[f].label if f in FEATURES else f for f in d.features)
    out["features"] = (d.features, _tr("features {0}").format(features))
    out["seed"] = (exp.seed, _tr("seed {0}").format(exp.seed))
    out["data_seed"] = (exp.data_seed, _tr("data seed {0}").format(exp.data_seed))
    return out


def differences(exp: Experiment, others: Iterable[Experiment]) -> list[str]:
    """The words for each setting of `exp` that some other run (with that setting) has otherwise."""
    mine = label_settings(exp)
    theirs = [label_settings(other) for other in others]
    return [text for key, (value, text) in mine.items()
            if any(key in other and other[key][0] != value for other in theirs)]


def lr_text(start: float, changes: Sequence[LrChange]) -> str:
    """"0.03", or with live changes "0.03→10 @ epoch 120" (many: the first, "…", the last three)."""
    steps = [_tr("{0} @ epoch {1}").format(_num(lr), f"{epoch:,}") for epoch, _step, lr in changes]
    if len(steps) > SHOWN_CHANGES:
        steps = ["…", *steps[-SHOWN_CHANGES:]]
    return "→".join([_num(start), *steps])


def run_label(number: int, experiment: Experiment, others: Iterable[Experiment] = (),
              lr_changes: Sequence[LrChange] = ()) -> str:
    """"Run 3 · adam lr 0.01 · batch 25": the optimizer and rate, then what differs from `others`."""
    opt = experiment.training.optimizer
    lr = opt.params.get("lr")
    head = _tr("Run {0}").format(number)
    trained = (_tr("{0} lr {1}").format(opt.name, lr_text(lr, lr_changes)) if isinstance(lr, int | float)
               else opt.name)
    return " · ".join([head, trained, *differences(experiment, others)])


def lr_changes_text(start: float, changes: Sequence[LrChange]) -> str:
    """Every live change in full, for the tooltip ("" when the rate never changed)."""
    if not changes:
        return ""
    rows = [_tr("{0} from epoch {1} (step {2})").format(_num(lr), f"{epoch:,}", f"{step:,}")
            for epoch, step, lr in changes]
    return _tr("Learning rate changed while training: {0} at the start, then {1}.").format(
        _num(start), "; ".join(rows))


def run_details(experiment: Experiment, lr_changes: Sequence[LrChange] = ()) -> str:
    """A few lines on what a run trained (its tooltip): data, network, training settings, live changes."""
    d, t = experiment.data, experiment.training
    params = ", ".join(f"{k} {_num(v)}" for k, v in t.optimizer.params.items())
    lines = [
        _tr("{0}: {1} samples, noise {2}, features {3}").format(d.dataset, d.samples, _num(d.noise),
                                                                 ", ".join(d.features)),
        _tr("layers: {0}").format(_network_text(experiment)),
        _tr("loss {0}, {1} {2}, batch {3}").format(t.loss, t.optimizer.name, params, t.batch_size),
        _tr("L1 {0}, L2 {1}, seed {2}").format(_num(t.l1), _num(t.l2), experiment.seed),
    ]
    changed = lr_changes_text(float(t.optimizer.params.get("lr", 0.0)), lr_changes)
    return "\n".join([*lines, changed] if changed else lines)
