"""Typed wrappers where Streamlit's type stubs fall short, so the pages type-check without
``type: ignore``.

* ``format_func=labelled({value: label})`` instead of ``format_func=labels.get`` (the stubs
  reject ``dict.get``, an overloaded method, as a formatter).
* :func:`select` for a selectbox that always has a choice: typed to return an option, not
  ``option | None`` (the stubs cannot tell that ``index=0`` over a non-empty list never gives None).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import streamlit as st

if TYPE_CHECKING:
    from streamlit.elements.widgets.button import DownloadButtonDataType

K = TypeVar("K", bound=Hashable)
# The colours ``st.badge`` accepts (its stub takes exactly these).
BadgeColour = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"]
T = TypeVar("T")


def labelled(labels: Mapping[K, str]) -> Callable[[K], str]:
    """A widget's ``format_func`` from a table of labels; a value without one is shown as it is."""

    def label(value: K) -> str:
        return labels.get(value, str(value))

    return label


def select(
    label: str,
    options: Sequence[T],
    *,
    index: int = 0,
    prefer: T | None = None,
    format_func: Callable[[T], str] = str,
    key: str,
    **kwargs: Any,
) -> T:
    """``st.selectbox`` with option ``index`` preselected, or ``prefer`` when it is one of the
    options (the one the page's address names, say); ``options`` must not be empty."""
    if not options:
        raise ValueError(f"{label}: nothing to choose from")
    if prefer is not None and prefer in options:
        index = list(options).index(prefer)
    chosen = st.selectbox(label, options, index=index, format_func=format_func, key=key, **kwargs)
    return options[index] if chosen is None else chosen


def pick_one(label: str, names: Mapping[K, str], *, key: str | None = None, **kwargs: Any) -> K | None:
    """``st.selectbox`` over the ids in ``names`` (each id with the name it is shown by), none chosen
    at first."""
    return st.selectbox(label, list(names), index=None, format_func=labelled(names), key=key, **kwargs)


def download(label: str, data: DownloadButtonDataType, *, file_name: str, mime: str, key: str) -> None:
    """A download button drawn the same way on every page: the download icon, and a click that does
    not run the page again (the file is already built, or built on click by a callable ``data``)."""
    st.download_button(
        label, data, file_name=file_name, mime=mime, on_click="ignore", key=key, icon=":material/download:"
    )
