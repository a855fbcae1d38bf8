"""Preset files: strict reading with file+field errors, versions and migrations, atomic saving,
and finding shipped and personal presets."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

import playground
from playground.core import presets
from playground.core.errors import SpecError
from playground.core.experiment import FORMAT, VERSION, default_experiment, experiment_to_dict
from playground.core.presets import (
    SHIPPED_DIR,
    load_preset,
    preset_from_text,
    resolve_preset,
    save_preset,
    shipped_presets,
    user_presets_dir,
)

REPO = Path(__file__).resolve().parents[2]


def preset_dict(**changes):
    d = experiment_to_dict(default_experiment())
    d.update(changes)
    return d


def write(path: Path, d) -> Path:
    path.write_text(json.dumps(d) if not isinstance(d, str) else d, encoding="utf-8")
    return path


def error_of(path_or_text, name="test.json") -> str:
    with pytest.raises(SpecError) as info:
        if isinstance(path_or_text, Path):
            load_preset(path_or_text)
        else:
            preset_from_text(path_or_text, name)
    return str(info.value)


# ---------------------------------------------------------------- reading -------------------

def test_the_shipped_circle_preset_is_tensorflow_playgrounds_default():
    exp = load_preset(SHIPPED_DIR / "circle.json")
    assert exp.data.dataset == "circle" and exp.data.samples == 500 and exp.data.noise == 0.0
    assert exp.data.train_fraction == 0.5 and exp.data.features == ("x1", "x2")
    assert [(la.type, la.params["units"], la.params["activation"]) for la in exp.network.layers] == [
        ("dense", 4, "tanh"), ("dense", 2, "tanh")]
    assert exp.training.optimizer.name == "sgd" and exp.training.optimizer.params["lr"] == 0.03
    assert exp.training.batch_size == 10 and exp.training.epochs == 500 and exp.training.loss == "auto"
    assert exp.name and exp.description


def test_every_shipped_preset_is_valid():
    infos = shipped_presets()
    assert infos, "no shipped presets found"
    for info in infos:
        assert load_preset(info.path).name == info.title


def test_a_bad_field_names_the_file_the_field_and_the_value(tmp_path):
    d = preset_dict()
    d["training"]["optimizer"]["lr"] = -1
    message = error_of(write(tmp_path / "spiral.json", d))
    assert message.startswith("spiral.json: training.optimizer.lr: must be > 0, got -1")


def test_unknown_fields_are_errors_not_ignored(tmp_path):
    d = preset_dict()
    d["training"]["momentun"] = 0.9
    message = error_of(write(tmp_path / "typo.json", d))
    assert message.startswith("typo.json: training.momentun: unknown field")


def test_invalid_json_reports_line_and_column():
    text = '{\n  "format": "nn-playground.experiment",\n  "version": 1,\n  "name": "x",,\n}'
    message = error_of(text, "broken.json")
    assert message.startswith("broken.json: invalid JSON at line 4, column 15: Expecting property name")


@pytest.mark.parametrize("text, words", [
    ('{"format": "nn-playground.experiment", "version": 1, "seed": NaN}', "NaN is not valid JSON"),
    ('{"format": "nn-playground.experiment", "version": 1, "name": "a", "name": "b"}',
     "'name' appears twice"),
    ('[1, 2]', "a preset must be a JSON object"),
    ('', "invalid JSON at line 1, column 1"),
])
def test_json_that_python_would_accept_silently_is_refused(text, words):
    message = error_of(text, "odd.json")
    assert message.startswith("odd.json: ") and words in message


def test_format_is_required_and_checked():
    assert error_of(json.dumps({"version": 1}), "a.json").startswith("a.json: format: is missing")
    message = error_of(json.dumps({"format": "tensorflow.playground", "version": 1}), "b.json")
    assert message.startswith("b.json: format: must be 'nn-playground.experiment'")
    assert "got 'tensorflow.playground'" in message


@pytest.mark.parametrize("version, words", [
    (None, "version: is missing"), ("1", "must be a whole number"), (True, "must be a whole number"),
    (1.5, "must be a whole number"), (-1, "must be a whole number >= 0"),
])
def test_version_must_be_a_whole_number(version, words):
    d = {"format": FORMAT} if version is None else {"format": FORMAT, "version": version}
    assert words in error_of(json.dumps(d), "v.json")


def test_a_newer_version_says_the_file_comes_from_a_newer_release(tmp_path):
    message = error_of(write(tmp_path / "future.json", preset_dict(version=VERSION + 1)))
    assert message.startswith("future.json: version: this file was written by a newer NN Playground")
    assert f"got {VERSION + 1}" in message


def test_missing_file_and_non_utf8_file_are_spec_errors_with_the_name(tmp_path):
    assert error_of(tmp_path / "gone.json") == "gone.json: no such file"
    (tmp_path / "latin.json").write_bytes(b'{"name": "caf\xe9"}')
    assert error_of(tmp_path / "latin.json").startswith("latin.json: not UTF-8 text")


def test_errors_from_later_checks_also_carry_the_file(tmp_path):
    d = preset_dict()
    d["training"]["loss"] = "cross_entropy"  # each value valid, but not for two-class data
    message = error_of(write(tmp_path / "combo.json", d))
    assert message.startswith("combo.json: training.loss:")


# ---------------------------------------------------------------- migrations ----------------

def test_an_older_version_is_migrated_before_validation(tmp_path, monkeypatch):
    def v0_to_v1(d):
        d["name"] = d.pop("title")  # version 0 called the name "title"
        return d

    monkeypatch.setattr(presets, "MIGRATIONS", [(0, v0_to_v1), *presets.MIGRATIONS])
    old = preset_dict(version=0)
    old["title"] = old.pop("name")
    old["title"] = "Old circle"
    exp = load_preset(write(tmp_path / "old.json", old))
    assert exp.name == "Old circle"
    assert exp.network == default_experiment().network


def test_migrations_run_in_order_from_the_files_version(monkeypatch):
    calls = []

    def step(frm):
        def upgrade(d):
            assert d["version"] == frm
            calls.append(frm)
            return d
        return upgrade

    monkeypatch.setattr(presets, "VERSION", 3)
    monkeypatch.setattr(presets, "MIGRATIONS", [(1, step(1)), (2, step(2)), (0, step(0))])
    assert presets.migrate(preset_dict(version=1))["version"] == 3
    assert calls == [1, 2]
    calls.clear()
    assert presets.migrate(preset_dict(version=0))["version"] == 3
    assert calls == [0, 1, 2]


def test_a_version_with_no_migration_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(presets, "MIGRATIONS", [])
    message = error_of(json.dumps(preset_dict(version=0)), "ancient.json")
    assert message.startswith("ancient.json: version: format version 0 is too old")


def test_the_migration_does_not_change_the_callers_dict(monkeypatch):
    monkeypatch.setattr(presets, "MIGRATIONS", [(0, lambda d: {**d, "name": "migrated"}),
                                                *presets.MIGRATIONS])
    old = preset_dict(version=0)
    old["training"]["l2"] = 0.01
    new = presets.migrate(old)
    assert new["name"] == "migrated" and new["training"]["l2"] == 0.02
    assert old["version"] == 0 and old["name"] != "migrated" and old["training"]["l2"] == 0.01


@pytest.mark.parametrize(("old", "new"), [(0.01, 0.02), (10, 20), (0.0, 0.0)])
def test_a_version_1_l2_is_doubled_so_the_same_training_comes_out(tmp_path, old, new):
    """Version 1 added l2·Σw², version 2 adds ½·l2·Σw² (the course's and torch's form)."""
    d = preset_dict(version=1)
    d["training"]["l2"] = old
    exp = load_preset(write(tmp_path / "v1.json", d))
    assert exp.training.l2 == new
    assert presets.migrate(preset_dict(version=2))["training"]["l2"] == 0.0  # current files untouched


def test_a_version_1_file_without_l2_or_with_a_bad_one_migrates_to_the_usual_answers(tmp_path):
    d = preset_dict(version=1)
    del d["training"]["l2"]
    assert load_preset(write(tmp_path / "none.json", d)).training.l2 == 0.0
    d["training"]["l2"] = "much"
    assert "training.l2" in error_of(write(tmp_path / "bad.json", d))


# ---------------------------------------------------------------- saving --------------------

def test_save_then_load_gives_an_equal_experiment(tmp_path):
    exp = load_preset(SHIPPED_DIR / "circle.json")
    exp = dataclasses.replace(exp, name="Mine", seed=7,
                              training=dataclasses.replace(exp.training, epochs=123, l2=0.001))
    save_preset(exp, tmp_path / "mine.json")
    back = load_preset(tmp_path / "mine.json")
    assert back == exp
    assert experiment_to_dict(back) == experiment_to_dict(exp)


def test_saved_file_is_canonical_indented_json_with_a_trailing_newline(tmp_path):
    exp = default_experiment()
    save_preset(exp, tmp_path / "p.json")
    text = (tmp_path / "p.json").read_text(encoding="utf-8")
    assert text == json.dumps(experiment_to_dict(exp), indent=2, ensure_ascii=False) + "\n"
    assert text.startswith(f'{{\n  "format": "nn-playground.experiment",\n  "version": {VERSION},')


def test_non_ascii_text_survives_a_round_trip(tmp_path):
    exp = dataclasses.replace(default_experiment(), name="Kreis ⭕", description="naïve — ok")
    save_preset(exp, tmp_path / "u.json")
    assert load_preset(tmp_path / "u.json").name == "Kreis ⭕"


def test_a_failing_save_leaves_the_old_file_and_no_temp_file(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("previous contents\n")
    bad = dataclasses.replace(default_experiment(), seed=float("nan"))  # not valid JSON
    with pytest.raises(ValueError):
        save_preset(bad, path)
    assert path.read_text() == "previous contents\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]


# ---------------------------------------------------------------- finding -------------------

def test_shipped_dir_is_the_repositorys_presets_folder():
    expected = Path(playground.__file__).resolve().parent.parent / "presets"
    assert expected == REPO / "presets" == SHIPPED_DIR


def test_shipped_presets_are_sorted_with_title_and_description():
    infos = shipped_presets()
    assert [i.name for i in infos] == sorted(i.name for i in infos)
    circle = next(i for i in infos if i.name == "circle")
    assert circle.path == SHIPPED_DIR / "circle.json" and circle.title == "Circle"
    assert "TensorFlow Playground" in circle.description


def test_resolve_preset_takes_a_path_or_a_shipped_name(tmp_path, monkeypatch):
    assert resolve_preset("circle") == SHIPPED_DIR / "circle.json"
    assert resolve_preset("circle.json") == SHIPPED_DIR / "circle.json"
    own = write(tmp_path / "mine.json", preset_dict())
    assert resolve_preset(own) == own
    monkeypatch.chdir(tmp_path)
    (tmp_path / "circle.json").write_text("{}")
    assert resolve_preset("circle.json") == Path("circle.json")  # a file here wins over the shipped one


def test_resolve_preset_lists_the_shipped_names_for_an_unknown_one(tmp_path):
    with pytest.raises(SpecError) as info:
        resolve_preset("cirlce")
    assert "no such file or shipped preset" in str(info.value) and "circle" in str(info.value)
    assert "got 'cirlce'" in str(info.value)
    with pytest.raises(SpecError, match="a folder, not a preset file"):
        resolve_preset(tmp_path)
    with pytest.raises(SpecError, match="no such file"):
        resolve_preset(tmp_path / "circle")


def test_user_presets_go_to_the_per_user_data_folder_created_on_demand(user_sandbox):
    folder = user_presets_dir()
    assert folder.is_dir() and folder.name == "presets" and folder.parent.name == "nn-playground"
    assert user_sandbox in folder.parents  # the tests never write into the real home folder
    assert SHIPPED_DIR not in folder.parents


# ---------------------------------------------------------------- property -----------------

def _json_paths(d, prefix=()):
    yield prefix
    children = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else ()
    for key, value in children:
        yield from _json_paths(value, (*prefix, key))


def test_any_damaged_preset_gives_a_spec_error_with_the_file_never_a_crash():
    """Replace random fields with values of the wrong type or range: the answer is always a SpecError
    naming the file (or a valid experiment), never a TypeError/KeyError from deep inside."""
    import copy
    import random

    values = [None, True, 0, -1, 1.5, 1e308, "", "x", "dense", [], [1], {}, {"a": 1}, {"type": "dense"},
              {"name": "adam"}, 2**64, "auto"]
    base = preset_dict()
    paths = [p for p in _json_paths(base) if p]
    rng = random.Random(0)
    for _ in range(300):
        d = copy.deepcopy(base)
        *parents, key = rng.choice(paths)
        target = d
        for k in parents:
            target = target[k]
        if isinstance(target, dict) and rng.random() < 0.2:
            key = f"extra_{key}"  # an unknown field beside a known one
        target[key] = copy.deepcopy(rng.choice(values))
        try:
            preset_from_text(json.dumps(d), "fuzz.json")
        except SpecError as e:
            assert str(e).startswith("fuzz.json: ")


# ---------------------------------------------------------------- files that are not presets --

@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)  # nobody ever writes: a plain open() would wait forever
    return path


def test_a_fifo_is_refused_at_once_instead_of_blocking(fifo):
    assert error_of(fifo) == ("pipe.json: is a named pipe (FIFO), not a regular file; "
                              "a preset must be a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_or_a_link_to_one_is_refused_without_reading_it(tmp_path, device):
    link = tmp_path / "endless.json"
    link.symlink_to(device)
    expected = "is a character device, not a regular file; a preset must be a regular file"
    assert error_of(link) == f"endless.json: {expected}"
    assert error_of(Path(device)) == f"{Path(device).name}: {expected}"


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "huge.json"
    with open(big, "wb") as f:
        f.truncate(presets.PRESET_MAX_BYTES + 1)  # sparse: no disk used, but read_text would take 16 MiB
    assert presets.PRESET_MAX_BYTES == 16 * 2**20
    assert error_of(big) == "huge.json: is 16.0 MiB, more than a preset may be (16 MiB)"


def test_a_folder_is_refused_with_what_it_is(tmp_path):
    (tmp_path / "dir.json").mkdir()
    assert error_of(tmp_path / "dir.json") == ("dir.json: is a folder, not a regular file; "
                                               "a preset must be a regular file")


def test_resolve_preset_hands_an_existing_fifo_to_load_preset_which_says_what_it_is(fifo):
    assert resolve_preset(str(fifo)) == fifo


# ---------------------------------------------------------------- hostile JSON --------------

@pytest.mark.parametrize("depth", [50, 100_000])
def test_deeply_nested_json_is_a_spec_error_not_a_recursion_error(depth):
    text = '{"format": "nn-playground.experiment", "version": 1, "seed": ' + "[" * depth + "]" * depth + "}"
    message = error_of(text, "deep.json")
    assert message.startswith("deep.json: ")
    assert f"nested more than {presets.MAX_NESTING} levels deep" in message


def test_unclosed_deep_nesting_is_a_spec_error_too():
    assert "nested more than" in error_of("[" * 1_000_000, "deep.json")


@pytest.mark.parametrize("where, path", [
    (("training", "optimizer", "lr"), "training.optimizer.lr"),
    (("seed",), "seed"),
    (("data", "noise"), "data.noise"),
    (("network", "layers", 1, "units"), "network.layers[1].units"),
    (("data", "features", 0), "data.features[0]"),
    (("data", "params", "new"), "data.params.new"),
])
@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400", "-1e999"])
def test_every_non_number_names_its_field(where, path, literal):
    d = preset_dict()
    target = d
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = "@@"
    text = json.dumps(d).replace('"@@"', literal)
    why = "is too large for a number" if "e" in literal else "is not valid JSON (write a number)"
    assert error_of(text, "odd.json") == f"odd.json: {path}: {literal} {why}"
