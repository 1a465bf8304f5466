"""Import the DTAC form people actually fill in (Word .docx or Markdown) and export it back.

Reading files lives here, outside the pure core: the readers turn a file into tables of text
(``raw``), the matcher (``matching``, pure) reads the answers without guessing, ``draft`` writes
the ``dtac-submission/1`` draft and the import report, and ``export`` writes a submission back
into a Word form.
"""

from __future__ import annotations

from pathlib import Path

from dtac_app.criteria import Catalogue
from dtac_app.errors import InputError
from dtac_app.safe_yaml import read_capped

from .matching import AssertedEvidence, FormImport, QuestionImport, match_form

__all__ = ["AssertedEvidence", "FormImport", "QuestionImport", "import_form", "import_form_file"]

FORM_SUFFIXES = (".docx", ".md", ".markdown")


def import_form(name: str, data: bytes, catalogue: Catalogue, criteria: str | None = None) -> FormImport:
    """Read a completed form (the one way in, for the command line and the workbench)."""
    lower = name.lower()
    if lower.endswith(".docx"):
        from .docx_reader import read_docx

        form = read_docx(name, data)
    elif lower.endswith((".md", ".markdown")):
        from .md_reader import read_markdown

        form = read_markdown(name, data)
    elif lower.endswith((".odt", ".doc", ".pdf")):
        raise InputError(
            name,
            "",
            "this format cannot be read; save the form as a Word .docx document (File > Save As) and import that",
        )
    else:
        raise InputError(name, "", "import a Word .docx form or a Markdown .md form")
    if criteria is not None:
        try:
            catalogue.dtac_set(criteria)
        except KeyError as e:
            raise InputError("--criteria", "", str(e.args[0])) from None
    try:
        return match_form(form, catalogue, criteria)
    except ValueError as e:
        raise InputError(name, "", str(e)) from None


def import_form_file(path: Path, catalogue: Catalogue, criteria: str | None = None) -> FormImport:
    from .docx_reader import MAX_FORM_BYTES

    return import_form(str(path), read_capped(path, MAX_FORM_BYTES), catalogue, criteria)
