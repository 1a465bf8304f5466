"""One error type for bad input: it always names the file, the field and the reason."""

from __future__ import annotations


class InputError(Exception):
    """Bad input that the user can fix. Rendered as ``file: field: reason``."""

    def __init__(self, file: str, field: str, reason: str) -> None:
        self.file = file
        self.field = field
        self.reason = reason
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "field": self.field, "reason": self.reason}


MAX_REPORTED_ERRORS = 50


class InputErrors(InputError):
    """Several problems in one file, reported together: the first :data:`MAX_REPORTED_ERRORS` of
    them, and how many more there were (a file with 300 000 bad keys is one problem to its author,
    not 300 000 lines on the screen)."""

    def __init__(self, errors: list[InputError], *, total: int | None = None) -> None:
        self.errors = errors[:MAX_REPORTED_ERRORS]
        self.more = max(total or 0, len(errors)) - len(self.errors)
        first = errors[0]
        super().__init__(first.file, first.field, first.reason)

    @property
    def more_text(self) -> str:
        """``"… and 12 more problems"``, or "" when every problem is listed."""
        if not self.more:
            return ""
        return f"… and {self.more:,} more problem{'s' if self.more != 1 else ''} (fix these first)"

    @property
    def message(self) -> str:
        lines = [e.message for e in self.errors]
        if self.more:
            lines.append(f"{self.file}: {self.more_text}")
        return "\n".join(lines)
