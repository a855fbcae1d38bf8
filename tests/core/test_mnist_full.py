"""Full MNIST: MNIST's own split, getting the files from a mirror, importing them, refusing bad ones.

The files are generated stand-ins of the real sizes (tests/fake_mnist.py); the mirror is local.
"""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest

from playground.core.datasets import data_defaults, load_dataset, missing_data
from playground.core.datasets import mnist_full as mf
from playground.core.datasets.idx import TEST, TRAIN
from playground.core.errors import DataError, MissingDataError
from playground.core.experiment import DataSpec
from tests.fake_mnist import (
    Mirror,
    fake_arrays,
    fake_files,
    idx,
    remote_files,
    serve,
    write_folder,
    write_npz,
)


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """Full MNIST's folder, empty, in place of the user data folder."""
    folder = tmp_path / "datasets" / "mnist"
    monkeypatch.setattr(mf, "folder", lambda: folder)
    return folder


@pytest.fixture
def installed(data_folder):
    return write_folder(data_folder)


def spec(**changes) -> DataSpec:
    base = dict(dataset="mnist-full", samples=70_000, train_fraction=mf.STANDARD_TRAIN_FRACTION, noise=0.0)
    return DataSpec(**{**base, **changes})


# ------------------------------------------------------------------ the data set ---------------

def test_the_defaults_are_the_standard_split_and_it_uses_mnists_own_parts(installed):
    assert data_defaults("mnist-full") == {"samples": 70_000, "train_fraction": mf.STANDARD_TRAIN_FRACTION}
    ds = load_dataset(spec(), 0)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (60_000, 0, 10_000)
    assert ds.x_train.dtype == np.float32 and ds.x_train.shape == (60_000, 1, 28, 28)
    assert (ds.used, ds.available, ds.requested) == (70_000, 70_000, 70_000)
    assert not ds.capped and not ds.short
    a = fake_arrays()
    # Every test example is one of MNIST's test images with its own label, and none is a training one.
    test_rows = {img.tobytes(): lab for img, lab in zip(a[TEST.images], a[TEST.labels], strict=True)}
    for x, y in zip(ds.x_test[:500], ds.y_test[:500], strict=True):
        assert test_rows[(x[0] * 255).round().astype(np.uint8).tobytes()] == y
    assert np.array_equal(np.sort(ds.y_test), np.sort(a[TEST.labels].astype(np.int64)))
    assert np.array_equal(np.sort(ds.y_train), np.sort(a[TRAIN.labels].astype(np.int64)))


def test_fewer_samples_pick_from_each_part_and_validation_comes_from_training(installed):
    ds = load_dataset(spec(samples=7_000, validation_fraction=0.1), 3)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (5_400, 600, 1_000)
    assert np.bincount(ds.y_test).tolist() == [100] * 10  # class-balanced, like the subset
    assert ds.capped and not ds.short  # 7,000 of 70,000 in use: the panel says so
    again = load_dataset(spec(samples=7_000, validation_fraction=0.1), 3)
    assert np.array_equal(ds.x_train, again.x_train)  # seeded: same bits


def test_a_part_asked_for_more_than_it_holds_gives_all_it_has_and_says_so(installed):
    ds = load_dataset(spec(train_fraction=0.5), 0)  # 35,000 test images asked, 10,000 exist
    assert (len(ds.y_train), len(ds.y_test)) == (35_000, 10_000)
    assert ds.short and ds.requested == 70_000 and ds.used == 45_000


def test_noise_is_seeded_clipped_and_changes_only_the_pixels(installed):
    clean = load_dataset(spec(samples=2_000), 1)
    noisy = load_dataset(spec(samples=2_000, noise=0.5), 1)
    assert np.array_equal(clean.y_train, noisy.y_train)
    assert not np.array_equal(clean.x_train, noisy.x_train)
    assert noisy.x_train.min() >= 0 and noisy.x_train.max() <= 1


def test_missing_files_say_how_to_get_them(data_folder):
    assert "nn-playground data get mnist" in missing_data("mnist-full")
    assert missing_data("mnist") == ""
    with pytest.raises(MissingDataError) as info:
        load_dataset(spec(), 0)
    message = str(info.value)
    assert "4 of its 4 files are missing" in message and str(data_folder) in message
    assert "nn-playground data import mnist PATH" in message and info.value.download == "mnist"


def test_replaced_files_are_read_again(installed):
    first = mf.arrays()
    (installed / f"{TEST.labels}.gz").unlink()
    labels = (fake_arrays()[TEST.labels] + 1) % 10
    (installed / TEST.labels).write_bytes(idx(labels))  # plain, not gzipped
    assert mf.arrays() is not first and np.array_equal(mf.arrays().test_labels, labels)


# ------------------------------------------------------------------ getting them ---------------

def test_get_downloads_the_four_files_checks_them_and_drops_older_forms(data_folder):
    files = fake_files()
    write_folder(data_folder, compress=False)  # an earlier import, plain IDX
    with serve(Mirror(dict(files))) as mirror:
        where = mf.get(mirrors=[mirror.url], files=remote_files(files))
    assert where == data_folder
    assert sorted(p.name for p in data_folder.iterdir()) == sorted(files)
    assert mf.missing() == [] and len(load_dataset(spec(), 0).y_test) == 10_000


def test_get_refuses_files_that_arrive_intact_but_are_not_mnist(data_folder):
    files = dict(fake_files())
    files[f"{TRAIN.labels}.gz"] = gzip.compress(idx(np.full(60_000, 12, np.uint8)))
    says = "has label 12, but MNIST's labels are 0 to 9"
    with serve(Mirror(files)) as mirror, pytest.raises(DataError, match=says):
        mf.get(mirrors=[mirror.url], files=remote_files(files))


# ------------------------------------------------------------------ importing them -------------

@pytest.mark.parametrize("compress", [True, False], ids=["gzipped", "plain"])
def test_import_takes_a_folder_of_idx_files(tmp_path, data_folder, compress):
    source = write_folder(tmp_path / "download", compress)
    assert mf.import_from(source) == data_folder
    assert sorted(p.name for p in data_folder.iterdir()) == sorted(p.name for p in source.iterdir())
    assert np.array_equal(mf.arrays().train_images, fake_arrays()[TRAIN.images])


def test_import_takes_keras_npz(tmp_path, data_folder):
    mf.import_from(write_npz(tmp_path / "mnist.npz"))
    assert sorted(p.name for p in data_folder.iterdir()) == sorted(fake_files())  # written as IDX.gz
    got = mf.arrays()
    for name, array in fake_arrays().items():
        assert np.array_equal(getattr(got, {TRAIN.images: "train_images", TRAIN.labels: "train_labels",
                                            TEST.images: "test_images", TEST.labels: "test_labels"}[name]),
                              array)


def _broken(folder, name, data):
    for old in (folder / name, folder / f"{name}.gz"):
        old.unlink(missing_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


BAD_IDX = [  # (file, its bytes, what the message says)
    (TRAIN.images, idx(np.zeros((60_000, 28, 28), np.uint8), magic=2049),
     "not an IDX file of MNIST images (magic number 2049, expected 2051)"),
    (TEST.images, idx(np.zeros((10_000, 32, 32), np.uint8)), "images are 32x32, MNIST's are 28x28"),
    (TEST.labels, idx(np.zeros(9_999, np.uint8)), "holds 9,999 examples, but MNIST's test part has 10,000"),
    (TEST.labels, idx(np.zeros(10_000, np.uint8))[:-5],
     "is cut short (9,995 data bytes, the header promises 10,000)"),
    (TEST.labels, idx(np.zeros(10_000, np.uint8)) + b"xx", "has extra bytes at the end"),
    (TRAIN.labels, idx(np.full(60_000, 10, np.uint8)), "has label 10, but MNIST's labels are 0 to 9"),
    (TEST.labels, b"\x00\x00", "too short for an IDX file (2 bytes)"),
]


@pytest.mark.parametrize(("name", "data", "says"), BAD_IDX, ids=[b[2].split(" (")[0] for b in BAD_IDX])
def test_import_refuses_a_bad_idx_file_naming_it_and_writes_nothing(tmp_path, data_folder, name, data, says):
    source = write_folder(tmp_path / "download", compress=False)
    bad = _broken(source, name, data)
    with pytest.raises(DataError) as info:
        mf.import_from(source)
    assert str(info.value) == f"{bad}: {says}" or str(info.value).startswith(f"{bad}: {says}")
    assert not data_folder.exists()


def test_import_refuses_a_truncated_gzip_file(tmp_path, data_folder):
    source = write_folder(tmp_path / "download")
    gz = source / f"{TRAIN.images}.gz"
    gz.write_bytes(gz.read_bytes()[:1000])
    with pytest.raises(DataError, match=rf"^{gz}: not a complete gzip file"):
        mf.import_from(source)


def test_import_names_a_missing_file(tmp_path, data_folder):
    source = write_folder(tmp_path / "download")
    (source / f"{TEST.images}.gz").unlink()
    with pytest.raises(DataError, match=rf"^{source / TEST.images}: missing"):
        mf.import_from(source)


@pytest.mark.parametrize(("changes", "says"), [
    ({"x_test": np.zeros((10_000, 28, 28), np.float32)}, r"\(x_test\): expected uint8 images"),
    ({"y_train": np.zeros(59_000, np.uint8)}, r"\(y_train\): expected 60,000 whole-number labels"),
    ({"y_test": np.full(10_000, 11, np.int64)}, r"\(y_test\): has label 11"),
])
def test_import_refuses_a_bad_npz_naming_the_file_and_array(tmp_path, data_folder, changes, says):
    path = write_npz(tmp_path / "mnist.npz", **changes)
    with pytest.raises(DataError, match=rf"^{path} {says}"):
        mf.import_from(path)
    assert not data_folder.exists()


def test_import_refuses_what_is_neither(tmp_path, data_folder):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DataError, match="not a folder of MNIST's IDX files nor Keras's mnist.npz"):
        mf.import_from(text)
    with pytest.raises(DataError, match="no such file or folder"):
        mf.import_from(tmp_path / "nowhere")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"PK not really")
    with pytest.raises(DataError, match=rf"^{broken}: not a readable .npz archive"):
        mf.import_from(broken)


def test_an_import_replaces_a_download_and_its_unfinished_part(tmp_path, installed):
    (installed / f"{TRAIN.images}.gz.part").write_bytes(b"half")
    source = write_folder(tmp_path / "plain", compress=False)
    mf.import_from(source)
    assert sorted(p.name for p in installed.iterdir()) == sorted(p.name for p in source.iterdir())
    shutil.rmtree(source)
    assert len(mf.arrays().train_labels) == 60_000  # read from the data folder, not the source
