import pytest

from playground.core.errors import SpecError
from playground.core.params import Param, validate_params

SCHEMA = (
    Param("units", int, 4, minimum=1, maximum=10),
    Param("rate", float, 0.5, minimum=0, maximum=1),
    Param("lr", float, 0.1, minimum=0, min_exclusive=True),
    Param("act", str, "tanh", choices=("tanh", "relu")),
    Param("bias", bool, True),
)


def test_defaults_are_filled():
    expected = {"units": 4, "rate": 0.5, "lr": 0.1, "act": "tanh", "bias": True}
    assert validate_params(SCHEMA, {}, "x") == expected


def test_int_coerced_to_float_and_whole_float_to_int():
    out = validate_params(SCHEMA, {"rate": 1, "units": 3.0}, "x")
    assert out["rate"] == 1.0 and isinstance(out["rate"], float)
    assert out["units"] == 3 and isinstance(out["units"], int)


@pytest.mark.parametrize("values, message", [
    ({"units": 0}, "x.units: must be >= 1, got 0"),
    ({"units": 11}, "x.units: must be <= 10, got 11"),
    ({"units": 2.5}, "x.units: must be a whole number, got 2.5"),
    ({"units": True}, "x.units: must be a whole number, got True"),
    ({"lr": 0}, "x.lr: must be > 0, got 0.0"),
    ({"rate": "high"}, "x.rate: must be a number, got 'high'"),
    ({"rate": float("nan")}, "x.rate: must be a finite number"),
    ({"act": "gelu"}, "x.act: must be one of tanh, relu, got 'gelu'"),
    ({"bias": 1}, "x.bias: must be true or false, got 1"),
    ({"colour": 1}, "x.colour: unknown parameter"),
])
def test_bad_values_name_path_and_value(values, message):
    with pytest.raises(SpecError) as info:
        validate_params(SCHEMA, values, "x")
    assert message in str(info.value)


def test_spec_error_with_file_prefix():
    err = SpecError("training.optimizer.lr", "must be > 0", -1).with_file("spiral.json")
    assert str(err) == "spiral.json: training.optimizer.lr: must be > 0, got -1"
