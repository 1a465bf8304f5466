"""The accessible HTML dossier: the format-neutral document through an autoescaping Jinja2 template.

ReportLab cannot tag PDFs, so this is the accessible copy: one self-contained file with semantic
headings, real tables (caption, ``<th scope>``), a language, colours that pass WCAG 2.2 AA
contrast, statuses in words as well as colour, print styles, and no scripts or external assets.
The words come from ``document.build_document``, the same document the PDF lays out; the template
(``templates/dossier.html.j2``) only decides the markup, and escapes every value it prints.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
from markupsafe import Markup

from dtac_app import __version__

from . import blocks as D
from . import content as C
from .document import build_document
from .text import clean


def _finalize(value: Any) -> Any:
    """Every printed value is cleaned of characters no output can carry (markup the template made stays)."""
    return value if isinstance(value, Markup) else clean(value)


def _css_string(value: str) -> Markup:
    """Text inside a CSS string: every character that is not a letter, digit or space as a \\HEX escape."""
    return Markup("".join(ch if ch.isalnum() or ch == " " else f"\\{ord(ch):x} " for ch in clean(value)))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dtac_app.dossier", "templates"),
        autoescape=True,  # every file: the template is HTML whatever its name
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["text_on"] = C.text_on
    env.filters["css_string"] = _css_string
    kinds: dict[str, type] = {
        "heading": D.Heading,
        "para": D.Para,
        "bullets": D.Bullets,
        "table": D.Table,
        "facts": D.Facts,
        "beside": D.Beside,
        "decision_panel": D.DecisionPanel,
        "notice": D.Notice,
        "badge": D.Badge,
        "verdict": D.Verdict,
        "hash": D.Hash,
    }
    for name, kind in kinds.items():
        env.tests[name] = lambda value, kind=kind: isinstance(value, kind)
    return env


def render_html(d: C.DossierInput, doc: D.Document | None = None) -> bytes:
    """The HTML of ``doc`` (built from ``d`` when not given)."""
    document = doc or build_document(d)
    page = _environment().get_template("dossier.html.j2").render(doc=document, version=__version__)
    return page.encode("utf-8")


__all__ = ["render_html"]
