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


class InputErrors(InputError):
    """Several problems in one file, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.file, first.field, first.reason)

    @property
    def message(self) -> str:
        return "\n".join(e.message for e in self.errors)
