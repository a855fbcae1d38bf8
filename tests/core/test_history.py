import numpy as np

from playground.core.history import History


def test_history_grows_past_capacity_and_fills_missing_with_nan():
    h = History(capacity=2)
    for i in range(5):
        row = {"epoch": i, "loss": i * 0.5}
        if i >= 3:
            row["late"] = 1.0
        h.append(row)
    c = h.copy()
    assert len(h) == 5
    np.testing.assert_array_equal(c["epoch"], np.arange(5))
    assert np.isnan(c["late"][:3]).all() and (c["late"][3:] == 1).all()
    assert h.last("loss") == 2.0


def test_copy_is_independent():
    h = History()
    h.append({"a": 1.0})
    c = h.copy()
    c["a"][0] = 99
    assert h.last("a") == 1.0
    assert not h.column("a").flags.writeable
