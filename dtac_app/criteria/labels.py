"""How an option label is compared: published spellings, typography and case normalised away."""

from __future__ import annotations

import re

# Typography that differs between the published form, word processors and what people type:
# every hyphen and minus becomes "-" (en and em dashes " - ", as they separate words), curly and low quotes become straight ones, zero-width
# characters disappear, and NBSP (with every other Unicode space) counts as a plain space.
_TYPOGRAPHY = str.maketrans(
    {
        **dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2212\ufe63\uff0d"), "-"),
        **dict.fromkeys(map(ord, "\u2013\u2014\u2015\ufe58"), " - "),
        **dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032\uff07`\u00b4"), "'"),
        **dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u2033\uff02\u00ab\u00bb"), '"'),
        **dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None),
        **dict.fromkeys(
            map(
                ord,
                "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000",
            ),
            " ",
        ),
    }
)
_SPACED_DASH = re.compile(r"\s+-\s*|\s*-\s+")
_SPACED_SLASH = re.compile(r"\s*/\s*")


def canon_label(text: str) -> str:
    """The form of an option label used for matching, so published spellings compare equal.

    Case-insensitive; typography normalised (en/em dashes and minus signs are hyphens, curly
    quotes are straight, NBSP and other Unicode spaces are spaces, zero-width characters go);
    runs of spaces collapse; an en or em dash, or a hyphen with a space on either side, becomes
    `` - ``; spaces around ``/`` go; quotes around the whole label and a trailing full stop go
    ("Yes." and “Yes” are "Yes"). ``CriteriaSet.option_lookup`` maps
    these keys (for official labels and for the published aliases in the criteria file) to the
    official label; ``CriteriaSet.match_option`` does the look-up.
    """
    t = text.translate(_TYPOGRAPHY)
    t = " ".join(t.split())
    if "-" in t:
        t = _SPACED_DASH.sub(" - ", t)
    if "/" in t:
        t = _SPACED_SLASH.sub("/", t)
    return t.strip("'\" ").rstrip(". ").casefold()
