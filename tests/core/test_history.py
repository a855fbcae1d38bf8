import numpy as np
import pytest

from playground.core.history import History, RowLog


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


# ---------------------------------------------------------------- bounded history -------------

def _reference(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """n noisy epochs of a few columns: a falling loss with spikes, an independent noise column,
    a column that appears late, an infinite value and a stretch of NaN."""
    rng = np.random.default_rng(seed)
    epoch = np.arange(1, n + 1, dtype=float)
    loss = 1.0 / np.sqrt(epoch) + 0.01 * rng.random(n)
    loss[rng.integers(0, n, 5)] += 10.0  # spikes a learner should see
    late = np.where(epoch > n // 3, rng.normal(size=n), np.nan)
    noise = rng.normal(size=n)
    noise[n // 2] = np.inf
    noise[n // 5: n // 5 + 40] = np.nan
    return {"epoch": epoch, "loss": loss, "late": late, "noise": noise}


def _fill(h: History, ref: dict[str, np.ndarray], check=None) -> None:
    for i in range(len(ref["epoch"])):
        h.append({k: float(v[i]) for k, v in ref.items() if not np.isnan(v[i]) or k != "late"})
        if check is not None:
            check(h)


def test_history_stays_under_its_cap_however_many_rows_are_appended():
    h = History(max_rows=64, capacity=8)
    sizes = []
    _fill(h, _reference(20_000), check=lambda h: sizes.append(len(h)))
    assert max(sizes) <= 64 and h.appended == 20_000
    assert h.level > 0 and all(len(c) == len(h) for c in h.views().values())


def test_recent_rows_are_exact_and_thinned_rows_are_true_samples_at_their_epochs():
    ref = _reference(5_000)
    h = History(max_rows=128)
    _fill(h, ref)
    seq, kept = h.sequence(), h.views()
    assert np.all(np.diff(seq) > 0)
    np.testing.assert_array_equal(seq[-h.recent:], np.arange(5_000 - h.recent, 5_000))  # every recent epoch
    for key, column in ref.items():
        np.testing.assert_array_equal(kept[key], column[seq])  # whole rows, from the epoch they say
    np.testing.assert_array_equal(kept["epoch"], seq + 1)
    assert seq[0] == 0  # the first epoch (what a run started from) is always there


def test_every_stretch_keeps_its_first_row_and_each_columns_min_and_max():
    ref = _reference(7_777, seed=3)
    h = History(max_rows=96)
    _fill(h, ref)
    seq, width = h.sequence(), 2 ** h.level
    assert h.level >= 5
    assert set(range(0, 7_777, width)) <= set(seq.tolist())  # evenly spaced samples
    for start in range(0, 7_777, width):
        inside = seq[(seq >= start) & (seq < start + width)]
        for key in ("loss", "late", "noise"):
            whole = ref[key][start:start + width]
            if np.isnan(whole).all():
                continue
            assert np.nanmin(ref[key][inside]) == np.nanmin(whole)
            assert np.nanmax(ref[key][inside]) == np.nanmax(whole)
    kept = h.views()
    for key in ("loss", "late", "noise"):  # hence every column's overall extremes, spikes and inf
        assert np.nanmin(kept[key]) == np.nanmin(ref[key]) and np.nanmax(kept[key]) == np.nanmax(ref[key])
    spikes = np.flatnonzero(ref["loss"] > 5)  # each stretch with a spike still shows it, at its epoch
    shown = kept["epoch"][kept["loss"] > 5] - 1
    assert set((spikes // width).tolist()) == set((shown // width).tolist())
    assert set(shown.tolist()) <= set(spikes.tolist())


def test_chunked_extend_thins_exactly_as_appending_one_by_one():
    ref = _reference(3_000, seed=5)
    one_by_one, in_chunks = History(max_rows=64), History(max_rows=64)
    _fill(one_by_one, ref)
    rng, lo = np.random.default_rng(1), 0
    while lo < 3_000:
        hi = min(3_000, lo + int(rng.integers(1, 200)))
        in_chunks.extend({k: v[lo:hi] for k, v in ref.items()})
        lo = hi
    np.testing.assert_array_equal(in_chunks.sequence(), one_by_one.sequence())
    for key, col in one_by_one.views().items():
        np.testing.assert_array_equal(in_chunks.views()[key], col)


def test_views_never_change_when_the_history_is_thinned():
    h = History(max_rows=32)
    ref = _reference(400)
    _fill(h, {k: v[:100] for k, v in ref.items()})
    before = {k: (v, v.copy()) for k, v in h.views().items()}
    _fill(h, {k: v[100:] for k, v in ref.items()})
    for view, then in before.values():
        np.testing.assert_array_equal(view, then)


def test_listeners_and_row_log_see_every_row_even_after_thinning():
    h = History(max_rows=32)
    seen = []
    h.add_listener(seen.append)
    log = RowLog(h)
    ref = _reference(500)
    _fill(h, {k: v[:300] for k, v in ref.items()})
    start, part = log.take()
    assert start == 0 and len(part["epoch"]) == 300 and np.isnan(part["late"][:166]).all()
    _fill(h, {k: v[300:] for k, v in ref.items()})
    start, part = log.take()
    assert start == 300
    np.testing.assert_array_equal(part["epoch"], ref["epoch"][300:])
    assert log.take() == (500, {})
    assert [row["epoch"] for row in seen] == list(ref["epoch"])


def test_too_small_a_budget_is_refused():
    with pytest.raises(ValueError, match="max_rows"):
        History(max_rows=4)
