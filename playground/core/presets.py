"""Preset files: an Experiment as versioned JSON, read strictly and written atomically.

A preset carries ``format`` (always FORMAT) and ``version``. Older versions are upgraded by the
ordered MIGRATIONS before validation, a newer version is refused with a message saying so, and
every error names the file and the field (``spiral.json: training.optimizer.lr: must be > 0,
got -1``). JSON only: nothing is ever eval'd or unpickled.

Shipped presets live in ``presets/`` at the repository root and are read-only to NN Playground:
`save_preset` refuses to write there or into the package itself. The person's own go to a
per-user data folder (never the install directory).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import playground
from playground.core.atomic import atomic_write
from playground.core.errors import SaveError, ShapeError, SpecError
from playground.core.readfile import FileRefused, MiB, read_regular
from playground.core.spec import FORMAT, VERSION, Experiment, experiment_to_dict

PACKAGE_DIR = Path(playground.__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR.parent / "presets"
APP_DIR_NAME = "nn-playground"
PRESET_MAX_BYTES = 16 * MiB  # a preset is a few KiB; anything near this is not a preset
MAX_NESTING = 32  # a preset nests 4 levels deep; deeper JSON is refused before anything walks it

# (from_version, upgrade): each upgrade takes a version-`from_version` dict and returns the
# version-`from_version + 1` dict. Keep ordered; a format change adds one entry and bumps VERSION.
Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _l2_as_half_lambda(d: dict[str, Any]) -> dict[str, Any]:
    """Version 2 writes the L2 penalty as the course and torch's weight_decay do, ½·l2·Σw², where
    version 1 added l2·Σw²: the same training needs twice the number."""
    training = d.get("training")
    l2 = training.get("l2") if isinstance(training, dict) else None
    if isinstance(l2, (int, float)) and not isinstance(l2, bool):
        d["training"] = {**training, "l2": 2 * l2}
    return d


def _data_seed_from_seed(d: dict[str, Any]) -> dict[str, Any]:
    """Version 3 seeds the data (points, noise, split) with data_seed and training with seed; one
    seed did both before, so it becomes both and the preset trains exactly as it did."""
    if "seed" in d and "data_seed" not in d:
        d["data_seed"] = d["seed"]
    return d


MIGRATIONS: list[tuple[int, Migration]] = [(1, _l2_as_half_lambda), (2, _data_seed_from_seed)]


class PresetInfo(NamedTuple):
    """What a preset list shows: the name to ask for, the file, and its own title and description."""

    name: str
    path: Path
    title: str
    description: str


# ---------------------------------------------------------------- reading -------------------

class _NotANumber:
    """Stands in for a NaN/Infinity literal or an overflowing number while parsing, so that the
    refusal can name the field it sits in (found by `_check_tree` once the whole text is parsed)."""

    def __init__(self, token: str, why: str):
        self.token, self.why = token, why


def _constant(token: str) -> _NotANumber:
    return _NotANumber(token, "is not valid JSON (write a number)")


def _float(token: str) -> float | _NotANumber:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        return _NotANumber(token, "is too large for a number")
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A key given twice is almost always an editing mistake that plain JSON would hide."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"field {key!r} appears twice")
        out[key] = value
    return out


_TOO_DEEP = f"nested more than {MAX_NESTING} levels deep; a preset is not that deep"


def _child_path(path: str, key: str | int) -> str:
    """``training.optimizer.lr``, ``network.layers[2]``: the form every SpecError uses."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _check_tree(root: Any) -> None:
    """Refuse nesting deeper than MAX_NESTING and the first non-number, naming its field path.

    Walks with an explicit stack: the tree is untrusted, so no recursion."""
    stack: list[tuple[Any, str, int]] = [(root, "", 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, _NotANumber):
            raise SpecError(path, f"{value.token} {value.why}")
        if isinstance(value, (dict, list)):
            if depth >= MAX_NESTING:  # named by its top-level field: the full path would be a wall of [0]
                raise SpecError(path.split(".")[0].split("[")[0], _TOO_DEEP)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            children = [(v, _child_path(path, k), depth + 1) for k, v in items]
            stack.extend(reversed(children))  # depth-first, in file order: the first problem is reported


def _parse_json(text: str) -> Any:
    try:
        d = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_constant, parse_float=_float)
    except json.JSONDecodeError as e:
        raise SpecError("", f"invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    except ValueError as e:
        raise SpecError("", f"invalid JSON: {e}") from None
    except RecursionError:  # the C parser gives up at Python's recursion limit (about 1000 levels)
        raise SpecError("", f"invalid JSON: {_TOO_DEEP}") from None
    _check_tree(d)
    return d


def _check_version(d: dict[str, Any]) -> int:
    if "format" not in d:
        raise SpecError("format", f"is missing: an NN Playground preset starts with \"format\": \"{FORMAT}\"")
    if d["format"] != FORMAT:
        raise SpecError("format", f"must be {FORMAT!r} (this is not an NN Playground preset)", d["format"])
    version = d.get("version")
    if version is None:
        raise SpecError("version", f"is missing (the current format version is {VERSION})")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise SpecError("version", "must be a whole number >= 0", version)
    if version > VERSION:
        raise SpecError("version", f"this file was written by a newer NN Playground (format version "
                        f"{version}; this one reads up to {VERSION}): update NN Playground to open it",
                        version)
    return version


def migrate(d: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a preset dict of any supported version to VERSION by running the migrations in order."""
    version = _check_version(d)
    upgrades = dict(MIGRATIONS)
    while version < VERSION:
        if version not in upgrades:
            raise SpecError("version", f"format version {version} is too old to read (no migration from "
                            f"it; this NN Playground reads {VERSION})", version)
        d = upgrades[version](dict(d))
        version += 1
        d["version"] = version
    return d


def preset_from_text(text: str, source_name: str) -> Experiment:
    """Parse, migrate and validate preset JSON; errors are SpecErrors starting with `source_name`."""
    # Validation reads the registries (torch): imported here, `nn-playground presets` lists in 0.3 s.
    from playground.core.validate import experiment_from_dict

    try:
        d = _parse_json(text)
        if not isinstance(d, dict):
            raise SpecError("", "a preset must be a JSON object ({...})", type(d).__name__)
        return experiment_from_dict(migrate(d))
    except SpecError as e:
        raise e.with_file(source_name) from None
    except ShapeError as e:  # normally caught as a SpecError by validation; keep the file name anyway
        raise SpecError(f"network.layers[{e.layer_index}]", e.message).with_file(source_name) from None


def load_preset(path: str | os.PathLike[str]) -> Experiment:
    """Read a preset file (see the module docstring); SpecError names the file for every problem.

    Only a regular file of at most PRESET_MAX_BYTES is read: a FIFO, a device or a link to
    /dev/zero is refused at once instead of blocking or filling memory."""
    p = Path(path)
    try:
        text = read_regular(p, PRESET_MAX_BYTES, "a preset").decode("utf-8")
    except FileNotFoundError:
        raise SpecError("", "no such file").with_file(p.name) from None
    except FileRefused as e:
        raise SpecError("", e.reason).with_file(p.name) from None
    except UnicodeDecodeError as e:
        raise SpecError("", f"not UTF-8 text (byte {e.start})").with_file(p.name) from None
    except OSError as e:
        raise SpecError("", f"cannot read: {e.strerror or e}").with_file(p.name) from None
    return preset_from_text(text, p.name)


# ---------------------------------------------------------------- writing -------------------

def preset_to_text(exp: Experiment) -> str:
    """The preset file's text: canonical JSON, 2-space indent, trailing newline."""
    return json.dumps(experiment_to_dict(exp), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def in_install_folder(path: str | os.PathLike[str]) -> bool:
    """Whether `path` (followed through symlinks) is in the shipped presets or the package folder."""
    real = Path(os.path.realpath(path))
    folders = [Path(os.path.realpath(f)) for f in (SHIPPED_DIR, PACKAGE_DIR)]
    return any(real == folder or folder in real.parents for folder in folders)


def check_save_target(path: str | os.PathLike[str]) -> None:
    """Raise SaveError for a path in the install folder: the shipped presets are read-only."""
    if in_install_folder(path):
        raise SaveError(f"{os.fspath(path)}: NN Playground's shipped presets are read-only; save your "
                        f"copy in your own presets folder ({_user_presets_path()}) or anywhere else")


def save_preset(exp: Experiment, path: str | os.PathLike[str]) -> None:
    """Write `exp` atomically: serialised first, so a failure leaves any existing file untouched.

    Refuses (SaveError) a path in the install folder; OSErrors name `path`, never a temp file.
    """
    check_save_target(path)
    text = preset_to_text(exp)
    with atomic_write(path) as f:
        f.write(text)


# ---------------------------------------------------------------- finding -------------------

def _info(path: Path) -> PresetInfo:
    """Title and description straight from the JSON: listing must not fail on one broken preset."""
    try:
        d = json.loads(read_regular(path, PRESET_MAX_BYTES, "a preset").decode("utf-8"))
        title, description = str(d.get("name", path.stem)), str(d.get("description", ""))
    except (OSError, ValueError, AttributeError, RecursionError, FileRefused) as e:
        title, description = path.stem, f"(unreadable: {e})"
    return PresetInfo(path.stem, path, title, description)


def _presets_in(directory: Path) -> list[PresetInfo]:
    if not directory.is_dir():
        return []
    return sorted((_info(p) for p in directory.glob("*.json") if p.is_file()), key=lambda i: i.name)


def shipped_presets() -> list[PresetInfo]:
    """The presets that come with NN Playground, sorted by name."""
    return _presets_in(SHIPPED_DIR)


def _user_presets_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)) / "presets"


def user_presets_dir() -> Path:
    """Where the person's own presets go (a per-user data folder), created on first use."""
    folder = _user_presets_path()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def resolve_preset(name_or_path: str | os.PathLike[str]) -> Path:
    """A preset file: an existing path as given, else a shipped preset name such as ``circle``."""
    given = Path(name_or_path)
    if os.path.lexists(given) and not given.is_dir():
        return given  # a FIFO or device too: load_preset refuses it with a message that says what it is
    text = str(name_or_path)
    if given.name == text:  # a bare name, not a path: look among the shipped presets
        candidate = SHIPPED_DIR / (text if text.endswith(".json") else f"{text}.json")
        if candidate.is_file():
            return candidate
    names = ", ".join(i.name for i in shipped_presets()) or "none found"
    what = "a folder, not a preset file" if given.is_dir() else "no such file or shipped preset"
    raise SpecError("", f"{what} (shipped presets: {names})", text)


__all__ = ["MAX_NESTING", "MIGRATIONS", "PACKAGE_DIR", "PRESET_MAX_BYTES", "SHIPPED_DIR", "PresetInfo",
           "check_save_target", "in_install_folder", "load_preset", "migrate", "preset_from_text",
           "preset_to_text", "resolve_preset", "save_preset", "shipped_presets", "user_presets_dir"]
