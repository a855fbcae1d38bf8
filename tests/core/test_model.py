"""The model builder against plain torch: parameter counts, shapes, errors, determinism, layout."""

import pytest
import torch
from torch import nn

from playground.core.errors import ShapeError
from playground.core.experiment import LayerSpec, NetworkSpec
from playground.core.layers import Block
from playground.core.model import build_model, inspect_network, probe_points


def dense(units, activation="tanh", **kw):
    return LayerSpec("dense", {"units": units, "activation": activation, **kw})


def net(*layers, **output):
    return NetworkSpec(tuple(layers), output)


def n_torch(model):
    return sum(p.numel() for p in model.parameters())


def cnn(padding="valid"):
    return net(LayerSpec("conv2d", {"filters": 32, "kernel_size": 3, "padding": padding}),
               LayerSpec("maxpool2d", {"pool_size": 2}),
               LayerSpec("conv2d", {"filters": 64, "kernel_size": 3, "padding": padding}),
               LayerSpec("maxpool2d", {"pool_size": 2}),
               LayerSpec("flatten"), dense(128, "relu"), LayerSpec("dropout", {"rate": 0.5}))


# ------------------------------------------------------------------ counts and shapes --------
def test_tf_playground_default_counts():
    spec = net(dense(4), dense(2))
    report = inspect_network(spec, (2,), 1)
    assert report.ok and report.first_error is None
    assert [i.n_params for i in report.layers] == [12, 10, 3]
    assert report.total_params == 25
    assert [i.out_shape for i in report.layers] == [(4,), (2,), (1,)]
    assert [i.label for i in report.layers] == ["Dense 4 tanh", "Dense 2 tanh", "Output 1 linear"]
    assert report.head.is_output and report.head.index == 2
    model = build_model(spec, (2,), 1, seed=0)
    assert n_torch(model) == 25
    assert model(torch.randn(7, 2)).shape == (7, 1)


@pytest.mark.parametrize("layers, shape, units", [
    ((), (2,), 1),
    ((dense(8, "relu", bias=False), dense(3, "sigmoid")), (6,), 4),
    ((dense(16, "relu"), LayerSpec("batchnorm"), LayerSpec("activation", {"function": "elu"}),
      LayerSpec("dropout", {"rate": 0.1})), (3,), 1),
])
def test_dense_nets_match_torch(layers, shape, units):
    spec = net(*layers)
    report = inspect_network(spec, shape, units)
    model = build_model(spec, shape, units)
    assert report.ok
    assert report.total_params == n_torch(model)
    for info, block in zip(report.layers, model, strict=True):
        assert info.n_params == n_torch(block)
    model.eval()
    assert model(torch.randn(5, *shape)).shape == (5, units)


def test_no_hidden_layers_and_no_bias():
    report = inspect_network(net(bias=False), (3,), 2)
    assert report.total_params == 6
    assert n_torch(build_model(net(bias=False), (3,), 2)) == 6


def test_cnn_on_mnist_shapes():
    report = inspect_network(cnn(), (1, 28, 28), 10)
    assert report.ok
    assert [i.out_shape for i in report.hidden] == [(32, 26, 26), (32, 13, 13), (64, 11, 11), (64, 5, 5),
                                                    (1600,), (128,), (128,)]
    assert report.head.out_shape == (10,)
    assert report.layers[0].label == "Conv2D 32 3×3 relu"
    expected = (32 * 9 + 32) + (64 * 32 * 9 + 64) + (1600 * 128 + 128) + (128 * 10 + 10)
    assert report.total_params == expected
    model = build_model(cnn(), (1, 28, 28), 10, seed=1)
    assert n_torch(model) == expected
    model.eval()
    assert model(torch.randn(3, 1, 28, 28)).shape == (3, 10)


def test_cnn_on_digits_with_same_padding():
    report = inspect_network(cnn("same"), (1, 8, 8), 10)
    assert report.ok
    assert [i.out_shape for i in report.hidden] == [(32, 8, 8), (32, 4, 4), (64, 4, 4), (64, 2, 2), (256,),
                                                    (128,), (128,)]
    model = build_model(cnn("same"), (1, 8, 8), 10)
    assert report.total_params == n_torch(model)
    assert model(torch.randn(2, 1, 8, 8)).shape == (2, 10)


# ------------------------------------------------------------------ errors -------------------
def test_conv_on_points_reports_layer_and_unknown_rest():
    spec = net(dense(4), LayerSpec("conv2d"), dense(2))
    report = inspect_network(spec, (2,), 1)
    assert not report.ok
    assert report.first_error == (1, "Conv2D needs image input (channels × height × width), but gets "
                                     "4 numbers per example. Use Dense layers for point data.")
    assert report.layers[0].error is None and report.layers[0].out_shape == (4,)
    assert [i.out_shape for i in report.layers[1:]] == [None, None, None]
    assert [i.error for i in report.layers[2:]] == [None, None]
    assert report.total_params == 12  # only the layers whose shapes are known


def test_conv_on_raw_points_message():
    report = inspect_network(net(LayerSpec("conv2d")), (2,), 1)
    assert report.first_error == (0, "Conv2D needs image input (channels × height × width), but gets "
                                     "2 numbers per example. Use Dense layers for point data.")


def test_dense_on_feature_maps_needs_flatten():
    spec = net(LayerSpec("conv2d", {"filters": 32}), LayerSpec("maxpool2d"), dense(10))
    report = inspect_network(spec, (1, 14, 14), 10)
    assert report.first_error == (2, "Dense needs a flat vector but gets 32×6×6 feature maps; "
                                     "add a Flatten layer before it.")


def test_head_needs_flatten():
    report = inspect_network(net(LayerSpec("conv2d", {"filters": 4})), (1, 8, 8), 10)
    index, message = report.first_error
    assert index == 1 and report.head.error == message
    assert "Flatten" in message and "4×6×6" in message
    assert inspect_network(net(), (1, 8, 8), 10).first_error[0] == 0


def test_pooling_too_far():
    pool = LayerSpec("maxpool2d", {"pool_size": 2})
    report = inspect_network(net(pool, pool, pool, pool), (1, 8, 8), 10)
    assert report.first_error == (3, "MaxPool2D 2×2 cannot shrink a 1×1 map; remove it or use "
                                     "fewer poolings.")


def test_kernel_larger_than_map():
    spec = net(LayerSpec("conv2d", {"kernel_size": 5}), LayerSpec("maxpool2d"),
               LayerSpec("conv2d", {"kernel_size": 3}))
    report = inspect_network(spec, (1, 8, 8), 10)
    index, message = report.first_error
    assert index == 2 and "3×3 kernel" in message and "2×2 map" in message
    assert inspect_network(net(LayerSpec("conv2d", {"kernel_size": 3, "padding": "same"}),
                               LayerSpec("maxpool2d"), LayerSpec("maxpool2d"), LayerSpec("maxpool2d"),
                               LayerSpec("conv2d", {"kernel_size": 3, "padding": "same"}),
                               LayerSpec("flatten")), (1, 8, 8), 10).ok


def test_conv_after_flatten_explains_order():
    report = inspect_network(net(LayerSpec("flatten"), LayerSpec("conv2d")), (1, 8, 8), 10)
    index, message = report.first_error
    assert index == 1 and "Flatten" in message and "before Flatten" in message


def test_bad_specs_are_reported_not_raised():
    report = inspect_network(net(LayerSpec("nope"), dense(2)), (2,), 1)
    assert report.first_error[0] == 0 and "nope" in report.first_error[1]
    report = inspect_network(net(dense(4), LayerSpec("dense", {"units": 0})), (2,), 1)
    assert report.first_error[0] == 1 and "units" in report.first_error[1]


def test_build_raises_shape_error_on_the_right_layer():
    with pytest.raises(ShapeError) as err:
        build_model(net(dense(4), LayerSpec("conv2d")), (2,), 1)
    assert err.value.layer_index == 1 and "Dense layers" in err.value.message
    with pytest.raises(ShapeError) as err:
        build_model(net(LayerSpec("conv2d")), (1, 8, 8), 10)
    assert err.value.layer_index == 1


# ------------------------------------------------------------------ determinism and layout ---
def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_seed_makes_construction_deterministic():
    a = _state(build_model(cnn(), (1, 28, 28), 10, seed=5))
    b = _state(build_model(cnn(), (1, 28, 28), 10, seed=5))
    c = _state(build_model(cnn(), (1, 28, 28), 10, seed=6))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["0.conv.weight"], c["0.conv.weight"])


def test_initializers_are_applied_from_the_spec():
    spec = net(dense(8, initializer="zeros"), dense(4, "relu", initializer="he"), initializer="zeros")
    model = build_model(spec, (2,), 3, seed=0)
    assert torch.count_nonzero(model[0].linear.weight) == 0
    assert torch.count_nonzero(model[1].linear.bias) == 0 and torch.count_nonzero(model[1].linear.weight) > 0
    assert torch.count_nonzero(model[-1].linear.weight) == 0


def test_model_layout_and_probe_points():
    spec = net(dense(4), LayerSpec("dropout"), dense(3, "relu"),
               LayerSpec("activation", {"function": "tanh"}))
    model = build_model(spec, (2,), 1, seed=0)
    assert isinstance(model, nn.Sequential) and len(model) == 5
    assert all(isinstance(b, Block) for b in model)
    assert [b.layer_type for b in model] == ["dense", "dropout", "dense", "activation", "output"]
    assert isinstance(model[0].linear, nn.Linear) and isinstance(model[0].act, nn.Tanh)
    assert "0.linear.weight" in model.state_dict() and "4.linear.bias" in model.state_dict()
    points = probe_points(model)
    assert [(i, b.activation) for i, b in points] == [(0, "tanh"), (2, "relu"), (3, "tanh")]
    seen = {}
    for i, block in points:
        block.register_forward_hook(lambda m, inp, out, i=i: seen.__setitem__(i, out))
    model(torch.randn(9, 2) * 10)
    assert seen[0].shape == (9, 4) and seen[0].abs().max() <= 1  # post-tanh
    assert (seen[2] >= 0).all()  # post-relu


def test_same_padding_even_kernel_builds_asymmetric_pad():
    spec = net(LayerSpec("conv2d", {"filters": 2, "kernel_size": 4, "padding": "same"}), LayerSpec("flatten"))
    report = inspect_network(spec, (1, 7, 7), 3)
    model = build_model(spec, (1, 7, 7), 3)
    assert report.layers[0].out_shape == (2, 7, 7)
    assert isinstance(model[0].pad, nn.ZeroPad2d)
    assert model(torch.randn(1, 1, 7, 7)).shape == (1, 3)
