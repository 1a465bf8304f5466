"""One vocabulary and one settings table: each enum and label table covers its values exactly,
the typer options offer exactly those values, and docs/settings.md lists every setting."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
from support import REPO

from dtac_app import vocabulary as V
from dtac_app.settings import Settings, env_name, get_settings


@pytest.mark.parametrize(
    ("literal", "table"),
    [
        (V.Profile, V.PROFILE_LABELS),
        (V.Profile, V.PROFILE_SHORT_LABELS),
        (V.Role, V.ROLE_LABELS),
        (V.Decision, V.DECISION_LABELS),
        (V.Decision, V.DECISION_COLOURS),
        (V.Outcome, V.OUTCOME_LABELS),
        (V.SectionStatus, V.SECTION_STATUS_LABELS),
    ],
)
def test_every_value_has_a_label(literal: object, table: dict[str, str]) -> None:
    assert list(table) == list(get_args(literal))


@pytest.mark.parametrize(("option", "literal"), [(V.ProfileOption, V.Profile), (V.RoleOption, V.Role)])
def test_command_line_choices_are_the_values(option: type, literal: object) -> None:
    assert [m.value for m in option] == list(get_args(literal))  # type: ignore[attr-defined]


def test_labels_of_unknown_words_are_the_words() -> None:
    assert V.decision_label("available") == "Available for NHS use"
    assert V.decision_label("error") == "error"
    assert V.outcome_label("fail") == "Not met"


def test_docs_list_every_setting() -> None:
    table = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"| `{env_name(name)}` |" in table, f"{env_name(name)} is not in docs/settings.md"


def test_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DTAC_DATA_DIR", str(tmp_path))
    assert get_settings().data_dir == tmp_path
    monkeypatch.setenv("DTAC_DATA_DIR", "")
    assert get_settings().data_dir is None, "an empty variable counts as unset"
