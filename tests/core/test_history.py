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


def test_extend_matches_appending_row_by_row():
    rows = [{"epoch": i, "loss": 1.0 / (i + 1), **({"late": 2.0 * i} if i >= 4 else {})} for i in range(9)]
    one_by_one, in_chunks = History(capacity=2), History(capacity=2)
    for row in rows:
        one_by_one.append(row)
    for lo, hi in ((0, 3), (3, 4), (4, 9)):
        chunk = rows[lo:hi]
        keys = {k for row in chunk for k in row}
        in_chunks.extend({k: np.array([row.get(k, np.nan) for row in chunk]) for k in keys})
    in_chunks.extend({})  # nothing new: nothing changes
    assert len(in_chunks) == len(one_by_one) == 9
    for key, col in one_by_one.copy().items():
        np.testing.assert_array_equal(in_chunks.views()[key], col)


def test_views_never_change_after_more_rows_arrive():
    h = History(capacity=2)
    h.append({"a": 1.0})
    view = h.views()["a"]
    for i in range(10):  # growing swaps buffers; the old view keeps what it showed
        h.extend({"a": np.array([float(i)])})
    np.testing.assert_array_equal(view, [1.0])
    assert not view.flags.writeable and len(h.views()["a"]) == 11
