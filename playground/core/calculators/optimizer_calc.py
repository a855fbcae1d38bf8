"""One update of every optimizer, worked through for a weight vector a learner types.

Each optimizer's step comes from its registry entry (`worked`, through `core.explain`), one weight
at a time, so the numbers are torch's rule (the tests hold them to torch.optim itself). Beside
them, momentum in the three conventions a learner meets: PyTorch's (the registry's), the textbook's
and the course's own. They give different numbers for the same inputs, which is the point of the
note they come with.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from playground.core.calculators.numbers import CalcError, same_length, vector_text
from playground.core.explain import StepDetail, explain_step
from playground.core.optimizers import OPTIMIZERS, OptimizerEntry
from playground.core.params import Param
from playground.core.update_rules import signed as _n

Vector = tuple[float, ...]


@dataclass(frozen=True)
class OptimizerInputs:
    """What the learner types. `v`, `m`, `s`: the optimizer's state before the step (None: the
    first step, nothing accumulated yet); `t`: how many steps were taken before this one (Adam)."""

    w: Vector
    g: Vector
    lr: float = 0.1
    beta: float = 0.9  # momentum's β (and Adam's β₁)
    v: Vector | None = None  # velocity: torch's momentum buffer
    m: Vector | None = None  # Adam's running mean of gradients
    s: Vector | None = None  # squared gradients: AdaGrad's sum, RMSProp's and Adam's average
    t: int = 0
    beta2: float = 0.999
    alpha: float = 0.99  # RMSProp's decay of the squared-gradient average
    eps: float = 1e-8
    weight_decay: float = 0.01  # AdamW's decoupled decay

    def check(self) -> None:
        """Raise a CalcError naming the first field that cannot be used."""
        if not self.w:
            raise CalcError("w: give at least one weight")
        for name in ("g", "v", "m", "s"):
            values = getattr(self, name)
            if values is not None:
                same_length(values, name, len(self.w), "w")
        scalars = {"lr": self.lr, "beta": self.beta, "beta2": self.beta2, "alpha": self.alpha,
                   "eps": self.eps, "weight_decay": self.weight_decay}
        for name, value in scalars.items():
            if not math.isfinite(value) or value < 0:
                raise CalcError(f"{name} must be a finite number of at least 0, got {value!r}")
        for name in ("beta", "beta2", "alpha"):
            if getattr(self, name) >= 1:
                value = getattr(self, name)
                raise CalcError(f"{name} must be below 1 (a fraction kept each step), got {value!r}")
        if self.lr == 0 or self.eps == 0:
            raise CalcError(f"{'lr' if self.lr == 0 else 'eps'} must be above 0, got 0.0")
        if self.s is not None and min(self.s) < 0:
            raise CalcError(f"s holds squared gradients, so it cannot be negative, got {vector_text(self.s)}")
        if self.t < 0:
            raise CalcError(f"t counts the steps already taken, so it cannot be negative, got {self.t!r}")


# The scalar inputs as Params: the app's calculator builds its number fields from them.
SCALARS = (
    Param("lr", float, 0.1, "Learning rate α.", minimum=0, maximum=100, min_exclusive=True, log_scale=True,
          label="learning rate"),
    Param("beta", float, 0.9, "Momentum's β (the fraction of the velocity kept), also Adam's β₁.",
          minimum=0, maximum=0.9999, label="β"),
    Param("beta2", float, 0.999, "Adam's β₂: the decay of the squared-gradient average.", minimum=0,
          maximum=0.99999, label="β₂"),
    Param("alpha", float, 0.99, "RMSProp's decay of the squared-gradient average.", minimum=0,
          maximum=0.9999, label="α (RMSProp)"),
    Param("eps", float, 1e-8, "ε, added to the root in the denominator.", minimum=0, maximum=1,
          min_exclusive=True, log_scale=True, label="ε"),
    Param("weight_decay", float, 0.01, "AdamW's decoupled weight decay λ.", minimum=0, maximum=1,
          label="weight decay"),
    Param("t", int, 0, "Steps already taken before this one (Adam's bias corrections use t + 1).",
          minimum=0, maximum=10**6, label="steps taken t"),
)

# The course's momentum example, and what the course prints for it (see COURSE_NOTE).
COURSE_EXAMPLE = OptimizerInputs(w=(1.0, 2.0), g=(-0.5, -1.0), lr=0.1, beta=0.9, v=(0.5, 0.1))
COURSE_PRINTED: Vector = (1.3, 2.4)

# Which input holds each torch state tensor (the keys torch's optimizers keep).
_STATE_INPUT = {"momentum_buffer": "v", "exp_avg": "m", "sum": "s", "square_avg": "s", "exp_avg_sq": "s"}
# Which input sets each hyper-parameter of a registry entry (the rest keep their defaults).
_HYPER_INPUT = {"lr": "lr", "momentum": "beta", "beta1": "beta", "beta2": "beta2", "alpha": "alpha",
                "eps": "eps",
                "weight_decay": "weight_decay"}


def hyper_for(entry: OptimizerEntry, x: OptimizerInputs) -> dict[str, float]:
    """The entry's hyper-parameters from the inputs. An input sets only what the optimizer uses by
    default: an extra that is off by default (RMSProp's optional momentum) stays off, as in the app."""
    return {p.name: getattr(x, _HYPER_INPUT[p.name]) if p.name in _HYPER_INPUT and p.default else p.default
            for p in entry.params}


def state_keys(entry: OptimizerEntry, hyper: dict[str, float]) -> tuple[str, ...]:
    """The state torch keeps for this optimizer with these settings (learned from one throwaway
    step, so no optimizer is named here)."""
    p = torch.zeros(1, requires_grad=True)
    opt = entry.factory([p], **hyper)
    p.grad = torch.ones(1)
    opt.step()
    return tuple(opt.state[p])


@dataclass(frozen=True)
class OptimizerStep:
    """One optimizer's update of the whole vector: its rule, each weight's worked lines, the result."""

    name: str
    label: str
    formula: str
    hyper: dict[str, float]
    worked: tuple[tuple[str, ...], ...]  # per weight
    new: Vector


def _state(keys: tuple[str, ...], x: OptimizerInputs, i: int) -> dict[str, float]:
    state: dict[str, float] = {}
    for key in keys:
        if key == "step":
            state[key] = float(x.t)
        elif key in _STATE_INPUT:
            values = getattr(x, _STATE_INPUT[key])
            if values is not None:
                state[key] = values[i]
            elif key != "momentum_buffer":  # no velocity yet: torch's first step, v ← g
                state[key] = 0.0
    return state


def step_of(name: str, x: OptimizerInputs) -> OptimizerStep:
    """Registry optimizer `name`'s update of `x.w`, worked weight by weight by its entry."""
    entry = OPTIMIZERS[name]
    hyper = hyper_for(entry, x)
    keys = state_keys(entry, hyper)
    worked, new = [], []
    for i, (w, g) in enumerate(zip(x.w, x.g, strict=True)):
        d = StepDetail(optimizer=name, hyper=hyper, parameter="w", index=i, grad=g, old=w, new=math.nan,
                       state_before=_state(keys, x, i), state_after={})
        e = explain_step(d)
        worked.append(e.worked)
        new.append(e.predicted)
    return OptimizerStep(name, entry.label, entry.formula, hyper, tuple(worked), tuple(new))


def all_steps(x: OptimizerInputs) -> list[OptimizerStep]:
    """Every registered optimizer's update of the same inputs."""
    x.check()
    return [step_of(name, x) for name in OPTIMIZERS]


# ------------------------------------------------------------------ momentum's conventions ------
@dataclass(frozen=True)
class Convention:
    """One way of writing momentum: its formula and its step (new weights, new velocity, lines)."""

    key: str
    label: str
    formula: str
    update: Callable[[OptimizerInputs], tuple[Vector, Vector | None, list[str]]] = field(repr=False)


def _velocity(x: OptimizerInputs) -> Vector:
    return x.v if x.v is not None else tuple(0.0 for _ in x.w)


def _pytorch(x: OptimizerInputs) -> tuple[Vector, Vector | None, list[str]]:
    """PyTorch's SGD with momentum: the registry's momentum entry, with the given velocity."""
    inputs = OptimizerInputs(w=x.w, g=x.g, lr=x.lr, beta=x.beta, v=_velocity(x))
    step = step_of("momentum", inputs)
    return step.new, None, [line for lines in step.worked for line in lines]  # its lines show v


def _textbook(x: OptimizerInputs) -> tuple[Vector, Vector | None, list[str]]:
    lines, new_w, new_v = [], [], []
    for w, g, v in zip(x.w, x.g, _velocity(x), strict=True):
        v2 = x.beta * v - x.lr * g
        w2 = w + v2
        lines += [f"v ← {_n(x.beta)}·{_n(v)} − {_n(x.lr)}·{_n(g)} = {v2:.6g}",
                  f"θ ← {_n(w)} + {_n(v2)} = {w2:.6g}"]
        new_w.append(w2)
        new_v.append(v2)
    return tuple(new_w), tuple(new_v), lines


def _course(x: OptimizerInputs) -> tuple[Vector, Vector | None, list[str]]:
    lines, new_w = [], []
    for w, g, v in zip(x.w, x.g, _velocity(x), strict=True):
        w2 = w - x.lr * g + x.beta * (v - x.lr * g)
        lines.append(f"ω ← {_n(w)} − {_n(x.lr)}·{_n(g)} + {_n(x.beta)}·({_n(v)} − {_n(x.lr)}·{_n(g)})"
                     f" = {w2:.6g}")
        new_w.append(w2)
    return tuple(new_w), None, lines


CONVENTIONS = (
    Convention("pytorch", "PyTorch (torch.optim.SGD with momentum)", "v ← β·v + g;  θ ← θ − lr·v", _pytorch),
    Convention("textbook", "Textbook", "v ← β·v − lr·g;  θ ← θ + v", _textbook),
    Convention("course", "The course's own form", "ω ← ω − α·g + β·(v − α·g)", _course),
)

CONVENTIONS_NOTE = (
    "The three forms give different numbers for the same inputs. PyTorch's velocity adds up raw "
    "gradients and multiplies by lr at the end; the textbook's velocity already holds −lr·g, so its v is "
    "−lr times PyTorch's (with a constant lr the two trace the same path from v = 0, but a typed-in v "
    "means different things in each). The course's form applies the gradient step once directly and "
    "once more through β·(v − α·g).")

COURSE_NOTE = (
    "The course prints (1.3, 2.4) for this example, but its own formula gives (1.545, 2.28) with these "
    "numbers: the printed values are arithmetic slips, not another convention.")


@dataclass(frozen=True)
class ConventionResult:
    convention: Convention
    new: Vector
    velocity: Vector | None  # the new velocity, where the form keeps one
    lines: tuple[str, ...]


def conventions(x: OptimizerInputs) -> list[ConventionResult]:
    """Momentum's step in each convention, for the same inputs."""
    x.check()
    out = []
    for c in CONVENTIONS:
        new, v, lines = c.update(x)
        out.append(ConventionResult(c, new, v, tuple(lines)))
    return out


def notes(x: OptimizerInputs) -> list[str]:
    """What to say under the conventions: always how they differ; for the course's example, its slip."""
    return [CONVENTIONS_NOTE] + ([COURSE_NOTE] if x == COURSE_EXAMPLE else [])
