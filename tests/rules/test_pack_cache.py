"""The parsed-TOML cache of rule packs (careengine.rules.pack_cache): the same packs with and
without it, used only for the exact text it was made from, never written where Python would not
write bytecode."""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

import pytest

from careengine.rules import pack_cache
from careengine.rules.toml_pack import load_paths

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "rules" / "staging.toml"


def _copy(tmp_path: Path, *, pycache: bool) -> Path:
    directory = tmp_path / "packs"
    directory.mkdir()
    if pycache:
        (directory / "__pycache__").mkdir()
    return Path(shutil.copy(PACK, directory / PACK.name))


def _load(path: Path) -> object:
    packs, problems = load_paths([(path, "(test)")])
    assert problems == []
    return packs[0]


def test_a_cached_pack_is_the_pack_parsed_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = _copy(tmp_path, pycache=True)
    first = _load(path)
    entry = pack_cache.cache_file(path)
    assert entry is not None and entry.is_file()

    def refuse(*_: object, **__: object) -> object:
        raise AssertionError("parsed again although the cache holds this text")

    monkeypatch.setattr(tomllib, "loads", refuse)
    assert _load(path) == first


def test_an_edited_pack_is_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = _copy(tmp_path, pycache=True)
    _load(path)
    text = path.read_text(encoding="utf-8")
    assert 'version = "' in text
    path.write_text(text.replace('version = "', 'version = "9', 1), encoding="utf-8")
    assert _load(path).version.startswith("9")  # type: ignore[attr-defined]


def test_a_damaged_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = _copy(tmp_path, pycache=True)
    first = _load(path)
    entry = pack_cache.cache_file(path)
    assert entry is not None
    for damage in (b"", b"\x00garbage", entry.read_bytes()[:-7]):
        entry.write_bytes(damage)
        assert _load(path) == first


def test_nothing_is_written_without_a_pycache_or_with_bytecode_writing_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    plain = _copy(tmp_path, pycache=False)
    _load(plain)
    assert sorted(p.name for p in plain.parent.iterdir()) == [PACK.name]

    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "__pycache__").mkdir()
    path = Path(shutil.copy(PACK, other / PACK.name))
    _load(path)
    assert list((other / "__pycache__").iterdir()) == []


def test_under_a_pycache_prefix_the_entry_goes_where_python_puts_bytecode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = _copy(tmp_path, pycache=False)
    prefix = tmp_path / "prefix"
    mirrored = prefix / str(path.parent.resolve()).lstrip("/")
    mirrored.mkdir(parents=True)
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    first = _load(path)
    assert [p.name for p in mirrored.iterdir()] == [
        f"{PACK.name}.{sys.implementation.cache_tag}.careengine"
    ]
    assert sorted(p.name for p in path.parent.iterdir()) == [PACK.name]
    assert _load(path) == first
