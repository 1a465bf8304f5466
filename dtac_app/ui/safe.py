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

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that
# start Markdown, HTML, entities, Streamlit's :colour[...] / :material/icon: directives, or LaTeX.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


# GitHub-flavoured Markdown turns bare addresses into links even when their punctuation is escaped
# (``http\://x\.org``, ``www\.x\.org``, ``a@b\.org``); an invisible word joiner breaks the pattern
# without changing what the reader sees.
_AUTOLINK = re.compile(r"(?i)(://|www(?=\.)|@)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """``text`` escaped so that Markdown shows it exactly as typed (on one line), with no live link."""
    s = " ".join(str(text).splitlines())
    s = _AUTOLINK.sub(lambda m: m.group()[0] + WORD_JOINER + m.group()[1:], s)
    return _SPECIAL.sub(r"\\\1", s)
