"""What a reader hands to the matcher: the form's tables as text, with emphasis, and its cover text.

Both readers (Word and Markdown) produce this shape, so the matching works out a form's structure
the same way whatever file it came in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cell:
    """One table cell: its text (paragraphs joined by newlines) and which characters were emphasised.

    Suppliers mark the chosen option by making it bold or highlighting it, so emphasis is kept as
    a per-character mask over ``text``.
    """

    text: str
    emphasis: tuple[bool, ...] = ()

    @staticmethod
    def of(segments: list[tuple[str, bool]]) -> Cell:
        text = "".join(s for s, _ in segments)
        mask = tuple(e for s, e in segments for _ in s)
        return Cell(text=text, emphasis=mask)

    def slice(self, start: int, end: int) -> Cell:
        return Cell(text=self.text[start:end], emphasis=self.emphasis[start:end])

    def emphasised(self, start: int = 0, end: int | None = None) -> bool:
        """True when every visible character in text[start:end] is emphasised."""
        end = len(self.text) if end is None else end
        chars = [
            self.emphasis[i]
            for i in range(start, end)
            if i < len(self.emphasis) and not self.text[i].isspace()
        ]
        return bool(chars) and all(chars)

    def emphasised_runs(self) -> list[tuple[int, int]]:
        """Spans of emphasised text, as (start, end) offsets."""
        runs: list[tuple[int, int]] = []
        start: int | None = None
        for i, e in enumerate(self.emphasis):
            if e and start is None:
                start = i
            elif not e and start is not None:
                runs.append((start, i))
                start = None
        if start is not None:
            runs.append((start, len(self.emphasis)))
        return [(a, b) for a, b in runs if self.text[a:b].strip()]


@dataclass(frozen=True)
class Table:
    """A table in reading order. ``where`` says how a person finds it again ("table 3", "section C1.2")."""

    where: str
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class RawForm:
    file: str
    format: str  # "docx" or "md"
    cover: str  # text outside the tables (title page, headings), for the form version
    tables: tuple[Table, ...]
