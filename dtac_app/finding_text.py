"""How a finding reads in one line beside (or led by) its rule id. Pure; shared by the pages and the dossier.

The engine writes a question's own findings as "<question> <short>: <reason>". Whether a sentence
starts with its rule id is told from the finding's fields (``kind``, ``question``), never read back
out of the sentence, except for results stored before findings had a ``kind``: those carry no
``question``, so for them alone the sentence is all there is to go on.
"""

from __future__ import annotations

from .results import Finding


def led_by_rule(f: Finding) -> bool:
    """Whether the finding's sentence starts with its rule id (a question's own finding)."""
    if f.kind is None:
        return f.text.startswith(f"{f.rule} ")
    return f.question is not None and f.question == f.rule


def finding_line(f: Finding) -> str:
    """A finding in one line, led by its rule id (once: question findings already start with it)."""
    return f.text if led_by_rule(f) else f"{f.rule}: {f.text}"


def without_rule(f: Finding) -> str:
    """A finding's sentence without its rule id in front, for a page that shows the id beside it."""
    if led_by_rule(f):
        return f.text[len(f.rule) + 1 :]
    if f.kind is None and f.text.startswith(f"{f.rule}: "):  # stored before the fields, see above
        return f.text[len(f.rule) + 2 :]
    return f.text
