"""Activations, initialisers and layer entries, each checked against plain torch."""

import math

import pytest
import torch
from torch import nn

from playground.core.activations import ACTIVATIONS, make_activation
from playground.core.initializers import INITIALIZERS, apply_initializer
from playground.core.layers import LAYERS, OUTPUT, OUTPUT_PARAMS, Block, ShapeMismatch
from playground.core.params import defaults, validate_params


# ------------------------------------------------------------------ activations --------------
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_activation_builds_and_keeps_shape(name):
    module = make_activation(name)
    assert isinstance(module, nn.Module)
    x = torch.linspace(-5, 5, 101).reshape(1, -1)
    y = module(x)
    assert y.shape == x.shape
    low, high = ACTIVATIONS[name].range
    assert (y >= low - 1e-6).all() and (y <= high + 1e-6).all()
    assert ACTIVATIONS[name].family in {"relu", "saturating", "linear"}


def test_activation_registry_contents():
    assert list(ACTIVATIONS) == ["relu", "leaky_relu", "elu", "gelu", "softplus", "tanh", "sigmoid", "linear",
                                 "softmax"]
    assert isinstance(make_activation("linear"), nn.Identity)
    assert {n for n, e in ACTIVATIONS.items() if e.family == "saturating"} == {"tanh", "sigmoid",
                                                                                         "softmax"}
    assert [n for n, e in ACTIVATIONS.items() if e.head_only] == ["softmax"]
    z = torch.randn(5, 10)
    torch.testing.assert_close(make_activation("softmax")(z), torch.softmax(z, dim=1))  # per example
    assert ACTIVATIONS["relu"].family == "relu"


# ------------------------------------------------------------------ initialisers -------------
def _linear(n_in=1000, n_out=1000):
    torch.manual_seed(0)
    return nn.Linear(n_in, n_out)


def test_initializer_registry_contents():
    assert list(INITIALIZERS) == ["default", "zeros", "normal", "uniform", "xavier", "he"]


def test_zeros_zeroes_weights_and_bias():
    for layer in (_linear(10, 5), nn.Conv2d(3, 4, 3)):
        apply_initializer(layer, "zeros", 1.0, "tanh")
        assert torch.count_nonzero(layer.weight) == 0
        assert torch.count_nonzero(layer.bias) == 0


def test_default_keeps_torch_init():
    layer = _linear(10, 5)
    before = layer.weight.clone(), layer.bias.clone()
    apply_initializer(layer, "default", 3.0, "relu")
    assert torch.equal(layer.weight, before[0]) and torch.equal(layer.bias, before[1])


def test_he_std_matches_theory():
    layer = _linear(1000, 1000)
    apply_initializer(layer, "he", 1.0, "relu")
    assert layer.weight.std().item() == pytest.approx(math.sqrt(2 / 1000), rel=0.02)
    assert torch.count_nonzero(layer.bias) == 0


def test_he_on_conv_uses_fan_in():
    torch.manual_seed(0)
    conv = nn.Conv2d(64, 256, 3)
    apply_initializer(conv, "he", 1.0, "relu")
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.03)


@pytest.mark.parametrize("activation, gain", [("tanh", 5 / 3), ("sigmoid", 1.0), ("relu", 1.0),
                                              ("linear", 1.0)])
def test_xavier_std_matches_theory(activation, gain):
    layer = _linear(1000, 500)
    apply_initializer(layer, "xavier", 1.0, activation)
    bound = gain * math.sqrt(6 / 1500)
    assert layer.weight.abs().max().item() <= bound + 1e-6
    assert layer.weight.std().item() == pytest.approx(gain * math.sqrt(2 / 1500), rel=0.02)


def test_normal_and_uniform_use_scale():
    layer = _linear()
    apply_initializer(layer, "normal", 0.1, "tanh")
    assert layer.weight.std().item() == pytest.approx(0.1, rel=0.02)
    assert abs(layer.weight.mean().item()) < 0.002
    apply_initializer(layer, "uniform", 0.5, "tanh")
    assert layer.weight.abs().max().item() <= 0.5
    assert layer.weight.std().item() == pytest.approx(0.5 / math.sqrt(3), rel=0.02)


def test_scale_multiplies_he():
    layer = _linear()
    apply_initializer(layer, "he", 0.5, "relu")
    assert layer.weight.std().item() == pytest.approx(0.5 * math.sqrt(2 / 1000), rel=0.02)


def test_initializer_follows_global_seed():
    a, b = nn.Linear(20, 20), nn.Linear(20, 20)
    torch.manual_seed(3)
    apply_initializer(a, "normal", 1.0, "tanh")
    torch.manual_seed(3)
    apply_initializer(b, "normal", 1.0, "tanh")
    assert torch.equal(a.weight, b.weight)


# ------------------------------------------------------------------ layer entries ------------
def _shape_for(name):
    return (3, 9, 9) if LAYERS[name].needs_image or name == "flatten" else (5,)


@pytest.mark.parametrize("name", list(LAYERS))
def test_schema_defaults_validate(name):
    entry = LAYERS[name]
    assert entry.help and entry.label
    assert entry.category in {"core", "conv", "regularisation"}
    assert 1 <= len(entry.icon) <= 2
    assert entry.validate({}, f"layer.{name}") == defaults(entry.params)
    for p in entry.params:
        assert p.help, f"{name}.{p.name} needs a help text"
        assert p.check(p.default, p.name) == p.default


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("image", [False, True])
def test_layer_defaults_build_infer_and_count_like_torch(name, image):
    entry = LAYERS[name]
    shape = (3, 9, 9) if image else (5,)
    params = entry.validate({}, "")
    try:
        out = entry.infer(shape, params)
    except ShapeMismatch as e:
        assert str(e)
        return
    block = entry.build(shape, params)
    assert isinstance(block, Block) and block.layer_type == name
    block.eval()
    y = block(torch.randn(4, *shape))
    assert tuple(y.shape[1:]) == tuple(out)
    assert entry.count(shape, params) == sum(p.numel() for p in block.parameters())


def test_layer_registry_contents():
    assert set(LAYERS) == {"dense", "activation", "dropout", "batchnorm", "flatten", "conv2d",
                           "maxpool2d", "avgpool2d"}
    assert LAYERS["dense"].validate({}, "") == {"units": 4, "activation": "tanh", "bias": True,
                                                "initializer": "default", "init_scale": 1.0}
    conv = LAYERS["conv2d"].validate({}, "")
    assert (conv["filters"], conv["kernel_size"], conv["stride"], conv["padding"], conv["activation"]) == \
        (16, 3, 1, "valid", "relu")


def test_output_params_defaults():
    assert validate_params(OUTPUT_PARAMS, {}, "network.output") == {
        "activation": "linear", "bias": True, "initializer": "default", "init_scale": 1.0}
    assert OUTPUT.params == OUTPUT_PARAMS


@pytest.mark.parametrize("size", [5, 8, 9, 28])
@pytest.mark.parametrize("kernel", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_infer_matches_torch(size, kernel, stride, padding):
    entry = LAYERS["conv2d"]
    params = entry.validate({"filters": 2, "kernel_size": kernel, "stride": stride, "padding": padding}, "")
    shape = (1, size, size)
    out = entry.infer(shape, params)
    y = entry.build(shape, params)(torch.randn(1, *shape))
    assert tuple(y.shape[1:]) == out
    if padding == "same":
        assert out[1] == math.ceil(size / stride)


@pytest.mark.parametrize("name", ["maxpool2d", "avgpool2d"])
@pytest.mark.parametrize("pool, stride", [(2, 0), (3, 0), (3, 1), (2, 3)])
def test_pool_infer_matches_torch(name, pool, stride):
    entry = LAYERS[name]
    params = entry.validate({"pool_size": pool, "stride": stride}, "")
    out = entry.infer((4, 11, 11), params)
    y = entry.build((4, 11, 11), params)(torch.randn(2, 4, 11, 11))
    assert tuple(y.shape[1:]) == out


def test_labels():
    d = LAYERS["dense"]
    assert d.describe(d.validate({"units": 4}, "")) == "Dense 4 tanh"
    c = LAYERS["conv2d"]
    assert c.describe(c.validate({"filters": 32}, "")) == "Conv2D 32 3×3 relu"
    m = LAYERS["maxpool2d"]
    assert m.describe(m.validate({}, "")) == "MaxPool2D 2×2"


def test_batchnorm_1d_and_2d():
    entry = LAYERS["batchnorm"]
    assert isinstance(entry.build((6,), {})[0], nn.BatchNorm1d)
    assert isinstance(entry.build((6, 4, 4), {})[0], nn.BatchNorm2d)
    with pytest.raises(ShapeMismatch):
        entry.infer((6, 4), {})
