"""Tables that fit the terminal without ever splitting a number across lines.

Rich shrinks every column of a table that is wider than the terminal, numbers included, so
"2,874" becomes "2,87" over "4" or "+119…". :func:`fit_table` sizes the columns itself: a
column of numbers keeps its widest cell on one line, text columns wrap at spaces (never
inside a number they contain), and when even that does not fit, optional columns are dropped
in the order the caller gives (the caller says so: :func:`print_table` prints a hint).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import Any

#: A cell that starts with a number (after a sign, currency, bracket or ~): a number column.
_NUMBER_CELL = re.compile(r"^[(\[~≈<>≤≥±]?[-+−]?[$€£]?\d")
#: A number inside text, with its unit symbol glued on ("2,874", "+3.2", "1.5e+13", "$17k").
_NUMBER_TOKEN = re.compile(r"[-+−]?[$€£]?\d[\d,.]*(?:e[-+]?\d+)?[%×kMGTB]?")
#: Text columns may wrap down to this many characters (longer words fold), never less than
#: the longest number they hold.
TEXT_MIN = 10


def plain_lines(cell: Any) -> list[str]:
    """The lines of a cell as the terminal shows them (markup removed); [] for renderables."""
    from rich.errors import MarkupError
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain.split("\n")
    if not isinstance(cell, str):
        return []
    try:
        return Text.from_markup(cell).plain.split("\n")
    except MarkupError:
        return cell.split("\n")


def _lines(col: Any) -> list[str]:
    return [line for cell in col._cells for line in plain_lines(cell)]


def is_number_column(col: Any) -> bool:
    """True when every non-empty cell of ``col`` starts with a number and is short (a value
    with its unit, a percentage, a range of two numbers)."""
    cells = [" ".join(plain_lines(c)).strip() for c in col._cells]
    cells = [c for c in cells if c and c not in ("-", "–", "—")]
    return bool(cells) and all(_NUMBER_CELL.match(c) and len(c.split()) <= 4 for c in cells)


def _widths(col: Any, header: bool) -> tuple[int, int, int]:
    """(hard minimum, minimum, natural) content width of a column, in terminal cells.

    Below the minimum a header word, a name or a long word of text is cut; below the hard
    minimum a number would be (number columns: their widest cell; text: its longest number).
    """
    from rich.cells import cell_len

    lines = _lines(col)
    head = plain_lines(col.header) if header else []
    natural = max((cell_len(s) for s in lines + head), default=1)
    if col.max_width is not None:  # Rich never makes the column wider than this
        natural = max(min(natural, col.max_width), 1)
    head_word = min(max((cell_len(w) for s in head for w in s.split()), default=1), TEXT_MIN)
    numbers = max((cell_len(t) for s in lines for t in _NUMBER_TOKEN.findall(s)), default=1)
    if col.no_wrap or is_number_column(col):
        cells = max(map(cell_len, lines), default=1)
        return cells, max(cells, head_word), natural
    words = max((cell_len(w) for s in lines for w in s.split()), default=1)
    hard = max(numbers, min(words, 4))
    if col.overflow == "fold" or all(len(s.split()) <= 1 for s in lines):
        # names (ids, regions, lists of ids): each kept whole when there is room
        return max(hard, min(words, TEXT_MIN)), max(words, head_word), natural
    return hard, max(min(words, TEXT_MIN), numbers, head_word), natural


def _drop(table: Any, header: str) -> bool:
    for i, col in enumerate(table.columns):
        if " ".join(plain_lines(col.header)) == header:
            del table.columns[i]
            for j, c in enumerate(table.columns):
                c._index = j
            return True
    return False


def _available(table: Any, width: int) -> int:
    pads = sum(table._get_padding_width(c._index) for c in table.columns)
    return width - table._extra_width - pads


def fit_table(table: Any, width: int, drop: Sequence[str] = ()) -> list[str]:
    """Size the columns of a Rich ``table`` for a terminal ``width`` columns wide.

    Number columns never wrap and keep their widest cell whole; text columns wrap at spaces
    down to :data:`TEXT_MIN` characters (or their longest number). When the minimum widths
    do not fit, the columns named in ``drop`` are removed, in that order, until they do;
    when even the narrowest widths that keep every number whole do not fit, the last columns
    go too.
    A table that fits at its natural width is left as Rich lays it out.

    Returns:
        The headers of the columns dropped (empty when none was).
    """
    for col in table.columns:
        if is_number_column(col):
            col.no_wrap = True
    dropped: list[str] = []
    known = {id(c): _widths(c, table.show_header) for c in table.columns}  # measured once

    def need(kind: int) -> int:
        return sum(min(known[id(c)][kind], known[id(c)][2]) for c in table.columns)

    for name in drop:
        if need(1) <= _available(table, width):
            break
        if _drop(table, name):
            dropped.append(name)
    while len(table.columns) > 1 and need(0) > _available(table, width):
        last = table.columns.pop()  # never cut a number: drop a column instead
        dropped.append(" ".join(plain_lines(last.header)))
    spans = [known[id(c)] for c in table.columns]
    room = _available(table, width)
    if sum(n for _, _, n in spans) > room:
        _set_widths(table, spans, room)
    return dropped


def _set_widths(table: Any, spans: list[tuple[int, int, int]], room: int) -> None:
    """Fixed widths: each column's minimum (or hard minimum when the minimums do not fit),
    the rest of ``room`` shared in proportion to what each column would still take."""
    sizes = [m for _, m, _ in spans]
    if sum(sizes) > room:  # cut header words and long words of text, never a number
        sizes = [h for h, _, _ in spans]
    slack = room - sum(sizes)
    want = [max(n - m, 0) for m, (_, _, n) in zip(sizes, spans, strict=True)]
    total = sum(want) or 1
    if slack > 0:
        sizes = [m + slack * w // total for m, w in zip(sizes, want, strict=True)]
    for col, size in zip(table.columns, sizes, strict=True):
        col.width = size
        head = " ".join(plain_lines(col.header))
        if col.no_wrap and isinstance(col.header, str) and len(head) > size:
            col.header = "\n".join(textwrap.wrap(head, size, break_long_words=False))


def print_table(console: Any, table: Any, drop: Sequence[str] = ()) -> list[str]:
    """Print ``table`` fitted to ``console`` (:func:`fit_table`); when columns had to go,
    a dim line names them and says how to see them. Returns the dropped headers."""
    dropped = fit_table(table, console.width, drop)
    console.print(table)
    if dropped:
        console.print(f"narrow terminal: columns {', '.join(dropped)} left out (widen the "
                      "terminal or add --json)", style="dim")
    return dropped


def say(text: str, style: str | None = None) -> None:
    """Print ``text`` to stdout wrapped at spaces to the terminal width, without markup (a
    long line that the terminal wraps itself can cut a number in two)."""
    from rich.console import Console

    Console(highlight=False).print(text, style=style, markup=False)
