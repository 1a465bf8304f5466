"""Documentation is checked like code: every command is in the README, every policy setting and
criteria file is in docs/criteria.md, and the README's two set-up commands are the ones CI runs."""

from __future__ import annotations

import re

import typer
from support import REPO

from dtac_app.cli import app
from dtac_app.criteria import Policy

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(t: typer.Typer, prefix: str = "dtac") -> list[str]:
    out = []
    for c in t.registered_commands:
        name = c.name or (c.callback.__name__ if c.callback else "")
        out.append(f"{prefix} {name.replace('_', '-')}")
    for g in t.registered_groups:
        out.append(f"{prefix} {g.name}")
        if g.typer_instance is not None:
            out += _commands(g.typer_instance, f"{prefix} {g.name}")
    return out


def test_every_command_is_in_the_readme() -> None:
    commands = _commands(app)
    assert "dtac assess" in commands and "dtac db" in commands
    for cmd in commands:
        assert f"`{cmd}" in README, f"{cmd} is not documented in README.md"


def test_every_policy_setting_is_documented() -> None:
    doc = (REPO / "docs" / "criteria.md").read_text(encoding="utf-8")
    policy = (REPO / "criteria" / "policy.yaml").read_text(encoding="utf-8")
    for name in Policy.model_fields:
        if name == "schema_":
            continue
        assert f"`{name}`" in doc, f"policy setting {name} missing from docs/criteria.md"
        assert re.search(rf"^{name}:", policy, re.M), (
            f"policy setting {name} missing from criteria/policy.yaml"
        )


def test_every_criteria_file_is_documented() -> None:
    doc = (REPO / "docs" / "criteria.md").read_text(encoding="utf-8")
    for path in sorted((REPO / "criteria").glob("*.yaml")):
        assert path.name in doc, f"{path.name} missing from docs/criteria.md"


def test_readme_set_up_commands_match_ci() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pip install -e . && dtac serve" in README
    assert 'python -m pip install -e ".[test]" && python -m pytest -q' in README
    assert 'python -m pip install -q -e ".[test]"' in ci and "python -m pytest -q" in ci
    for check in STATIC_CHECKS:
        assert f"\n{check}\n" in ci, f".ci/run does not run {check}"
        assert f"`{check}`" in README, f"README does not list the check {check}"
    assert ci.index("lint-imports") < ci.index("python -m pytest -q"), (
        "the static checks run before the tests"
    )


STATIC_CHECKS = ("ruff check .", "ruff format --check .", "mypy dtac_app", "lint-imports")
