"""Table cells: untrusted text becomes a plain table string when it fits on one line, else a Paragraph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph

from dtac_app.dossier.fonts import REGULAR, drawable
from dtac_app.dossier.text import para

from .style import TEXT


@dataclass(frozen=True)
class Txt:
    """Untrusted text for a table cell, turned into a flowable once the column width is known.

    Text that fits on one line is drawn as a plain table string, which costs a fraction of a
    Paragraph (no markup parsing, no line breaking); everything else becomes a Paragraph.
    """

    text: str  # cleaned and clipped, not escaped
    style: ParagraphStyle
    suffix: str = ""  # markup this module wrote (the appendix reference)
    prefix: str = ""  # markup this module wrote (a bold label)
    paragraph_only: bool = False

    def paragraph(self) -> Paragraph:
        return Paragraph(self.prefix + para(self.text) + self.suffix, self.style)


# Every table starts from this font and colour, so plain-string cells in the usual style need no
# per-cell commands (a table's style commands cost more to apply than its text costs to draw).
BASE_FONT = (REGULAR, 7.5, 9.6)


def resolve(data: list[list[Any]], widths: Sequence[float], hpad: float) -> list[tuple[Any, ...]]:
    """Replace every ``Txt`` in ``data`` in place; return the style commands plain strings need.

    The commands assume the table's base style is ``BASE_FONT`` in ``TEXT`` colour.
    """
    cmds: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), *BASE_FONT),
        ("TEXTCOLOR", (0, 0), (-1, -1), TEXT),
    ]
    for r, row in enumerate(data):
        for c, v in enumerate(row):
            if isinstance(v, list):
                row[c] = [x.paragraph() if isinstance(x, Txt) else x for x in v]
            elif isinstance(v, Txt):
                st = v.style
                text = drawable(v.text)
                if (
                    not (v.suffix or v.prefix or v.paragraph_only)
                    and "\n" not in text
                    and stringWidth(text, st.fontName, st.fontSize) <= widths[c] - hpad
                ):
                    row[c] = text
                    if (st.fontName, st.fontSize, st.leading) != BASE_FONT:
                        cmds.append(("FONT", (c, r), (c, r), st.fontName, st.fontSize, st.leading))
                    if st.textColor != TEXT:
                        cmds.append(("TEXTCOLOR", (c, r), (c, r), st.textColor))
                else:
                    row[c] = v.paragraph()
    return cmds
