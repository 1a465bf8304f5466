"""The pure core, imported when a command needs it.

The core (pydantic models, criteria, engine) is imported when a command needs it, so that
`dtac --help`, `dtac --version` and `dtac serve` start without paying for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dtac_app.criteria import Catalogue, Condition
    from dtac_app.results import Assessment
    from dtac_app.submission import Submission


def get_catalogue() -> Catalogue:
    from dtac_app.catalogue import get_catalogue as load

    return load()


def describe_condition(cond: Condition) -> str:
    from dtac_app.criteria import describe_condition as describe

    return describe(cond)


def assess_file(path: Path, **kw: object) -> tuple[Submission, Assessment]:
    from dtac_app.workbench.assessing import assess_file as run

    return run(path, **kw)  # type: ignore[arg-type]


def find_submissions(directory: Path) -> list[Path]:
    from dtac_app.workbench.assessing import find_submissions as find

    return find(directory)


def submission_json_schema() -> dict[str, object]:
    from dtac_app.submission import submission_json_schema as schema_of

    return schema_of()


def unreadable_answers(sub: Submission, catalogue: Catalogue) -> list[tuple[str, str, tuple[str, ...]]]:
    from dtac_app.submission import unreadable_answers as find

    return find(sub, catalogue)


def load_submission(path: Path, catalogue: Catalogue) -> Submission:
    from dtac_app.submission_io import load_submission as load

    return load(path, catalogue)
