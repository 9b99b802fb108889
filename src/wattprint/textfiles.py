"""Read the files users hand us (configs, CSV, JSON lines) without ever hanging or crashing.

* Only regular files: a FIFO (which would block forever), ``/dev/zero`` (endless) or a
  directory is a one-line error, checked before reading.
* At most :data:`MAX_BYTES` are read.
* Text is UTF-8 (a BOM is skipped); UTF-16/32 files with a BOM are decoded; anything else
  is an error that names the first bad byte.
* JSON: no ``NaN``/``Infinity``, no number that overflows a float, no integer longer than
  :data:`MAX_INT_DIGITS` digits, and deep nesting is an error instead of a ``RecursionError``.
"""

from __future__ import annotations

import codecs
import json
import math
import os
import stat
from pathlib import Path
from typing import Any

from wattprint.errors import InputError, WattprintError

#: Largest file read (bytes): far above any config, CSV or measurement file we take.
MAX_BYTES = 64 * 1024 * 1024
#: Longest integer literal accepted in JSON (digits).
MAX_INT_DIGITS = 30
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def output_file(path: str | Path) -> Path:
    """The file a user asked us to write (``-o``), checked before any work is done.

    Its folder must exist: wattprint never creates folders for an output file (a mistyped
    folder would scatter files, or fill the local disk under a share that is not mounted).
    An existing directory is refused; an existing file is overwritten.

    Raises:
        InputError: one line, ``cannot write PATH: why``.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise InputError(f"cannot write {p}: it is a directory (give a file name)")
    folder = p.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(f"cannot write {p}: folder {folder} {why} (wattprint does not "
                         "create folders: make it first)")
    return p


def read_bytes(path: str | Path, what: str, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file (one-line :class:`InputError` otherwise).

    Args:
        path: the file.
        what: what the file is, for messages (``model config``).
        max_bytes: refuse larger files (bytes).
    """
    p = str(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read {what} {p!r}: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a directory" if stat.S_ISDIR(st.st_mode) else "a FIFO" if
                    stat.S_ISFIFO(st.st_mode) else "a device or socket")
            raise InputError(f"{what} {p!r} is {kind}, not a regular file")
        if st.st_size > max_bytes:
            raise InputError(f"{what} {p!r} is too large ({st.st_size:,} bytes; at most "
                             f"{max_bytes:,})")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputError(f"cannot read {what} {p!r}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise InputError(f"{what} {p!r} is too large (more than {max_bytes:,} bytes)")
    return data


def decode_text(data: bytes, what: str) -> str:
    """UTF-8 text (BOM skipped), or UTF-16/32 with a BOM; else a one-line error."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise InputError(f"{what}: not valid {enc.upper()} text ({exc.reason} at "
                                 f"byte {exc.start})") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start:exc.start + 1].hex()
        raise InputError(f"{what}: not UTF-8 text (byte 0x{bad} at offset {exc.start}); "
                         "save it as UTF-8") from exc


def read_text(path: str | Path, what: str, *, max_bytes: int = MAX_BYTES) -> str:
    """:func:`read_bytes` then :func:`decode_text`."""
    return decode_text(read_bytes(path, what, max_bytes=max_bytes), f"{what} {str(path)!r}")


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows here")


def _float(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueError(f"{text} overflows a 64-bit float")
    return v


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"integer with {len(text.lstrip('-'))} digits is out of range")
    return int(text)


def loads_json(text: str, where: str, error: type[WattprintError] = InputError) -> Any:
    """Parse JSON strictly (see the module docstring); raises ``error`` in one line."""
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float,
                          parse_int=_int)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise error(f"{where}: JSON nested too deeply") from exc
    except ValueError as exc:
        raise error(f"{where}: {exc}") from exc
