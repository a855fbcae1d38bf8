"""Data sets: determinism, shapes, geometry, splits, images and the person's own CSV."""

from __future__ import annotations

import os
import re
from dataclasses import fields

import numpy as np
import pytest

from playground.core.datasets import (
    BINARY,
    DATASETS,
    IMAGE,
    LINE1D,
    MULTICLASS,
    POINTS2D,
    REGRESSION,
    TABLE,
    DataSpec,
    load_dataset,
)
from playground.core.datasets import images as images_module
from playground.core.errors import DataError, SpecError
from playground.core.features import apply_features

BUILT_IN = [name for name in DATASETS if name != "csv"]
BINARY_SETS = [n for n in BUILT_IN if DATASETS[n].task == BINARY]


def load(name: str, seed: int = 0, **kw) -> object:
    return load_dataset(DataSpec(dataset=name, **kw), seed)


def arrays(ds) -> dict[str, np.ndarray]:
    return {f.name: getattr(ds, f.name) for f in fields(ds) if isinstance(getattr(ds, f.name), np.ndarray)}


# ------------------------------------------------------------------ every set ----------------

@pytest.fixture(autouse=True)
def _files_for_downloaded_sets(request):
    """The sets that need downloaded files get stand-ins (tests never touch the network)."""
    callspec = getattr(request.node, "callspec", None)
    name = callspec.params.get("name") if callspec is not None else None
    if name in DATASETS and DATASETS[name].download:
        request.getfixturevalue("full_mnist")


@pytest.mark.parametrize("name", BUILT_IN)
def test_shapes_and_dtypes(name):
    entry = DATASETS[name]
    assert entry.label and entry.help and entry.kind in (POINTS2D, LINE1D, IMAGE)
    ds = load(name, samples=200, noise=0.3, validation_fraction=0.2)
    assert (ds.kind, ds.task) == (entry.kind, entry.task)
    assert len(ds.x_train) + len(ds.x_val) + len(ds.x_test) == 200
    for x, y in ((ds.x_train, ds.y_train), (ds.x_val, ds.y_val), (ds.x_test, ds.y_test)):
        assert x.dtype == np.float32 and x.shape == (len(y), *ds.input_shape)
        assert np.isfinite(x).all()
        if ds.task == REGRESSION:
            assert y.dtype == np.float32 and y.shape == (len(x), 1) and ds.num_classes == 0
        else:
            assert y.dtype == np.int64 and y.ndim == 1 and y.min() >= 0 and y.max() < ds.num_classes
    if entry.input_shape is not None:
        assert ds.input_shape == entry.input_shape
    if ds.kind == POINTS2D:
        assert ds.input_shape == (2,) and ds.extent == (-6, 6, -6, 6) and ds.raw_train.shape == (80, 2)
        assert np.abs(np.concatenate([ds.raw_train, ds.raw_test])).max() <= 6 + 3  # noise may push out
    if ds.kind == LINE1D:
        assert ds.input_shape == (1,) and ds.raw_train.shape == ds.x_train.shape
        np.testing.assert_array_equal(ds.transform(ds.raw_test), ds.x_test)


@pytest.mark.parametrize("name", BUILT_IN)
def test_same_seed_same_bits_other_seed_other_data(name):
    spec = DataSpec(dataset=name, samples=100, noise=0.2, validation_fraction=0.1)
    a, b, c = load_dataset(spec, 7), load_dataset(spec, 7), load_dataset(spec, 8)
    for key, value in arrays(a).items():
        np.testing.assert_array_equal(value, arrays(b)[key], err_msg=key)
    assert not np.array_equal(a.x_train, c.x_train)


def test_changing_noise_keeps_positions_and_split():
    clean, noisy = load("circle", noise=0.0), load("circle", noise=0.5)
    np.testing.assert_array_equal(clean.raw_train, noisy.raw_train)
    np.testing.assert_array_equal(clean.raw_test, noisy.raw_test)
    assert (clean.y_train != noisy.y_train).any()  # noise flips labels near the boundary


def test_unknown_set_and_bad_params_are_spec_errors():
    with pytest.raises(SpecError, match="unknown dataset"):
        load("nope")
    with pytest.raises(SpecError, match="data.params.classes"):
        load("blobs", params={"classes": 7})
    with pytest.raises(SpecError, match="unknown parameter"):
        load("circle", params={"radius": 3})


# ------------------------------------------------------------------ 2-D geometry -------------

@pytest.mark.parametrize("name", BINARY_SETS)
def test_binary_sets_are_balanced(name):
    ds = load(name, samples=1000, noise=0.0)
    y = np.concatenate([ds.y_train, ds.y_test])
    assert set(np.unique(y)) == {0, 1}
    assert abs(y.mean() - 0.5) < 0.05


def test_circle_positives_inside_negatives_on_the_ring():
    ds = load("circle", samples=1000)
    raw, y = np.concatenate([ds.raw_train, ds.raw_test]), np.concatenate([ds.y_train, ds.y_test])
    r = np.hypot(raw[:, 0], raw[:, 1])
    assert r[y == 1].max() < 2.5 <= 3.5 <= r[y == 0].min() and r.max() <= 5.0
    assert y.sum() == 500


def test_xor_label_is_sign_of_product_at_noise_zero():
    ds = load("xor", samples=1000)
    raw = ds.raw_train
    np.testing.assert_array_equal(ds.y_train, (raw[:, 0] * raw[:, 1] >= 0).astype(np.int64))
    assert np.abs(raw).min() >= 0.3  # the padding keeps points off the axes


def test_gauss_centres_and_spread_grow_with_noise():
    clean, noisy = load("gauss", samples=2000), load("gauss", samples=2000, noise=0.5)
    pos = clean.raw_train[clean.y_train == 1]
    np.testing.assert_allclose(pos.mean(axis=0), [2, 2], atol=0.15)
    assert noisy.raw_train.std() > clean.raw_train.std() * 1.3


def test_spiral_and_planes_follow_tf_playground():
    spiral = load("spiral", samples=400)
    assert np.hypot(*spiral.raw_train.T).max() < 5.0
    plane = load("reg_plane", samples=300)
    np.testing.assert_allclose(plane.y_train[:, 0], plane.raw_train.sum(axis=1) / 10, atol=1e-6)
    bumps = load("reg_gauss", samples=2000, noise=0.3)
    assert -1 <= bumps.y_train.min() < -0.9 and 0.9 < bumps.y_train.max() <= 1


def test_blobs_has_the_asked_number_of_balanced_classes():
    ds = load("blobs", samples=500, params={"classes": 5})
    y = np.concatenate([ds.y_train, ds.y_test])
    assert ds.num_classes == 5 and ds.output_units == 5 and np.bincount(y).tolist() == [100] * 5


def test_features_are_applied_and_transform_agrees():
    names = ("x1", "x1*x2", "sin_x2")
    ds = load("xor", features=names)
    assert ds.input_shape == (3,) and ds.feature_names == names
    np.testing.assert_array_equal(ds.x_train, apply_features(ds.raw_train, names))
    np.testing.assert_array_equal(ds.transform(ds.raw_test), ds.x_test)


def test_non_planar_sets_ignore_features():
    assert load("sine", features=("x1", "x1^2")).input_shape == (1,)
    assert load("digits", samples=50, features=("x1", "x1^2")).input_shape == (1, 8, 8)


# ------------------------------------------------------------------ 1-D ---------------------

@pytest.mark.parametrize("noise", [0.0, 0.5])
def test_line_least_squares_recovers_slope_and_intercept(noise):
    ds = load("line", samples=2000, noise=noise)
    x, y = ds.x_train[:, 0].astype(float), ds.y_train[:, 0].astype(float)
    slope, intercept = np.polyfit(x, y, 1)
    assert slope == pytest.approx(3.0, abs=0.1 if noise else 1e-4)
    assert intercept == pytest.approx(2.0, abs=0.1 if noise else 1e-4)
    x0, x1, y0, y1 = ds.extent
    assert x0 < x.min() and x1 > x.max() and y0 < y.min() and y1 > y.max()


def test_sine_is_sine_at_noise_zero():
    ds = load("sine", samples=300)
    np.testing.assert_allclose(ds.y_test[:, 0], np.sin(ds.x_test[:, 0]), atol=1e-6)


# ------------------------------------------------------------------ splits ------------------

@pytest.mark.parametrize(("n", "train", "val", "expect"), [
    (100, 0.3, 0.0, (30, 0, 70)), (100, 0.5, 0.2, (40, 10, 50)), (2, 0.05, 0.0, (1, 0, 1)),
    (10, 0.95, 0.5, (5, 4, 1)), (3, 0.95, 0.5, (1, 1, 1)),
])
def test_split_sizes(n, train, val, expect):
    ds = load("gauss", samples=n, train_fraction=train, validation_fraction=val)
    assert (len(ds.x_train), len(ds.x_val), len(ds.x_test)) == expect
    assert ds.x_val.shape[1:] == (2,) and ds.raw_val.shape == (expect[1], 2)
    everything = np.concatenate([ds.raw_train, ds.raw_val, ds.raw_test])
    assert len(np.unique(everything, axis=0)) == n  # every point in exactly one part


# ------------------------------------------------------------------ images ------------------

@pytest.mark.parametrize(("name", "side", "total"), [("digits", 8, 1797), ("mnist", 28, 5000)])
def test_image_sets(name, side, total):
    ds = load(name, samples=10_000, train_fraction=0.8)
    assert ds.input_shape == (1, side, side) and ds.num_classes == 10 and ds.output_units == 10
    assert len(ds.x_train) + len(ds.x_test) == total and ds.raw_train is None
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert set(np.unique(ds.y_train)) == set(range(10)) and ds.class_names == tuple("0123456789")


def test_image_samples_are_a_balanced_subset_and_noise_stays_in_range():
    ds = load("mnist", samples=200, noise=0.5)
    y = np.concatenate([ds.y_train, ds.y_test])
    assert np.bincount(y, minlength=10).tolist() == [20] * 10
    x = ds.x_train
    assert x.min() >= 0.0 and x.max() <= 1.0
    assert ((x > 0) & (x < 1)).mean() > 0.05  # grey pixels everywhere: noise was added


def test_missing_mnist_file_is_a_data_error(monkeypatch, tmp_path):
    monkeypatch.setattr(images_module, "mnist_path", lambda: tmp_path / "mnist-5k.npz")
    images_module.mnist_arrays.cache_clear()
    try:
        with pytest.raises(DataError, match="MNIST subset is missing"):
            load("mnist")
    finally:
        images_module.mnist_arrays.cache_clear()


# ------------------------------------------------------------------ CSV ---------------------

def write_csv(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load_csv(path: str, seed: int = 0, **params) -> object:
    return load("csv", seed, samples=1000, train_fraction=0.5, params={"path": path, **params})


def test_csv_table_is_standardised_with_training_statistics(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{a:.4f},{b:.4f},{c:.4f},{int(a > 5)}" for a, b, c in rng.uniform(0, 10, (60, 3))]
    ds = load_csv(write_csv(tmp_path, "a,b,c,label\n" + "\n".join(rows) + "\n\n"))
    assert (ds.kind, ds.task, ds.num_classes, ds.input_shape) == (TABLE, BINARY, 2, (3,))
    assert ds.feature_names == ("a", "b", "c") and ds.class_names == ("0", "1") and ds.name == "data.csv"
    np.testing.assert_allclose(ds.x_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(ds.x_train.std(axis=0), 1, atol=1e-4)
    assert np.abs(ds.x_test.mean(axis=0)).max() > 1e-3  # the test split was not used for scaling
    raw_test = ds.x_test * ds.transform.std + ds.transform.mean  # undo, then redo, the scaling
    np.testing.assert_allclose(ds.transform(raw_test), ds.x_test, atol=1e-5)
    a = ds.x_train[:, 0] * ds.transform.std[0] + ds.transform.mean[0]
    np.testing.assert_array_equal(ds.y_train, (a > 5).astype(np.int64))


def test_csv_with_two_inputs_is_a_plane_with_original_units(tmp_path):
    text = "height,weight,kind\n" + "\n".join(f"{h},{w},{k}" for h, w, k in
                                            [(150, 50, 3), (160, 60, 7), (170, 65, 7), (180, 90, 3),
                                             (190, 95, 11), (175, 70, 11)])
    ds = load_csv(write_csv(tmp_path, text), target="kind")
    assert (ds.kind, ds.task, ds.num_classes) == (POINTS2D, MULTICLASS, 3)
    assert ds.class_names == ("3", "7", "11") and ds.feature_names == ("height", "weight")
    raw = np.concatenate([ds.raw_train, ds.raw_test])
    assert raw[:, 0].min() >= 150 and raw[:, 0].max() <= 190
    x0, x1, y0, y1 = ds.extent
    assert x0 < 150 and x1 > 190 and y0 < 50 and y1 > 95
    np.testing.assert_allclose(ds.transform(ds.raw_test), ds.x_test, rtol=1e-6)


def test_csv_target_column_by_name_and_regression(tmp_path):
    text = "y,x1,x2,x3\n" + "\n".join(f"{0.5 * i + 0.25},{i},{i % 3},{i * i}" for i in range(30))
    ds = load_csv(write_csv(tmp_path, text), target="y")
    assert ds.task == REGRESSION and ds.y_train.dtype == np.float32 and ds.feature_names == ("x1", "x2", "x3")
    assert set(np.concatenate([ds.y_train, ds.y_test])[:, 0]) == {0.5 * i + 0.25 for i in range(30)}


@pytest.mark.parametrize(("values", "choice", "task"), [
    ([0, 1] * 10, "auto", BINARY), ([1, 2, 3] * 10, "auto", MULTICLASS),
    ([0.5, 1.5] * 10, "auto", REGRESSION), (list(range(25)), "auto", REGRESSION),
    (list(range(25)), "multiclass", MULTICLASS), ([0, 1] * 10, "regression", REGRESSION),
])
def test_csv_task_inference(tmp_path, values, choice, task):
    text = "x,t\n" + "\n".join(f"{i},{v}" for i, v in enumerate(values))
    ds = load_csv(write_csv(tmp_path, text), task=choice)
    assert ds.task == task
    if task != REGRESSION:
        assert ds.num_classes == len(set(values)) and ds.y_train.max() < ds.num_classes


@pytest.mark.parametrize(("text", "params", "message"), [
    ("a,b\n1,2\n3,4\n5,6\n4,5\n6,abc\n", {}, 'data.csv: row 6, column "b": not a number: \'abc\''),
    ("a,b\n1,2\n\n3,\n", {}, 'data.csv: row 4, column "b": not a number: \'\''),
    ("a,b\n1,2\n3,inf\n", {}, 'row 3, column "b": not a finite number'),
    ("a,b\n1,2\n3,4,5\n", {}, "row 3: 3 cells, but the header names 2 columns"),
    ("a,b\n1,2\n", {}, "at least 2 data rows"),
    ("1,2\n3,4\n5,6\n", {}, "must be a header"),
    ("a,b\n1,2\n3,4\n", {"target": "c"}, 'no column "c" to predict'),
    ("a,b\n1,2\n3,2\n", {}, "single value"),
    ("a,b\n1,2\n3,4\n5,6\n", {"task": "binary"}, "exactly 2 distinct values"),
    ("", {}, "empty"),
])
def test_csv_errors_say_where(tmp_path, text, params, message):
    with pytest.raises(DataError, match=re.escape(message)):
        load_csv(write_csv(tmp_path, text), **params)


def test_csv_missing_file_and_no_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        load_csv(str(tmp_path / "missing.csv"))
    with pytest.raises(DataError, match="no file chosen"):
        load("csv")


def test_csv_samples_cap_the_rows_used(tmp_path):
    text = "x,y\n" + "\n".join(f"{i},{i % 2}" for i in range(100))
    ds = load("csv", samples=40, params={"path": write_csv(tmp_path, text)})
    assert len(ds.x_train) + len(ds.x_test) == 40


@pytest.mark.parametrize(("text", "message"), [
    ("a,b\n1,2\n3,1e39\n", 'data.csv: row 3, column "b": \'1e39\' is too large for a 32-bit float'),
    ("a,b\n-1e39,2\n3,4\n", 'data.csv: row 2, column "a": \'-1e39\' is too large for a 32-bit float'),
    ("a,b\n1,2\n3,nan\n", 'data.csv: row 3, column "b": not a finite number: \'nan\''),
    ("a,b\n1,2\n-inf,4\n", 'data.csv: row 3, column "a": not a finite number: \'-inf\''),
])
def test_csv_cells_that_float32_cannot_hold_are_refused_with_row_and_column(tmp_path, text, message):
    """1e39 is a fine float64 but float32 inf: it must not reach training as inf."""
    with pytest.raises(DataError, match=re.escape(message)):
        load_csv(write_csv(tmp_path, text))


def test_the_largest_float32_cell_is_still_accepted(tmp_path):
    ds = load_csv(write_csv(tmp_path, "a,b\n3.4e38,0\n-3.4e38,1\n1,0\n2,1\n"))
    assert np.isfinite(ds.x_train).all() and np.isfinite(ds.x_test).all()


@pytest.mark.parametrize(("text", "shown"), [
    ("a;b;c\n1;2;0\n3;4;1\n", "';'"),
    ("a\tb\n1\t0\n2\t1\n", "a tab"),
    ("a|b\n1|0\n2|1\n", "'|'"),
    ("petal length;petal width;species\n1,5;2,5;0\n", "';'"),
    ("x y\n1 0\n2 1\n", "a space"),
])
def test_a_csv_with_another_separator_gets_a_hint(tmp_path, text, shown):
    with pytest.raises(DataError) as info:
        load_csv(write_csv(tmp_path, text))
    assert str(info.value) == (f"data.csv: one column found; is the separator {shown}? "
                               "(columns must be separated by commas)")


def test_a_single_named_column_without_a_separator_keeps_the_plain_message(tmp_path):
    with pytest.raises(DataError, match="needs at least 2 columns"):
        load_csv(write_csv(tmp_path, "value\n1\n2\n"))


def test_a_csv_path_that_is_a_fifo_or_a_device_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match=re.escape("pipe.csv: is a named pipe (FIFO), not a regular file")):
        load_csv(str(fifo))
    link = tmp_path / "zeros.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(DataError, match=re.escape("zeros.csv: is a character device, not a regular file")):
        load_csv(str(link))


def test_a_csv_over_its_size_cap_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from playground.core.datasets import csv_data

    assert csv_data.CSV_MAX_BYTES == 256 * 2**20
    path = write_csv(tmp_path, "a,b\n" + "1,0\n2,1\n" * 100)
    monkeypatch.setattr(csv_data, "CSV_MAX_BYTES", 500)
    with pytest.raises(DataError, match=re.escape("data.csv: is 804 bytes, more than a CSV file may be "
                                                  "(500 bytes)")):
        load_csv(path)
