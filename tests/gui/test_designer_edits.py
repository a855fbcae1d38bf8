"""The designer's pure edit functions: new Experiments out, the old value untouched."""

from __future__ import annotations

import pytest

from playground.core.errors import SpecError
from playground.core.experiment import default_experiment
from playground.core.layers import LAYERS, OUTPUT_PARAMS
from playground.gui.designer import edits


@pytest.fixture
def exp():
    return default_experiment()


def types(e):
    return [layer.type for layer in e.network.layers]


def units(e):
    return [layer.params.get("units") for layer in e.network.layers]


def test_insert_fills_registry_defaults_and_leaves_original(exp):
    new = edits.insert_layer(exp, 1, "dropout")
    assert types(new) == ["dense", "dropout", "dense"]
    assert dict(new.network.layers[1].params) == {p.name: p.default for p in LAYERS["dropout"].params}
    assert types(exp) == ["dense", "dense"]
    assert new.network.output == exp.network.output and new.data == exp.data


@pytest.mark.parametrize(("index", "where"), [(-5, 0), (0, 0), (2, 2), (99, 2)])
def test_insert_clamps_index(exp, index, where):
    assert types(edits.insert_layer(exp, index, "flatten"))[where] == "flatten"


def test_insert_unknown_type_is_a_spec_error(exp):
    with pytest.raises(SpecError, match="unknown layer"):
        edits.insert_layer(exp, 0, "nope")


def test_append_goes_before_the_output_head(exp):
    assert types(edits.append_layer(exp, "dropout")) == ["dense", "dense", "dropout"]


@pytest.mark.parametrize(("src", "gap", "dst"), [(0, 0, 0), (0, 1, 0), (0, 2, 1), (0, 3, 2), (2, 0, 0),
                                                  (2, 3, 2), (1, 0, 0), (1, 3, 2)])
def test_gap_to_position(src, gap, dst):
    assert edits.gap_to_position(src, gap) == dst


def test_move_layer(exp):
    three = edits.append_layer(exp, "dropout")
    assert types(edits.move_layer(three, 2, 0)) == ["dropout", "dense", "dense"]
    moved = edits.move_layer(three, 0, 2)
    assert units(moved) == [2, None, 4]
    assert edits.move_layer(three, 1, 1) is three
    assert types(edits.move_layer(three, 0, 99)) == ["dense", "dropout", "dense"]
    with pytest.raises(IndexError):
        edits.move_layer(three, 3, 0)


def test_remove_and_duplicate(exp):
    assert units(edits.remove_layer(exp, 0)) == [2]
    assert units(edits.duplicate_layer(exp, 0)) == [4, 4, 2]
    with pytest.raises(IndexError):
        edits.remove_layer(exp, 2)


def test_set_layer_param_validates(exp):
    new = edits.set_layer_param(exp, 1, "units", 7)
    assert units(new) == [4, 7] and units(exp) == [4, 2]
    assert new.network.layers[1].params["activation"] == exp.network.layers[1].params["activation"]
    with pytest.raises(SpecError):
        edits.set_layer_param(exp, 1, "units", 0)
    with pytest.raises(SpecError):
        edits.set_layer_param(exp, 1, "no_such_param", 1)


def test_set_output_param(exp):
    choice = next(p for p in OUTPUT_PARAMS if p.choices)
    other = next(c for c in choice.choices if c != exp.network.output[choice.name])
    new = edits.set_output_param(exp, choice.name, other)
    assert new.network.output[choice.name] == other
    assert new.network.layers == exp.network.layers
