"""One reader for every data file (catalog.loader.read_data_doc): the same one-line
DataError wording whichever catalog reads it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wattprint.catalog.loader import read_data_doc, read_data_toml
from wattprint.errors import DataError


@pytest.mark.parametrize(("content", "message"), [
    (b"[[stack]\nid = 1", "stacks.toml: invalid TOML"),
    (b"\xff\xfe = 1", "stacks.toml: not UTF-8 text"),
    (None, "stacks.toml: cannot read data file"),
])
def test_bad_files_are_one_line_data_errors(tmp_path: Path, content: bytes | None,
                                            message: str) -> None:
    path = tmp_path / "stacks.toml"
    if content is not None:
        path.write_bytes(content)
    for read in (read_data_doc, read_data_toml):
        with pytest.raises(DataError) as exc:
            read(path)
        assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


def test_label_and_twin_flag(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[[stack]]\nid = "x"\n', encoding="utf-8")
    assert read_data_doc(path) == ({"stack": [{"id": "x"}]}, False)
    path.write_text("= broken", encoding="utf-8")
    with pytest.raises(DataError, match="^my label: invalid TOML"):
        read_data_doc(path, "my label")
