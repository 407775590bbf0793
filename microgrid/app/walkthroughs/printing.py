"""The one printing helper every walkthrough shares: titles, headings, aligned rows, numbers.

A walkthrough reads like a derivation on paper: a symbol, its formula, then its number, each in
its own column (``∂a/∂z = a (1 − a) = 0.235004``). ``Printer`` writes such lines through any
``write`` callable (``print``, or a list's ``append`` in tests), every number with the same
number of decimals, so the columns line up and a test can parse the numbers back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from microgrid._checks import whole_number
from microgrid.engine import Value
from microgrid.formatting import fixed
from microgrid.words import LANGUAGES, check_lang

__all__ = ["CLOSING", "LANGUAGES", "Printer", "check_digits", "display_width", "words"]

#: The last line of every walkthrough.
CLOSING = {
    "en": "Every number above was computed by the autograd engine (microgrid.Value).",
    "zh": "以上每个数字都由自动求导引擎 (microgrid.Value) 计算得出。",
}


def words(text: Mapping[str, Mapping[str, str]], lang: str) -> Mapping[str, str]:
    """The words of ``lang`` from a walkthrough's ``TEXT`` table; refuses an unknown language."""
    return text[check_lang(lang)]


def check_digits(digits: object) -> int:
    """``digits`` as the number of decimals (1 to 17); a clear error otherwise."""
    return whole_number("digits", digits, minimum=1, maximum=17)


def display_width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" else 1 for ch in text)


class Printer:
    """Writes aligned lines: numbers at a fixed number of decimals, formulas padded to a column."""

    def __init__(self, write: Callable[[str], None], digits: int) -> None:
        self.write = write
        self.digits = check_digits(digits)

    def num(self, x: float) -> str:
        return fixed(x, self.digits)

    def col(self, x: float) -> str:
        """A number for a column: a space where the minus sign would be, so digits line up."""
        return fixed(x, self.digits) if x < 0 else " " + fixed(x, self.digits)

    def term(self, x: float) -> str:
        """A number as a factor in a product: in brackets when negative, ``2 · (-1.5)``."""
        return f"({self.num(x)})" if x < 0 else self.num(x)

    def vec(self, xs: Iterable[float]) -> str:
        """A vector as the seeds write it: (0.659001, 0.242433, 0.098566)."""
        return "(" + ", ".join(self.num(x) for x in xs) + ")"

    def line(self, text: str = "") -> None:
        self.write(text)

    def title(self, text: str) -> None:
        self.write(text)
        self.write("=" * display_width(text))

    def heading(self, text: str) -> None:
        self.write("")
        self.write(text)
        self.write("-" * display_width(text))

    def closing(self, lang: str) -> None:
        """The walkthrough's last line: where its numbers came from."""
        self.write("")
        self.write(CLOSING[lang])

    def rows(self, rows: Iterable[tuple[str, ...]], indent: str = "  ") -> None:
        """Rows of cells; every column but the last is padded to its widest cell."""
        rows = list(rows)
        if not rows:
            return
        width = max(len(r) for r in rows)
        widths = [
            max((display_width(r[c]) for r in rows if c < len(r) - 1), default=0)
            for c in range(width)
        ]
        for r in rows:
            cells = [
                cell + " " * (widths[c] - display_width(cell)) if c < len(r) - 1 else cell
                for c, cell in enumerate(r)
            ]
            self.write((indent + "".join(cells)).rstrip())

    def table(
        self, header: Sequence[str], rows: Iterable[Sequence[float | str]], indent: str = "    "
    ) -> None:
        """A table: a header row, then rows whose numbers are right-aligned under it."""
        cells = [list(header)] + [
            [c if isinstance(c, str) else self.num(c) for c in row] for row in rows
        ]
        widths = [max(display_width(r[c]) for r in cells) for c in range(len(header))]
        for r in cells:
            padded = [
                cell + " " * (w - display_width(cell))
                if c == 0
                else " " * (w - display_width(cell)) + cell
                for c, (cell, w) in enumerate(zip(r, widths))
            ]
            self.write((indent + "  ".join(padded)).rstrip())

    def equations(self, rows: Iterable[tuple[str, str, float | str]], indent: str = "    ") -> None:
        """``symbol = formula = number`` lines, aligned; a formula of "" is left out."""
        cells: list[tuple[str, ...]] = []
        for symbol, formula, value in rows:
            shown = value if isinstance(value, str) else self.col(value)
            if formula:
                cells.append((symbol, " = ", formula, " = ", shown))
            else:
                cells.append((symbol, " = ", shown))
        self.rows(cells, indent=indent)

    def grid(self, name: str, matrix: Sequence[Sequence[float]], indent: str = "    ") -> None:
        """A matrix under its name, one row per line, columns aligned: ``name =`` then rows."""
        self.write(f"{indent}{name} =")
        self.rows([tuple(self.col(x) + "  " for x in row) for row in matrix], indent + "  ")


def named(value: Value, label: str) -> Value:
    """``value`` with its ``label`` set: the name the text, the drawing and explain() use."""
    value.label = label
    return value
