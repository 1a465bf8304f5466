"""Terminal output that data cannot take over.

A product name, answer or file name can hold escape sequences (``ESC [ 2 J`` clears the screen,
``ESC ] 0 ;`` retitles the window, ``U+202E`` reverses the text that follows). Printed raw, they act
on the user's terminal. Every console the command line prints through is a :class:`SafeConsole`,
which shows such characters as visible ``\\x1b``-style escapes instead.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.text import Text

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidirectional overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with every control character replaced by a visible escape (``\\x1b``, ``\\u202e``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class SafeConsole(Console):
    """A rich Console whose strings (markup, table cells, everything rendered from ``str``) are
    made printable first. Rich's own styling is added later, so it is unaffected."""

    def render_str(self, text: str, **kw: Any) -> Text:
        return super().render_str(printable(text), **kw)
