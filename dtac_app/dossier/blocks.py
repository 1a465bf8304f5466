"""The dossier's vocabulary: inline content, blocks, chapters and the document they make up.

Every string in a block is plain text: the renderers escape all of it, whoever wrote it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# ----------------------------------------------------------------------------- inline content

Tone = Literal["normal", "strong", "muted"]


@dataclass(frozen=True, slots=True)
class Text:
    """A run of text. ``typed`` marks text a person typed (vendor answers, rationales): the HTML
    lets its direction follow the script, and the PDF clips a long one into the appendix.
    ``lead`` is a short bold lead-in the dossier itself writes ("Assessor override.")."""

    text: str
    tone: Tone = "normal"
    typed: bool = False
    lead: str = ""
    title: str = ""  # how the PDF appendix names the full text when a cell clips it


@dataclass(frozen=True, slots=True)
class Badge:
    """A status in words on a block of its colour."""

    label: str
    colour: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """A coloured status label followed by its summary."""

    label: str
    colour: str
    summary: str


@dataclass(frozen=True, slots=True)
class Hash:
    """A SHA-256 digest (or, when there is none, why not)."""

    value: str
    missing: str = ""


Inline = Text | Badge | Verdict | Hash
Cell = tuple[Inline, ...]
"""A table cell or fact value: one line per inline."""


def cell(*parts: Inline | str) -> Cell:
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


def typed(text: str, title: str = "", tone: Tone = "normal") -> Text:
    return Text(text, tone=tone, typed=True, title=title)


# ----------------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True)
class Heading:
    """``level`` 1 is a chapter's sub-heading (PDF bookmark), 2 below it, 3 below that."""

    text: str
    level: int
    anchor: str = ""


@dataclass(frozen=True, slots=True)
class Para:
    content: Cell
    style: Literal["body", "lead", "small", "muted"] = "small"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list. ``clip`` shortens each item on paper (the summary page only: the full text is in
    a later chapter); ``more`` is said after the list when it was cut short."""

    items: tuple[str, ...]
    ordered: bool = False
    more: str = ""
    clip: int | None = None


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    width_mm: float | None = None  # None: the rest of the width


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    detail: Cell = ()  # a further line about the row (PDF: a spanning row; HTML: the last column)
    highlight: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    detail_title: str = ""  # names the detail column in HTML


@dataclass(frozen=True, slots=True)
class Facts:
    """Key/value pairs."""

    caption: str
    rows: tuple[tuple[str, Cell], ...]
    key_mm: float = 42


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart of data the document also gives as a table (so the HTML needs no chart)."""

    kind: Literal["sections", "d1"]


@dataclass(frozen=True, slots=True)
class Beside:
    """Facts with a chart beside them on paper."""

    facts: Facts
    chart: Chart


@dataclass(frozen=True, slots=True)
class DecisionPanel:
    caption: str  # "Decision", "Result so far (draft)", …
    label: str
    colour: str
    summary: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A boxed warning: how the whole document is to be read (the draft marking)."""

    title: str
    text: str
    colour: str


Block = Heading | Para | Bullets | Table | Facts | Chart | Beside | DecisionPanel | Notice


@dataclass(frozen=True, slots=True)
class Chapter:
    """One part of the dossier: a new page on paper, a ``<section>`` with an h2 in HTML."""

    anchor: str
    title: str
    blocks: tuple[Block, ...]
    one_page: bool = False  # the PDF shrinks it rather than spill over


# ----------------------------------------------------------------------------- the document


MarkingKind = Literal["signed", "draft", "precheck"]


@dataclass(frozen=True, slots=True)
class Marking:
    """How the dossier must be read, said on the cover and in the header of every page."""

    kind: MarkingKind
    text: str  # the running-header words
    explanation: str
    colour: str

    @property
    def official(self) -> bool:
        return self.kind == "signed"


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    subtitle: str
    product: str  # "name version", for headers and footers
    product_name: str
    product_line: str  # "Version … · manufacturer"
    as_of: str
    decision_label: str
    decision_colour: str
    marking: Marking
    cover: tuple[Block, ...]
    chapters: tuple[Chapter, ...]
    footer: str
    subject: str
    keywords: tuple[str, ...]
    generator: str
    fingerprint: str
    appendix_intro: str = field(
        default=(
            "Texts too long for a table cell are shown there in part and printed here in full, exactly as "
            "supplied (characters the embedded fonts cannot draw, such as emoji, appear as �)."
        )
    )

    @property
    def full_title(self) -> str:
        base = f"{self.title}: {self.product}"
        return base if self.marking.official else f"{base} — {self.marking.text}"
