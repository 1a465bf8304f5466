"""Text a person typed is data, never markup.

Streamlit renders Markdown (and, with ``unsafe_allow_html``, HTML) in ``st.markdown``, captions,
headers, alerts, expander and widget labels. A product name, an answer, an evidence reference or an
override rationale that reaches one of those as Markdown can lay a fake banner over the page, add a
live link, or make every viewer's browser fetch a remote image. So every piece of text that did not
come from the app's own constant strings goes through :func:`md` before it is put into Markdown, and
nothing in ``dtac_app/ui`` uses ``unsafe_allow_html`` (tests/test_markup_injection.py checks both, the
second in Chromium).
"""

from __future__ import annotations

import re

# The characters that start inline Markdown or HTML anywhere in a line (emphasis, code, links and
# images, raw HTML and <autolinks>, strikethrough, LaTeX, Streamlit's :colour[...] directives).
# Other punctuation stays as typed, so "2.3" or "Smith (UK)" reads the same in the page source.
_SPECIAL = re.compile(r"([\\`*_\[\]<>~$])")
# Entities (&lt; &#60;) would turn into the characters they name.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# What starts a block only at the beginning of a line: headings, quotes, lists, rules, tables.
_BLOCK_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[-+](?=\s)|\d{1,9}(?=[.)](?:\s|$)))")

# GitHub-flavoured Markdown turns bare addresses into links even when their punctuation is escaped
# (``http\://x\.org``, ``www\.x\.org``, ``a@b\.org``); an invisible word joiner breaks the pattern
# without changing what the reader sees.
_AUTOLINK = re.compile(r"(?i)(://|www(?=\.)|@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` escaped so that Markdown shows it exactly as typed (on one line), with no live link."""
    s = " ".join(str(text).splitlines())
    s = _AUTOLINK.sub(lambda m: m.group()[0] + WORD_JOINER + m.group()[1:], s)
    s = _SPECIAL.sub(r"\\\1", s)
    s = _ENTITY.sub(r"\\&", s)
    # Escape the marker itself, or the "." / ")" after a list number (a backslash before a digit shows).
    return _BLOCK_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), s
    )
