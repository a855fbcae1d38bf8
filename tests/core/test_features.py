"""Input features of 2-D point sets: names, labels and values."""

from __future__ import annotations

import numpy as np
import pytest

from playground.core.errors import SpecError
from playground.core.features import FEATURES, apply_features

POINTS = np.array([[1.0, 2.0], [-0.5, 3.0], [0.0, -1.5], [np.pi / 2, -np.pi / 2]])


def test_names_and_labels_match_tf_playground():
    assert list(FEATURES) == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin_x1", "sin_x2"]
    assert [e.label for e in FEATURES.values()] == ["X₁", "X₂", "X₁²", "X₂²", "X₁X₂", "sin(X₁)", "sin(X₂)"]
    assert all(e.help for e in FEATURES.values())


def test_values_of_every_feature():
    out = apply_features(POINTS, list(FEATURES))
    x1, x2 = POINTS[:, 0], POINTS[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    assert out[3, 5] == pytest.approx(1.0) and out[3, 6] == pytest.approx(-1.0)


def test_output_is_float32_columns_in_the_order_asked():
    out = apply_features(POINTS.astype(np.float32), ["x1*x2", "x1"])
    assert out.dtype == np.float32 and out.shape == (4, 2)
    np.testing.assert_allclose(out[:, 0], [2.0, -1.5, -0.0, -(np.pi**2) / 4], rtol=1e-6)
    np.testing.assert_allclose(out[:, 1], POINTS[:, 0], rtol=1e-6)


def test_unknown_feature_is_a_spec_error_naming_it():
    with pytest.raises(SpecError, match="unknown feature") as info:
        apply_features(POINTS, ["x1", "cos_x1"])
    assert info.value.path == "data.features[1]"


def test_wrong_raw_shape_is_rejected():
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        apply_features(np.zeros((3, 3)), ["x1"])
