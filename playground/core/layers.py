"""Layer types as a table: parameter schema, shape inference, parameter count and torch builder.

Each LayerEntry says how to infer its output shape, count its parameters without building
anything (the designer re-infers on every edit; tests check the count against the built torch
model), build it, and describe it in a few words; and how the palette shows it.
Shapes never include the batch dimension: ``(features,)`` or ``(channels, height, width)``.
`OUTPUT` describes the head the same way (its ``units`` come from the task, not the person).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torch import nn

from playground.core.activations import ACTIVATIONS, hidden_activations, make_activation
from playground.core.initializers import INITIALIZERS, apply_initializer
from playground.core.params import Param
from playground.core.registry import Entry, Registry

Shape = tuple[int, ...]
Params = Mapping[str, Any]


class ShapeMismatch(ValueError):
    """A layer cannot take the shape it is given; str() is the message for the person."""


class Block(nn.Sequential):
    """One layer of the stack as a named Sequential (``linear``/``conv`` then ``act``, ...).

    `layer_type` is the registry name (``output`` for the head); `activation` the ACTIVATIONS
    name applied last, or None. The block's output is the layer's post-activation output.
    """

    def __init__(self, layer_type: str, activation: str | None, **modules: nn.Module):
        super().__init__(OrderedDict(modules))
        self.layer_type = layer_type
        self.activation = activation

    def extra_repr(self) -> str:
        return f"type={self.layer_type!r}, activation={self.activation!r}"


def _no_parameters(s: Shape, p: Params) -> int:
    return 0


@dataclass(frozen=True, kw_only=True)
class LayerEntry(Entry):
    """A layer type: its schema (Entry.params) and what the model builder and the designer need."""

    infer: Callable[[Shape, Params], Shape]  # raises ShapeMismatch with a message for a beginner
    build: Callable[[Shape, Params], Block]  # params complete, shape valid
    describe: Callable[[Params], str]  # a short label such as ``Dense 4 tanh``
    count: Callable[[Shape, Params], int] = _no_parameters  # trainable parameters, from shapes alone
    icon: str  # a one or two character glyph
    category: str  # ``core``, ``conv`` or ``regularisation``
    needs_image: bool = False  # conv and pooling layers


def shape_text(shape: Shape) -> str:
    """``(32, 6, 6)`` → ``32×6×6``."""
    return "×".join(str(d) for d in shape)


def _need_flat(who: str, shape: Shape) -> None:
    if len(shape) == 1:
        return
    what = "feature maps" if len(shape) == 3 else "values"
    raise ShapeMismatch(f"{who} needs a flat vector but gets {shape_text(shape)} {what}; "
                        "add a Flatten layer before it.")


def _need_image(who: str, shape: Shape) -> tuple[int, int, int]:
    if len(shape) == 3:
        return shape  # type: ignore[return-value]
    if len(shape) == 1:
        n = shape[0]
        got = f"{n} number{'' if n == 1 else 's'} per example"
        hint = " Use Dense layers for point data."
    else:
        got, hint = f"{shape_text(shape)} values", ""
    raise ShapeMismatch(f"{who} needs image input (channels × height × width), but gets {got}.{hint}")


# ------------------------------------------------------------------ shared params ------------
def _activation_param(default: str, name: str = "activation") -> Param:
    return Param(name, str, default, "The function applied to each unit's weighted sum.",
                 choices=hidden_activations())


_BIAS = Param("bias", bool, True, "Add a learned offset to each unit (lets it shift its threshold).")
_INIT = Param("initializer", str, "default", "How the weights are set before training starts.",
              choices=tuple(INITIALIZERS))
_SCALE = Param("init_scale", float, 1.0, "σ for 'normal', range ±a for 'uniform', a multiplier for "
               "'xavier' and 'he'; ignored by 'default' and 'zeros'.", minimum=0, min_exclusive=True,
               maximum=100, log_scale=True, label="init scale")


# ------------------------------------------------------------------ dense and head -----------
def _dense_infer(who: str):
    def infer(s: Shape, p: Params) -> Shape:
        _need_flat(who, s)
        return (p["units"],)
    return infer


def _dense_count(s: Shape, p: Params) -> int:
    return p["units"] * s[0] + (p["units"] if p["bias"] else 0)


def _dense_build(layer_type: str):
    def build(s: Shape, p: Params) -> Block:
        linear = nn.Linear(s[0], p["units"], bias=p["bias"])
        apply_initializer(linear, p["initializer"], p["init_scale"], p["activation"])
        return Block(layer_type, p["activation"], linear=linear, act=make_activation(p["activation"]))
    return build


OUTPUT_PARAMS: tuple[Param, ...] = (
    Param("activation", str, "linear", "Applied to the output. Keep 'linear' with the cross-entropy "
          "losses: their input is the raw scores (logits) z, and cross-entropy applies log-softmax to "
          "them itself, loss = −log softmax(z)[true class] (binary: log-sigmoid). A softmax head "
          "there would apply softmax twice. 'softmax' gives class probabilities, for 'Cross-entropy "
          "on probabilities' (the Keras way).", choices=tuple(ACTIVATIONS)),
    _BIAS, _INIT, _SCALE,
)

OUTPUT = LayerEntry("output", "Output", "The last Dense layer: one unit per class (1 for two classes or "
                    "regression), sized by the task.", params=OUTPUT_PARAMS,
                    infer=_dense_infer("The output layer"), count=_dense_count, build=_dense_build("output"),
                    describe=lambda p: f"Output {p['units']} {p['activation']}", icon="out", category="core")


# ------------------------------------------------------------------ convolution --------------
def _same_pads(size: int, k: int, stride: int) -> tuple[int, int]:
    """TensorFlow-style 'same' padding: output = ceil(size / stride); any odd extra goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + k - size, 0)
    return total // 2, total - total // 2


def _conv_infer(s: Shape, p: Params) -> Shape:
    c, h, w = _need_image("Conv2D", s)
    k, st = p["kernel_size"], p["stride"]
    if p["padding"] == "same":
        return (p["filters"], -(-h // st), -(-w // st))
    if h < k or w < k:
        raise ShapeMismatch(f"Conv2D {k}×{k} kernel does not fit the {h}×{w} map it gets; use a smaller "
                            "kernel, padding 'same', or fewer poolings before it.")
    return (p["filters"], (h - k) // st + 1, (w - k) // st + 1)


def _conv_count(s: Shape, p: Params) -> int:
    return p["filters"] * s[0] * p["kernel_size"] ** 2 + (p["filters"] if p["bias"] else 0)


def _conv_build(s: Shape, p: Params) -> Block:
    k, st = p["kernel_size"], p["stride"]
    top, bottom = _same_pads(s[1], k, st) if p["padding"] == "same" else (0, 0)
    left, right = _same_pads(s[2], k, st) if p["padding"] == "same" else (0, 0)
    modules: dict[str, nn.Module] = {}
    if (top, left) != (bottom, right):  # uneven: pad explicitly, torch pads symmetrically
        modules["pad"] = nn.ZeroPad2d((left, right, top, bottom))
        top = left = 0
    conv = nn.Conv2d(s[0], p["filters"], k, stride=st, padding=(top, left), bias=p["bias"])
    apply_initializer(conv, p["initializer"], p["init_scale"], p["activation"])
    modules.update(conv=conv, act=make_activation(p["activation"]))
    return Block("conv2d", p["activation"], **modules)


def _conv_describe(p: Params) -> str:
    k = p["kernel_size"]
    text = f"Conv2D {p['filters']} {k}×{k} {p['activation']}"
    text += " same" if p["padding"] == "same" else ""
    return text + (f" stride {p['stride']}" if p["stride"] > 1 else "")


def _pool(label: str, module: type[nn.Module], layer_type: str) -> dict[str, Any]:
    def stride(p: Params) -> int:
        return p["stride"] or p["pool_size"]

    def infer(s: Shape, p: Params) -> Shape:
        c, h, w = _need_image(label, s)
        k, st = p["pool_size"], stride(p)
        if h < k or w < k:
            raise ShapeMismatch(f"{label} {k}×{k} cannot shrink a {h}×{w} map; remove it or use "
                                "fewer poolings.")
        return (c, (h - k) // st + 1, (w - k) // st + 1)

    def describe(p: Params) -> str:
        k, st = p["pool_size"], stride(p)
        return f"{label} {k}×{k}" + (f" stride {st}" if st != k else "")

    return {"infer": infer, "describe": describe,
            "build": lambda s, p: Block(layer_type, None, pool=module(p["pool_size"], stride(p))),
            "category": "conv", "needs_image": True}


_POOL_PARAMS = (
    Param("pool_size", int, 2, "Side of the square window summarised into one value.", 1, 8),
    Param("stride", int, 0, "Step between windows; 0 = the pool size (windows do not overlap).", 0, 8),
)


# ------------------------------------------------------------------ the others ---------------
def _any_shape(s: Shape, p: Params) -> Shape:
    return s


def _flatten_infer(s: Shape, p: Params) -> Shape:
    return (math.prod(s),)


def _norm_infer(s: Shape, p: Params) -> Shape:
    if len(s) not in (1, 3):
        raise ShapeMismatch(f"BatchNorm works on flat vectors or feature maps, not {shape_text(s)} values.")
    return s


def _norm_build(s: Shape, p: Params) -> Block:
    return Block("batchnorm", None, norm=nn.BatchNorm1d(s[0]) if len(s) == 1 else nn.BatchNorm2d(s[0]))


def _entry(name: str, label: str, help: str, params: tuple[Param, ...], **parts: Any) -> LayerEntry:
    return LayerEntry(name, label, help, params, **parts)


LAYERS: Registry[LayerEntry] = Registry("layer", [
    _entry("dense", "Dense", "A row of units, each connected to every input: the basic building "
           "block of a network.",
           (Param("units", int, 4, "Number of units (neurons) in the layer.", 1, 4096),
            _activation_param("tanh"), _BIAS, _INIT, _SCALE),
           infer=_dense_infer("Dense"), count=_dense_count, build=_dense_build("dense"),
           describe=lambda p: f"Dense {p['units']} {p['activation']}", icon="D", category="core"),
    _entry("activation", "Activation", "Applies a function to every value on its own, with no "
           "weights: useful after BatchNorm or a linear Dense layer.",
           (_activation_param("relu", "function"),),
           infer=_any_shape, describe=lambda p: f"Activation {p['function']}", icon="ƒ", category="core",
           build=lambda s, p: Block("activation", p["function"], act=make_activation(p["function"]))),
    _entry("conv2d", "Conv2D", "Slides small learned filters over an image; each filter finds one "
           "pattern (an edge, a curve) wherever it appears.",
           (Param("filters", int, 16, "Number of filters, i.e. output feature maps.", 1, 512),
            Param("kernel_size", int, 3, "Side of each square filter, in pixels.", 1, 11),
            Param("stride", int, 1, "Step between filter positions; 2 halves the map size.", 1, 4),
            Param("padding", str, "valid", "'valid': no border, the map shrinks by kernel - 1; "
                  "'same': zero border, the map keeps its size.", choices=("valid", "same")),
            _activation_param("relu"), _BIAS, _INIT, _SCALE),
           infer=_conv_infer, count=_conv_count, build=_conv_build, describe=_conv_describe, icon="C",
           category="conv", needs_image=True),
    _entry("maxpool2d", "MaxPool2D", "Keeps the largest value of each small window: shrinks feature "
           "maps and tolerates small shifts.", _POOL_PARAMS, icon="M",
           **_pool("MaxPool2D", nn.MaxPool2d, "maxpool2d")),
    _entry("avgpool2d", "AvgPool2D", "Averages each small window: shrinks feature maps smoothly.",
           _POOL_PARAMS, icon="A", **_pool("AvgPool2D", nn.AvgPool2d, "avgpool2d")),
    _entry("flatten", "Flatten", "Lays feature maps out as one long vector so Dense layers can use "
           "them; put it between the last Conv/Pool layer and the first Dense layer.", (),
           infer=_flatten_infer, describe=lambda p: "Flatten", icon="F", category="conv",
           build=lambda s, p: Block("flatten", None, flatten=nn.Flatten())),
    _entry("dropout", "Dropout", "During training, switches off a random share of values at each "
           "step so the network cannot rely on any single unit (fights overfitting).",
           (Param("rate", float, 0.5, "Share of values dropped during training.", 0, 0.95),),
           infer=_any_shape, describe=lambda p: f"Dropout {p['rate']:g}", icon="Do",
           category="regularisation",
           build=lambda s, p: Block("dropout", None, dropout=nn.Dropout(p["rate"]))),
    _entry("batchnorm", "BatchNorm", "Rescales each unit (or feature map) to mean 0, spread 1 over the "
           "batch, then learns a scale and shift: speeds up and steadies training.", (),
           infer=_norm_infer, count=lambda s, p: 2 * s[0], build=_norm_build,
           describe=lambda p: "BatchNorm", icon="BN", category="regularisation"),
])
